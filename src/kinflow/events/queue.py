"""The delivery queue in the database: claiming due deliveries under a lease, recording each attempt,
listing the log and redelivering.

Several workers may run against one database. On PostgreSQL a claim locks its rows with
`FOR UPDATE SKIP LOCKED`, so concurrent workers take different deliveries; on SQLite claims are
serialised by the write lock. A claim is a lease: if its worker dies, the delivery becomes due again
when the lease runs out, which is what makes delivery at-least-once across crashes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.events.delivery import Attempt, Claimed
from kinflow.events.outbox import now_naive, wake_workers_after_commit
from kinflow.events.retry import RetrySchedule
from kinflow.storage.prepared import PreparedInsert
from kinflow.storage.schema import PENDING, deliveries, delivery_attempts, events, is_pending, webhooks
from kinflow.webhooks.destinations import destination

log = logging.getLogger("kinflow.delivery")

DELIVERED, FAILED = "delivered", "failed"
STATES = (PENDING, DELIVERED, FAILED)

_earlier = deliveries.alias("earlier")
# Due, not leased (or the lease ran out), and the first undelivered one of its ordering key: later
# events of one record wait for earlier ones to one endpoint. Webhooks whose destination the worker
# has no room for are skipped, so they cannot fill its claims.
_DUE = (
    sa.select(deliveries.c.id, deliveries.c.webhook_id, webhooks.c.url)
    .join(webhooks, webhooks.c.id == deliveries.c.webhook_id)
    .where(
        is_pending(deliveries),
        deliveries.c.webhook_id.not_in(sa.bindparam("skip", expanding=True)),
        deliveries.c.next_attempt_at <= sa.bindparam("now"),
        sa.or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < sa.bindparam("now")),
        ~sa.exists().where(
            _earlier.c.ordering_key == deliveries.c.ordering_key,
            is_pending(_earlier),
            _earlier.c.id < deliveries.c.id,
        ),
    )
    .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
    .limit(sa.bindparam("limit"))
)
_DUE_LOCKED = _DUE.with_for_update(skip_locked=True, of=deliveries)

_CLAIMED = (
    sa.select(deliveries.c.id, deliveries.c.attempts, webhooks.c.url, webhooks.c.secret, events.c.payload,
              events.c.uuid, events.c.type, webhooks.c.headers, webhooks.c.disable_on_failure)
    .join(webhooks, webhooks.c.id == deliveries.c.webhook_id)
    .join(events, events.c.id == deliveries.c.event_id)
    .where(deliveries.c.id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(deliveries.c.id)
)


def claim(conn: Connection, worker: str, limit: int, lease_seconds: float, *, skip: Sequence[int] = (),
          admit: Callable[[Sequence[tuple[int, int, str]]], list[int]] | None = None) -> list[Claimed]:
    """Lease up to `limit` due deliveries to `worker`, not of the webhooks in `skip`; `admit` picks
    which of the due (delivery id, webhook id, url) to take (all by default)."""
    now = now_naive()
    due = _DUE if conn.dialect.name == "sqlite" else _DUE_LOCKED
    candidates = conn.execute(due, {"now": now, "limit": limit, "skip": list(skip)}).all()
    ids = admit(candidates) if admit is not None else [row.id for row in candidates]
    if not ids:
        return []
    conn.execute(
        deliveries.update().where(deliveries.c.id.in_(ids)).values(
            lease_until=now + timedelta(seconds=lease_seconds), lease_owner=worker,
            attempts=deliveries.c.attempts + 1))
    return [Claimed(row.id, row.attempts, row.url, row.secret, row.payload.encode(), row.uuid, row.type,
                    row.headers or {}, bool(row.disable_on_failure))
            for row in conn.execute(_CLAIMED, {"ids": ids})]


# Every batch of attempts runs these: built once (SQLAlchemy's per-call statement building cost a
# delivery more than the database took to write its attempt).
_ATTEMPT_COLUMNS = ["delivery_id", "number", "started_at", "worker", "status_code", "latency_ms", "error",
                    "response_excerpt"]
_INSERT_ATTEMPTS = PreparedInsert(delivery_attempts, _ATTEMPT_COLUMNS)
_DELIVERED = (deliveries.update()
              .where(deliveries.c.id.in_(sa.bindparam("ids", expanding=True)),
                     deliveries.c.lease_owner == sa.bindparam("worker"), deliveries.c.state == PENDING)
              .values(state=DELIVERED, finished_at=sa.bindparam("now"), lease_until=None, lease_owner=None,
                      last_status=sa.bindparam("status"), last_error=""))


def record(conn: Connection, worker: str, results: list[Attempt], schedule: RetrySchedule,
           disabling: RetrySchedule | None = None) -> None:
    """Log each attempt and settle its delivery: delivered, retried later, or failed for good.
    Deliveries to webhooks disabled after their last retry (Kaizala's) follow the `disabling` schedule.
    A delivery whose lease another worker has taken over meanwhile keeps that worker's state."""
    if not results:
        return
    now = now_naive()
    _INSERT_ATTEMPTS.run(conn, [
        (a.claimed.id, a.claimed.attempt, a.started_at, worker, a.outcome.status_code,
         round(a.outcome.latency_ms, 3), a.outcome.error, a.outcome.excerpt) for a in results])
    mine = (deliveries.c.lease_owner == worker, deliveries.c.state == PENDING)
    delivered = [a for a in results if a.outcome.ok]
    if delivered:  # the common case, in one statement (the last status is the same 2xx for most)
        for status in {a.outcome.status_code for a in delivered}:
            ids = [a.claimed.id for a in delivered if a.outcome.status_code == status]
            settled = conn.execute(_DELIVERED, {"ids": ids, "worker": worker, "now": now, "status": status}).rowcount
            if settled < len(ids):
                log.warning("worker %s: %d delivered deliveries had been taken over by another worker (the claim "
                            "ran out); they may be delivered twice", worker, len(ids) - settled)
    failed: dict[int, int] = {}  # delivery id -> attempts made
    for attempt in results:
        claimed, outcome = attempt.claimed, attempt.outcome
        if outcome.ok:
            continue
        values: dict = {"lease_until": None, "lease_owner": None, "last_status": outcome.status_code,
                        "last_error": outcome.error}
        own = disabling if claimed.disable_on_failure and disabling is not None else schedule
        delay = None if outcome.permanent else own.delay_after(claimed.attempt)
        if delay is None:
            values.update(state=FAILED, finished_at=now)
            failed[claimed.id] = claimed.attempt
            then = "failed for good"
        else:
            values["next_attempt_at"] = now + timedelta(seconds=max(delay, outcome.not_before))
            then = f"retried in {max(delay, outcome.not_before):.0f} s"
        settled = conn.execute(deliveries.update().where(deliveries.c.id == claimed.id, *mine).values(**values))
        if not settled.rowcount:
            log.warning("delivery %s: worker %s lost its claim (another worker took it over)", claimed.id, worker)
            continue
        log.warning("delivery %s to %s, attempt %d: %s; %s", claimed.id, destination(claimed.url), claimed.attempt,
                    f"HTTP {outcome.status_code}" if outcome.status_code else outcome.error[:200], then)
    if failed:
        _disable_after_failure(conn, failed, now)


def _disable_after_failure(conn: Connection, failed: dict[int, int], now: datetime) -> None:
    """Disable the webhooks that ask for it (Kaizala's) whose deliveries have just failed for good,
    saying why: a subscriber reads it in `disabledReason`."""
    for delivery_id, attempts in failed.items():
        of_failed = sa.select(deliveries.c.webhook_id).where(deliveries.c.id == delivery_id,
                                                             deliveries.c.state == FAILED)
        conn.execute(webhooks.update().where(webhooks.c.id.in_(of_failed), webhooks.c.disable_on_failure,
                                             webhooks.c.active).values(
            active=False, disabled_reason=f"Disabled at {now:%Y-%m-%dT%H:%M:%SZ}: a delivery still failed after the "
                                          f"last retry ({attempts - 1} retries). Enable it again once the callback "
                                          "URL answers."))


def _iso(moment) -> str | None:  # noqa: ANN001
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


def list_deliveries(conn: Connection, webhook_id: int, *, state: str | None, limit: int, offset: int) -> list[dict]:
    """A webhook's deliveries, newest first, each with its attempts."""
    query = (sa.select(deliveries, events.c.uuid, events.c.type, events.c.subject)
             .join(events, events.c.id == deliveries.c.event_id)
             .where(deliveries.c.webhook_id == webhook_id)
             .order_by(deliveries.c.id.desc()).limit(limit).offset(offset))
    if state is not None:
        query = query.where(deliveries.c.state == state)
    rows = conn.execute(query).all()
    attempts: dict[int, list[dict]] = {row.id: [] for row in rows}
    if attempts:
        for a in conn.execute(sa.select(delivery_attempts)
                              .where(delivery_attempts.c.delivery_id.in_(list(attempts)))
                              .order_by(delivery_attempts.c.id)):
            attempts[a.delivery_id].append({
                "number": a.number, "at": _iso(a.started_at), "status": a.status_code,
                "latencyMs": a.latency_ms, "error": a.error, "response": a.response_excerpt, "worker": a.worker})
    return [{
        "id": str(row.id), "notificationId": row.uuid, "type": row.type, "subject": row.subject,
        "state": row.state, "attempts": attempts[row.id], "nextAttemptAt": _iso(row.next_attempt_at)
        if row.state == PENDING else None, "createdAt": _iso(row.created_at), "finishedAt": _iso(row.finished_at),
    } for row in rows]


def redeliver(conn: Connection, webhook_id: int, delivery_id: int | None) -> int:
    """Queue one delivery (any state) or all failed ones of a webhook again, with a fresh retry
    schedule. The notification id stays the same. Returns how many were queued."""
    where = [deliveries.c.webhook_id == webhook_id]
    where.append(deliveries.c.id == delivery_id if delivery_id is not None else deliveries.c.state == FAILED)
    result = conn.execute(deliveries.update().where(*where).values(
        state=PENDING, attempts=0, next_attempt_at=now_naive(), lease_until=None, lease_owner=None,
        finished_at=None))
    wake_workers_after_commit(conn)
    return result.rowcount


def purge(conn: Connection, cutoff: datetime, limit: int = 5000) -> int:
    """Forget up to `limit` events older than `cutoff` with nothing left to deliver, with their
    deliveries and attempt logs (the foreign keys cascade). Returns how many events went."""
    old = (sa.select(events.c.id)
           .where(events.c.created_at < cutoff,
                  ~sa.exists().where(deliveries.c.event_id == events.c.id, is_pending(deliveries)))
           .order_by(events.c.id).limit(limit))
    ids = conn.execute(old).scalars().all()
    if ids:
        conn.execute(events.delete().where(events.c.id.in_(ids)))
    return len(ids)
