"""One line in the access log and one observation in `/metrics` per request.

The line says the method, the path (never the query string: kintone queries carry data), the
status, the duration and who called: the login of a password, or `token:ID` of API tokens. Nothing
of the headers or the body is logged, so neither a password nor a token can reach the log.

Requests are counted by route template (`/k/v1/record.json`, `/kaizala/v1/groups/{groupId}`), not
by raw path: a path parameter or an unknown resource would otherwise make a series per value.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kinflow.directory.identity import Identity
from kinflow.logs import log_access
from kinflow.metrics import REQUESTS

_PATH_CHARS = 200

# Who the current request is, filled in by whichever part of the API learns it.
_caller: ContextVar[list[str] | None] = ContextVar("kinflow_caller", default=None)


def note_caller(identity: Identity | str) -> None:
    """Record who the current request is for its access log line (a login, or an Identity)."""
    holder = _caller.get()
    if holder is None:
        return
    if isinstance(identity, str):
        holder[:] = [identity]
    elif identity.user is not None:
        holder[:] = [identity.user.code]
    else:
        holder[:] = ["token:" + ",".join(str(token.id) for token in identity.tokens.values())]


def route_template(scope: Scope, status: int) -> str:
    """The path with its parameters' values replaced by their names; a resource is kept (the route
    tables bound it) unless the route was not found."""
    if "endpoint" not in scope:
        return "unmatched"
    path: str = scope["path"]
    params = scope.get("path_params") or {}
    parts, position = [], 0
    for name, value in params.items():
        text = str(value)
        if name == "resource":
            if status not in (404, 405):
                continue
            text = text.removeprefix("integration/") if path.startswith("/k/integration/") else text
        found = path.find(text, position) if text else -1
        if found < 0:
            continue
        parts.append(path[position:found] + "{" + name + "}")
        position = found + len(text)
    return "".join(parts) + path[position:]


class AccessLog:
    def __init__(self, app: ASGIApp, enabled: bool = True) -> None:
        self.app = app
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        holder: list[str] = []
        reset = _caller.set(holder)

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            _caller.reset(reset)
            elapsed = time.perf_counter() - started
            method = scope["method"]
            REQUESTS.labels(route_template(scope, status), method, str(status)).observe(elapsed)
            if self.enabled:
                log_access(method, scope["path"][:_PATH_CHARS], status, round(elapsed * 1000, 1),
                           holder[0] if holder else "-")
