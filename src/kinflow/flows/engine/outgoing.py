"""Outgoing requests of a flow's `Http` actions, through the address guard of webhooks.

A user writes the address, so it may only reach what webhooks may reach (globally routable
addresses, or networks named in KINFLOW_WEBHOOK_ALLOW); the check is made on the address connected
to, at connect time. An answer is read up to MAX_RESPONSE bytes: a run keeps what it received.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import orjson

from kinflow.clock import clock
from kinflow.digits import is_digits
from kinflow.webhooks.guard import AddressRefused, GuardedResolver, Network, literal_refusal, url_problem
from kinflow.webhooks.sender import loggable

MAX_RESPONSE = 4 * 1024 * 1024
MAX_RETRY_AFTER = 86_400.0


@dataclass(frozen=True)
class Answer:
    """What came back: a status (None: no answer) and the outputs an action keeps."""

    status: int | None
    outputs: dict | None
    error: str = ""
    permanent: bool = False  # not worth retrying (the address is refused, the answer too large)
    retry_after: float = 0.0
    elapsed_ms: float = 0.0
    throttled: bool = False  # not sent: the connection's limit is reached for `retry_after` seconds


def retry_after(value: str | None) -> float:
    """Seconds a `Retry-After` header asks for (seconds or an HTTP date), within a day."""
    if not value:
        return 0.0
    value = value.strip()
    if is_digits(value):
        return min(float(value), MAX_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, min((moment - clock.now()).total_seconds(), MAX_RETRY_AFTER))


def plain_headers(items) -> dict[str, str]:  # noqa: ANN001
    """Headers as a run keeps them: plain strings, repeated ones joined by commas."""
    headers: dict[str, str] = {}
    for name, value in items:
        name = str(name)
        headers[name] = f"{headers[name]}, {value}" if name in headers else str(value)
    return headers


def decoded(raw: bytes, content_type: str) -> Any:
    """An answer's body as a run keeps it: JSON parsed, text as text, anything else as base64."""
    if not raw:
        return None
    if "json" in content_type:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        return raw.decode()
    except UnicodeDecodeError:
        import base64

        return {"$content-type": content_type or "application/octet-stream",
                "$content": base64.b64encode(raw).decode()}


class Outgoing:
    def __init__(self, *, timeout: float, allow: tuple[Network, ...], max_connections: int = 64) -> None:
        self.allow = allow
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # made on first use: a session belongs to the running event loop
            connector = aiohttp.TCPConnector(limit=self.max_connections, resolver=GuardedResolver(self.allow))
            self._session = aiohttp.ClientSession(connector=connector, timeout=self.timeout,
                                                  headers={"User-Agent": "kinflow-flows"})
        return self._session

    async def request(self, method: str, url: str, *, headers: dict[str, str], params: dict | None = None,
                      body: Any = None) -> Answer:
        problem = url_problem(url) or literal_refusal(url, self.allow)
        if problem:
            return Answer(None, None, f"{url[:200]}: {problem}", permanent=True)
        data: bytes | None = None
        if body is not None:
            if isinstance(body, (dict, list, int, float, bool)):
                data = orjson.dumps(body)
                headers = {"Content-Type": "application/json", **headers}
            else:
                data = str(body).encode()
        started = time.perf_counter()
        try:
            async with self._client().request(method, url, params=params, data=data, headers=headers,
                                              allow_redirects=False) as response:
                raw = await response.content.read(MAX_RESPONSE + 1)
                elapsed = (time.perf_counter() - started) * 1000
                if len(raw) > MAX_RESPONSE:
                    return Answer(response.status, None, f"The answer is over {MAX_RESPONSE} bytes.",
                                  permanent=True, elapsed_ms=elapsed)
                outputs = {"statusCode": response.status, "headers": plain_headers(response.headers.items()),
                           "body": decoded(raw, response.headers.get("Content-Type", ""))}
                return Answer(response.status, outputs, retry_after=retry_after(response.headers.get("Retry-After")),
                              elapsed_ms=elapsed)
        except aiohttp.ClientConnectorError as exc:
            elapsed = (time.perf_counter() - started) * 1000
            if isinstance(exc.os_error, AddressRefused):
                return Answer(None, None, loggable(str(exc.os_error)), permanent=True, elapsed_ms=elapsed)
            return Answer(None, None, loggable(f"{type(exc).__name__}: {exc}"), elapsed_ms=elapsed)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            elapsed = (time.perf_counter() - started) * 1000
            return Answer(None, None, loggable(f"{type(exc).__name__}: {exc}") or type(exc).__name__,
                          elapsed_ms=elapsed)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
