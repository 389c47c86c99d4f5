"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse
from fastapi_offline import FastAPIOffline

from tutor import __version__
from tutor.api.auth import get_principal
from tutor.api.errors import install_error_handlers
from tutor.api.limits import BodyLimit
from tutor.api.observe import Observe
from tutor.api.openapi import SIGNED_IN, ErrorBody, OpenAIErrorBody, error_responses
from tutor.api.routes import (
    explain,
    health,
    hints,
    keys,
    learners,
    lessons,
    metrics,
    openai_compat,
    quizzes,
    search,
    sessions,
    teacher,
)
from tutor.api.routes.grading import router as grading_router
from tutor.api.routes.variants import router as variants_router
from tutor.api.services import Services
from tutor.api.validation import refuse_unstorable_text
from tutor.collector import collecting_less
from tutor.config import Settings, get_settings
from tutor.llm import provider
from tutor.metrics import forget_process

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    services = Services(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        services.workers.install()  # asyncio.to_thread and offload() run in the bounded pool
        if settings.model:  # litellm is most of what a serving process keeps alive: load it
            await asyncio.to_thread(provider.configure)  # now, so that it is frozen with the rest
        # full collections walked all of it, each stopping the event loop ~200 ms (tutor.collector)
        with collecting_less():
            yield
            await services.workers.drain()  # the cache writes still pending reach the database
            services.close()
        forget_process(os.getpid())  # this worker's gauges leave the other workers' sums

    # /docs (Swagger UI) and /redoc load their scripts and styles from fastapi-offline's copy
    # under /static/docs, not from a CDN, so the API reference works without internet
    app = FastAPIOffline(
        title="tutor",
        version=__version__,
        description="An adaptive tutor grounded in a lesson corpus.",
        lifespan=lifespan,
        static_url="/static/docs",
    )
    app.state.services = services
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(Observe)  # outermost: request id, latency and access line of every request
    app.include_router(health.router)
    if settings.metrics:
        app.include_router(metrics.router)  # no key, or TUTOR_METRICS_TOKEN
    # every route but health needs a key (or local mode); no route sees unstorable text
    signed_in = [Depends(refuse_unstorable_text), Depends(get_principal)]
    for router in (
        lessons.router, search.router, explain.router, sessions.router, hints.router,
        openai_compat.router, variants_router, grading_router, learners.router,
        quizzes.router, keys.router, teacher.router,
    ):  # fmt: skip
        body = OpenAIErrorBody if router is openai_compat.router else ErrorBody
        errors = error_responses(*SIGNED_IN, body=body)
        app.include_router(router, dependencies=signed_in, responses=errors)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html")

    @app.get("/teacher", include_in_schema=False)
    def teacher_page() -> FileResponse:
        return FileResponse(WEB_DIR / "teacher.html")

    @app.get("/static/api.js", include_in_schema=False)
    def page_script() -> FileResponse:  # what both pages share; no key needed to fetch it
        return FileResponse(WEB_DIR / "api.js", media_type="text/javascript")

    return app
