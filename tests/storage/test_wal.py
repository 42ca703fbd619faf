"""The SQLite WAL stays small under a steady stream of writes: the checkpoint thread starts it over,
so no writer has to copy it into the database itself."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from kinflow.storage import database
from kinflow.storage.database import Database

PAGE = 8192


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setattr(database._Checkpointer, "RESTART_PAGES", 64)
    monkeypatch.setattr(database._Checkpointer, "DELAY", 0.005)
    db = Database(f"sqlite:///{tmp_path / 'kinflow.db'}")
    with db.write() as conn:
        conn.execute(sa.text("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)"))
    yield db
    db.dispose()


def test_new_databases_use_8_kb_pages(db: Database) -> None:
    with db.read() as conn:
        assert conn.execute(sa.text("PRAGMA page_size")).scalar_one() == PAGE


def test_steady_writes_keep_the_wal_small(db: Database, tmp_path: Path) -> None:
    wal = tmp_path / "kinflow.db-wal"
    body = os.urandom(PAGE * 4)
    largest = 0
    deadline = time.monotonic() + 30
    written = 0
    # 40 MB through the WAL in a steady stream (as from an HTTP client, a moment between writes):
    # without the thread starting the WAL over, it would take all 40 MB, short of the size at which
    # SQLite makes a writer checkpoint (128 MB).
    while written < 40 * 1024 * 1024 and time.monotonic() < deadline:
        with db.write() as conn:
            conn.execute(sa.text("INSERT INTO blobs (body) VALUES (:body)"), {"body": body})
        written += len(body)
        largest = max(largest, wal.stat().st_size)
        time.sleep(0.0005)
    assert written >= 40 * 1024 * 1024, "the writes did not finish in time"
    assert largest < 8 * 1024 * 1024, f"the WAL grew to {largest / 2**20:.1f} MB"
    with db.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM blobs")).scalar_one() == written // len(body)
