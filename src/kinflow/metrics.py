"""What kinflow counts for `/metrics` (Prometheus' text format, through `prometheus-client`).

Counters and histograms live in the process that counts: with several HTTP worker processes
(`KINFLOW_HTTP_WORKERS`), `kinflow serve` gives them a folder in which prometheus-client's
multiprocess mode adds them up at scrape (`PROMETHEUS_MULTIPROC_DIR`). Queue depths are not counted
at all: they are read from the database at each scrape (`kinflow.api.metrics`), so every process,
and a `kinflow worker` elsewhere, shows the same truth.
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from prometheus_client import Counter, Histogram

# Latency buckets in seconds, from a cached read (about a millisecond) to a long deploy.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Histogram("kinflow_http_request_duration_seconds",
                     "HTTP requests by route template, method and status, with their latency.",
                     ["route", "method", "status"], buckets=_BUCKETS)
DATABASE = Histogram("kinflow_database_statement_duration_seconds",
                     "Time spent in database statements.", buckets=_BUCKETS)
DELIVERY_ATTEMPTS = Counter("kinflow_delivery_attempts_total",
                            "Webhook delivery attempts by outcome (delivered, failed, skipped: "
                            "not sent while the destination is backed off).", ["outcome"])
THROTTLED = Counter("kinflow_throttled_calls_total",
                    "Calls refused to protect the service: login (locked out after failed logins), "
                    "groups (a connector's or the tenant's rate, 429).", ["kind"])


log = logging.getLogger("kinflow.database")


def time_statements(engine: sa.Engine, slow_seconds: float) -> None:
    """Time every statement of `engine` into DATABASE, and log those slower than `slow_seconds`
    (0: none) with the first characters of their SQL (never their parameters: they hold data)."""

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        conn.info["statement_started"] = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        started = conn.info.pop("statement_started", None)
        if started is None:
            return
        elapsed = time.perf_counter() - started
        DATABASE.observe(elapsed)
        if slow_seconds and elapsed >= slow_seconds:
            sql = " ".join(statement.split())
            log.warning("slow query: %.0f ms: %s", elapsed * 1000, sql[:500],
                        extra={"fields": {"duration_ms": round(elapsed * 1000, 1), "sql": sql[:500]}})
