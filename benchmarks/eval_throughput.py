"""Eval harness throughput against a loopback fake LLM: graded answers per second vs the limit.

    .venv/bin/python benchmarks/eval_throughput.py [--answers 1000] [--repeats 3]
        [--concurrency 32] [--latency 0.05]

A starlette app on 127.0.0.1 plays an OpenAI-compatible provider: every chat completion waits
``--latency`` seconds and returns a valid grade as JSON. The real gateway (litellm, retries,
structured output) is pointed at it with ``api_base``, the response cache is off, and the
harness grades ``answers x repeats`` requests with ``--concurrency`` in flight. The ceiling is
``concurrency / latency`` answers per second; the gap is the harness and gateway overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tutor.config import Settings  # noqa: E402
from tutor.evals.cases import EvalCase, Scheme  # noqa: E402
from tutor.evals.llm_grader import LLMAdapter  # noqa: E402
from tutor.evals.results import Manifest, RunDir  # noqa: E402
from tutor.evals.runner import run  # noqa: E402
from tutor.evals.variants import Plan, build  # noqa: E402

GRADE = {
    "verdict": "partially_correct", "score": 0.5, "mistakes": [], "confidence": 0.7,
    "flags": [], "feedback": {"correct": ["the idea"], "missing": ["an example"],
                              "next_step": "Add an example.", "text": "Half of it is there."},
}  # fmt: skip


def fake_provider(latency: float) -> Starlette:
    async def chat(request: Request) -> JSONResponse:
        body = await request.json()
        await asyncio.sleep(latency)
        return JSONResponse({
            "id": "chatcmpl-bench", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": json.dumps(GRADE)}}],
            "usage": {"prompt_tokens": 400, "completion_tokens": 60, "total_tokens": 460},
        })  # fmt: skip

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


def _serve_forever(port: int, latency: float) -> None:
    uvicorn.run(fake_provider(latency), host="127.0.0.1", port=port, log_level="warning",
                backlog=4096)  # fmt: skip


@contextmanager
def serve(latency: float) -> Iterator[str]:
    """The fake provider in its own process (a real provider does not share our CPU time)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = multiprocessing.get_context("spawn").Process(
        target=_serve_forever, args=(port, latency), daemon=True
    )
    process.start()
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if time.monotonic() > deadline or not process.is_alive():
                raise RuntimeError("the fake provider did not start") from None
            time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.join(timeout=10)


async def raw_rate(api_base: str, n: int, concurrency: int) -> float:
    """Requests per second of a bare httpx client against the fake: this machine's ceiling."""
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30) as client:

        async def one() -> None:
            async with limit:
                reply = await client.post(f"{api_base}/chat/completions", json={"model": "raw"})
                reply.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return n / (time.perf_counter() - started)


def cases(n: int) -> list[EvalCase]:
    return [
        EvalCase(id=f"bench-{i}", question_id=f"q{i % 50}", question=f"Question {i % 50}?",
                 references=[f"The reference answer to question {i % 50}."],
                 answer=f"Learner answer number {i}.", label="partially_correct")
        for i in range(n)
    ]  # fmt: skip


async def measure(api_base: str, args: argparse.Namespace, folder: Path) -> float:
    settings = Settings(  # type: ignore[call-arg]
        model="openai/fake-grader", api_base=api_base, llm_cache="off", llm_max_retries=0,
        data_dir=folder, _env_file=None,
    )  # fmt: skip
    grader = LLMAdapter(settings)
    variants = build(cases(args.answers), Scheme("verdict"), Plan(checks=frozenset()))
    run_dir = RunDir(folder / "run")
    run_dir.start(Manifest(dataset="bench", grader=grader.name, version=grader.version,
                           scheme="verdict", repeats=args.repeats))  # fmt: skip
    started = time.perf_counter()
    results, stats = await run(grader, variants, run_dir, repeats=args.repeats,
                               concurrency=args.concurrency)  # fmt: skip
    seconds = time.perf_counter() - started
    if stats.failed:
        print(f"  {stats.failed} answers failed: {results[0].error}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per fake call")
    args = parser.parse_args(argv)
    os.environ.setdefault("OPENAI_API_KEY", "sk-loopback-benchmark-not-a-real-key")
    total = args.answers * args.repeats
    limit = args.concurrency / args.latency
    with serve(args.latency) as api_base, tempfile.TemporaryDirectory() as tmp:
        raw = asyncio.run(raw_rate(api_base, min(total, 1000), args.concurrency))
        seconds = asyncio.run(measure(api_base, args, Path(tmp)))
    rate = total / seconds
    print(
        f"eval throughput: {args.answers} answers x {args.repeats} repeats = {total} grades, "
        f"concurrency {args.concurrency}, fake latency {args.latency * 1000:.0f} ms, cache off"
    )
    print(f"  limit (concurrency / latency):      {limit:7.0f} answers/s")
    print(f"  bare httpx client on this machine:  {raw:7.0f} requests/s ({raw / limit:.0%})")
    share = rate / limit
    print(f"  tutor eval (gateway, litellm):      {rate:7.0f} graded answers/s ({share:.0%}), "
          f"{seconds:.1f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
