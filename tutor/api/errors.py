"""Every error leaves the service as JSON: ``{"error": {"code": ..., "message": ...}}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tutor.errors import (
    LLMUnavailableError,
    OverloadedError,
    TutorError,
    UnauthorizedError,
    validation_message,
)
from tutor.logs import REQUEST_ID

logger = logging.getLogger("tutor.api")
UNPARSABLE_BODY = "There was an error parsing the body"  # FastAPI's HTTPException detail


def _body(code: str, message: str, status: int, **extra: object) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status)


def challenge(exc: TutorError) -> dict[str, str]:
    """The headers an error carries: ``WWW-Authenticate`` on a 401, ``Retry-After`` on a 503
    for a full worker queue or a model that could not answer."""
    if isinstance(exc, UnauthorizedError):
        return {"www-authenticate": "Bearer"}
    if isinstance(exc, OverloadedError | LLMUnavailableError):
        return {"retry-after": str(exc.retry_after)}
    return {}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TutorError)
    async def tutor_error(_: Request, exc: TutorError) -> JSONResponse:
        response = _body(exc.code, exc.message, exc.status_code)
        response.headers.update(challenge(exc))
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {
                "field": ".".join(str(p) for p in err["loc"]),
                "message": validation_message(err["msg"]),
            }
            for err in exc.errors()
        ]
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
        return _body("invalid_request", summary or "invalid request", 422, details=details)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        response = _body("internal_error", "the service failed; the error is logged", 500)
        if (request_id := REQUEST_ID.get()) is not None:  # rendered outside tutor.api.observe
            response.headers["x-request-id"] = request_id
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == UNPARSABLE_BODY:
            # FastAPI's answer to a body that is not even text (not UTF-8): the documented 422
            # that a body of invalid JSON gets, not an undocumented 400
            message = "the request body is not valid JSON (it is not UTF-8 text)"
            return _body("invalid_request", message, 422,
                         details=[{"field": "body", "message": message}])  # fmt: skip
        return _body("http_error", str(exc.detail), exc.status_code)
