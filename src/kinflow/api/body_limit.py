"""Request bodies are limited while they are read: before routing, parsing or authentication.

A body announced larger than the limit is refused before a byte of it is read; a body without a
length (chunked) is counted as it arrives and refused the moment it passes the limit. Either way
the server holds at most the limit in memory, whoever sends it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kinflow.api.kintone.http import caller_language, error_response
from kinflow.errors import KintoneError
from kinflow.i18n import N_


def body_too_large(limit: int) -> KintoneError:
    return KintoneError("CB_IL02", N_("The request body is too large. Send at most {limit} bytes.", limit=limit), 413)


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The rest of the body is never read: the server closes the connection after answering.
        error = body_too_large(self.max_bytes)
        await error_response(error, caller_language(Request(scope)))(scope, receive, send)
