"""Request bodies are bounded: anything over ``TUTOR_MAX_REQUEST_BYTES`` gets a 413 in JSON.

A declared ``Content-Length`` that is too large is refused before the body is read; a chunked
body is counted as it arrives and refused once it passes the limit (whatever the app would have
answered to the cut-off body is dropped).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tutor.errors import PayloadTooLargeError


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _refuse(send, self._error())
            return
        received = 0
        exceeded = False

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise self._error()  # stops the app reading; its response is dropped
            return message

        async def unless_exceeded(message: Message) -> None:
            if not exceeded:
                await send(message)

        await self.app(scope, counted, unless_exceeded)
        if exceeded:
            await _refuse(send, self._error())

    def _error(self) -> PayloadTooLargeError:
        return PayloadTooLargeError(
            f"the request body is larger than {self.max_bytes} bytes (TUTOR_MAX_REQUEST_BYTES)"
        )


async def _refuse(send: Send, error: PayloadTooLargeError) -> None:
    body = json.dumps({"error": {"code": error.code, "message": error.message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
