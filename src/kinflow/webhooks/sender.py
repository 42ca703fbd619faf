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
EXCERPT = 500


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: float
    error: str = ""
    excerpt: str = ""
    # A permanent failure is not retried (the payload is too big, the address is refused).
    permanent: bool = False

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


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
                return Outcome(None, elapsed, str(exc.os_error), permanent=True)
            return Outcome(None, elapsed, f"{type(exc).__name__}: {exc}"[:EXCERPT])
        except (aiohttp.ClientError, TimeoutError) as exc:
            elapsed = (time.perf_counter() - started) * 1000
            return Outcome(None, elapsed, f"{type(exc).__name__}: {exc}"[:EXCERPT] or type(exc).__name__)
        elapsed = (time.perf_counter() - started) * 1000
        return Outcome(status, elapsed, "", excerpt.decode(errors="replace"))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
