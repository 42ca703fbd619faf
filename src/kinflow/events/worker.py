"""The delivery worker: claims due deliveries, sends them concurrently, records every attempt.

One runs inside `kinflow serve` (unless turned off) and any number run as `kinflow worker`
processes. Deliveries written in this process are handed to its worker on commit; on PostgreSQL,
other processes' commits wake it through NOTIFY; polling is the safety net for everything else
(retries falling due, leases running out, a missed notification).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.engine import Connection

from kinflow.config import Settings
from kinflow.events import queue
from kinflow.events.delivery import Attempt, Claimed
from kinflow.events.outbox import CHANNEL, now_naive, serve_locally
from kinflow.events.retry import RetrySchedule
from kinflow.metrics import DELIVERY_ATTEMPTS
from kinflow.polling import Poller
from kinflow.storage.database import Database
from kinflow.webhooks.destinations import Destinations, destination
from kinflow.webhooks.sender import Outcome, Sender, loggable

log = logging.getLogger("kinflow.delivery")
PURGE_INTERVAL = 3600.0
RECORD_BATCH, RECORD_DELAY = 64, 0.02
T = TypeVar("T")
# The counters of each outcome, looked up once rather than by label on every attempt.
_ATTEMPTS = {outcome: DELIVERY_ATTEMPTS.labels(outcome) for outcome in ("delivered", "skipped", "failed")}
# Webhook secrets kept decrypted, by their stored form: decrypting one cost a delivery a twentieth of its CPU.
_SECRETS_KEPT = 10_000


class DeliveryWorker(Poller):
    def __init__(self, db: Database, settings: Settings, name: str | None = None) -> None:
        super().__init__(name or f"{socket.gethostname()}:{os.getpid()}", settings.delivery_poll)
        self.db = db
        self.concurrency = settings.delivery_concurrency
        self.lease = settings.delivery_lease
        self.schedule = RetrySchedule.parse(settings.webhook_retry_delays)
        self.groups_schedule = RetrySchedule.parse(settings.groups_webhook_retry_delays)
        self.retention = timedelta(days=settings.delivery_retention_days)
        self.key = settings.keys  # webhook secrets are stored encrypted
        self._next_purge = 0.0
        self.sender = Sender(timeout=settings.webhook_timeout, allow=settings.webhook_networks,
                             max_connections=self.concurrency)
        self.destinations = Destinations(limit=settings.webhook_destination_concurrency,
                                         failures=settings.webhook_breaker_failures,
                                         cooldown=settings.webhook_breaker_cooldown)
        self._seen = 0  # due deliveries the last claim looked at
        self._in_flight: set[asyncio.Task] = set()
        self._done: list[Attempt] = []
        self._done_since = 0.0
        self._handed = 0  # deliveries handed over but not started yet
        self._waiting = 0  # deliveries waiting for a slot of their destination
        self._secrets: dict[str, str] = {}

    def room(self) -> int:
        # Deliveries waiting for a slot of their destination take none of the worker's.
        return self.concurrency - len(self._in_flight) - self._handed + self._waiting

    def admits(self, urls: list[str]) -> bool:
        """Whether it would send deliveries to these URLs at once (thread-safe)."""
        return self.room() >= len(urls) and self.destinations.admits(urls)

    def take(self, claimed: list[Claimed]) -> None:
        """Send deliveries leased to this worker by the transaction that wrote them (thread-safe)."""
        if self._loop is None or self._loop.is_closed():
            return  # their lease runs out and the queue hands them to a worker again
        self._handed += len(claimed)
        self._loop.call_soon_threadsafe(self._start, claimed, True)

    def _start(self, claimed: list[Claimed], handed: bool = False) -> None:
        if handed:
            self._handed -= len(claimed)
        for item in claimed:
            task = asyncio.create_task(self._deliver(item, self.destinations.started(item.url)))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        unsubscribe = serve_locally(self)
        if not self.db.is_sqlite:
            self.listen(self.db.url.set(drivername="postgresql").render_as_string(hide_password=False), CHANNEL)
        try:
            await self.loop(self._step)  # claims not recorded when a step fails are retaken later
        finally:
            unsubscribe()
            await self._drain()

    async def _step(self) -> bool:
        """Record finished attempts and start due deliveries; True when more may be due at once."""
        await self._record_finished()
        if time.monotonic() >= self._next_purge:
            await self._purge()
        room = self.room()
        if room <= 0:
            return False
        claimed = await self._in_transaction(self._claim, room)
        self._start(claimed)
        # A full look may have more behind it; those left for want of room at their destination
        # belong to webhooks the next claim skips, so it looks past them.
        return self._seen == room

    def _claim(self, conn: Connection, room: int) -> list[Claimed]:
        def admit(candidates: Sequence[tuple[int, int, str]]) -> list[int]:
            self._seen = len(candidates)
            return self.destinations.admit(candidates)

        self._seen = 0
        return queue.claim(conn, self.name, room, self.lease, skip=self.destinations.full_webhooks(), admit=admit)

    async def _purge(self) -> None:
        """Forget what is past the retention period, a batch per transaction (at most hourly)."""
        self._next_purge = time.monotonic() + PURGE_INTERVAL
        cutoff = now_naive() - self.retention
        while await self._in_transaction(queue.purge, cutoff) and not self._stopping:
            await asyncio.sleep(0)

    async def _drain(self) -> None:
        # Let requests in flight finish and log them; anything unrecorded is retaken after its lease.
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=5)
        await self._record_finished(now=True)
        await self.sender.close()

    async def _deliver(self, item: Claimed, slots: asyncio.Semaphore) -> None:
        started_at = now_naive()
        try:
            outcome = self._left_alone(item, going=False)  # not worth waiting for a slot
            if outcome is None:
                await self._slot(slots)
                try:
                    started_at = now_naive()
                    # The breaker may have opened while this one waited.
                    outcome = self._left_alone(item) or await self._attempt(item)
                finally:
                    slots.release()
        finally:
            self.destinations.finished(item.url)
        if not self._done:
            self._done_since = time.monotonic()
            asyncio.get_running_loop().call_later(RECORD_DELAY, self._wakeup.set)
        self._done.append(Attempt(item, started_at, outcome))
        left_alone = outcome.status_code is None and outcome.not_before > 0
        _ATTEMPTS["delivered" if outcome.ok else "skipped" if left_alone else "failed"].inc()
        if len(self._done) >= RECORD_BATCH:
            self._wakeup.set()

    async def _slot(self, slots: asyncio.Semaphore) -> None:
        """One of the destination's slots (a few requests at a time per destination)."""
        if not slots.locked():
            await slots.acquire()
            return
        self._waiting += 1
        try:
            await slots.acquire()
        finally:
            self._waiting -= 1

    def _left_alone(self, item: Claimed, *, going: bool = True) -> Outcome | None:
        """The attempt logged, without a request, while the destination's breaker is open."""
        closed_for = self.destinations.open_for(item.url, going=going)
        if closed_for is None:
            return None
        return Outcome(None, 0.0, f"Not sent: {destination(item.url)} kept failing; it is left alone for "
                                  f"{closed_for:.0f} more seconds.", not_before=closed_for)

    async def _attempt(self, item: Claimed) -> Outcome:
        try:
            outcome = await self.sender.send(item.url, item.payload, self._secret(item.secret),
                                             {**item.headers, "X-Kinflow-Event": item.event_type,
                                              "X-Kinflow-Notification-Id": item.event_uuid})
        except Exception as exc:  # a bug must not lose the delivery: log it as a failed attempt
            log.exception("delivery %s", item.id)
            return Outcome(None, 0.0, loggable(f"{type(exc).__name__}: {exc}"))
        self.destinations.observe(item.url, timed_out=outcome.timed_out)
        return outcome

    def _secret(self, stored: str) -> str:
        secret = self._secrets.get(stored)
        if secret is None:
            if len(self._secrets) >= _SECRETS_KEPT:
                self._secrets.clear()
            secret = self._secrets[stored] = self.key.decrypt(stored)
        return secret

    async def _record_finished(self, *, now: bool = False) -> None:
        # Attempts are logged in batches (a few milliseconds late at most): a transaction per
        # delivery would cost the writes that share the database more than the deliveries do.
        if not self._done or not (now or len(self._done) >= RECORD_BATCH
                                  or time.monotonic() - self._done_since >= RECORD_DELAY):
            return
        done, self._done = self._done, []
        try:
            await self._in_transaction(queue.record, self.name, done, self.schedule,
                                       self.groups_schedule)
        except Exception:
            log.exception("delivery worker %s: logging %d attempts together failed; logging each alone",
                          self.name, len(done))
            for attempt in done:  # one attempt that cannot be logged must not lose the others
                await self._record_alone(attempt)

    async def _record_alone(self, attempt: Attempt) -> None:
        try:
            await self._in_transaction(queue.record, self.name, [attempt], self.schedule,
                                       self.groups_schedule)
            return
        except Exception as exc:
            log.exception("delivery %s: logging its attempt failed", attempt.claimed.id)
            error = loggable(f"The attempt could not be logged ({type(exc).__name__}).")
        bare = replace(attempt, outcome=replace(attempt.outcome, error=error, excerpt=""))
        try:
            await self._in_transaction(queue.record, self.name, [bare], self.schedule,
                                       self.groups_schedule)
        except Exception:  # the database is away: the lease runs out and the delivery is retaken
            log.exception("delivery %s: logging its attempt failed again", attempt.claimed.id)

    async def _in_transaction(self, function: Callable[..., T], *args: object) -> T:
        def run() -> T:
            with self.db.write() as conn:
                return function(conn, *args)

        # SQLite writes are short and serialised anyway: run them here rather than hop threads, unless
        # another write (an API call's) holds the lock, which would stall the event loop, and with it
        # every request and delivery of this process, until that write commits.
        return run() if self.db.is_sqlite and not self.db.writer_busy() else await asyncio.to_thread(run)
