"""One delivery attempt over HTTP, measured and summarised for the delivery log.

aiohttp rather than httpx here: a worker keeps many requests in flight on one event loop, where
httpx's async pool costs several times more CPU per request."""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiohttp

from kinflow.webhooks.guard import AddressRefused, GuardedResolver, Network, literal_refusal
from kinflow.webhooks.signing import signature_headers

# kintone refuses payloads over 1 MB; so does kinflow, as a failed delivery rather than a silent drop.
MAX_PAYLOAD = 1024 * 1024
# Of a receiver's answer only this many bytes are read (then the connection is dropped): an answer
# of any size costs the same memory and time.
EXCERPT = 500


def loggable(text: str | bytes) -> str:
    """A receiver's words as the delivery log can keep them: valid UTF-8 without NUL (which
    PostgreSQL's text refuses), at most EXCERPT characters."""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return text.replace("\x00", "\ufffd").encode(errors="replace").decode()[:EXCERPT]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: float
    error: str = ""
    excerpt: str = ""
    # A permanent failure is not retried (the payload is too big, the address is refused).
    permanent: bool = False
    # Seconds before which the next attempt may not be made (a destination left alone for a while).
    not_before: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    # No answer in time: what the circuit breaker counts (a refused connection costs nothing).
    timed_out: bool = False


class Sender:
    def __init__(self, *, timeout: float, allow: tuple[Network, ...], max_connections: int) -> None:
        self.allow = allow
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use: a session belongs to the running event loop.
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self.max_connections, resolver=GuardedResolver(self.allow))
            self._session = aiohttp.ClientSession(connector=connector, timeout=self.timeout,
                                                  headers={"User-Agent": "kinflow-webhooks"})
        return self._session

    async def send(self, url: str, body: bytes, secret: str, headers: dict[str, str]) -> Outcome:
        if len(body) > MAX_PAYLOAD:
            return Outcome(None, 0.0, f"The payload is {len(body)} bytes, over the limit of {MAX_PAYLOAD}.",
                           permanent=True)
        refused = literal_refusal(url, self.allow)
        if refused:
            return Outcome(None, 0.0, refused, permanent=True)
        request_headers = {"Content-Type": "application/json", **headers,
                           **signature_headers(secret, int(time.time()), body)}
        started = time.perf_counter()
        try:
            async with self._client().post(url, data=body, headers=request_headers,
                                           allow_redirects=False) as response:
                excerpt = await response.content.read(EXCERPT)
                status = response.status
        except aiohttp.ClientConnectorError as exc:
            elapsed = (time.perf_counter() - started) * 1000
            if isinstance(exc.os_error, AddressRefused):
                return Outcome(None, elapsed, loggable(str(exc.os_error)), permanent=True)
            return Outcome(None, elapsed, loggable(f"{type(exc).__name__}: {exc}"))
        except (aiohttp.ClientError, TimeoutError) as exc:
            elapsed = (time.perf_counter() - started) * 1000
            return Outcome(None, elapsed, loggable(f"{type(exc).__name__}: {exc}"),
                           timed_out=isinstance(exc, TimeoutError))
        elapsed = (time.perf_counter() - started) * 1000
        return Outcome(status, elapsed, "", loggable(excerpt))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
