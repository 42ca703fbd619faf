"""Recurrence triggers: an enabled flow with a `Recurrence` trigger starts a run at each occurrence.

When occurrences fall is `kinflow.flows.schedule`'s; the first is set when the flow is enabled.
Workers look for due occurrences as they look for due runs; each occurrence is moved on by a conditional update, so one worker alone starts
its run, and the run is keyed by the occurrence's time besides (one occurrence, one run). Missed
occurrences (every worker was down) are not made up: the next one is the first still ahead.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.flows import manage, runs
from kinflow.flows.schedule import following
from kinflow.flows.tables import flows

BATCH = 50


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
