"""`tutor serve` calls its provider through litellm's default transport (aiohttp): respx sees
httpx only, so the other tests run litellm over httpx (tests/conftest.py); this one starts the
real command against a real OpenAI-compatible provider on 127.0.0.1 (a thread of the test's),
and checks what a learner sees: an explanation with its citation, a streamed chat completion,
and a provider's 503 as the service's 503 with ``Retry-After``."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.api.conftest import serve
from tests.conftest import CORPUS_DIR
from tests.ports import free_port, wait_for_port

pytestmark = pytest.mark.slow

TUTOR = str(Path(sys.executable).parent / "tutor")
FAIL = "ZZPROVIDERDOWN"  # a question holding this gets the provider's 503


def _provider() -> Starlette:
    async def chat(request: Request) -> Response:
        body = await request.json()
        text = " ".join(str(m.get("content", "")) for m in body["messages"])
        if FAIL in text:
            return JSONResponse({"error": {"message": "overloaded"}}, status_code=503)
        if body.get("stream"):

            async def events() -> AsyncIterator[str]:
                for word in ["Examples ", "show ", "the ", "format."]:
                    delta = {"index": 0, "delta": {"content": word}}
                    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0,
                             "model": "fake", "choices": [delta]}  # fmt: skip
                    yield f"data: {json.dumps(chunk)}\n\n"
                    await asyncio.sleep(0.01)
                yield "data: [DONE]\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")
        cited = [i for i in re.findall(r'id="([^"]+)"', text) if i != "..."][:1]  # not the example
        content = json.dumps({
            "answer": f"Examples show the model the format [{cited[0]}].",
            "citations": cited, "covered": True,
        })  # fmt: skip
        return JSONResponse({
            "id": "c", "object": "chat.completion", "created": 0, "model": "fake",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        })  # fmt: skip

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


def test_tutor_serve_talks_to_its_provider_over_litellms_default_transport(
    indexed_data_dir: Path, tmp_path: Path
) -> None:
    with serve(_provider()) as url:
        api_base = f"{url}/v1"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TUTOR_") and k != "DISABLE_AIOHTTP_TRANSPORT"
        }
        env |= {
            "TUTOR_DATA_DIR": str(indexed_data_dir), "TUTOR_CORPUS_DIR": str(CORPUS_DIR),
            "TUTOR_DATABASE_URL": f"sqlite:///{tmp_path / 'tutor.db'}",
            "TUTOR_MODEL": "openai/fake-llm", "TUTOR_API_BASE": api_base,
            "TUTOR_LLM_MAX_RETRIES": "0", "OPENAI_API_KEY": "sk-loopback-test-not-a-real-key",
        }  # fmt: skip
        port, log = free_port(), tmp_path / "serve.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [TUTOR, "serve", "--port", str(port)], env=env, stdout=sink,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                wait_for_port(port, lambda: process.poll() is None, seconds=180, why=log.read_text)
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
                    question = "Why do examples help a model follow a format?"
                    explained = http.post("/v1/explain", json={"question": question})
                    assert explained.status_code == 200, explained.text
                    reply = explained.json()
                    assert reply["covered"] and len(reply["citations"]) == 1, reply

                    chat = {"model": "tutor", "stream": True,
                            "messages": [{"role": "user", "content": question}]}  # fmt: skip
                    with http.stream("POST", "/v1/chat/completions", json=chat) as streamed:
                        assert streamed.status_code == 200
                        text = "".join(streamed.iter_text())
                    assert "Examples show the model the format" in text and "[DONE]" in text

                    session = http.post("/v1/sessions", json={}).json()["id"]
                    turn = f"/v1/sessions/{session}/messages"
                    assert http.post(turn, json={"content": question}).status_code == 200
                    why = {"content": "why?", "stream": True}  # a follow-up: the provider streams
                    with http.stream("POST", turn, json=why) as streamed:
                        assert streamed.status_code == 200
                        events = "".join(streamed.iter_text())
                    deltas = [json.loads(line[6:])["text"] for line in events.splitlines()
                              if line.startswith("data: ") and '"text"' in line[:20]]  # fmt: skip
                    assert "".join(deltas) == "Examples show the format.", events

                    question = f"Why do examples help a model follow a format? {FAIL}"
                    down = http.post("/v1/explain", json={"question": question})
                    assert down.status_code == 503, down.text
                    assert int(down.headers["retry-after"]) >= 1
            finally:
                process.terminate()
                process.wait(timeout=60)
