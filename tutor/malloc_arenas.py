"""Fewer glibc malloc arenas for ``tutor serve``: less freed memory stranded between threads.

glibc gives threads that allocate at once arenas of their own, up to 8 per core, and memory
freed in one arena is not reused by another. The service's worker threads (embedding, Chroma,
the offline grader, the database) allocate and free short-lived arrays all day, so freed memory
piled up in many arenas: a 5-minute soak (``benchmarks/service_overhead.py``, 20 clients) grew
67 KiB per graded attempt with no plateau. ``MALLOC_ARENA_MAX=2``, the usual setting for
long-running Python services, took that to 19.5-37 KiB (mostly the grader's bounded tables
filling).

glibc reads ``MALLOC_ARENA_MAX`` once, when the process starts; ``mallopt`` later did less (42
against 32 KiB per attempt, side by side). So :func:`with_capped_arenas` runs ``tutor serve``
again in the same process (``execve``: same pid, same arguments) with the variable set, which
the ``--workers`` processes inherit. An operator's own ``MALLOC_ARENA_MAX`` is kept, and where
the C library is not glibc nothing happens.
"""

from __future__ import annotations

import os
import platform
import sys

ARENAS = 2


def with_capped_arenas(arenas: int = ARENAS) -> None:
    """Return only if ``MALLOC_ARENA_MAX`` is set already or this is not glibc; otherwise
    replace this process by itself with ``MALLOC_ARENA_MAX=arenas``."""
    if "MALLOC_ARENA_MAX" in os.environ or platform.libc_ver()[0] != "glibc":
        return
    env = {**os.environ, "MALLOC_ARENA_MAX": str(arenas)}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, sys.orig_argv, env)
