"""Serving HTTP with uvicorn: the listening socket, bound before anything else, and a protocol that
closes connections whose request headers do not arrive in time."""

from __future__ import annotations

import asyncio
import socket

import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from kinflow.config import Settings
from kinflow.errors import KintoneError
from kinflow.i18n import N_

# The request line and headers of one request, at most. kintone's clients send a few hundred bytes;
# without a bound, httptools keeps whatever arrives before the blank line (measured: 10 MB of one
# header, accepted).
MAX_HEADER_BYTES = 64 * 1024


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for a request's line and headers.

    uvicorn times out idle keep-alive connections only after a response: a client that connects and
    sends half a request line keeps its connection (and a file descriptor) forever, so a few thousand
    of them exhaust the server. The deadline runs from the connection, and again from the first byte
    of each further request on it, until that request's headers are complete. Headers larger than
    MAX_HEADER_BYTES are refused (`431`) and the connection closed.
    """

    def __init__(self, config: ServerConfig, *args: object, **kwargs: object) -> None:
        super().__init__(config, *args, **kwargs)  # type: ignore[arg-type]
        self.header_timeout = config.header_timeout
        self.header_timer: asyncio.TimerHandle | None = None
        self.header_bytes = 0

    def _arm_header_timer(self) -> None:
        if self.header_timer is None:
            self.header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _headers_too_slow(self) -> None:
        self.header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        self.header_bytes = 0
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.header_timer is None or self.transport.is_closing():
            return
        # Still waiting for the end of the headers: all of this was header bytes (but for the tail
        # of an earlier request pipelined on the same read, which clients hardly ever do).
        self.header_bytes += len(data)
        if self.header_bytes > MAX_HEADER_BYTES:
            self._disarm_header_timer()
            error = KintoneError("CB_IL02", N_("Illegal request. The request headers are too large."), 431)
            body = orjson.dumps(error.body())
            head = [b"HTTP/1.1 431 Request Header Fields Too Large\r\n"]
            head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
            head += [b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(body)]
            self.transport.write(b"".join(head) + body)
            self.transport.close()


class ServerConfig(uvicorn.Config):
    """uvicorn's settings for kinflow: its protocol, its headers, and no `server: uvicorn`."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            "kinflow.api.server:app_from_environment",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            http=HeaderTimeoutProtocol,
            server_header=False,
            # Browsers must not guess a type other than the one sent (a JSON error rendered as HTML).
            headers=[("X-Content-Type-Options", "nosniff")],
            # kinflow's own access log (kinflow.api.access_log) replaces uvicorn's; uvicorn's warnings
            # go through kinflow's logging setup (kinflow.logs), in its format.
            log_config=None,
            log_level="warning",
            access_log=False,
        )
        self.header_timeout = settings.header_timeout


def bind(host: str, port: int) -> socket.socket:
    """The listening socket (OSError when the address is taken or not ours to use)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings, sock: socket.socket) -> None:
    """Serve on `sock` until stopped: one process, or `settings.workers` sharing the socket."""
    config = ServerConfig(settings)
    if config.workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])
