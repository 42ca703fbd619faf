"""Kaizala's throttling (API.md): at most so many calls a minute per connector and per tenant (a
kinflow server is one tenant), beyond which a call is refused with `429` and `Retry-After`.

Counts are kept per fixed minute. With `KINFLOW_REDIS_URL` they live in Redis and hold across every
process and machine; without it, in this process (right for one `kinflow serve` process)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache

from kinflow.errors import KintoneError
from kinflow.metrics import THROTTLED

log = logging.getLogger("kinflow.groups")

WINDOW = 60


def too_many(retry_after: int) -> KintoneError:
    error = KintoneError("TooManyRequests", f"Too many calls; try again in {retry_after} seconds.", 429)
    error.retry_after = retry_after  # type: ignore[attr-defined]
    return error


class _Memory:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window = -1
        self._counts: dict[str, int] = {}

    def incr(self, keys: list[str], window: int) -> list[int]:
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            for key in keys:
                self._counts[key] = self._counts.get(key, 0) + 1
            return [self._counts[key] for key in keys]


class _Redis:
    def __init__(self, url: str) -> None:
        import redis

        self._errors = redis.RedisError
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def incr(self, keys: list[str], window: int) -> list[int]:
        pipe = self._client.pipeline(transaction=False)
        for key in keys:
            name = f"kinflow:throttle:{window}:{key}"
            pipe.incr(name)
            pipe.expire(name, WINDOW * 2)
        try:
            return pipe.execute()[::2]
        except self._errors as exc:
            # Throttling protects the service; an unreachable Redis must not take the API down with it.
            log.warning("throttle: Redis unavailable (%s); this call is not counted", exc)
            return [0 for _ in keys]


class Throttle:
    def __init__(self, per_connector: int, per_tenant: int, redis_url: str = "",
                 now: Callable[[], float] = time.time) -> None:
        self.per_connector = per_connector
        self.per_tenant = per_tenant
        self._store = _Redis(redis_url) if redis_url else _Memory()
        self._now = now

    def check(self, connector_id: str) -> None:
        """Count a call of this connector; refuse it when a limit (0: none) is passed."""
        limits = [(f"connector:{connector_id}", self.per_connector), ("tenant", self.per_tenant)]
        limits = [(key, limit) for key, limit in limits if limit > 0]
        if not limits:
            return
        moment = self._now()
        window = int(moment // WINDOW)
        counts = self._store.incr([key for key, _ in limits], window)
        if any(count > limit for count, (_, limit) in zip(counts, limits)):
            THROTTLED.labels("groups").inc()
            raise too_many(max(1, int((window + 1) * WINDOW - moment + 0.999)))


@lru_cache(maxsize=4)
def throttle_for(per_connector: int, per_tenant: int, redis_url: str) -> Throttle:
    """One throttle per process and configuration."""
    return Throttle(per_connector, per_tenant, redis_url)
