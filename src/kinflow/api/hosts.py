"""Refuse requests addressed to a host name that is not kinflow's (DNS rebinding).

A page on an attacker's domain whose name is re-pointed at 127.0.0.1 can reach a kinflow listening
there from the victim's browser; its requests still carry the attacker's name in `Host`, which is
what this checks. Starlette's TrustedHostMiddleware does the same but answers in plain text; here the
answer is kintone's error format like every other.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from kinflow.api.kintone.http import caller_language, error_response
from kinflow.config import host_name
from kinflow.errors import KintoneError
from kinflow.i18n import N_

# A load balancer probes by address (`Host: 10.0.0.5:8080`), and the answer reveals nothing.
EXEMPT_PATHS = frozenset({"/healthz"})


def host_allowed(host: str, allowed: frozenset[str]) -> bool:
    name = host_name(host)
    if not name:
        return False
    if name in allowed:
        return True
    return any(pattern[1:] and name.endswith(pattern[1:]) for pattern in allowed if pattern.startswith("*."))


class HostGuard:
    def __init__(self, app: ASGIApp, allowed: frozenset[str] | None) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.allowed is None or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        host = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"host"), "")
        if host_allowed(host, self.allowed):
            await self.app(scope, receive, send)
            return
        error = KintoneError("CB_IL02", N_("Illegal request. The Host header names no host of this server."), 400)
        await error_response(error, caller_language(Request(scope)))(scope, receive, send)
