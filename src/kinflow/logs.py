"""The one logging setup of kinflow's processes (`serve`, its HTTP worker processes, `worker`).

Messages go to stderr as text lines or, with `KINFLOW_LOG_FORMAT=json`, one JSON object a line. A
request's thread only queues its record: formatting and writing happen on a thread of their own, so
the access log line of every request costs the request a few microseconds, not a write to stderr.
Structured fields travel as `extra={"fields": {...}}`; the JSON format gives them their own keys.
"""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import queue
import sys
from datetime import datetime, timezone

import orjson

from kinflow.config import Settings

_listener: logging.handlers.QueueListener | None = None


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return orjson.dumps(entry, default=str).decode()


class _TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")


class _QueueHandler(logging.handlers.QueueHandler):
    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # The stock handler formats the whole line here, on the caller's thread; the message's
        # arguments are all it needs to settle now (an exception is rendered by the stock way).
        if record.exc_info:
            return super().prepare(record)
        record.msg = record.getMessage()
        record.args = None
        return record


def setup_logging(settings: Settings) -> None:
    """Route kinflow's (and uvicorn's) log records to stderr in the configured format; idempotent."""
    global _listener
    if _listener is not None:
        return
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(_JsonFormatter() if settings.log_format == "json" else _TextFormatter())
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    _listener = logging.handlers.QueueListener(records, stream)
    _listener.start()
    atexit.register(_listener.stop)  # writes out what is queued when the process ends
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(_QueueHandler(records))
    # Libraries (alembic's every migration step, uvicorn's) say only what goes wrong; kinflow's own
    # loggers, at the level asked for.
    root.setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level.upper())))
    logging.getLogger("kinflow").setLevel(settings.log_level.upper())


def masked_url(url: str) -> str:
    """A database or Redis URL with its password replaced by `***`."""
    import sqlalchemy as sa

    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy reads: show only its scheme
        return url.partition(":")[0] + "://***"


def log_settings(settings: Settings) -> None:
    """The start-up summary an operator looks for first: what this process uses (never a secret)."""
    log = logging.getLogger("kinflow")
    secret = {"admin_password", "smtp_password", "metrics_token", "secret_key"}
    urls = {"database_url", "redis_url"}
    shown = {}
    for name in ("data_dir", "database_url", "host", "port", "public_url", "workers", "delivery_worker",
                 "redis_url", "smtp_host", "smtp_password", "admin_password", "metrics_token", "secret_key",
                 "log_level", "log_format", "slow_query_ms", "query_timeout", "max_body_bytes"):
        value = getattr(settings, name)
        if name == "database_url":
            value = masked_url(settings.url)
        elif name in urls and value:
            value = masked_url(value)
        elif name in secret:
            value = "set" if value else "unset"
        shown[name] = str(value)
    log.info("settings: %s", " ".join(f"{key}={value}" for key, value in shown.items()),
             extra={"fields": {"settings": shown}})
