"""Errors a user can act on, grouped by who is at fault.

    TutorError
    ├── ConfigurationError       the operator must fix a setting (500)
    ├── BadRequestError          the caller sent something we cannot use (400)
    │   └── CorpusError          a lesson file or page is invalid (422)
    ├── NotFoundError            the thing asked for does not exist (404)
    └── ServiceUnavailableError  a backend (Chroma, an LLM) cannot be reached (503)

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
