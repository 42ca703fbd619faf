"""Per-connection throttling of connector calls, as each connector declares it (kintone: 100 calls per
60 s per connection, Kaizala: 500): at most `calls` in ANY window of `period` seconds, a sliding log of
the calls granted rather than fixed minutes, which would let twice the limit through across a minute's
edge. A call beyond the limit waits until the oldest call of the window leaves it, or, when the flow
asks for it, fails at once with a `429` and the seconds to wait.

With `KINFLOW_REDIS_URL` the log is kept in Redis (one sorted set per connection, changed atomically by
a script); without it, in the database (`flow_connection_calls`, one connection's calls changed under a
lock: SQLite's write lock, a PostgreSQL advisory lock), so every process and machine counts together
either way. A log in memory serves a single process (and the tests)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol


log = logging.getLogger("kinflow.flows")


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

        self._errors = redis.RedisError
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._take = self._client.register_script(_TAKE)

    def take(self, key: str, calls: int, period: float, now: float) -> float:
        try:
            wait = self._take(keys=[f"kinflow:flows:throttle:{key}"],
                              args=[calls, period, repr(now), uuid.uuid4().hex])
        except self._errors as exc:
            # The limit protects the connection's server, which refuses excess calls itself (429, which
            # flows retry): an unreachable Redis must not stop every flow.
            log.warning("flow throttle: Redis unavailable (%s); this call is not counted", exc)
            return 0.0
        return max(0.0, float(wait))


class DatabaseStore:
    def __init__(self, db) -> None:  # noqa: ANN001 - kinflow.storage.database.Database
        self.db = db

    def take(self, key: str, calls: int, period: float, now: float) -> float:
        import sqlalchemy as sa

        from kinflow.flows.tables import connection_calls as log

        mine = log.c.connection_id == key
        with self.db.write() as conn:
            if not self.db.is_sqlite:  # SQLite's writers are one at a time already
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:lock)"),
                             {"lock": zlib.crc32(f"flow throttle {key}".encode()) - 2**31})
            conn.execute(log.delete().where(mine, log.c.called_at <= now - period))
            count, oldest = conn.execute(sa.select(sa.func.count(), sa.func.min(log.c.called_at)).where(mine)).one()
            if count < calls:
                conn.execute(log.insert().values(connection_id=key, called_at=now))
                return 0.0
            return oldest + period - now


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
def throttle_for(redis_url: str = "", db=None) -> ConnectionThrottle:  # noqa: ANN001
    """One throttle per process and configuration: in Redis when there is one, else in the database,
    else (no database given) in this process's memory."""
    if redis_url:
        return ConnectionThrottle(RedisStore(redis_url))
    return ConnectionThrottle(DatabaseStore(db) if db is not None else MemoryStore())
