"""Loopback ports for the servers tests start in another process: a free one, and waiting
until the server listens on it."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on at ``host`` right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(
    port: int,
    alive: Callable[[], bool],
    *,
    seconds: float,
    why: Callable[[], str] = lambda: "the server did not start",
) -> None:
    """Returns once something accepts connections on ``127.0.0.1:port``; fails the test with
    ``why()`` when ``alive()`` turns false or ``seconds`` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline or not alive():
                raise AssertionError(why()) from None
            time.sleep(0.1)
