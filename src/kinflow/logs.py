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
import threading
import time
from datetime import datetime, timezone

import orjson

from kinflow.config import Settings


def _iso(created: float) -> str:
    return datetime.fromtimestamp(created, timezone.utc).isoformat(timespec="milliseconds")


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": _iso(record.created), "level": record.levelname.lower(), "logger": record.name,
                 "message": record.getMessage(), **getattr(record, "fields", {})}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return orjson.dumps(entry, default=str).decode()


class _TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return _iso(record.created)


class _QueueHandler(logging.handlers.QueueHandler):
    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # The stock handler formats the whole line here, on the caller's thread; the message's
        # arguments are all it needs to settle now (an exception is rendered the stock way).
        if record.exc_info:
            return super().prepare(record)
        record.msg = record.getMessage()
        record.args = None
        return record


# An access line: (time, method, path, status, duration in ms, user).
AccessLine = tuple[float, str, str, int, float, str]


class _Writer:
    """The thread that formats and writes what the process logs, a batch at a time.

    An access line is queued as a bare tuple: a LogRecord costs the request tens of microseconds
    (measured: 23-34 us on this project's 2-core machine, against about 1 us for the tuple). After
    each batch the thread rests a moment before it looks again: woken for every line, it took the
    interpreter from the requests once per request, and the access log cost a fifth of the CPU of a
    single-record write (measured with bench/records.py --single-only); lines reach stderr at most
    `PAUSE` later."""

    PAUSE = 0.05

    def __init__(self, formatter: logging.Formatter, as_json: bool) -> None:
        self.queue: queue.SimpleQueue[logging.LogRecord | AccessLine | None] = queue.SimpleQueue()
        self.formatter = formatter
        self.as_json = as_json
        self.thread = threading.Thread(target=self._run, name="kinflow-log", daemon=True)
        self.thread.start()

    def _line(self, item: logging.LogRecord | AccessLine) -> str:
        if isinstance(item, logging.LogRecord):
            return self.formatter.format(item) + "\n"
        created, method, path, status, duration_ms, user = item
        if self.as_json:
            return orjson.dumps({"time": _iso(created), "level": "info", "logger": ACCESS_LOGGER,
                                 "message": f"{method} {path} {status} {duration_ms:.1f}ms {user}",
                                 "method": method, "path": path, "status": status,
                                 "duration_ms": duration_ms, "user": user}).decode() + "\n"
        return f"{_iso(created)} INFO {ACCESS_LOGGER}: {method} {path} {status} {duration_ms:.1f}ms {user}\n"

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            while True:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            lines = []
            for item in batch:
                if item is None:
                    continue
                try:
                    lines.append(self._line(item))
                except Exception:  # noqa: BLE001 - one bad message must not stop the log
                    lines.append(f"kinflow: a log message could not be formatted: {item!r:.300}\n")
            try:
                sys.stderr.write("".join(lines))
                sys.stderr.flush()
            except (OSError, ValueError):
                pass  # stderr is gone (closed pipe): nothing to tell it
            if None in batch:
                return
            time.sleep(self.PAUSE)

    def stop(self) -> None:
        self.queue.put(None)
        self.thread.join(timeout=5)


ACCESS_LOGGER = "kinflow.access"
_access = logging.getLogger(ACCESS_LOGGER)
_writer: _Writer | None = None


def setup_logging(settings: Settings) -> None:
    """Route kinflow's (and uvicorn's) log records to stderr in the configured format; idempotent."""
    global _writer
    if _writer is not None:
        return
    as_json = settings.log_format == "json"
    _writer = _Writer(_JsonFormatter() if as_json else _TextFormatter(), as_json)
    atexit.register(_writer.stop)  # writes out what is queued when the process ends
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(_QueueHandler(_writer.queue))  # type: ignore[arg-type]
    # Libraries (alembic's every migration step, uvicorn's) say only what goes wrong; kinflow's own
    # loggers, at the level asked for.
    root.setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level.upper())))
    logging.getLogger("kinflow").setLevel(settings.log_level.upper())


def log_access(method: str, path: str, status: int, duration_ms: float, user: str) -> None:
    """One access line: queued as it is when logging is set up, else through `logging`."""
    if _writer is not None:
        if _access.isEnabledFor(logging.INFO):
            _writer.queue.put((time.time(), method, path, status, duration_ms, user))
        return
    _access.info("%s %s %d %.1fms %s", method, path, status, duration_ms, user,
                extra={"fields": {"method": method, "path": path, "status": status,
                                  "duration_ms": duration_ms, "user": user}})


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
