"""Keep-alive HTTP/1.1 connections for webhook POSTs, straight on asyncio with httptools' parser.

A delivery is one small POST whose answer matters only for its status and first bytes. A general
client (aiohttp) spent about 40% of a delivery worker's CPU on request and response objects,
streams and timers; this one writes the request in one buffer and parses the answer in the
protocol's callbacks. Connections are kept per origin and reused; each goes to an address the
guard has let through (`GuardedResolver` for names, the literal checked by the caller otherwise).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

import httptools

from kinflow.webhooks.guard import GuardedResolver, host_address

# Idle connections kept per origin; the rest are closed once their answer is read.
IDLE_PER_ORIGIN = 32
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = _SAFE_PATH + "?"


class Refused(ValueError):
    """The request cannot be sent as asked (a header with a line break): a permanent failure."""


class _Connection(asyncio.Protocol):
    """One connection: sends a request at a time and parses its answer."""

    def __init__(self, excerpt: int) -> None:
        self.excerpt = excerpt
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.answer: asyncio.Future | None = None
        self.closed = False
        self.status = 0
        self.body = bytearray()
        self.headers_done = False
        self.reusable = True

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.answer is None or self.answer.done():
            self.reusable = False  # bytes nobody asked for: this connection is not trusted again
            self.close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self.reusable = False
            self._settle(error=ConnectionError(f"The answer is not HTTP/1.1 ({error})."))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.headers_done:  # an answer delimited by the end of the connection
            self._settle()
        else:
            self._settle(error=ConnectionResetError(str(exc) if exc else "The connection was closed before an answer."))

    # -- httptools callbacks -------------------------------------------------------------------

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.headers_done = True
        if not self.parser.should_keep_alive():
            self.reusable = False

    def on_body(self, body: bytes) -> None:
        room = self.excerpt - len(self.body)
        self.body += body[:room]
        if len(body) > room:  # the rest is not read: the connection goes with it
            self.reusable = False
            self._settle()
            self.close()

    def on_message_complete(self) -> None:
        self._settle()

    # -- use ---------------------------------------------------------------------------------

    def _settle(self, error: Exception | None = None) -> None:
        if self.answer is not None and not self.answer.done():
            if error is None:
                self.answer.set_result((self.status, bytes(self.body)))
            else:
                self.answer.set_exception(error)

    def send(self, request: bytes) -> asyncio.Future:
        self.answer = asyncio.get_running_loop().create_future()
        self.status, self.body, self.headers_done = 0, bytearray(), False
        self.parser = httptools.HttpResponseParser(self)
        assert self.transport is not None
        self.transport.write(request)
        return self.answer

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    @property
    def usable(self) -> bool:
        return not self.closed and self.reusable and self.transport is not None and not self.transport.is_closing()


class Connections:
    """Keep-alive connections to webhook receivers, at most `limit` requests at a time."""

    def __init__(self, resolver: GuardedResolver, limit: int, excerpt: int) -> None:
        self.resolver = resolver
        self.excerpt = excerpt
        self._slots = asyncio.Semaphore(limit) if limit > 0 else None
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        """(the answer's status, its first `excerpt` bytes). Raises OSError (connecting), TimeoutError
        is the caller's (asyncio.timeout around this), `Refused` for a request that cannot be sent."""
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        request = _request(parts, host, port, body, headers)
        if self._slots is None:
            return await self._exchange((scheme, host, port), request)
        async with self._slots:
            return await self._exchange((scheme, host, port), request)

    async def _exchange(self, origin: tuple[str, str, int], request: bytes) -> tuple[int, bytes]:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if not connection.usable:
                continue
            try:
                answer = await self._over(connection, origin, request)
            except ConnectionError:
                # The receiver closed a kept connection as this request went out (its keep-alive
                # ran out): the request goes again on a new one. It may be a repeat, which the
                # notification id lets a receiver drop.
                break
            return answer
        return await self._over(await self._connect(origin), origin, request)

    async def _over(self, connection: _Connection, origin: tuple[str, str, int], request: bytes) -> tuple[int, bytes]:
        try:
            status, excerpt = await connection.send(request)
        except BaseException:
            connection.reusable = False
            connection.close()
            raise
        if connection.usable:
            kept = self._idle.setdefault(origin, [])
            if len(kept) < IDLE_PER_ORIGIN:
                kept.append(connection)
            else:
                connection.close()
        else:
            connection.close()
        return status, excerpt

    async def _connect(self, origin: tuple[str, str, int]) -> _Connection:
        scheme, host, port = origin
        literal = host_address(host)
        if literal:  # checked by the caller, in any spelling: connect to the very address checked
            addresses = [str(literal)]
        else:
            addresses = [found["host"] for found in await self.resolver.resolve(host, port, 0)]
        loop = asyncio.get_running_loop()
        tls = self._tls_context() if scheme == "https" else None
        error: OSError | None = None
        for address in addresses:
            try:
                _, connection = await loop.create_connection(
                    lambda: _Connection(self.excerpt), address, port, ssl=tls,
                    server_hostname=host if tls is not None else None)
                return connection
            except OSError as exc:
                error = exc
        raise error or OSError(f"Cannot connect to {host}:{port}")

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def close(self) -> None:
        for kept in self._idle.values():
            for connection in kept:
                connection.close()
        self._idle.clear()


def _request(parts, host: str, port: int, body: bytes, headers: Mapping[str, str]) -> bytes:  # noqa: ANN001
    target = quote(parts.path or "/", safe=_SAFE_PATH)
    if parts.query:
        target += "?" + quote(parts.query, safe=_SAFE_QUERY)
    if not host.isascii():
        try:
            host = host.encode("idna").decode()
        except UnicodeError:
            raise Refused(f"The host {host[:100]} is not a valid name.") from None
    shown = f"[{host}]" if ":" in host else host
    default = 443 if parts.scheme == "https" else 80
    lines = [f"POST {target} HTTP/1.1", f"Host: {shown if port == default else f'{shown}:{port}'}",
             f"Content-Length: {len(body)}"]
    for name, value in headers.items():
        if any(c in name or c in value for c in "\r\n\0") or not name or ":" in name:
            raise Refused(f"The header {name[:100]!r} cannot be sent: it holds a line break or a colon.")
        lines.append(f"{name}: {value}")
    try:
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    except UnicodeEncodeError:
        raise Refused("A header holds characters HTTP/1.1 headers cannot carry.") from None
    return head + body
