"""What request ids, metrics and JSON logs cost per request, against the same app without them.

    .venv/bin/python benchmarks/observability_overhead.py [--requests 2000] [--rounds 7]
        [--path /v1/lessons]

One app (the starter corpus, a fresh SQLite store, single-user local mode) is called in
process through httpx's ASGI transport, so no network or server is measured, only the app:

- baseline: the app with the observing middleware taken out (no request id, no metrics, no
  access line);
- observe: the app as it ships, logging not configured (request id and metrics; the access
  line is dropped by the logger's level, as with TUTOR_LOG_LEVEL=warning);
- observe + JSON logs: as it ships under ``tutor serve`` with ``TUTOR_LOG_FORMAT=json``, lines
  written to /dev/null (formatted and scrubbed of secrets, one per request).

Each arm sends ``--requests`` ``GET --path`` after a warm-up, ``--rounds`` times in turn; it
prints the process CPU time per request (best round: the machine is shared) and its ratio to
the baseline, and last the CPU time of one ``GET /metrics`` scrape after all that. The default
path matches no route (a JSON 404 from the app, no database or index), so the middleware's share
is as large as it gets; ``--path /v1/lessons`` is a real route (key check, database).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi import FastAPI

from tutor.api import create_app
from tutor.api.observe import Observe
from tutor.config import PROJECT_ROOT, Settings
from tutor.logs import configure_logging


def build(data_dir: Path, *, observe: bool) -> FastAPI:
    settings = Settings(  # type: ignore[call-arg]
        data_dir=data_dir,
        corpus_dir=PROJECT_ROOT / "corpus",
        database_url=f"sqlite:///{data_dir / ('observe' if observe else 'bare')}.db",
        _env_file=None,
    )
    app = create_app(settings)
    if not observe:
        app.user_middleware = [m for m in app.user_middleware if m.cls is not Observe]
    return app


async def cpu_per_request(app: FastAPI, path: str, requests: int) -> float:
    """Process CPU seconds per request, after a warm-up."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        status = (await http.get(path)).status_code
        for _ in range(50):
            assert (await http.get(path)).status_code == status
        started = time.process_time()
        for _ in range(requests):
            await http.get(path)
        return (time.process_time() - started) / requests


def quiet() -> None:
    logging.getLogger("tutor").handlers.clear()
    logging.getLogger("tutor").setLevel(logging.WARNING)


def json_logs() -> None:
    configure_logging("json", "info")
    for handler in logging.getLogger("tutor").handlers:
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(open("/dev/null", "w"))  # noqa: SIM115 (lives as long as the run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--path", default="/no-such-page")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch)
        bare, observed = build(data, observe=False), build(data, observe=True)
        arms: list[tuple[str, FastAPI, Callable[[], None]]] = [
            ("baseline (no middleware)", bare, quiet),
            ("observe (id + metrics)", observed, quiet),
            ("observe + JSON logs", observed, json_logs),
        ]
        best = {name: float("inf") for name, _, _ in arms}
        for _ in range(args.rounds):
            for name, app, setup in arms:
                setup()
                cost = asyncio.run(cpu_per_request(app, args.path, args.requests))
                best[name] = min(best[name], cost)
        quiet()
        base = best[arms[0][0]]
        print(f"GET {args.path} in process, {args.requests} requests x {args.rounds} rounds")
        print(f"{'arm':28} {'CPU us/request':>15} {'vs baseline':>12} {'added us':>9}")
        for name, _, _ in arms:
            cost = best[name]
            print(f"{name:28} {cost * 1e6:15.0f} {cost / base:11.2f}x {(cost - base) * 1e6:9.0f}")

        async def scrape() -> tuple[float, int]:
            transport = httpx.ASGITransport(app=observed)
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as h:
                started = time.process_time()
                body = (await h.get("/metrics")).text
                return time.process_time() - started, body.count("\n")

        seconds, lines = asyncio.run(scrape())
        print(f"one /metrics scrape: {seconds * 1000:.1f} ms CPU, {lines} lines")


if __name__ == "__main__":
    main()
