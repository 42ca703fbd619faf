"""Per-connection throttling of connector calls, as each connector declares it (kintone: 100 calls per
60 s per connection, Kaizala: 500): at most `calls` in ANY window of `period` seconds, a sliding log of
the calls granted rather than fixed minutes, which would let twice the limit through across a minute's
edge. A call beyond the limit waits until the oldest call of the window leaves it, or, when the flow
asks for it, fails at once with a `429` and the seconds to wait.

The log is kept in this process by default; with `KINFLOW_REDIS_URL` in Redis (one sorted set per
connection, changed atomically by a script), so every process and machine counts together."""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol


class Throttled(Exception):
    """A call refused by a connection's limit; `retry_after` is the seconds until one is free."""

    status = 429

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"Too many calls on this connection; a call is free again in {retry_after:.1f} seconds.")


class Store(Protocol):
    def take(self, key: str, calls: int, period: float, now: float) -> float:
        """Grant a call now (returns 0) or return the seconds until one can be granted."""


class MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: dict[str, deque[float]] = {}

    def take(self, key: str, calls: int, period: float, now: float) -> float:
        with self._lock:
            log = self._logs.setdefault(key, deque())
            while log and log[0] <= now - period:
                log.popleft()
            if len(log) < calls:
                log.append(now)
                return 0.0
            return log[0] + period - now


# KEYS[1]: the connection's log; ARGV: calls, period, now, a unique member.
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(ARGV[2] * 1000))
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(oldest[2] + ARGV[2] - ARGV[3])
"""


class RedisStore:
    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._take = self._client.register_script(_TAKE)

    def take(self, key: str, calls: int, period: float, now: float) -> float:
        wait = self._take(keys=[f"kinflow:flows:throttle:{key}"], args=[calls, period, repr(now), uuid.uuid4().hex])
        return max(0.0, float(wait))


class ConnectionThrottle:
    def __init__(self, store: Store, now: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.store = store
        self._now = now
        self._sleep = sleep

    def acquire(self, key: str, calls: int, period: float, *, wait: bool = True) -> None:
        """Take one call of `key`'s allowance: wait for it, or raise `Throttled` when not `wait`."""
        while (delay := self.store.take(key, calls, period, self._now())) > 0:
            if not wait:
                raise Throttled(delay)
            self._sleep(delay)


@lru_cache(maxsize=4)
def throttle_for(redis_url: str = "") -> ConnectionThrottle:
    """One throttle per process and configuration (the memory log counts for this process only)."""
    return ConnectionThrottle(RedisStore(redis_url) if redis_url else MemoryStore())
