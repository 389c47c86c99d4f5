"""What one ``tutor serve`` adds over its LLM: latency, throughput, CPU and memory per endpoint.

    .venv/bin/python benchmarks/service_overhead.py [--latency 0.3] [--clients 20 50]
        [--seconds 20] [--soak 300] [--workers 1] [--verdict correct]
        [--endpoints explain chat grade search]

A starlette app on 127.0.0.1 (its own process) plays an OpenAI-compatible provider that
answers every chat completion after ``--latency`` seconds: an ``Explanation`` citing the first
passage it was given, a grade (``--verdict``) or plain text, by the schema asked for. A fresh
data dir is indexed (``tutor index``) and one ``tutor serve --workers N`` is pointed at the fake
with the LLM cache off. Then, for each client count, closed-loop clients (each sends its next
request when the last one is answered) load, for ``--seconds`` each:

- the fake LLM directly (the same request an explanation sends): the ceiling of this machine;
- ``POST /v1/explain``, ``POST /v1/chat/completions`` (a lone question), ``POST
  /v1/items/{id}/attempts`` (a free-text answer graded by the LLM engine, every answer new so
  no cache helps) and ``POST /v1/search`` (no LLM: its latency is all overhead).

Per endpoint it prints p50 and p99 latency over the fake's ``--latency`` (search: the whole
latency), throughput and its ratio to the direct calls, errors, and CPU ms per request: the CPU
time of every tutor process (``/proc``, so Linux only) over the phase divided by the requests
answered. Last, a soak grades attempts (with some explains) at the lowest client count for
``--soak`` seconds and prints the tutor processes' RSS before it, after its first fifth and at
its end. The load generator and the fake share this machine's CPU with the service.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

REPO = Path(__file__).resolve().parents[1]
TUTOR = Path(sys.executable).parent / "tutor"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
QUESTIONS = [
    "Why do few-shot examples help a model follow a format?",
    "What is a context window and what happens when a prompt is longer than it?",
    "How does temperature change what a model samples?",
    "Why do language models hallucinate facts?",
    "What is prompt injection and how can an application defend against it?",
    "When should I fine-tune a model instead of improving the prompt?",
    "How does retrieval-augmented generation ground an answer in documents?",
    "Why ask a model for structured output such as JSON?",
    "How can I evaluate the quality of a model's answers?",
    "What makes a prompt clear and specific?",
]
ITEM = "fsp-02"  # a free-text item the grader reads with its rubric
ANSWER = "Examples show the model the format and the level of detail expected, attempt {n}."


# -- the fake provider ----------------------------------------------------------------------


def _completion(body: dict[str, Any], content: str) -> JSONResponse:
    return JSONResponse({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 600, "completion_tokens": 120, "total_tokens": 720},
    })  # fmt: skip


def _reply(body: dict[str, Any], verdict: str) -> str:
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("name", "")
    text = " ".join(str(m.get("content", "")) for m in body.get("messages", []))
    if schema == "Explanation":
        ids = re.findall(r'id="([^"]+)"', text)[:1]
        cited = f" [{ids[0]}]" if ids else ""
        return json.dumps({
            "answer": f"Examples show the model what is wanted{cited}. They fix the format "
                      "and the level of detail better than a description does.",
            "citations": ids, "covered": bool(ids),
        })  # fmt: skip
    if schema == "GradeOutput":
        score = {"correct": 0.9, "partially_correct": 0.5, "incorrect": 0.1}[verdict]
        return json.dumps({
            "verdict": verdict, "score": score, "mistakes": [], "confidence": 0.8, "flags": [],
            "feedback": {"correct": ["the format"], "missing": [], "next_step": "Go on.",
                         "text": "The answer names what examples show the model."},
        })  # fmt: skip
    return "Examples show the model the format it should follow."


def fake_provider(latency: float, verdict: str) -> Starlette:
    async def chat(request: Request) -> JSONResponse:
        body = await request.json()
        await asyncio.sleep(latency)
        return _completion(body, _reply(body, verdict))

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


def _serve_fake(port: int, latency: float, verdict: str) -> None:
    uvicorn.run(fake_provider(latency, verdict), host="127.0.0.1", port=port,
                log_level="warning", backlog=4096)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(port: int, alive: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline or not alive():
                raise RuntimeError(f"nothing came up on port {port}") from None
            time.sleep(0.1)


@contextmanager
def fake_llm(latency: float, verdict: str) -> Iterator[str]:
    """The fake provider in its own process (a real provider does not share our CPU time)."""
    port = _free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve_fake, args=(port, latency, verdict), daemon=True
    )
    process.start()
    try:
        _wait_for(port, process.is_alive, 30)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.join(timeout=10)


# -- the service ----------------------------------------------------------------------------


@contextmanager
def tutor_serve(
    api_base: str, workers: int, data_dir: Path, tutor: list[str]
) -> Iterator[tuple[str, int]]:
    """A fresh data dir, indexed, served by ``tutor serve``; yields its URL and pid."""
    env = {
        **os.environ,
        "TUTOR_DATA_DIR": str(data_dir), "TUTOR_MODEL": "openai/fake-llm",
        "TUTOR_API_BASE": api_base, "TUTOR_LLM_CACHE": "off", "TUTOR_LLM_MAX_RETRIES": "0",
        "OPENAI_API_KEY": "sk-loopback-benchmark-not-a-real-key",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True", "DISABLE_AIOHTTP_TRANSPORT": "True",
    }  # fmt: skip
    subprocess.run([*tutor, "index"], env=env, check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    port = _free_port()
    command = [*tutor, "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    log = open(data_dir / "serve.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=log)
    try:
        _wait_for(port, lambda: process.poll() is None)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _tree(root: int) -> list[int]:
    """``root`` and every process below it."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def cpu_seconds(root: int) -> float:
    """User + system CPU time of the process tree (children that ended are not counted)."""
    total = 0
    for pid in _tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def rss_mib(root: int) -> float:
    total = 0
    for pid in _tree(root):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except OSError:
            continue
    return total * PAGE / 2**20


# -- the load -------------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    body: Callable[[int], dict[str, Any]]
    llm_calls: int = 1  # the fake's latency is subtracted this many times


def endpoints() -> dict[str, Endpoint]:
    def question(n: int) -> str:
        return QUESTIONS[n % len(QUESTIONS)]

    def direct(n: int) -> dict[str, Any]:
        return {
            "model": "fake",
            "messages": [{"role": "user", "content": question(n)}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "Explanation"}},
        }

    def chat(n: int) -> dict[str, Any]:
        return {"model": "tutor", "messages": [{"role": "user", "content": question(n)}]}

    return {
        "direct": Endpoint("fake LLM, direct", "POST", "/chat/completions", direct),
        "explain": Endpoint(
            "POST /v1/explain", "POST", "/v1/explain", lambda n: {"question": question(n)}
        ),
        "chat": Endpoint("POST /v1/chat/completions", "POST", "/v1/chat/completions", chat),
        "grade": Endpoint(
            "POST /v1/items/{id}/attempts",
            "POST",
            f"/v1/items/{ITEM}/attempts",
            lambda n: {"answer": ANSWER.format(n=n)},
        ),
        "search": Endpoint(
            "POST /v1/search",
            "POST",
            "/v1/search",
            lambda n: {"query": question(n), "k": 5},
            llm_calls=0,
        ),
    }


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cpu: float = 0.0

    @property
    def done(self) -> int:
        return len(self.latencies)

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


_counter = iter(range(10**9))


async def load(
    base: str, endpoint: Endpoint, clients: int, seconds: float, timeout: float = 60
) -> Result:
    """``clients`` closed loops for ``seconds``; a request cut off at the end is not counted."""
    result = Result()
    stop = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)
    ) as session:

        async def client() -> None:
            while time.perf_counter() < stop:
                body = endpoint.body(next(_counter))
                started = time.perf_counter()
                try:
                    async with session.request(
                        endpoint.method, base + endpoint.path, json=body
                    ) as reply:
                        await reply.read()
                        status = reply.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status, error = 0, type(exc).__name__
                else:
                    error = str(status)
                if status == 200:
                    result.latencies.append(time.perf_counter() - started)
                else:
                    result.errors[error] = result.errors.get(error, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        result.seconds = time.perf_counter() - started
    return result


async def warm_up(base: str, endpoint: Endpoint, times: int = 3) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        for _ in range(times):
            body = endpoint.body(next(_counter))
            async with session.request(endpoint.method, base + endpoint.path, json=body) as reply:
                if reply.status != 200:
                    raise RuntimeError(f"{endpoint.name}: {reply.status} {await reply.text()}")


def measured(base: str, endpoint: Endpoint, clients: int, seconds: float, pid: int) -> Result:
    before = cpu_seconds(pid) if pid else 0.0
    result = asyncio.run(load(base, endpoint, clients, seconds))
    result.cpu = (cpu_seconds(pid) - before) if pid else 0.0
    return result


# -- the report -----------------------------------------------------------------------------


def row(name: str, result: Result, latency: float, calls: int, direct: float | None) -> str:
    over = latency * calls
    rate = result.done / result.seconds if result.seconds else 0.0
    ratio = f"{rate / direct:5.2f}" if direct else "    -"
    cpu = f"{1000 * result.cpu / result.done:6.1f}" if result.done and result.cpu else "     -"
    errors = sum(result.errors.values())
    detail = f" {result.errors}" if errors else ""
    p50, p99 = 1000 * (result.pct(0.5) - over), 1000 * (result.pct(0.99) - over)
    return (
        f"  {name:32} {p50:+8.0f} {p99:+8.0f} {rate:8.1f} {ratio} {cpu} {result.done:6d}"
        f" {errors:4d}{detail}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per fake LLM call")
    parser.add_argument("--clients", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--seconds", type=float, default=20, help="per endpoint and client count")
    parser.add_argument("--soak", type=float, default=300, help="soak seconds (0: no soak)")
    parser.add_argument("--workers", type=int, default=1, help="tutor serve --workers")
    parser.add_argument("--tutor", default=str(TUTOR),
                        help="the command that runs tutor (e.g. another checkout's)")  # fmt: skip
    parser.add_argument("--verdict", default="correct",
                        choices=["correct", "partially_correct", "incorrect"],
                        help="what the fake grader says")  # fmt: skip
    parser.add_argument("--endpoints", nargs="+", default=["explain", "chat", "grade", "search"],
                        choices=["explain", "chat", "grade", "search"])  # fmt: skip
    args = parser.parse_args(argv)
    table = endpoints()
    print(
        f"service overhead: fake LLM {args.latency * 1000:.0f} ms, tutor serve --workers "
        f"{args.workers}, LLM cache off, {args.seconds:.0f} s per phase, grader says "
        f"{args.verdict}, {os.cpu_count()} CPUs shared with the clients and the fake"
    )
    command = args.tutor.split()
    with fake_llm(args.latency, args.verdict) as api_base, \
            tempfile.TemporaryDirectory() as tmp, \
            tutor_serve(api_base, args.workers, Path(tmp), command) as (base, pid):  # fmt: skip
        for name in args.endpoints:  # warm up: models load on first use
            asyncio.run(warm_up(base, table[name]))
        print(f"  {'':32} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'ratio':>5} "
              f"{'CPU ms':>6} {'done':>6} {'err':>4}   (latency over the LLM's)")  # fmt: skip
        for clients in args.clients:
            print(f"{clients} concurrent clients")
            direct = measured(api_base, table["direct"], clients,
                              args.seconds, 0)  # fmt: skip
            direct_rate = direct.done / direct.seconds
            print(row(table["direct"].name, direct, args.latency, 1, None))
            for name in args.endpoints:
                endpoint = table[name]
                result = measured(base, endpoint, clients, args.seconds, pid)
                print(row(endpoint.name, result, args.latency, endpoint.llm_calls,
                          direct_rate if endpoint.llm_calls else None))  # fmt: skip
        if args.soak > 0:
            soak(base, pid, table, min(args.clients), args.soak)
    return 0


def soak(base: str, pid: int, table: dict[str, Endpoint], clients: int, seconds: float) -> None:
    start = rss_mib(pid)
    first = seconds / 5

    async def both(part: float) -> tuple[Result, Result]:
        return await asyncio.gather(
            load(base, table["grade"], clients - clients // 4, part),
            load(base, table["explain"], clients // 4, part),
        )

    graded = asyncio.run(both(first))
    early = rss_mib(pid)
    rest = asyncio.run(both(seconds - first))
    end = rss_mib(pid)
    attempts = graded[0].done + rest[0].done
    errors = sum(sum(r.errors.values()) for r in (*graded, *rest))
    late = rest[0].done
    per = (end - early) * 1024 / late if late else float("nan")
    print(
        f"soak: {seconds:.0f} s of attempts and explains at {clients} clients, "
        f"{attempts} attempts, {errors} errors"
    )
    print(f"  RSS of the tutor processes: {start:.0f} MiB before, {early:.0f} MiB after "
          f"{first:.0f} s, {end:.0f} MiB at the end ({(end - early) / early:+.1%} from "
          f"{first:.0f} s, {per:+.1f} KiB per attempt)")  # fmt: skip
    median = statistics.median(rest[0].latencies) if rest[0].latencies else float("nan")
    print(f"  attempt p50 latency at the end: {median * 1000:.0f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
