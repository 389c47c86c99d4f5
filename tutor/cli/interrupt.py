"""Ctrl-C stops a batch run (``grade --batch``, ``eval grading``), however the command started.

A process can start with SIGINT ignored: a shell without job control (a script, ``make ... &``,
many CI runners) starts its background commands so, and every process they start inherits it
(through fork and exec: Python keeps an ignored SIGINT ignored). ``asyncio.run`` then installs
no handler of its own, and a Ctrl-C or ``kill -INT`` is lost: the run grades on to its end
(issue 15: ``test_ctrl_c_stops_every_process_and_a_rerun_finishes`` in a ``make test-slow``
started in the background). A batch run is resumable by design, so a SIGINT that reaches it
is someone asking it to stop: :func:`interruptible` gives it Python's own handler (a
``KeyboardInterrupt``, which ``asyncio.run`` turns into cancelling the run, exit 130) for the
run, unblocked, and puts back what was there after.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT raises ``KeyboardInterrupt`` in this (main) thread while the block runs."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; a host that runs us knows its own
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    blocked = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if signal.SIGINT in blocked:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        if previous is signal.SIG_IGN:
            signal.signal(signal.SIGINT, previous)
