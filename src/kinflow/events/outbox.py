"""The transactional outbox. An event is written in the transaction of the change that produced it,
together with one delivery per subscribed webhook, so there is no event without its change and no
change without its event. Nothing is written when nobody listens."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.clock import clock
from kinflow.storage.database import after_commit
from kinflow.storage.prepared import Prepared
from kinflow.storage.schema import deliveries, events, webhooks

# Asked on every change, usually to learn that nobody listens: compiled once.
_SUBSCRIBERS = Prepared(sa.select(webhooks.c.id, webhooks.c.events).where(
    webhooks.c.source == sa.bindparam("source"), webhooks.c.scope == sa.bindparam("scope"), webhooks.c.active
))
_INSERT_EVENTS = events.insert().returning(events.c.id, sort_by_parameter_order=True)

# Functions called (in this process) after a transaction that queued deliveries has committed: the
# local delivery worker listens here so a new event goes out without waiting for the next poll.
_wake_listeners: list[Callable[[], None]] = []


def on_new_deliveries(listener: Callable[[], None]) -> Callable[[], None]:
    """Register `listener`; returns a function that unregisters it."""
    _wake_listeners.append(listener)
    return lambda: _wake_listeners.remove(listener)


def _wake() -> None:
    for listener in list(_wake_listeners):
        listener()


def wake_workers_after_commit(conn: Connection) -> None:
    """New deliveries are due once this transaction commits: tell this process's worker."""
    after_commit(conn, _wake)


def subscribers(conn: Connection, source: str, scope: str, event_type: str) -> list[int]:
    rows = _SUBSCRIBERS.all(conn, source=source, scope=scope)
    return [webhook_id for webhook_id, subscribed in rows if event_type in subscribed]


def now_naive() -> datetime:
    return clock.now().replace(tzinfo=None)


def publish(conn: Connection, source: str, scope: str, event_type: str, subjects: Sequence[str],
            build: Callable[[], list[dict]]) -> list[str]:
    """Queue one event per subject (`build()` gives their payloads, in order, without `id`; it is
    only called when someone listens). Returns the notification ids, empty when nobody listens."""
    webhook_ids = subscribers(conn, source, scope, event_type)
    if not webhook_ids or not subjects:
        return []
    now = now_naive()
    uuids = [str(uuid.uuid4()) for _ in subjects]
    rows = [
        {"uuid": notification_id, "source": source, "scope": scope, "type": event_type, "subject": subject,
         "payload": orjson.dumps({"id": notification_id, **payload}).decode(), "created_at": now}
        for notification_id, subject, payload in zip(uuids, subjects, build())
    ]
    event_ids = conn.execute(_INSERT_EVENTS, rows).scalars().all()
    conn.execute(deliveries.insert(), [
        {"event_id": event_id, "webhook_id": webhook_id, "state": "pending", "attempts": 0,
         "ordering_key": f"{webhook_id}:{subject}", "next_attempt_at": now, "created_at": now}
        for event_id, subject in zip(event_ids, subjects)
        for webhook_id in webhook_ids
    ])
    wake_workers_after_commit(conn)
    return uuids
