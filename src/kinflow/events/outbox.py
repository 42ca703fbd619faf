"""The transactional outbox. An event is written in the transaction of the change that produced it,
together with one delivery per subscribed webhook, so there is no event without its change and no
change without its event. Nothing is written when nobody listens.

When the writing process runs a delivery worker with room to spare, new deliveries are written
already leased to it and handed over in memory once the transaction commits: the worker sends them
at once instead of claiming them in a second transaction. Should the process die first, the lease
runs out and any worker takes them, as with every claim.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.clock import clock
from kinflow.events.delivery import Claimed
from kinflow.storage.database import after_commit
from kinflow.storage.prepared import Prepared
from kinflow.storage.schema import PENDING, deliveries, events, is_pending, webhooks

# Asked on every change, usually to learn that nobody listens: compiled once.
_SUBSCRIBERS = Prepared(sa.select(webhooks.c.id, webhooks.c.events, webhooks.c.url, webhooks.c.secret,
                                  webhooks.c.headers).where(
    webhooks.c.source == sa.bindparam("source"), webhooks.c.scope == sa.bindparam("scope"), webhooks.c.active
))
_INSERT_EVENTS = events.insert().returning(events.c.id, sort_by_parameter_order=True)
_INSERT_DELIVERIES = deliveries.insert().returning(deliveries.c.id, sort_by_parameter_order=True)
# Whether a key has a delivery still pending; asked per key (a write usually has one) compiled once.
_BUSY_KEY = Prepared(sa.select(deliveries.c.id).where(
    is_pending(deliveries), deliveries.c.ordering_key == sa.bindparam("key")))
# PostgreSQL sends a NOTIFY when (and only if) its transaction commits: workers in other processes
# and on other machines LISTEN on this channel and look for work at once instead of at their next poll.
CHANNEL = "kinflow_deliveries"
_NOTIFY = sa.text(f"NOTIFY {CHANNEL}")


class _Listener(NamedTuple):
    id: int
    events: list[str]
    url: str
    secret: str
    headers: dict | None


class LocalWorker(Protocol):
    """A delivery worker running in this process."""
    name: str
    lease: float

    def wake(self) -> None:
        """There may be work in the database (thread-safe)."""

    def admits(self, urls: list[str]) -> bool:
        """Whether it would send deliveries to these URLs at once (thread-safe)."""

    def take(self, claimed: list[Claimed]) -> None:
        """Send these, already leased to it (thread-safe)."""


_local_workers: list[LocalWorker] = []


def serve_locally(worker: LocalWorker) -> Callable[[], None]:
    """Let `worker` hear of and take this process's new deliveries; returns a function that stops it."""
    _local_workers.append(worker)
    return lambda: _local_workers.remove(worker)


def _wake() -> None:
    for worker in list(_local_workers):
        worker.wake()


def wake_workers_after_commit(conn: Connection) -> None:
    """New deliveries are due once this transaction commits: tell this process's worker, and on
    PostgreSQL every listening worker."""
    after_commit(conn, _wake)
    if conn.dialect.name == "postgresql":
        conn.execute(_NOTIFY)


def now_naive() -> datetime:
    return clock.now().replace(tzinfo=None)


def publish(conn: Connection, source: str, scope: str, event_type: str, subjects: Sequence[str],
            build: Callable[[], list[dict]], id_key: str = "id") -> list[str]:
    """Queue one event per subject (`build()` gives their payloads, in order, without their id; it
    is only called when someone listens). The notification id goes in each payload under `id_key`
    (Kaizala's envelope calls it `eventId`). Returns the ids, empty when nobody listens."""
    listeners = [_Listener(*row) for row in _SUBSCRIBERS.all(conn, source=source, scope=scope)
                 if event_type in row[1]]
    if not listeners or not subjects:
        return []
    now = now_naive()
    uuids = [str(uuid.uuid4()) for _ in subjects]
    payloads = [orjson.dumps({id_key: notification_id, **payload})
                for notification_id, payload in zip(uuids, build())]
    event_ids = conn.execute(_INSERT_EVENTS, [
        {"uuid": notification_id, "source": source, "scope": scope, "type": event_type, "subject": subject,
         "payload": payload.decode(), "created_at": now}
        for notification_id, subject, payload in zip(uuids, subjects, payloads)
    ]).scalars().all()
    rows = [
        {"event_id": event_id, "webhook_id": webhook.id, "state": PENDING, "attempts": 0,
         "ordering_key": f"{webhook.id}:{subject}", "next_attempt_at": now, "created_at": now,
         "lease_until": None, "lease_owner": None}
        for event_id, subject in zip(event_ids, subjects)
        for webhook in listeners
    ]
    worker = _local_workers[0] if _local_workers else None
    urls = [webhook.url for _ in event_ids for webhook in listeners]  # the rows' order
    handed = _lease_to(conn, worker, rows, now) if worker is not None and worker.admits(urls) else []
    delivery_ids = conn.execute(_INSERT_DELIVERIES, rows).scalars().all()
    if handed:
        by_webhook = {webhook.id: webhook for webhook in listeners}
        event_of = dict(zip(event_ids, zip(uuids, payloads)))
        claimed = [Claimed(delivery_id, 1, hook.url, hook.secret, event_of[row["event_id"]][1],
                           event_of[row["event_id"]][0], event_type, hook.headers or {})
                   for delivery_id, row in zip(delivery_ids, rows) if row["lease_owner"]
                   for hook in (by_webhook[row["webhook_id"]],)]
        after_commit(conn, lambda: worker.take(claimed))  # type: ignore[union-attr]
    if len(handed) < len(rows):
        wake_workers_after_commit(conn)
    return uuids


def _lease_to(conn: Connection, worker: LocalWorker, rows: list[dict], now: datetime) -> list[dict]:
    """Lease to `worker` the rows it may send at once: the first of their ordering key, with no
    earlier delivery of that key still pending (events of one record go out in order)."""
    busy = {key for key in {row["ordering_key"] for row in rows} if _BUSY_KEY.first(conn, key=key)}
    lease_until = now + timedelta(seconds=worker.lease)
    handed = []
    for row in rows:
        if row["ordering_key"] in busy:
            continue
        busy.add(row["ordering_key"])
        row.update(lease_owner=worker.name, lease_until=lease_until, attempts=1)
        handed.append(row)
    return handed
