"""The one database session helper: an engine plus `read()` and `write()` transactions.

SQLite (the embedded default) runs in WAL mode with `synchronous=NORMAL`: a committed transaction
survives a crash of the process. Writers take the database lock up front (`BEGIN IMMEDIATE`) and are
serialised inside one process by a lock, so they queue instead of failing with "database is locked".
PostgreSQL needs neither: it has row locks.

A thread of each writing process checkpoints the WAL shortly after writes (PASSIVE: it never waits
for readers or blocks writers), on the other core while the writer goes on, so the checkpoint a
commit has to run itself now and then is short, and the WAL stays within 16 MB.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA cache_size=-65536",
    "PRAGMA temp_store=MEMORY",
    # A committing writer checkpoints the WAL itself once it holds this many pages (16 MB). By then
    # the checkpoint thread has copied most of them into the database, so that checkpoint is short;
    # at SQLite's default, 1000 pages, busy writers ran it several times a second.
    "PRAGMA wal_autocheckpoint=4000",
)


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
    # few pages to copy and the WAL is mostly copied before a writer would have to do it.
    DELAY = 0.02

    def __init__(self, path: str) -> None:
        self._path = path
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
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    pass  # busy or locked: the next write asks again, and SQLite's own checkpoint remains
        finally:
            conn.close()


def _unicode_lower(text: object) -> object:
    return text.lower() if isinstance(text, str) else text


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
            self.engine = sa.create_engine(url, pool_size=16, max_overflow=16, pool_pre_ping=True)

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
            # SQLite's own lower() folds ASCII only; the query language's `like` is case-insensitive
            # for every script, as it is on PostgreSQL.
            dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            statement = "BEGIN IMMEDIATE" if conn.info.pop("immediate", False) else "BEGIN"
            conn.connection.dbapi_connection.execute(statement)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: commits on success, rolls back on any exception. Functions given
        to `after_commit` during the transaction run once it has committed."""
        callbacks: list[Callable[[], None]] = []
        if self._write_lock is None:
            with self.engine.begin() as conn:
                with _collecting(conn, callbacks):
                    yield conn
        else:
            with self._write_lock, self._process_lock():
                conn = self._writer_connection()
                conn.info["immediate"] = True
                with conn.begin(), _collecting(conn, callbacks):
                    yield conn
            self._checkpoint_soon()
        for callback in callbacks:
            callback()

    def _checkpoint_soon(self) -> None:
        if self._lock_file is None:
            return  # in memory: no WAL
        if self._checkpointer is None:
            self._checkpointer = _Checkpointer(str(self.url.database))
        self._checkpointer.poke()

    def _writer_connection(self) -> Connection:
        # One long-lived connection for all writes of this process (they are serialised anyway):
        # checking a connection out of the pool for every write costs more than the write.
        conn = self._writer
        if conn is None or conn.closed or conn.invalidated:
            conn = self._writer = self.engine.connect()
        return conn

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
    def read(self) -> Iterator[Connection]:
        """A read-only transaction: one consistent snapshot for the whole block."""
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

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
