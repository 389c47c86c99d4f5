"""The folder where `tutor serve --workers N`'s processes keep their metric values."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tutor.metrics import MULTIPROC_ENV, shared_between_workers


def test_several_workers_get_a_fresh_folder_removed_afterwards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    with shared_between_workers(2):
        folder = Path(os.environ[MULTIPROC_ENV])
        assert folder.is_dir() and not any(folder.iterdir())
        (folder / "counter_12345.db").write_bytes(b"")  # as a worker would
    assert MULTIPROC_ENV not in os.environ
    assert not folder.exists()


def test_one_worker_needs_no_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    with shared_between_workers(1):
        assert MULTIPROC_ENV not in os.environ


def test_a_given_folder_loses_an_earlier_runs_values_but_not_this_processs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    earlier = [tmp_path / "counter_4000001.db", tmp_path / "gauge_livesum_4000002.db"]
    own = tmp_path / f"gauge_livesum_{os.getpid()}.db"
    for path in (*earlier, own):
        path.write_bytes(b"")
    with shared_between_workers(1):
        assert not any(path.exists() for path in earlier)
        assert own.exists()
    assert tmp_path.is_dir() and os.environ[MULTIPROC_ENV] == str(tmp_path)  # theirs: kept
