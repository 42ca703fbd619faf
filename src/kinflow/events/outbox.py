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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.clock import clock
from kinflow.events.delivery import Claimed
from kinflow.storage.database import after_commit
from kinflow.storage.prepared import Prepared, PreparedInsert
from kinflow.storage.schema import PENDING, deliveries, events, is_pending, webhooks

# Asked on every change, usually to learn that nobody listens: compiled once.
_SUBSCRIBERS = Prepared(sa.select(webhooks.c.id, webhooks.c.events, webhooks.c.url, webhooks.c.secret,
                                  webhooks.c.headers, webhooks.c.disable_on_failure).where(
    webhooks.c.source == sa.bindparam("source"), webhooks.c.scope == sa.bindparam("scope"), webhooks.c.active
))
# A change's events and deliveries are written by driver-level `executemany` and their ids read back
# by key: SQLAlchemy's INSERT ... RETURNING of many rows runs row by row on SQLite, to keep the ids
# in the order of the rows.
_EVENT_COLUMNS = ["uuid", "source", "scope", "type", "subject", "payload", "created_at"]
_INSERT_EVENTS = PreparedInsert(events, _EVENT_COLUMNS)
_EVENT_IDS = Prepared(sa.select(events.c.uuid, events.c.id).where(
    events.c.uuid.in_(sa.bindparam("uuids", expanding=True))))
_DELIVERY_COLUMNS = ["event_id", "webhook_id", "state", "attempts", "ordering_key", "next_attempt_at", "created_at",
                     "lease_until", "lease_owner"]
_INSERT_DELIVERIES = PreparedInsert(deliveries, _DELIVERY_COLUMNS)
_DELIVERY_IDS = Prepared(sa.select(deliveries.c.event_id, deliveries.c.webhook_id, deliveries.c.id).where(
    deliveries.c.event_id.in_(sa.bindparam("events", expanding=True))))
# Which of a change's keys have a delivery still pending: asked once per change, compiled once.
_BUSY_KEYS = Prepared(sa.select(deliveries.c.ordering_key).where(
    is_pending(deliveries), deliveries.c.ordering_key.in_(sa.bindparam("keys", expanding=True))))
# Values of a list parameter in one query, at most.
_A_QUERY = 500
# PostgreSQL sends a NOTIFY when (and only if) its transaction commits: workers in other processes
# and on other machines LISTEN on this channel and look for work at once instead of at their next poll.
CHANNEL = "kinflow_deliveries"
_NOTIFY = sa.text(f"NOTIFY {CHANNEL}")


class Listener(NamedTuple):
    """A webhook listening to a scope (the columns of `webhooks`, in this order)."""
    id: int
    events: list[str]
    url: str
    secret: str
    headers: dict | None
    disable_on_failure: bool


@dataclass(frozen=True)
class Batch:
    """Events of one scope, one per subject with its payload (without its id), for its listeners."""
    scope: str
    subjects: Sequence[str]
    payloads: Sequence[dict]
    listeners: Sequence[Listener]


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


# The subscribers of a scope as of its webhooks' revision, by (source, scope): a scope whose writer
# knows that revision (a kintone app's row carries it) is not asked for them again until it moves.
_subscribers: dict[tuple[str, str], tuple[int, list[Listener]]] = {}
_SUBSCRIBERS_KEPT = 10_000


def _subscribers_of(conn: Connection, source: str, scope: str, revision: int | None) -> list[Listener]:
    if revision is None:
        return [Listener(*row) for row in _SUBSCRIBERS.all(conn, source=source, scope=scope)]
    kept = _subscribers.get((source, scope))
    if kept is not None and kept[0] == revision:
        return kept[1]
    # Read in the transaction that read `revision`: a change committed in between moved the
    # revision too, so what is kept here is never served to a write that knows a later one.
    listeners = [Listener(*row) for row in _SUBSCRIBERS.all(conn, source=source, scope=scope)]
    if len(_subscribers) >= _SUBSCRIBERS_KEPT:
        _subscribers.clear()
    _subscribers[source, scope] = (revision, listeners)
    return listeners


def publish(conn: Connection, source: str, scope: str, event_type: str, subjects: Sequence[str],
            build: Callable[[], list[dict]], id_key: str = "id", revision: int | None = None) -> list[str]:
    """Queue one event per subject (`build()` gives their payloads, in order, without their id; it
    is only called when someone listens). The notification id goes in each payload under `id_key`
    (Kaizala's envelope calls it `eventId`). `revision`, when the caller has read it in this
    transaction, is that of the scope's webhooks: their subscribers are then remembered between
    calls. Returns the ids, empty when nobody listens."""
    listeners = [listener for listener in _subscribers_of(conn, source, scope, revision)
                 if event_type in listener.events]
    if not listeners or not subjects:
        return []
    return queue_events(conn, source, event_type, [Batch(scope, subjects, build(), listeners)], id_key)


def queue_events(conn: Connection, source: str, event_type: str, batches: Sequence[Batch],
                 id_key: str = "id") -> list[str]:
    """Write the events of several scopes and a delivery of each to each of its scope's listeners,
    all in a statement for the events and one for the deliveries (a Kaizala message has an event per
    subscription). Returns the notification ids, batch after batch."""
    batches = [batch for batch in batches if batch.listeners and batch.subjects]
    if not batches:
        return []
    now = now_naive()
    written = [(batch, subject, str(uuid.uuid4()), payload) for batch in batches
               for subject, payload in zip(batch.subjects, batch.payloads, strict=True)]
    payloads = [orjson.dumps({id_key: notification_id, **payload}) for _, _, notification_id, payload in written]
    _INSERT_EVENTS.run(conn, [(notification_id, source, batch.scope, event_type, subject, payload.decode(), now)
                              for (batch, subject, notification_id, _), payload in zip(written, payloads)])
    event_id = dict(_in_parts(conn, _EVENT_IDS, "uuids", [notification_id for _, _, notification_id, _ in written]))
    rows, hooks = [], []
    for batch, subject, notification_id, _ in written:
        for webhook in batch.listeners:
            rows.append({"event_id": event_id[notification_id], "webhook_id": webhook.id, "state": PENDING,
                         "attempts": 0, "ordering_key": f"{webhook.id}:{subject}", "next_attempt_at": now,
                         "created_at": now, "lease_until": None, "lease_owner": None})
            hooks.append(webhook)
    worker = _local_workers[0] if _local_workers else None
    handed = (_lease_to(conn, worker, rows, now)
              if worker is not None and worker.admits([webhook.url for webhook in hooks]) else [])
    _INSERT_DELIVERIES.run(conn, [tuple(row[name] for name in _DELIVERY_COLUMNS) for row in rows])
    if handed:
        delivery_id = {(event, webhook): delivery for event, webhook, delivery
                       in _in_parts(conn, _DELIVERY_IDS, "events", list(event_id.values()))}
        event_of = {event_id[notification_id]: (notification_id, payload)
                    for (_, _, notification_id, _), payload in zip(written, payloads)}
        claimed = [Claimed(delivery_id[row["event_id"], hook.id], 1, hook.url, hook.secret,
                           event_of[row["event_id"]][1], event_of[row["event_id"]][0], event_type, hook.headers or {},
                           bool(hook.disable_on_failure))
                   for row, hook in zip(rows, hooks) if row["lease_owner"]]
        after_commit(conn, lambda: worker.take(claimed))  # type: ignore[union-attr]
    if len(handed) < len(rows):
        wake_workers_after_commit(conn)
    return [notification_id for _, _, notification_id, _ in written]


def _in_parts(conn: Connection, statement: Prepared, name: str, values: list) -> list[tuple]:
    """The rows of `statement` for a list parameter of any length, asked for a part at a time."""
    return [row for start in range(0, len(values), _A_QUERY)
            for row in statement.all(conn, **{name: values[start:start + _A_QUERY]})]


def _lease_to(conn: Connection, worker: LocalWorker, rows: list[dict], now: datetime) -> list[dict]:
    """Lease to `worker` the rows it may send at once: the first of their ordering key, with no
    earlier delivery of that key still pending (events of one record go out in order)."""
    keys = list(dict.fromkeys(row["ordering_key"] for row in rows))
    busy = {key for (key,) in _in_parts(conn, _BUSY_KEYS, "keys", keys)}
    lease_until = now + timedelta(seconds=worker.lease)
    handed = []
    for row in rows:
        if row["ordering_key"] in busy:
            continue
        busy.add(row["ordering_key"])
        row.update(lease_owner=worker.name, lease_until=lease_until, attempts=1)
        handed.append(row)
    return handed
