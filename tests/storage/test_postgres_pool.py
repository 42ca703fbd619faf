"""Pooled PostgreSQL connections the server has dropped are replaced before use, not failed on."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from kinflow.storage import database
from kinflow.storage.database import Database
from tests.conftest import POSTGRES_ADMIN_URL, database_url


@pytest.fixture
def db(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.05)
    db = Database(database_url("postgresql", tmp_path))
    yield db
    db.dispose()


def _backend(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def test_a_rested_connection_the_server_dropped_is_replaced(db: Database) -> None:
    first = _backend(db)
    admin = sa.create_engine(POSTGRES_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with admin.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
    finally:
        admin.dispose()
    time.sleep(0.2)
    second = _backend(db)  # would raise "server closed the connection" without the check
    assert second != first


def test_a_connection_used_just_now_is_not_pinged(db: Database) -> None:
    checkouts = []
    sa.event.listen(db.engine, "checkout", lambda *args: checkouts.append(1))
    original = db.engine.dialect.do_ping
    calls = []
    db.engine.dialect.do_ping = lambda connection: calls.append(1) or original(connection)
    for _ in range(5):
        _backend(db)
    assert len(checkouts) == 5 and calls == []
    time.sleep(0.1)
    _backend(db)
    assert calls == [1]
