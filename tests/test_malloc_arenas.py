"""``tutor serve`` caps glibc's malloc arenas, for itself and the workers it starts, unless the
operator set MALLOC_ARENA_MAX. Each case runs in its own interpreter (the cap is for life)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CODE = (
    "import os; from tutor.malloc_arenas import limit_arenas; "
    "print(limit_arenas(), os.environ['MALLOC_ARENA_MAX'])"
)


def _run(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run([sys.executable, "-c", CODE], env={**clean, **env},
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout.split()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's arenas")
def test_the_cap_applies_here_and_to_the_processes_started_from_here() -> None:
    assert _run() == ["True", "2"]


def test_an_operators_own_setting_is_kept() -> None:
    assert _run(MALLOC_ARENA_MAX="4") == ["False", "4"]
