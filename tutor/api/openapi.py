"""The error responses routes document in OpenAPI, so generated clients know them.

Every error leaves the service as :class:`ErrorBody` (the OpenAI-compatible routes use the OpenAI
shape, :class:`OpenAIErrorBody`). ``error_responses(404, 409)`` is what a route passes as
``responses=``; the app adds 401, 403, 413 and 422 to every signed-in router.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

DESCRIPTIONS = {
    400: "The request cannot be used as sent.",
    401: "No usable API key (missing, unknown or revoked).",
    403: "The key's role may not do this, or local mode refuses the caller.",
    404: "No such thing, or not one the caller may see.",
    409: "The request clashes with what is stored.",
    413: "The request body is over TUTOR_MAX_REQUEST_BYTES.",
    422: "The request does not validate; `details` lists each field.",
    502: "The model's provider refused the request as sent (a request it will never accept).",
    503: (
        "A backend cannot answer now: the model (down, timing out, rate-limited, or replying "
        "invalidly even after a repair: code `llm_unavailable`), Chroma, the database "
        "(`/ready`), or a full worker queue (`overloaded`). Try again after the "
        "`Retry-After` header's seconds."
    ),
}


class ErrorField(BaseModel):
    field: str
    message: str


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: list[ErrorField] | None = None


class ErrorBody(BaseModel):
    error: ErrorInfo


class OpenAIErrorInfo(BaseModel):
    message: str
    type: str
    code: str | None = None
    param: str | None = None


class OpenAIErrorBody(BaseModel):
    error: OpenAIErrorInfo


def error_responses(
    *codes: int, body: type[BaseModel] = ErrorBody
) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": body, "description": DESCRIPTIONS[code]} for code in codes}


SIGNED_IN = (401, 403, 413, 422)
BACKEND = (502, 503)
