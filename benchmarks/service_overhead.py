"""What one ``tutor serve`` adds over its LLM: latency, throughput, CPU and memory per endpoint.

    .venv/bin/python benchmarks/service_overhead.py [--latency 0.3] [--clients 20 50]
        [--seconds 20] [--soak 300] [--learners 200] [--workers 1] [--verdict correct]
        [--endpoints explain chat grade search] [--queue-timeout 10] [--baseline CMD]

A starlette app on 127.0.0.1 (its own process) plays an OpenAI-compatible provider that
answers every chat completion after ``--latency`` seconds: an ``Explanation`` citing the first
passage it was given, a grade (``--verdict``) or plain text, by the schema asked for. A fresh
data dir is indexed (``tutor index``) and one ``tutor serve --workers N`` is pointed at the fake
with the LLM cache off. As a school's service, it has keys: the script makes an admin key and
``--learners`` learner keys through ``POST /v1/keys``, and each request goes out with the next
learner's key, so attempts come from a class of learners, each with a short history, not from
one learner replaying a growing one (``--learners 0``: keyless local mode, one learner). Each
endpoint is warmed up with ``--warm-up`` seconds of load (every learner's key and every question
seen once, as in a service that has been serving the class for a while). Then,
for each client count, closed-loop clients (each sends its next request when the last one is
answered) load, for ``--seconds`` each:

- the fake LLM directly (the same request an explanation sends): the ceiling of this machine;
- a bare ``litellm.acompletion`` loop sending that request, in a process of its own as the
  service's calls are: the floor of any path through litellm, tutor's default (its p50 and p99
  over the LLM, throughput and CPU ms per call; ``--no-litellm-loop`` skips it);
- ``POST /v1/explain``, ``POST /v1/chat/completions`` (a lone question), ``POST
  /v1/items/{id}/attempts`` (a free-text answer graded by the LLM engine, every answer new so
  no cache helps) and ``POST /v1/search`` (no LLM: its latency is all overhead).

Per endpoint it prints p50 and p99 latency over the fake's ``--latency`` (search: the whole
latency), throughput and its ratio to the direct calls, CPU ms per request (the CPU time of
every tutor process, from ``/proc``, so Linux only, over the phase divided by the requests
answered), errors, the 503s of back-pressure apart (``503``; one without ``Retry-After``
counts as an error) and the slowest answer of any status in seconds (``max s``), to hold
against the service's ``TUTOR_QUEUE_TIMEOUT`` (``--queue-timeout``: how long a request may
wait for worker threads in all). Last, a soak at the lowest client count sends mixed traffic
for ``--soak`` seconds (half the clients grading attempts, a quarter explaining, a quarter
chatting, all from the learner pool) and prints the RSS of every tutor process together before
it and every minute (``--soak-interval``), so a plateau shows, and the growth from the first
sample to the end (the issue's target: at most 5% from minute 1 to minute 5). The load
generator and the fake share this machine's CPU with the service.

On a shared machine figures move with other work from one minute to the next, so a change is
measured against the code before it in the same run: ``--baseline CMD`` serves a second tutor
(another checkout's, fresh data dir, its own learner keys) beside the first, and each phase
loads one and then the other (rows marked ``base``); the soak runs on ``--tutor`` only.
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
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
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
    api_base: str, workers: int, data_dir: Path, tutor: list[str], queue_timeout: float = 10
) -> Iterator[tuple[str, int]]:
    """A fresh data dir, indexed, served by ``tutor serve``; yields its URL and pid."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DISABLE_AIOHTTP_TRANSPORT"},
        "TUTOR_DATA_DIR": str(data_dir),
        "TUTOR_MODEL": "openai/fake-llm",
        "TUTOR_API_BASE": api_base,
        "TUTOR_LLM_CACHE": "off",
        "TUTOR_LLM_MAX_RETRIES": "0",
        "OPENAI_API_KEY": "sk-loopback-benchmark-not-a-real-key",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "TUTOR_QUEUE_TIMEOUT": str(queue_timeout),
    }  # fmt: skip (litellm's transport is the one tutor serve ships with)
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
    keyed: bool = True  # sent with a learner's key (the fake itself needs none)


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
        "direct": Endpoint("fake LLM, direct", "POST", "/chat/completions", direct, keyed=False),
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
    refused: int = 0  # 503 with Retry-After: back-pressure, not an error
    slowest: float = 0.0  # seconds, any answer (200, 503 or another status)
    seconds: float = 0.0
    cpu: float = 0.0

    @property
    def done(self) -> int:
        return len(self.latencies)

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


_counter = iter(range(10**9))


def _headers(keys: list[str], n: int) -> dict[str, str]:
    """Request ``n``'s learner: the pool taken in turn (no header in local mode)."""
    return {"Authorization": f"Bearer {keys[n % len(keys)]}"} if keys else {}


async def load(
    base: str,
    endpoint: Endpoint,
    clients: int,
    seconds: float,
    keys: list[str],
    timeout: float = 60,
    result: Result | None = None,
) -> Result:
    """``clients`` closed loops for ``seconds``; a request cut off at the end is not counted.
    ``result`` collects as the requests are answered (a soak samples it while it runs)."""
    result = result if result is not None else Result()
    keys = keys if endpoint.keyed else []
    stop = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)
    ) as session:

        async def client() -> None:
            while time.perf_counter() < stop:
                n = next(_counter)
                body, headers = endpoint.body(n), _headers(keys, n)
                started = time.perf_counter()
                try:
                    async with session.request(
                        endpoint.method, base + endpoint.path, json=body, headers=headers
                    ) as reply:
                        await reply.read()
                        status = reply.status
                        retry_after = "retry-after" in reply.headers
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status, error, retry_after = 0, type(exc).__name__, False
                else:
                    error = str(status)
                took = time.perf_counter() - started
                if status:
                    result.slowest = max(result.slowest, took)
                if status == 200:
                    result.latencies.append(took)
                elif status == 503 and retry_after:
                    result.refused += 1
                else:
                    result.errors[error] = result.errors.get(error, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        result.seconds = time.perf_counter() - started
    return result


async def warm_up(base: str, endpoint: Endpoint, keys: list[str], times: int = 3) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        for _ in range(times):
            n = next(_counter)
            body, headers = endpoint.body(n), _headers(keys, n)
            url = base + endpoint.path
            async with session.request(endpoint.method, url, json=body, headers=headers) as reply:
                if reply.status != 200:
                    raise RuntimeError(f"{endpoint.name}: {reply.status} {await reply.text()}")


async def learner_keys(base: str, learners: int) -> list[str]:
    """An admin key (which ends keyless local mode), then ``learners`` learner keys made with
    it, as a school's admin would through ``POST /v1/keys``."""
    if learners <= 0:
        return []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def issue(body: dict[str, str], headers: dict[str, str]) -> str:
            async with session.post(f"{base}/v1/keys", json=body, headers=headers) as reply:
                if reply.status != 201:
                    raise RuntimeError(f"POST /v1/keys: {reply.status} {await reply.text()}")
                key: str = (await reply.json())["key"]
                return key

        admin = {"Authorization": f"Bearer {await issue({'role': 'admin'}, {})}"}
        return [await issue({"role": "learner", "learner_name": f"learner {i}"}, admin)
                for i in range(learners)]  # fmt: skip


def measured(
    base: str, endpoint: Endpoint, clients: int, seconds: float, pid: int, keys: list[str]
) -> Result:
    before = cpu_seconds(pid) if pid else 0.0
    result = asyncio.run(load(base, endpoint, clients, seconds, keys))
    result.cpu = (cpu_seconds(pid) - before) if pid else 0.0
    return result


def _litellm_loop(api_base: str, clients: int, seconds: float) -> tuple[list[float], float, float]:
    """In its own process: ``clients`` closed loops of a bare ``litellm.acompletion`` sending
    what an explanation sends; the latencies, the phase's seconds and the process's CPU
    seconds (the first call, litellm's lazy set-up, before the clock)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no cost-map download
    os.environ.setdefault("DISABLE_AIOHTTP_TRANSPORT", "True")  # httpx, as tutor's calls
    import litellm

    litellm.suppress_debug_info, litellm.telemetry = True, False
    body = endpoints()["direct"].body

    async def call(n: int) -> None:
        await litellm.acompletion(model="openai/fake", api_base=api_base, api_key="sk-loopback",
                                  messages=body(n)["messages"], timeout=60)  # fmt: skip

    async def run() -> tuple[list[float], float, float]:
        await call(-1)
        latencies: list[float] = []
        stop = time.perf_counter() + seconds

        async def client() -> None:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                await call(next(_counter))
                latencies.append(time.perf_counter() - started)

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(client() for _ in range(clients)))
        return latencies, time.perf_counter() - started, time.process_time() - cpu

    return asyncio.run(run())


def litellm_loop(api_base: str, clients: int, seconds: float) -> Result:
    """The floor through litellm: its loop in a process of its own, as the service's is."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        latencies, took, cpu = pool.apply(_litellm_loop, (api_base, clients, seconds))
    return Result(latencies=latencies, seconds=took, cpu=cpu, slowest=max(latencies, default=0.0))


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
        f" {errors:4d} {result.refused:4d} {result.slowest:5.1f}{detail}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per fake LLM call")
    parser.add_argument("--clients", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--seconds", type=float, default=20, help="per endpoint and client count")
    parser.add_argument("--soak", type=float, default=300, help="soak seconds (0: no soak)")
    parser.add_argument("--warm-up", type=float, default=5,
                        help="seconds of load per endpoint before measuring, at the lowest "
                             "client count (0: three requests only)")  # fmt: skip
    parser.add_argument("--soak-interval", type=float, default=60,
                        help="seconds between the soak's RSS samples")  # fmt: skip
    parser.add_argument("--learners", type=int, default=200,
                        help="learner keys taken in turn (0: keyless, one learner)")  # fmt: skip
    parser.add_argument("--workers", type=int, default=1, help="tutor serve --workers")
    parser.add_argument("--no-litellm-loop", action="store_true",
                        help="skip the bare litellm.acompletion loop's row")  # fmt: skip
    parser.add_argument("--queue-timeout", type=float, default=10,
                        help="the service's TUTOR_QUEUE_TIMEOUT (seconds)")  # fmt: skip
    parser.add_argument("--tutor", default=str(TUTOR),
                        help="the command that runs tutor (e.g. another checkout's)")  # fmt: skip
    parser.add_argument("--baseline", default=None,
                        help="a second tutor command (the commit before, say: 'env PYTHONPATH=DIR "
                             ".venv/bin/tutor' with DIR from git archive) served beside --tutor "
                             "and measured right after it in every phase of the same run, its "
                             "rows marked 'base'")  # fmt: skip
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
        f"{args.verdict}, {args.learners or 'one (local mode)'} learners, queue timeout "
        f"{args.queue_timeout:g} s, {os.cpu_count()} CPUs shared with the clients and the fake"
    )
    command = args.tutor.split()
    with ExitStack() as stack:
        api_base = stack.enter_context(fake_llm(args.latency, args.verdict))
        services = {"": command, "base ": (args.baseline or "").split()}
        served: dict[str, tuple[str, int, list[str]]] = {}  # label: URL, pid, learner keys
        for label, tutor in services.items():
            if tutor:
                tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
                base, pid = stack.enter_context(
                    tutor_serve(api_base, args.workers, tmp, tutor, args.queue_timeout)
                )
                served[label] = base, pid, asyncio.run(learner_keys(base, args.learners))
        for base, _, keys in served.values():
            for name in args.endpoints:  # warm up: models load on first use
                asyncio.run(warm_up(base, table[name], keys))
            for name in args.endpoints:  # ... and a service that has been serving a class for
                # a while has seen each learner's key and each question (the first phase
                # measured without this had a p99 of +190 to +260 ms, the next ones +56 to +73)
                asyncio.run(load(base, table[name], min(args.clients), args.warm_up, keys))
        print(f"  {'':32} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'ratio':>5} "
              f"{'CPU ms':>6} {'done':>6} {'err':>4} {'503':>4} {'max s':>5}   "
              "(latency over the LLM's)")  # fmt: skip
        for clients in args.clients:
            print(f"{clients} concurrent clients (load average {os.getloadavg()[0]:.1f})")
            direct = measured(api_base, table["direct"], clients,
                              args.seconds, 0, [])  # fmt: skip
            direct_rate = direct.done / direct.seconds
            print(row(table["direct"].name, direct, args.latency, 1, None))
            if not args.no_litellm_loop:
                through = litellm_loop(api_base, clients, args.seconds)
                print(row("litellm.acompletion loop, direct", through, args.latency, 1,
                          direct_rate))  # fmt: skip
            for name in args.endpoints:
                endpoint = table[name]
                for label, (base, pid, keys) in served.items():
                    result = measured(base, endpoint, clients, args.seconds, pid, keys)
                    print(row(label + endpoint.name, result, args.latency, endpoint.llm_calls,
                              direct_rate if endpoint.llm_calls else None))  # fmt: skip
        base, pid, keys = served[""]
        if args.soak > 0:
            mix = {"grade": clients_share(min(args.clients), 2), "explain": 0, "chat": 0}
            rest = min(args.clients) - mix["grade"]
            mix["explain"], mix["chat"] = rest - rest // 2, rest // 2
            asyncio.run(soak(base, pid, table, mix, args.soak, args.soak_interval, keys))
    return 0


def clients_share(clients: int, parts: int) -> int:
    return max(1, clients // parts)


async def soak(
    base: str,
    pid: int,
    table: dict[str, Endpoint],
    mix: dict[str, int],
    seconds: float,
    interval: float,
    keys: list[str],
) -> None:
    """``mix[name]`` clients on each endpoint at once for ``seconds``; RSS every ``interval``."""
    results = {name: Result() for name in mix}
    samples = [(0.0, rss_mib(pid), 0)]
    started = time.perf_counter()

    async def sample() -> None:
        while (elapsed := time.perf_counter() - started) < seconds - interval / 2:
            await asyncio.sleep(min(interval, seconds - elapsed))
            done = results["grade"].done if "grade" in results else 0
            samples.append((time.perf_counter() - started, rss_mib(pid), done))

    await asyncio.gather(
        sample(),
        *(load(base, table[name], clients, seconds, keys, result=results[name])
          for name, clients in mix.items() if clients),
    )  # fmt: skip
    end = rss_mib(pid)
    attempts = results["grade"].done if "grade" in results else 0
    if samples[-1][0] < seconds - 1:
        samples.append((time.perf_counter() - started, end, attempts))
    errors = {name: sum(r.errors.values()) for name, r in results.items()}
    refused = {name: r.refused for name, r in results.items()}
    served = ", ".join(f"{r.done} {name}" for name, r in results.items())
    print(f"soak: {seconds:.0f} s, {sum(mix.values())} clients "
          f"({', '.join(f'{c} {n}' for n, c in mix.items())}), {len(keys) or 1} learners: "
          f"{served} answered, errors {errors}, 503 {refused}")  # fmt: skip
    print(f"  {'at s':>6} {'RSS MiB':>8} {'attempts':>8}   (every tutor process together; "
          f"load average {os.getloadavg()[0]:.1f} at the end)")  # fmt: skip
    for at, rss, done in samples:
        print(f"  {at:6.0f} {rss:8.1f} {done:8d}")
    if len(samples) >= 3:
        _, first, first_done = samples[1]
        _, last, last_done = samples[-1]
        per = (last - first) * 1024 / (last_done - first_done) if last_done > first_done else 0.0
        print(f"  growth from {samples[1][0]:.0f} s to the end: {last - first:+.1f} MiB "
              f"({(last - first) / first:+.1%}), {per:+.1f} KiB per attempt; before the soak "
              f"{samples[0][1]:.0f} MiB")  # fmt: skip
    grade = results.get("grade")
    if grade and grade.latencies:
        print(f"  attempt p50 / p99 latency: {grade.pct(0.5) * 1000:.0f} / "
              f"{grade.pct(0.99) * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
