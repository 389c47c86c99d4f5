"""``tutor grade --batch`` and ``tutor eval grading`` over several processes, through the CLI,
against a loopback provider (the workers are other processes: respx cannot reach them)."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.grading_service.loopback import MODEL, WRONG, calls, loopback_provider
from tutor.cli import app

runner = CliRunner()
QUESTIONS = 5


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with loopback_provider() as api_base:
        yield api_base


def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, api_base: str) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback-test-not-a-real-key")
    monkeypatch.setenv("TUTOR_MODEL", MODEL)
    monkeypatch.setenv("TUTOR_API_BASE", api_base)
    monkeypatch.setenv("TUTOR_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TUTOR_DATABASE_URL", f"sqlite:///{tmp_path / 'tutor.db'}")


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, provider: str) -> str:
    _environment(monkeypatch, tmp_path, provider)
    return provider


def _row(i: int, answer: str | None = None) -> dict[str, Any]:
    q = i % QUESTIONS
    text = answer or (f"{WRONG} the salt melts ({i})" if i % 3 == 0 else f"It evaporates ({i}).")
    return {"id": f"a{i}", "question": f"Question {q}: how is the salt recovered?",
            "reference_answer": f"The water evaporates and leaves the salt ({q}).",
            "student_answer": text, "label": "incorrect" if i % 3 == 0 else "correct"}  # fmt: skip


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_grades_from_several_processes_are_those_of_one_in_input_order(
    llm_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [_row(i) for i in range(40)]
    rows += [{**rows[4], "id": "again-4"}, {**rows[7], "id": "again-7"}]  # graded once each
    source = _write(tmp_path / "in.jsonl", rows)
    monkeypatch.setenv("TUTOR_LLM_CACHE", "off")  # every run grades every answer
    monkeypatch.setenv("TUTOR_GRADE_CACHE", "off")
    outputs, reports = [], []
    for processes in ("1", "3"):
        out = tmp_path / f"out-{processes}.jsonl"
        before = calls(llm_env)
        reports.append(_run("grade", "--batch", str(source), "--out", str(out), "--processes",
                            processes, "--concurrency", "8", "--json"))  # fmt: skip
        assert calls(llm_env) - before == 40  # identical requests once, in any process
        outputs.append(out.read_text(encoding="utf-8").splitlines())
    assert outputs[0] == outputs[1]
    assert [json.loads(line)["id"] for line in outputs[1]] == [r["id"] for r in rows]
    assert reports[0] == {**reports[1], "out": reports[0]["out"]}
    assert reports[1]["verdicts"] == {"incorrect": 14, "partially_correct": 28}


def test_a_run_puts_the_garbage_collector_back(llm_env: str, tmp_path: Path) -> None:
    """A batch run freezes what is alive and collects less often (batch_gc); a process that
    goes on afterwards (a test run, a program embedding the CLI) gets its settings back."""
    source = _write(tmp_path / "in.jsonl", [_row(i) for i in range(4)])
    before = gc.get_threshold(), gc.get_freeze_count()
    _run("grade", "--batch", str(source), "--out", str(tmp_path / "out.jsonl"), "--json")
    assert gc.get_threshold() == before[0]
    # unfrozen as it was; frozen still where something around it had frozen it (an app this
    # test process serves: tutor.collector.collecting_less)
    assert (gc.get_freeze_count() > 0) is (before[1] > 0)


def test_a_bad_line_is_named_before_any_process_grades(llm_env: str, tmp_path: Path) -> None:
    lines = [json.dumps(_row(i)) for i in range(300)]
    lines[211] = '{"id": "x", "question": "Q?", "student_answer": "A"}'
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = calls(llm_env)
    result = runner.invoke(app, ["grade", "--batch", str(source), "--out", str(out),
                                 "--processes", "2"])  # fmt: skip
    assert result.exit_code == 1
    assert f"{source}:212: reference_answer: Field required" in result.output.replace("\n", "")
    assert calls(llm_env) == before and not out.exists()


def test_eval_grading_over_processes_shares_caches_and_counts_usage(
    llm_env: str, tmp_path: Path
) -> None:
    source = _write(tmp_path / "set.jsonl", [_row(i) for i in range(30)])
    args = ("--engine", "llm", "--checks", "none", "--concurrency", "6", "--json")
    before = calls(llm_env)
    first = _run("eval", "grading", str(source), *args, "--processes", "3",
                 "--report", str(tmp_path / "a"))  # fmt: skip
    assert calls(llm_env) - before == 30
    assert first["usage"]["calls"] == 30 and first["usage"]["cached_calls"] == 0
    # one process now: every reply comes from the cache the workers wrote to
    second = _run("eval", "grading", str(source), *args, "--processes", "1",
                  "--report", str(tmp_path / "b"))  # fmt: skip
    assert calls(llm_env) - before == 30
    assert second["usage"]["cached_calls"] == 30
    assert first["agreement"] == second["agreement"]


@pytest.mark.slow
@pytest.mark.parametrize("started", ["sigint-default", "sigint-ignored"])
def test_ctrl_c_stops_every_process_and_a_rerun_finishes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, started: str
) -> None:
    """As from a terminal, and as the background job of a script (or of `make test-slow &`),
    which starts with SIGINT ignored: there the command used to grade on (issue 15)."""
    with loopback_provider(latency=0.5) as api_base:
        _environment(monkeypatch, tmp_path, api_base)
        source = _write(tmp_path / "in.jsonl", [_row(i) for i in range(400)])
        out = tmp_path / "out.jsonl"
        tutor = str(Path(sys.executable).with_name("tutor"))
        command = [tutor, "grade", "--batch", str(source), "--out", str(out),
                   "--processes", "2", "--concurrency", "4", "--json"]  # fmt: skip
        if started == "sigint-ignored":  # what a shell without job control gives `cmd &`
            command = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
        process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.PIPE)
        try:
            _interrupt_and_rerun(process, source, out)
        finally:  # a failed check leaves no process and no open pipe to the next test
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            if process.stderr is not None:
                process.stderr.close()


def _interrupt_and_rerun(process: subprocess.Popen[bytes], source: Path, out: Path) -> None:
    deadline = time.monotonic() + 120
    while not (out.is_file() and len(out.read_text(encoding="utf-8").splitlines()) >= 8):
        assert process.poll() is None and time.monotonic() < deadline, "no grades came"
        time.sleep(0.2)
    workers = _children(process.pid)
    assert workers, "grading runs in more than one process"
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends: every process of the group
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 130 and "Traceback" not in errors.decode(), errors.decode()
    time.sleep(0.5)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    kept = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert 8 <= len(kept) < 400
    report = _run("grade", "--batch", str(source), "--out", str(out), "--json")
    assert report["skipped"] == len(kept) and report["graded"] == 400 - len(kept)
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids == [f"a{i}" for i in range(400)]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found
