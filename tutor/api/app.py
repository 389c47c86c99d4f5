"""The FastAPI application factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse

from tutor import __version__
from tutor.api.errors import install_error_handlers
from tutor.api.routes import health, lessons, search
from tutor.api.services import Services
from tutor.config import Settings, get_settings

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="tutor",
        version=__version__,
        description="An adaptive tutor grounded in a lesson corpus.",
    )
    app.state.services = Services(settings)
    install_error_handlers(app)
    for module in (health, lessons, search):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html")

    return app
