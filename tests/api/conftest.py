"""A real uvicorn server on a free loopback port, serving the app over the indexed corpus."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.conftest import CORPUS_DIR
from tests.ports import free_port
from tests.servers import CHROMA_URL, DATABASE_BACKENDS, postgres_database
from tutor.api import create_app
from tutor.config import Settings


@contextmanager
def serve(app: FastAPI, host: str = "127.0.0.1") -> Iterator[str]:
    """``app`` on a real uvicorn server in a thread, for the duration of the block."""
    port = free_port(host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", proxy_headers=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def service_settings(data_dir: Path, database: Path, **overrides: Any) -> Settings:
    """Settings for a test server: the session's index, the starter corpus, its own database."""
    return Settings(  # type: ignore[call-arg]
        data_dir=data_dir,
        corpus_dir=CORPUS_DIR,
        database_url=f"sqlite:///{database}",
        _env_file=None,
        **overrides,
    )


@contextmanager
def backend_settings(
    backend: str, data_dir: Path, folder: Path, collection: str | None, **overrides: Any
) -> Iterator[Settings]:
    """Settings for a test server on ``backend``: "sqlite" (a file in ``folder``, the embedded
    Chroma store in ``data_dir``) or "postgres" (a fresh database, and the Chroma server's
    ``collection`` when there is one)."""
    if backend == "sqlite":
        yield service_settings(data_dir, folder / "tutor.db", **overrides)
        return
    chroma = {"chroma_url": CHROMA_URL, "collection": collection} if collection else {}
    with postgres_database() as url:
        yield Settings(  # type: ignore[call-arg]
            data_dir=data_dir, corpus_dir=CORPUS_DIR, database_url=url, _env_file=None,
            **chroma, **overrides,
        )  # fmt: skip


@pytest.fixture(scope="session", params=DATABASE_BACKENDS)
def server_url(
    request: pytest.FixtureRequest,
    indexed_data_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    server_collection: str | None,
) -> Iterator[str]:
    """The offline service; its learner store is a fresh SQLite file (or Postgres database)
    for this test session."""
    folder = tmp_path_factory.mktemp("api-db")
    with (
        backend_settings(request.param, indexed_data_dir, folder, server_collection) as settings,
        serve(create_app(settings)) as url,
    ):
        yield url


@pytest.fixture
def client(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=30) as http:
        yield http
