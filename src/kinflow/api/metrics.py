"""`GET /metrics`: Prometheus' text format, for administrators (password) and for a scraper that
sends `Authorization: Bearer KINFLOW_METRICS_TOKEN`; anyone else is refused in kintone's format.

The counters of `kinflow.metrics` come with the queues as they stand in the database at the scrape:
pending webhook deliveries, notification e-mails and reminder settings, and how long the oldest has
waited (for reminders: how far behind the oldest setting's scan is).
"""

from __future__ import annotations

import hmac
import os
from datetime import datetime

import sqlalchemy as sa
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

from kinflow.api.access_log import note_caller
from kinflow.api.authentication import password_identity
from kinflow.api.kintone.http import caller_language, error_response, request_headers
from kinflow.api.threads import run_blocking
from kinflow.clock import clock
from kinflow.directory.identity import Identity, token_identity
from kinflow.errors import KintoneError, no_privilege
from kinflow.i18n import N_
from kinflow.secret_key import SecretKey
from kinflow.storage.database import Database
from kinflow.storage.schema import PENDING, deliveries, notification_mails, reminder_cursors

QUEUES = {"deliveries": (deliveries, deliveries.c.created_at),
          "mails": (notification_mails, notification_mails.c.created_at),
          "reminders": (reminder_cursors, reminder_cursors.c.scanned_until)}


def _queue_state(db: Database) -> dict[str, tuple[int, datetime | None]]:
    with db.read() as conn:
        state = {}
        for name, (table, since) in QUEUES.items():
            query = sa.select(sa.func.count(), sa.func.min(since))
            if "state" in table.c:
                query = query.where(table.c.state == PENDING)
            state[name] = tuple(conn.execute(query.select_from(table)).one())
        return state


class _Queues:
    def __init__(self, state: dict[str, tuple[int, datetime | None]]) -> None:
        self.state = state

    def collect(self):  # noqa: ANN201 - prometheus-client's collector protocol
        depth = GaugeMetricFamily("kinflow_queue_pending", "Items waiting in a queue (reminders: settings "
                                  "scanned).", labels=["queue"])
        age = GaugeMetricFamily("kinflow_queue_oldest_pending_age_seconds", "Seconds the oldest waiting item "
                                "has waited (reminders: since the oldest setting's last scan); 0 when empty.",
                                labels=["queue"])
        now = clock.now().replace(tzinfo=None)
        for name, (count, oldest) in self.state.items():
            depth.add_metric([name], count)
            age.add_metric([name], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        yield depth
        yield age


def _bearer_allowed(request: Request, token: str) -> bool | None:
    """True for the metrics token, False for another bearer token, None without one."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return bool(token) and hmac.compare_digest(given.strip().encode(), token.encode())


def _check_token_caller(db: Database, headers: dict[str, str], key: SecretKey) -> None:
    with db.read() as conn:
        token_identity(conn, headers, key)  # 401 without a token, 400 for an unknown one
    raise no_privilege()  # an API token is an app's, never an administrator


async def metrics_endpoint(request: Request) -> Response:
    db: Database = request.app.state.db
    try:
        allowed = _bearer_allowed(request, request.app.state.settings.metrics_token)
        if allowed is False:
            raise KintoneError("CB_WA01", N_("The bearer token is not the metrics token."), 401)
        if allowed:
            note_caller("metrics-token")
        if allowed is None:
            headers = request_headers(request)
            identity: Identity | None = await password_identity(request, headers)
            if identity is None:
                await run_blocking(_check_token_caller, db, headers, request.app.state.settings.keys)
            elif identity.user is None or not identity.user.is_admin:
                raise no_privilege()
        state = await run_blocking(_queue_state, db)
    except KintoneError as error:
        return error_response(error, caller_language(request))
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    queues = CollectorRegistry()
    queues.register(_Queues(state))
    return Response(generate_latest(counted) + generate_latest(queues), media_type=CONTENT_TYPE_LATEST)
