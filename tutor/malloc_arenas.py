"""Fewer glibc malloc arenas for ``tutor serve``: memory that stops growing.

glibc gives threads that allocate at once arenas of their own, up to 8 per core, and memory
freed in one arena is not reused by another. The service's worker threads (embedding, Chroma,
the offline grader, the database) allocate and free short-lived arrays all day, so freed memory
piled up in many arenas: a 5-minute soak (benchmarks/service_overhead.py, 20 clients) grew 66
KiB per graded attempt with no plateau; with two arenas, 19.5 KiB (the grader's bounded tables
filling). ``MALLOC_ARENA_MAX=2`` is the usual setting for long-running Python services.

:func:`limit_arenas` applies it to this process (``mallopt``, before the service starts its
threads) and, through the environment, to the worker processes ``--workers`` starts. An
operator's own ``MALLOC_ARENA_MAX`` is left as it is (glibc read it at start).
"""

from __future__ import annotations

import ctypes
import os
import sys

ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Whether this process's arenas are now capped at ``arenas`` (False: the operator set
    ``MALLOC_ARENA_MAX``, or this is not glibc)."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    os.environ["MALLOC_ARENA_MAX"] = str(arenas)  # for the processes started from here
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # musl (Alpine) and others: no glibc arenas to cap
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, arenas))
