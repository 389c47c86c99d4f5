"""`tutor migrate` and `tutor index` are one-shot jobs that two processes may run at once:
both succeed, the second finds the work done (real processes, on SQLite and on Postgres)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS_DIR
from tests.servers import CHROMA_URL, DATABASE_BACKENDS, database_url
from tutor.store import Database, current_revision, head_revision

TUTOR = str(Path(sys.executable).parent / "tutor")


def _env(data_dir: Path, url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    return {
        **env, "TUTOR_DATA_DIR": str(data_dir), "TUTOR_CORPUS_DIR": str(CORPUS_DIR),
        "TUTOR_DATABASE_URL": url, **extra,
    }  # fmt: skip


def _twice_at_once(args: list[str], env: dict[str, str]) -> list[dict[str, Any]]:
    runs = [
        subprocess.Popen(
            [TUTOR, *args, "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (_, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err.decode()
    return [json.loads(out) for out, _ in outputs]


@pytest.mark.slow
@pytest.mark.parametrize("backend", DATABASE_BACKENDS)
def test_two_migrations_at_once_both_succeed(backend: str, tmp_path: Path) -> None:
    with database_url(backend, tmp_path, migrated=False) as url:
        reports = _twice_at_once(["migrate"], _env(tmp_path / "data", url))
        assert [r["to"] for r in reports] == [head_revision()] * 2
        with Database(url) as database:
            assert current_revision(database) == head_revision()


@pytest.mark.slow
@pytest.mark.parametrize("backend", DATABASE_BACKENDS)
def test_two_indexings_at_once_both_succeed(backend: str, tmp_path: Path) -> None:
    chroma = {}
    if backend != "sqlite" and CHROMA_URL:  # the Chroma server, a collection of its own
        chroma = {"TUTOR_CHROMA_URL": CHROMA_URL, "TUTOR_COLLECTION": f"jobs_{uuid.uuid4().hex}"}
    with database_url(backend, tmp_path) as url:
        reports = _twice_at_once(["index"], _env(tmp_path / "data", url, **chroma))
    total = reports[0]["total"]
    assert total > 0 and reports[1]["total"] == total
    assert sorted(r["added"] for r in reports) == [0, total]  # the second found it all indexed
