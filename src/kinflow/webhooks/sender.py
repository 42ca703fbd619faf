"""One delivery attempt over HTTP, measured and summarised for the delivery log."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from kinflow.webhooks.guard import Network, resolved_refusal
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
        self.client = httpx.AsyncClient(
            timeout=timeout, follow_redirects=False, trust_env=False,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )

    async def send(self, url: str, body: bytes, secret: str, headers: dict[str, str]) -> Outcome:
        started = time.perf_counter()
        if len(body) > MAX_PAYLOAD:
            return Outcome(None, 0.0, f"The payload is {len(body)} bytes, over the limit of {MAX_PAYLOAD}.",
                           permanent=True)
        refused = await resolved_refusal(url, self.allow)
        if refused:
            return Outcome(None, 0.0, refused, permanent=True)
        request_headers = {"Content-Type": "application/json", "User-Agent": "kinflow-webhooks", **headers,
                           **signature_headers(secret, int(time.time()), body)}
        try:
            response = await self.client.post(url, content=body, headers=request_headers)
        except httpx.HTTPError as exc:
            elapsed = (time.perf_counter() - started) * 1000
            return Outcome(None, elapsed, f"{type(exc).__name__}: {exc}"[:EXCERPT] or type(exc).__name__)
        elapsed = (time.perf_counter() - started) * 1000
        return Outcome(response.status_code, elapsed, "", response.text[:EXCERPT])

    async def close(self) -> None:
        await self.client.aclose()
