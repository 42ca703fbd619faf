"""The one database session helper: an engine plus `read()` and `write()` transactions.

SQLite (the embedded default) runs in WAL mode with `synchronous=NORMAL`: a committed transaction
survives a crash of the process. Writers take the database lock up front (`BEGIN IMMEDIATE`) and are
serialised inside one process by a lock, so they queue instead of failing with "database is locked".
PostgreSQL needs neither: it has row locks.

A thread of each writing process checkpoints the WAL shortly after writes, on the other core while
the writer goes on (PASSIVE: it never waits for readers or blocks writers). SQLite starts the WAL
over only when a write begins with every frame of it copied, which a steady stream of writes never
allows; so once the WAL has grown, the thread holds writers back for one last short pass. Writers
then do not have to copy the WAL into the database themselves, which stalled a commit for a
dozen milliseconds or more every few dozen commits.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kinflow.errors import KintoneError
from kinflow.i18n import N_

_SQLITE_PRAGMAS = (
    # Set before the first table exists (it cannot change later in WAL mode). Each insert dirties a
    # leaf page of every index it touches, and with larger pages fewer of them: about 5% faster
    # batch inserts than SQLite's 4 KB.
    "PRAGMA page_size=8192",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA cache_size=-65536",
    "PRAGMA temp_store=MEMORY",
    # A committing writer checkpoints the WAL itself once it holds this many pages (128 MB): only
    # when the checkpoint thread has fallen behind, as that starts the WAL over from 32 MB.
    "PRAGMA wal_autocheckpoint=16000",
)


def fold_case(text: object) -> object:
    """Text as `like` compares it: Python's `str.lower`, which folds every script (SQLite's own
    lower() folds ASCII only)."""
    return text.lower() if isinstance(text, str) else text


# The SQL name of `fold_case` on SQLite, beside `lower` which it replaces on kinflow's connections:
# the triggers that keep the search index (`kinflow.apps.text_index`) call it by this name, so a
# connection without it (another program writing records) fails instead of indexing other text.
FOLD_FUNCTION = "kinflow_fold"


# Work SQL triggers leave for the end of their write transaction, by kind: a trigger calls
# `kinflow_pending(kind, key)`, and `run_pending` hands each key to the kind's handler before the
# transaction commits. (FTS5 tables written by a trigger itself flush their index at every
# statement: a quarter of the speed of batch inserts. See `kinflow.apps.text_index`.)
_BEFORE_COMMIT: dict[str, Callable[[Connection, int], None]] = {}
_PENDING = "kinflow_pending"


def before_commit(kind: str, handler: Callable[[Connection, int], None]) -> None:
    _BEFORE_COMMIT[kind] = handler


def run_pending(conn: Connection) -> None:
    """Do the work triggers left in this transaction (`before_commit`); at most once per key."""
    pending = conn.info.get(_PENDING)
    while pending:
        kind, key = pending.pop()
        _BEFORE_COMMIT[kind](conn, key)


def add_functions(dbapi_connection: sqlite3.Connection, info: dict) -> None:
    """The SQL functions kinflow's queries and triggers call on a SQLite connection; `info` is the
    pooled connection's own dict (SQLAlchemy's `ConnectionPoolEntry.info`)."""
    # SQLite's own lower() folds ASCII only; the query language's `like` is case-insensitive for
    # every script, as it is on PostgreSQL.
    dbapi_connection.create_function("lower", 1, fold_case, deterministic=True)
    dbapi_connection.create_function(FOLD_FUNCTION, 1, fold_case, deterministic=True)
    pending: set[tuple[str, int]] = info.setdefault(_PENDING, set())
    dbapi_connection.create_function(_PENDING, 2, lambda kind, key: pending.add((kind, key)))


@contextmanager
def _collecting(conn: Connection, callbacks: list) -> Iterator[None]:
    # `conn.info` outlives the checkout (it belongs to the pooled connection): always clear it.
    conn.info["after_commit"] = callbacks
    try:
        yield
    finally:
        conn.info.pop("after_commit", None)


def after_commit(conn: Connection, callback: Callable[[], None]) -> None:
    """Run `callback` once the write transaction of `conn` has committed (never if it rolls back).
    The same callback registered twice runs once."""
    callbacks = conn.info.get("after_commit")
    if callbacks is None:
        raise RuntimeError("after_commit needs a transaction opened by Database.write()")
    if callback not in callbacks:
        callbacks.append(callback)


class _Checkpointer:
    """Runs `PRAGMA wal_checkpoint(PASSIVE)` on its own connection once writes have happened."""

    # Long enough to cover several commits with one checkpoint; short, so that each checkpoint has
    # few pages to copy.
    DELAY = 0.02
    # WAL pages (32 MB) past which checkpoints go on until one with writers held back, so that the
    # next write starts the WAL over; and what a pass may find newly committed to count as short.
    RESTART_PAGES = 4000
    SHORT_PASS_PAGES = 200

    def __init__(self, path: str, hold_writers: Callable[[], AbstractContextManager]) -> None:
        self._path = path
        self._hold_writers = hold_writers
        self._due = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="kinflow-wal-checkpoint", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        if not self._due.is_set():  # set() takes a lock each time: most commits find it set already
            self._due.set()

    def stop(self) -> None:
        self._stopping = True
        self._due.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=1000")
            while True:
                self._due.wait()
                if self._stopping:
                    return
                time.sleep(self.DELAY)
                self._due.clear()
                try:
                    pages = self._checkpoint(conn)
                    if pages >= self.RESTART_PAGES:
                        # Each pass copies what was committed during the one before; once that is
                        # little, writers wait for one more pass, and the next write starts the
                        # WAL over. Its cost is mostly the fsync of the pages it copied.
                        for _ in range(4):
                            previous, pages = pages, self._checkpoint(conn)
                            if pages - previous < self.SHORT_PASS_PAGES:
                                break
                        with self._hold_writers():
                            self._checkpoint(conn)
                except sqlite3.Error:
                    pass  # busy or locked: the next write asks again, and SQLite's own checkpoint remains
        finally:
            conn.close()

    @staticmethod
    def _checkpoint(conn: sqlite3.Connection) -> int:
        """One PASSIVE checkpoint; returns the pages the WAL holds."""
        return conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]


# Seconds a pooled PostgreSQL connection may rest before its next use checks it is still alive.
PING_AFTER_IDLE = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it has rested a while, and replace it if
    the server has dropped it (a restart, an idle timeout). SQLAlchemy's `pool_pre_ping` checks every
    checkout: a round trip per request, which cost 12-20% of single-record writes. A connection
    back in the pool for less than a second is trusted; should the server go away within that
    second, the statement fails and SQLAlchemy replaces the whole pool."""

    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record) -> None:  # noqa: ANN001
        record.info["rested_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy) -> None:  # noqa: ANN001
        rested_since = record.info.get("rested_since")
        if rested_since is None or time.monotonic() - rested_since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise sa.exc.DisconnectionError() from error  # the pool connects anew and retries
            raise


# SQLite calls the time check after this many steps of its virtual machine: about a millisecond.
_PROGRESS_STEPS = 10_000
# PostgreSQL's SQLSTATE for a statement stopped by `statement_timeout`.
_QUERY_CANCELED = "57014"


def timed_out(seconds: float) -> KintoneError:
    return KintoneError("GAIA_TO01", N_("The request took longer than {seconds:g} seconds and was stopped. Narrow the "
                                        "query, or read fewer records at a time.", seconds=seconds), 400)


class Database:
    def __init__(self, url: str) -> None:
        self.url = sa.make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self._lock_file = None
        self._writer: Connection | None = None
        self._checkpointer: _Checkpointer | None = None
        if self.is_sqlite:
            if self.url.database and self.url.database != ":memory:":
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
                # Writers of every process queue on this file lock and wake the moment it is free;
                # SQLite's own busy handler would sleep in growing steps instead.
                self._lock_file = open(f"{self.url.database}.write-lock", "a+b")  # noqa: SIM115
            self.engine = sa.create_engine(url, pool_size=16, max_overflow=16)
            self._configure_sqlite(self.engine)
        else:
            self.engine = sa.create_engine(url, pool_size=16, max_overflow=16)
            _ping_when_idle(self.engine)

    @staticmethod
    def _configure_sqlite(engine: Engine) -> None:
        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):  # noqa: ANN001
            # Take transaction control from the driver so BEGIN IMMEDIATE is possible.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
            cursor.close()
            add_functions(dbapi_connection, _record.info)

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            statement = "BEGIN IMMEDIATE" if conn.info.pop("immediate", False) else "BEGIN"
            conn.connection.dbapi_connection.execute(statement)

    @contextmanager
    def write(self, timeout: float | None = None) -> Iterator[Connection]:
        """One write transaction: commits on success, rolls back on any exception. Functions given
        to `after_commit` during the transaction run once it has committed. With `timeout`, its
        database work is stopped after that many seconds (`timed_out`)."""
        callbacks: list[Callable[[], None]] = []
        if self._write_lock is None:
            with self.engine.begin() as conn:
                with _collecting(conn, callbacks), self._time_limit(conn, timeout):
                    yield conn
        else:
            with self._holding_writers():
                conn = self._writer_connection()
                conn.info["immediate"] = True
                with conn.begin(), _collecting(conn, callbacks), self._time_limit(conn, timeout):
                    try:
                        yield conn
                        run_pending(conn)
                    finally:
                        conn.info.get(_PENDING, set()).clear()  # a rollback leaves nothing to do
            self._checkpoint_soon()
        for callback in callbacks:
            callback()

    def writer_busy(self) -> bool:
        """Whether a write of this process is under way (SQLite): another one waits for it."""
        return self._write_lock is not None and self._write_lock.locked()

    def _checkpoint_soon(self) -> None:
        if self._lock_file is None:
            return  # in memory: no WAL
        if self._checkpointer is None:
            self._checkpointer = _Checkpointer(str(self.url.database), self._holding_writers)
        self._checkpointer.poke()

    def _writer_connection(self) -> Connection:
        # One long-lived connection for all writes of this process (they are serialised anyway):
        # checking a connection out of the pool for every write costs more than the write.
        conn = self._writer
        if conn is None or conn.closed or conn.invalidated:
            conn = self._writer = self.engine.connect()
        return conn

    @contextmanager
    def _holding_writers(self) -> Iterator[None]:
        assert self._write_lock is not None
        with self._write_lock, self._process_lock():
            yield

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        if self._lock_file is None:
            yield
            return
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    @contextmanager
    def read(self, timeout: float | None = None) -> Iterator[Connection]:
        """A read-only transaction: one consistent snapshot for the whole block (its database work
        stopped after `timeout` seconds, when given)."""
        with self.engine.connect() as conn:
            with conn.begin(), self._time_limit(conn, timeout):
                yield conn

    @contextmanager
    def _time_limit(self, conn: Connection, timeout: float | None) -> Iterator[None]:
        """Stop the transaction's statements once `timeout` seconds have passed: SQLite's progress
        handler (which also stops a statement that is still running), PostgreSQL's
        `statement_timeout` for this transaction only."""
        if timeout is None or timeout <= 0:
            yield
            return
        raw = None
        if self.is_sqlite:
            raw = conn.connection.dbapi_connection
            deadline = time.monotonic() + timeout
            raw.set_progress_handler(lambda: time.monotonic() > deadline, _PROGRESS_STEPS)
        else:
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(timeout * 1000))}")
        try:
            yield
        except sa.exc.OperationalError as error:
            cancelled = (str(error.orig) == "interrupted" if self.is_sqlite
                         else getattr(error.orig, "sqlstate", None) == _QUERY_CANCELED)
            if cancelled:
                raise timed_out(timeout) from None
            raise
        finally:
            if raw is not None:
                raw.set_progress_handler(None, 0)

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.engine.dispose()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None
