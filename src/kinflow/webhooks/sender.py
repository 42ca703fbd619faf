"""One delivery attempt over HTTP, measured and summarised for the delivery log.

Over kept connections of its own (`connections`) rather than a general client: a worker keeps many
requests in flight on one event loop, where aiohttp's objects and timers cost most of a delivery's
CPU (and httpx's async pool several times more)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from kinflow.webhooks.connections import Connections, Refused
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
        self.timeout = timeout
        self.max_connections = max_connections
        self._connections: Connections | None = None

    def _pool(self) -> Connections:
        # Made on first use: its connections belong to the running event loop.
        if self._connections is None:
            self._connections = Connections(GuardedResolver(self.allow), self.max_connections, EXCERPT)
        return self._connections

    async def send(self, url: str, body: bytes, secret: str, headers: dict[str, str]) -> Outcome:
        if len(body) > MAX_PAYLOAD:
            return Outcome(None, 0.0, f"The payload is {len(body)} bytes, over the limit of {MAX_PAYLOAD}.",
                           permanent=True)
        refused = literal_refusal(url, self.allow)
        if refused:
            return Outcome(None, 0.0, refused, permanent=True)
        request_headers = {"User-Agent": "kinflow-webhooks", "Content-Type": "application/json", **headers,
                           **signature_headers(secret, int(time.time()), body)}
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                status, excerpt = await self._pool().post(url, body, request_headers)
        except (AddressRefused, Refused) as exc:
            return Outcome(None, (time.perf_counter() - started) * 1000, loggable(str(exc)), permanent=True)
        except TimeoutError:
            elapsed = (time.perf_counter() - started) * 1000
            return Outcome(None, elapsed, f"TimeoutError: no answer within {self.timeout:g} seconds.", timed_out=True)
        except OSError as exc:
            elapsed = (time.perf_counter() - started) * 1000
            return Outcome(None, elapsed, loggable(f"{type(exc).__name__}: {exc}"))
        elapsed = (time.perf_counter() - started) * 1000
        return Outcome(status, elapsed, "", loggable(excerpt))

    async def close(self) -> None:
        if self._connections is not None:
            self._connections.close()
            await self._connections.resolver.close()
