"""An OpenAI-compatible provider on 127.0.0.1, in a process of its own, for tests whose grading
runs in several processes (respx mocks the HTTP edge of this process only).

Every chat completion returns a valid grade: ``incorrect`` (0.1) when the request holds
:data:`WRONG`, else ``partially_correct`` (0.5), so the guard's offline second opinion (which
runs on a model's ``correct``) stays out of the results. ``GET /calls`` counts the completions.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.ports import free_port, wait_for_port

WRONG = "ZZWRONG"
MODEL = "openai/fake-grader"


def _grade(raw: bytes) -> str:
    verdict, score = ("incorrect", 0.1) if WRONG.encode() in raw else ("partially_correct", 0.5)
    return json.dumps({
        "verdict": verdict, "score": score, "mistakes": [], "confidence": 0.8, "flags": [],
        "feedback": {"correct": [], "missing": ["the rest"], "next_step": "Go on.",
                     "text": "Graded by the loopback provider."},
    })  # fmt: skip


def _serve(port: int, latency: float) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    calls = {"chat": 0}

    async def chat(request: Request) -> JSONResponse:
        raw = await request.body()
        calls["chat"] += 1
        await asyncio.sleep(latency)
        return JSONResponse({
            "id": "chatcmpl-loopback", "object": "chat.completion", "created": int(time.time()),
            "model": json.loads(raw).get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": _grade(raw)}}],
            "usage": {"prompt_tokens": 400, "completion_tokens": 60, "total_tokens": 460},
        })  # fmt: skip

    async def count(request: Request) -> JSONResponse:
        return JSONResponse(calls)

    app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"]),
                            Route("/calls", count, methods=["GET"])])  # fmt: skip
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


@contextmanager
def loopback_provider(latency: float = 0.0) -> Iterator[str]:
    """The provider's API base (``http://127.0.0.1:PORT/v1``) while the block runs."""
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(port, latency), daemon=True
    )
    root = str(Path(__file__).resolve().parents[2])
    sys.path.insert(0, root)  # the spawned process starts from this sys.path, and imports us
    try:
        process.start()
    finally:
        sys.path.remove(root)
    wait_for_port(port, process.is_alive, seconds=60,
                  why=lambda: "the loopback provider did not start")  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.join(10)


def calls(api_base: str) -> int:
    """Chat completions the provider has answered so far."""
    return int(httpx.get(api_base.removesuffix("/v1") + "/calls").json()["chat"])
