"""``tutor serve`` runs with MALLOC_ARENA_MAX=2 (two glibc malloc arenas), set before its
process starts, unless the operator set it: read from the running server's /proc environ."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS_DIR
from tests.ports import free_port, wait_for_port

TUTOR = str(Path(sys.executable).parent / "tutor")
pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's arenas")


def _serving_environ(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a running ``tutor serve`` (same pid as started: replaced in place)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TUTOR_") and k != "MALLOC_ARENA_MAX"}  # fmt: skip
    env |= {"TUTOR_DATA_DIR": str(tmp_path), "TUTOR_CORPUS_DIR": str(CORPUS_DIR), **extra}
    port = free_port()
    process = subprocess.Popen([TUTOR, "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for_port(port, lambda: process.poll() is None, seconds=120)
        raw = Path(f"/proc/{process.pid}/environ").read_bytes()
        return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_serve_runs_with_two_arenas(tmp_path: Path) -> None:
    assert _serving_environ(tmp_path)["MALLOC_ARENA_MAX"] == "2"


def test_an_operators_own_setting_is_kept(tmp_path: Path) -> None:
    assert _serving_environ(tmp_path, MALLOC_ARENA_MAX="4")["MALLOC_ARENA_MAX"] == "4"
