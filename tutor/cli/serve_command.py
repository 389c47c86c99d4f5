"""``tutor serve``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tutor.cli.app import app
from tutor.config import get_settings
from tutor.errors import ConfigurationError


def check_exposure(host: str) -> None:
    """Refuse a non-loopback address in single-user local mode (no key issued yet, or reset):
    local mode must never be reachable from a network."""
    from tutor.api.auth import CREATE_KEY_HINT
    from tutor.api.local_mode import is_loopback
    from tutor.store import is_local_mode, open_database

    if is_loopback(host):
        return
    with open_database(get_settings()) as database:
        local = is_local_mode(database)
    if local:
        raise ConfigurationError(
            f"refusing to serve on {host} without API keys: with none the service runs in "
            f"single-user local mode, for this machine only. Bind 127.0.0.1, or {CREATE_KEY_HINT}"
            " and send it as `Authorization: Bearer KEY`"
        )


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Processes serving the port (uvicorn workers); each has its own worker "
            "threads (TUTOR_WORKER_THREADS). About one per CPU core.",
        ),
    ] = 1,
) -> None:
    """Run the HTTP service (JSON API, docs at /docs, and the web page at /).

    With no API key yet it runs in single-user local mode and only on a loopback address."""
    # MALLOC_ARENA_MAX=2 is set by the console entry point (tutor.cli.main) before this runs
    import uvicorn

    from tutor.api import create_app
    from tutor.logs import log_config
    from tutor.metrics import shared_between_workers

    check_exposure(host)
    settings = get_settings()
    plural = f" in {workers} processes" if workers > 1 else ""
    typer.echo(f"tutor serving on http://{host}:{port}{plural} (API docs at /docs)", err=True)
    # TUTOR_LOG_FORMAT for every line, uvicorn's too; tutor's access line replaces uvicorn's.
    # proxy_headers off: tutor.api.local_mode reads them, from TUTOR_TRUSTED_PROXIES only
    options: dict[str, Any] = {
        "host": host, "port": port, "proxy_headers": False, "access_log": False,
        "log_config": log_config(settings.log_format, settings.log_level),
        "log_level": settings.log_level,
    }  # fmt: skip
    with shared_between_workers(workers):  # /metrics adds up every worker's figures
        if workers == 1:
            uvicorn.run(create_app(), **options)
        else:  # each worker process builds its own app from the same settings (the environment)
            # A worker importing tutor (onnxruntime, chromadb, litellm) on a busy machine may not
            # answer uvicorn's 5 s health ping in time, and would be killed and started again
            # and again: a minute, as for a worker that hangs later.
            uvicorn.run("tutor.api:create_app", factory=True, workers=workers,
                        timeout_worker_healthcheck=60, **options)  # fmt: skip
