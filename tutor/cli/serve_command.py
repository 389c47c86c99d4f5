"""``tutor serve``."""

from __future__ import annotations

from typing import Annotated

import typer

from tutor.cli.app import app


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the HTTP service (JSON API, docs at /docs, and the web page at /)."""
    import uvicorn

    from tutor.api import create_app

    typer.echo(f"tutor serving on http://{host}:{port} (API docs at /docs)", err=True)
    uvicorn.run(create_app(), host=host, port=port, log_level="info")
