"""Errors a user can act on, grouped by who is at fault.

    TutorError
    ├── ConfigurationError       the operator must fix a setting (500)
    │   └── PromptError          a prompt file is invalid or was rendered wrongly (500)
    ├── BadRequestError          the caller sent something we cannot use (400)
    │   ├── CorpusError          a lesson file or page is invalid (422)
    │   ├── ConflictError        the request clashes with what is stored (409)
    │   └── PayloadTooLargeError the request body is larger than the service accepts (413)
    ├── UnauthorizedError        no usable API key (401)
    ├── ForbiddenError           the key's role may not do this (403)
    ├── NotFoundError            the thing asked for does not exist (404)
    ├── ServiceUnavailableError  a backend (Chroma, an LLM) cannot be reached (503)
    │   ├── LLMUnavailableError  the model could not answer: try again after Retry-After (503)
    │   │   └── LLMOutputInvalidError  its reply did not validate, even after a repair (503)
    │   └── OverloadedError      the worker queue is full: try again after Retry-After (503)
    └── LLMRequestError          the provider refused the request as malformed (502)

Each class declares the HTTP status and a short machine code; the API renders them as JSON
and the CLI as one ``error:`` line. Services raise these, never ``HTTPException``.
"""

from __future__ import annotations

# Seconds a client is told to wait (Retry-After) when the model could not answer and the
# provider did not say how long; its own Retry-After wins when it sent one.
LLM_RETRY_AFTER = 30


def validation_message(message: object) -> str:
    """A pydantic error message as a user reads it: without pydantic's "Value error, " before
    the text our own validators give ("is blank", "text contains a NUL character ...")."""
    return str(message).removeprefix("Value error, ")


class TutorError(Exception):
    status_code = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(TutorError):
    status_code = 500
    code = "configuration_error"


class BadRequestError(TutorError):
    status_code = 400
    code = "bad_request"


class CorpusError(BadRequestError):
    status_code = 422
    code = "corpus_invalid"


class NotFoundError(TutorError):
    status_code = 404
    code = "not_found"


class ServiceUnavailableError(TutorError):
    status_code = 503
    code = "service_unavailable"


class LLMUnavailableError(ServiceUnavailableError):
    """The model could not answer: every model failed after retries and fallbacks, a stream
    broke off, or the reply was invalid even after a repair. One code for all of them, so a
    client handles "try again later" once; ``retry_after`` seconds go out as ``Retry-After``."""

    status_code = 503
    code = "llm_unavailable"

    def __init__(self, message: str, *, retry_after: int = LLM_RETRY_AFTER) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OverloadedError(ServiceUnavailableError):
    """Too much work is waiting for a worker (:mod:`tutor.offload`); ``retry_after`` seconds."""

    status_code = 503
    code = "overloaded"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LLMOutputInvalidError(LLMUnavailableError):
    """The model answered, but not in the required shape (the model is at fault). To a client
    it is the same 503 ``llm_unavailable`` as an outage; the message says which it was."""

    def __init__(self, message: str, *, prompt: str, errors: str, raw: str) -> None:
        super().__init__(message)
        self.prompt = prompt
        self.errors = errors
        self.raw = raw


class LLMRequestError(TutorError):
    """The provider rejected a request it will never accept as sent (400, 413, 422)."""

    status_code = 502
    code = "llm_request_rejected"


class PromptError(ConfigurationError):
    status_code = 500
    code = "prompt_invalid"


class ConflictError(BadRequestError):
    """The request clashes with stored state, e.g. an idempotency key reused for another answer."""

    status_code = 409
    code = "conflict"


class PayloadTooLargeError(BadRequestError):
    """The request body is over ``TUTOR_MAX_REQUEST_BYTES``."""

    status_code = 413
    code = "payload_too_large"


class UnauthorizedError(TutorError):
    """No usable credentials: no key, an unknown key or a revoked one (401)."""

    status_code = 401
    code = "unauthorized"


class ForbiddenError(TutorError):
    """The caller is known but their role may not do this (403)."""

    status_code = 403
    code = "forbidden"
