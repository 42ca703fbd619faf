"""Fair delivery per destination (a receiver's host:port), within one worker.

- A cap on requests in flight to one destination, so 200 webhooks pointing at a receiver that never
  answers hold part of a worker's slots (half, by default), not all of them, and other apps'
  deliveries go on. A worker holds up to twice as many deliveries of a destination as it sends at
  once: the next ones wait in memory (without taking a slot of the worker) and start the moment a
  request ends, so a receiver that answers quickly is kept busy without a round trip to the
  database between requests.
- A circuit breaker: after a number of consecutive timeouts (a receiver that hangs, a host that
  drops connections; a refused connection costs nothing and does not count) a destination is left
  alone for a cool-down; its deliveries are logged as attempts and rescheduled without a
  request, then one delivery probes it and a success closes the breaker.

The state is per worker process (each worker learns on its own), which is enough: its purpose is to
keep that worker's slots for receivers that answer.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit


@lru_cache(maxsize=4096)  # asked several times per delivery, of a handful of URLs
def destination(url: str) -> str:
    """The host:port a webhook URL sends to."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


@dataclass
class _Destination:
    slots: asyncio.Semaphore
    held: int = 0  # deliveries of this worker for the destination, sending or waiting for a slot
    failures: int = 0  # consecutive timeouts
    open_until: float = 0.0
    webhooks: set[int] = field(default_factory=set)  # known to send here; skipped while it is full


class Destinations:
    def __init__(self, *, limit: int, failures: int, cooldown: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = max(1, limit)
        self.failures = max(1, failures)
        self.cooldown = cooldown
        self._clock = clock
        self._known: dict[str, _Destination] = {}
        # Claims run in a database thread, requests on the event loop: one lock keeps the counts whole.
        self._lock = threading.Lock()

    def _get(self, name: str) -> _Destination:
        if (known := self._known.get(name)) is None:
            known = self._known[name] = _Destination(asyncio.Semaphore(self.limit))
        return known

    def _full(self, name: str, adding: int = 0) -> bool:
        known = self._known.get(name)
        return known is not None and known.held + adding > 2 * self.limit

    def admits(self, urls: Sequence[str]) -> bool:
        """Whether requests to these URLs can all start now (an estimate for handing new deliveries
        over; the slots themselves are exact)."""
        with self._lock:
            return not any(self._full(name, count) for name, count in Counter(map(destination, urls)).items())

    def admit(self, candidates: Sequence[tuple[int, int, str]]) -> list[int]:
        """Of due (delivery id, webhook id, url), the deliveries there is room for now."""
        with self._lock:
            taking: Counter[str] = Counter()
            admitted = []
            for delivery_id, webhook_id, url in candidates:
                name = destination(url)
                self._get(name).webhooks.add(webhook_id)
                if not self._full(name, taking[name] + 1):
                    taking[name] += 1
                    admitted.append(delivery_id)
            return admitted

    def full_webhooks(self) -> list[int]:
        """Webhooks whose destination has no room: not worth claiming now."""
        with self._lock:
            return [webhook for known in self._known.values() if known.held >= 2 * self.limit
                    for webhook in known.webhooks]

    def started(self, url: str) -> asyncio.Semaphore:
        """Count a delivery to `url` as held; returns the destination's slots to send in."""
        with self._lock:
            known = self._get(destination(url))
            known.held += 1
            return known.slots

    def finished(self, url: str) -> None:
        with self._lock:
            name = destination(url)
            known = self._known[name]
            known.held -= 1
            if known.held == 0 and known.failures == 0:
                del self._known[name]  # nothing to remember about a destination that answers

    def open_for(self, url: str, *, going: bool = True) -> float | None:
        """Seconds left while the destination's breaker is open, or None when a request may go.
        Once the cool-down has passed one request goes (the probe: the first asked with `going`),
        and the breaker stays open for the others until the probe's outcome is observed."""
        with self._lock:
            known = self._known.get(destination(url))
            if known is None or known.failures < self.failures:
                return None
            left = known.open_until - self._clock()
            if left > 0:
                return left
            if going:
                known.open_until = self._clock() + self.cooldown
            return None

    def observe(self, url: str, *, timed_out: bool) -> None:
        """Note how a request went: timed out, or otherwise (answered, refused at once...)."""
        with self._lock:
            known = self._get(destination(url))
            if not timed_out:
                known.failures, known.open_until = 0, 0.0
                return
            known.failures += 1
            if known.failures >= self.failures:
                known.open_until = self._clock() + self.cooldown
