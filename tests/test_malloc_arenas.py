"""``tutor serve`` runs with MALLOC_ARENA_MAX=2 (two glibc malloc arenas), set before its
process starts, unless the operator set it: read from the running server's /proc environ."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CORPUS_DIR

TUTOR = str(Path(sys.executable).parent / "tutor")
pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's arenas")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serving_environ(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a running ``tutor serve`` (same pid as started: replaced in place)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TUTOR_") and k != "MALLOC_ARENA_MAX"}  # fmt: skip
    env |= {"TUTOR_DATA_DIR": str(tmp_path), "TUTOR_CORPUS_DIR": str(CORPUS_DIR), **extra}
    port = _free_port()
    process = subprocess.Popen([TUTOR, "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None and time.monotonic() < deadline
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        raw = Path(f"/proc/{process.pid}/environ").read_bytes()
        return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_serve_runs_with_two_arenas(tmp_path: Path) -> None:
    assert _serving_environ(tmp_path)["MALLOC_ARENA_MAX"] == "2"


def test_an_operators_own_setting_is_kept(tmp_path: Path) -> None:
    assert _serving_environ(tmp_path, MALLOC_ARENA_MAX="4")["MALLOC_ARENA_MAX"] == "4"
