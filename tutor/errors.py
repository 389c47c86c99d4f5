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
    │   └── LLMUnavailableError  every model failed after retries and fallbacks (503)
    ├── LLMOutputInvalidError    the model's reply did not validate, even after a repair (502)
    └── LLMRequestError          the provider refused the request as malformed (502)

Each class declares the HTTP status and a short machine code; the API renders them as JSON
and the CLI as one ``error:`` line. Services raise these, never ``HTTPException``.
"""

from __future__ import annotations


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
    status_code = 503
    code = "llm_unavailable"


class LLMOutputInvalidError(TutorError):
    """The model answered, but not in the required shape (the model is at fault)."""

    status_code = 502
    code = "llm_output_invalid"

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
