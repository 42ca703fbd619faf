"""Recurrence triggers: an enabled flow with a `Recurrence` trigger starts a run at each occurrence.

The first occurrence is the recurrence's `startTime` when it lies ahead, else the moment the flow is
enabled (as Logic Apps starts a new recurrence at once). Workers look for due occurrences as they
look for due runs; each occurrence is moved on by a conditional update, so one worker alone starts
its run, and the run is keyed by the occurrence's time besides (one occurrence, one run). Missed
occurrences (every worker was down) are not made up: the next one is the first still ahead.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.flows import manage, runs
from kinflow.flows.expressions.timestamps import parse_timestamp
from kinflow.flows.tables import flows

SECONDS = {"Second": 1, "Minute": 60, "Hour": 3600, "Day": 86_400, "Week": 604_800}
BATCH = 50


def _months_later(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def first(recurrence: dict, now: datetime) -> datetime:
    start = recurrence.get("startTime")
    if isinstance(start, str):
        try:
            moment = parse_timestamp(start)
        except Exception:  # noqa: BLE001 - an unreadable start time means "now"
            return now
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
        if moment > now:
            return moment
    return now


def following(recurrence: dict, previous: datetime, now: datetime) -> datetime:
    """The first occurrence after `now`, counted in whole intervals from `previous`."""
    interval = recurrence["interval"]
    if recurrence["frequency"] == "Month":
        moment = _months_later(previous, interval)
        while moment <= now:
            moment = _months_later(moment, interval)
        return moment
    step = SECONDS[recurrence["frequency"]] * interval
    skipped = max(0, int((now - previous).total_seconds() // step))
    moment = previous + timedelta(seconds=step * skipped)
    while moment <= now:
        moment += timedelta(seconds=step)
    return moment


def start_due(conn: Connection, now: datetime) -> int:
    """Start the runs of occurrences that are due; returns how many."""
    due = conn.execute(sa.select(flows.c.id, flows.c.next_occurrence_at).where(
        flows.c.next_occurrence_at <= now, flows.c.state == manage.ENABLED)
        .order_by(flows.c.next_occurrence_at).limit(BATCH)).all()
    started = 0
    for row in due:
        flow = manage.get_flow(conn, "", row.id, admin=True)
        recurrence = manage.definition_of(conn, flow.id, flow.version).trigger.get("recurrence") or {}
        moved = conn.execute(flows.update().where(flows.c.id == flow.id,
                                                  flows.c.next_occurrence_at == row.next_occurrence_at)
                             .values(next_occurrence_at=following(recurrence, row.next_occurrence_at, now))).rowcount
        if moved:
            at = row.next_occurrence_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            if runs.start_run(conn, flow, {"headers": {}, "body": None, "scheduledTime": at},
                              event_id=f"recurrence {at}"):
                started += 1
    return started
