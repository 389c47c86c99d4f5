"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse

from tutor import __version__
from tutor.api.errors import install_error_handlers
from tutor.api.limits import BodyLimit
from tutor.api.routes import explain, health, hints, lessons, openai_compat, search, sessions
from tutor.api.routes.grading import router as grading_router
from tutor.api.routes.variants import router as variants_router
from tutor.api.services import Services
from tutor.config import Settings, get_settings

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    services = Services(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        services.close()

    app = FastAPI(
        title="tutor",
        version=__version__,
        description="An adaptive tutor grounded in a lesson corpus.",
        lifespan=lifespan,
    )
    app.state.services = services
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    for module in (health, lessons, search, explain, sessions, hints, openai_compat):
        app.include_router(module.router)
    app.include_router(variants_router)
    app.include_router(grading_router)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html")

    return app
