"""Grading throughput on the product path: ``tutor grade --batch`` and ``tutor eval grading``
through the LLM engine, against a raw ``litellm.acompletion`` loop on the same fake provider.

    .venv/bin/python benchmarks/eval_throughput.py [--answers 1000] [--concurrency 50]
        [--latency 0.1] [--identical 100] [--tree DIR]

A starlette app in its own process on 127.0.0.1 plays an OpenAI-compatible provider: every
chat completion waits ``--latency`` seconds and returns a valid grade (the verdict picked by a
hash of the request, so a third each is correct, partially correct and incorrect, as in a
real class) and counts the calls it received. In the same run, on the same fake:

1. raw: ``litellm.acompletion`` with ``--concurrency`` in flight, ``--answers`` requests, each
   the messages and ``response_format`` tutor sends to grade an answer (run before, between
   and after the two arms below; each arm is compared with the loop's runs around it: the
   machine is shared);
2. ``tutor grade --batch IN --out OUT --concurrency N`` (``TUTOR_MODEL`` set: the LLM engine)
   on ``--answers`` distinct answers (50 questions);
3. ``tutor eval grading IN --engine llm --checks none --concurrency N`` on the same answers;
4. ``tutor grade --batch`` on ``--identical`` copies of one answer: the calls the fake got.

Steps 2 and 3 run twice, with ``--processes 1`` (one process, as before the commands spread
over the cores) and with the commands' default (one process per core for runs this size);
the CPU figures count the worker processes too.

The two commands run as a user runs them, through the Typer app's own entry point
(``tutor.cli.app``, with the user's argv), each in a fresh Python process of its own that
imports tutor and litellm before the clock starts: the process start-up of the ``tutor``
script (about 2 s of imports, litellm the largest, 3-12 s of wall time on a loaded 2-core
machine; printed below) would otherwise be most of a 1,000-answer run at 100 ms. Everything
after argv parsing is timed: the settings, loading the offline grader, reading the file,
starting worker processes, the grading with litellm's first-call set-up, writing grades and
(eval) figures and the HTML report. A fresh process, because a process that has already
called the provider spawns its workers instead of forking them (see
``tutor.grading.batch.processes.start_method``), which is not what a user's ``tutor`` does.
Caches are off (``TUTOR_LLM_CACHE=off``, ``TUTOR_GRADE_CACHE=off``), so every answer is graded.

``--tree DIR`` runs the commands on the ``tutor`` package in DIR instead of this checkout's (a
copy of a commit: ``git archive COMMIT tutor | tar -x -C DIR``, with ``prompts``, ``corpus`` and
``evals`` beside it), so two commits can be measured one after the other on a shared machine
without touching the working tree, where other work may be uncommitted.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Before anything imports litellm (here, or in the fake provider's spawned process): the raw
# loop's litellm tried to download its cost map, with retries, and printed the failures.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

VERDICTS = (("correct", 0.9), ("partially_correct", 0.6), ("incorrect", 0.1))
MODEL = "openai/fake-grader"


def grade_for(body: bytes, verdicts: str) -> dict[str, object]:
    """``verdicts`` "mix": a third each, by a hash of the request; else that verdict always."""
    mix = VERDICTS if verdicts == "mix" else [v for v in VERDICTS if v[0] == verdicts]
    verdict, score = mix[hashlib.sha256(body).digest()[0] % len(mix)]
    return {
        "verdict": verdict, "score": score, "mistakes": [], "confidence": 0.8, "flags": [],
        "feedback": {"correct": ["the idea"], "missing": [], "next_step": "Go on.",
                     "text": "Graded by the fake provider."},
    }  # fmt: skip


def fake_provider(latency: float, verdicts: str = "mix") -> Starlette:
    calls = {"chat": 0}

    async def chat(request: Request) -> JSONResponse:
        raw = await request.body()
        body, content = json.loads(raw), json.dumps(grade_for(raw, verdicts))
        calls["chat"] += 1
        await asyncio.sleep(latency)
        return JSONResponse({
            "id": "chatcmpl-bench", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 400, "completion_tokens": 60, "total_tokens": 460},
        })  # fmt: skip

    async def count(request: Request) -> JSONResponse:
        return JSONResponse(calls)

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"]),
                             Route("/calls", count, methods=["GET"])])  # fmt: skip


def _serve_forever(port: int, latency: float, verdicts: str) -> None:
    uvicorn.run(fake_provider(latency, verdicts), host="127.0.0.1", port=port, log_level="warning",
                backlog=4096)  # fmt: skip


@contextmanager
def serve(latency: float, verdicts: str = "mix") -> Iterator[str]:
    """The fake provider in its own process (a real provider does not share our CPU time)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = multiprocessing.get_context("spawn").Process(
        target=_serve_forever, args=(port, latency, verdicts), daemon=True
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


def calls(api_base: str) -> int:
    return int(httpx.get(api_base.removesuffix("/v1") + "/calls").json()["chat"])


def grading_request() -> tuple[list[dict[str, str]], dict[str, object]]:
    """The messages and ``response_format`` tutor sends to grade one answer of the set."""
    from tutor.config import get_settings
    from tutor.grading.llm_grader import PROMPT, GradeOutput
    from tutor.llm.structured import response_format
    from tutor.prompts import PromptLibrary

    rendered = PromptLibrary.from_settings(get_settings()).render(
        *PROMPT, question="Question 1: how?", references=["The reference answer to question 1."],
        answer="Learner answer number 1: the water evaporates and leaves the salt 1.",
        common_mistakes=[], solution_steps=[], examples=[],
    )  # fmt: skip
    return [m.model_dump() for m in rendered.messages], response_format(GradeOutput)


async def raw_rate(api_base: str, n: int, concurrency: int) -> tuple[float, float]:
    """Requests per second of a bare ``litellm.acompletion`` loop sending what tutor sends to
    grade an answer (the ceiling to compare with), and its CPU seconds per request."""
    import litellm

    messages, response_format = grading_request()
    limit = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with limit:
            await litellm.acompletion(
                model=MODEL, api_base=api_base, temperature=0.0, response_format=response_format,
                messages=[*messages[:-1], {**messages[-1], "content": f"{messages[-1]['content']}"
                                                                      f" ({i})"}],
            )  # fmt: skip

    await one(-1)  # the first call pays litellm's lazy set-up
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - started), (time.process_time() - cpu) / n


def write_answers(path: Path, n: int, *, identical: bool = False) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            q = 0 if identical else i % 50
            answer = (
                "We let the water evaporate, so the salt stayed behind."
                if identical
                else (
                    f"Learner answer number {i}: the water evaporates and leaves the salt {i % 7}."
                )
            )
            row = {"id": f"a{i}", "question_id": f"q{q}", "question": f"Question {q}: how?",
                   "reference_answer": f"The reference answer to question {q}.",
                   "student_answer": answer, "label": VERDICTS[i % 3][0]}  # fmt: skip
            out.write(json.dumps(row) + "\n")


COMMAND = """
import contextlib, io, json, resource, sys, time

import litellm  # noqa: F401 (imported before the clock, as tutor.cli is)
from typer.main import get_command

from tutor.cli import app


def spent():
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


argv, code = json.loads(sys.argv[1]), 0
started, cpu = time.perf_counter(), spent()
with contextlib.redirect_stdout(io.StringIO()):
    try:
        get_command(app).main(argv, prog_name="tutor", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code or 0
print(json.dumps([time.perf_counter() - started, spent() - cpu, code]))
"""


TREE = REPO  # where the commands import tutor from (--tree)


def tutor(*argv: str) -> tuple[float, float]:
    """``tutor ARGV`` through the Typer app's entry point in a fresh process, timed after its
    imports: the seconds it took and the CPU seconds it spent, with its worker processes."""
    done = subprocess.run([sys.executable, "-c", COMMAND, json.dumps(argv)], cwd=TREE,
                          stdout=subprocess.PIPE, check=True)  # fmt: skip
    seconds, cpu, code = json.loads(done.stdout.decode().strip().splitlines()[-1])
    if code:
        raise RuntimeError(f"tutor {' '.join(argv)} exited {code}")
    return seconds, cpu


def startup_seconds() -> float:
    started = time.perf_counter()
    script = "import sys; sys.argv = ['tutor', '--help']; from tutor.cli import main; main()"
    subprocess.run([sys.executable, "-c", script], check=True, cwd=TREE, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per fake call")
    parser.add_argument("--identical", type=int, default=100)
    parser.add_argument(
        "--verdicts",
        choices=["mix", *(v for v, _ in VERDICTS)],
        default="mix",
        help="what the fake grades: a third each (mix), or always one verdict",
    )
    parser.add_argument("--tree", type=Path, default=REPO,
                        help="run the commands on the tutor package in this folder")  # fmt: skip
    args = parser.parse_args(argv)
    global TREE
    TREE = args.tree.resolve()
    if not (TREE / "tutor" / "__init__.py").is_file():
        parser.error(f"no tutor package in {TREE}")
    n, c = args.answers, str(args.concurrency)
    with serve(args.latency, args.verdicts) as api_base, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ.update({
            "OPENAI_API_KEY": "sk-loopback-benchmark-not-a-real-key", "TUTOR_MODEL": MODEL,
            "TUTOR_API_BASE": api_base, "TUTOR_LLM_CACHE": "off", "TUTOR_GRADE_CACHE": "off",
            "TUTOR_LLM_MAX_RETRIES": "0", "TUTOR_DATA_DIR": str(folder / "data"),
        })  # fmt: skip
        answers, same = folder / "answers.jsonl", folder / "same.jsonl"
        write_answers(answers, n)
        write_answers(same, args.identical, identical=True)
        eval_args = ("--engine", "llm", "--checks", "none", "--concurrency", c, "--fresh")

        load = os.getloadavg()[0]
        raws = [asyncio.run(raw_rate(api_base, n, args.concurrency))]
        runs: dict[str, tuple[tuple[float, float], tuple[float, float], float]] = {}
        for arm, extra in (("1 process", ("--processes", "1")), ("default", ())):
            if runs:  # the raw loop again between the arms: each is compared with its neighbours
                raws.append(asyncio.run(raw_rate(api_base, n, args.concurrency)))
            out, run = folder / f"out-{len(runs)}.jsonl", folder / f"run-{len(runs)}"
            grade = tutor("grade", "--batch", str(answers), "--out", str(out), "--concurrency",
                          c, "--json", *extra)  # fmt: skip
            evals = tutor("eval", "grading", str(answers), *eval_args, "--report", str(run),
                          "--json", *extra)  # fmt: skip
            figures = json.loads((run / "figures.json").read_text(encoding="utf-8"))
            runs[arm] = grade, evals, figures["timing"]["seconds"]
            load = max(load, os.getloadavg()[0])
        raws.append(asyncio.run(raw_rate(api_base, n, args.concurrency)))
        before = calls(api_base)
        tutor("grade", "--batch", str(same), "--out", str(folder / "same-out.jsonl"),
              "--concurrency", c, "--json")  # fmt: skip
        identical_calls = calls(api_base) - before
        load = max(load, os.getloadavg()[0])
    start = startup_seconds()
    raw = sum(r for r, _ in raws) / len(raws)
    raw_cpu = sum(cpu for _, cpu in raws) / len(raws) * 1000
    print(f"grading throughput: {n} answers, concurrency {c}, fake LLM at "
          f"{args.latency * 1000:.0f} ms ({args.verdicts} verdicts), caches off; "
          f"ceiling {args.concurrency / args.latency:.0f}/s; load average up to {load:.1f} "
          f"on {os.cpu_count()} CPUs; tutor from {TREE}")  # fmt: skip
    each = "/".join(f"{r:.1f}" for r, _ in raws)
    print(f"  raw litellm.acompletion loop:      {raw:7.1f} requests/s  (before/between/after: "
          f"{each})  {raw_cpu:5.1f} ms CPU per request")  # fmt: skip
    from tutor.grading.batch.processes import processes_for

    for i, (arm, (grade, evals, grading)) in enumerate(runs.items()):
        processes = 1 if arm == "1 process" else processes_for(n, None)
        raw = (raws[i][0] + raws[i + 1][0]) / 2
        print(f"  {arm} ({processes} process{'es' if processes > 1 else ''}; raw loop around "
              f"it {raw:.1f}/s):")  # fmt: skip
        for name, (seconds, cpu) in (("tutor grade --batch (LLM engine)", grade),
                                     ("tutor eval grading --engine llm", evals)):  # fmt: skip
            rate, per = n / seconds, cpu / n * 1000
            print(f"    {name + ':':34} {rate:7.1f} answers/s   {rate / raw:.2f}x raw  "
                  f"({seconds:.1f} s)  {per:5.1f} ms CPU per answer "
                  f"({per / raw_cpu:.1f}x raw)")  # fmt: skip
        print(f"      eval's grading phase {grading:.1f} s ({n / grading:.1f} answers/s, "
              f"{n / grading / raw:.2f}x raw); loading, figures and report the rest")  # fmt: skip
    print(f"  {args.identical} identical answers (grade --batch): {identical_calls} LLM calls")
    print(f"  (not timed above: `tutor --help` process start-up {start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
