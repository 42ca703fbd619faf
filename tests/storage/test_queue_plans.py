"""The queues' claim queries use their partial indexes (`WHERE state = 'pending'`) on both
databases, also as PostgreSQL plans a prepared statement for any parameter values: written with a
bound `state`, a claim scanned and anti-joined the whole table (25 s for 20,000 deliveries)."""

from __future__ import annotations

import re
from datetime import datetime

import psycopg.sql
import pytest
import sqlalchemy as sa

from kinflow.events import outbox, queue
from kinflow.notifications import mail
from kinflow.storage.database import Database
from kinflow.storage.migrate import upgrade
from tests.conftest import database_url

PARAMS = {"now": datetime(2026, 1, 1), "limit": 64, "keys": ["1:1", "1:2"], "skip": [0]}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> Database:
    db = Database(database_url(request.param, tmp_path))
    upgrade(db)
    yield db
    db.dispose()


def _plan(db: Database, statement: sa.Select, seqscan: bool = False) -> str:
    compiled = statement.compile(dialect=db.engine.dialect)
    # Expanding parameters (the webhooks a claim skips) rendered as the values they are given.
    given = {name: PARAMS[name] for name in compiled.params if name in PARAMS}
    expanded = compiled.construct_expanded_state(given)
    text = expanded.statement

    def value(name: str) -> object:
        return expanded.parameters[name]

    with db.write() as conn:
        raw = conn.connection.dbapi_connection
        if db.is_sqlite:
            rows = raw.execute(f"EXPLAIN QUERY PLAN {text}", [value(n) for n in expanded.positiontup]).fetchall()
            return "\n".join(str(row) for row in rows)
        # The plan PostgreSQL keeps for a prepared statement whatever its values, with table scans
        # made the last resort: only an index the query cannot use leaves one in the plan.
        raw.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        if not seqscan:
            raw.execute("SET LOCAL enable_seqscan = off")
        names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", text)))
        for number, name in enumerate(names, start=1):
            text = text.replace(f"%({name})s", f"${number}")
        raw.execute(f"PREPARE claim_plan AS {text}")
        arguments = psycopg.sql.SQL(", ").join(psycopg.sql.Literal(value(n)) for n in names)
        rows = raw.execute(psycopg.sql.SQL("EXPLAIN EXECUTE claim_plan({})").format(arguments)).fetchall()
        raw.execute("DEALLOCATE claim_plan")
        return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize(("statement", "indexes"), [
    (queue._DUE, ["ix_deliveries_due", "ix_deliveries_order"]),
    (mail._DUE, ["ix_notification_mails_due"]),
], ids=["delivery claim", "mail claim"])
def test_claims_use_the_partial_indexes(db, statement, indexes):
    plan = _plan(db, statement)
    for index in indexes:
        assert index in plan, plan


def test_the_ordering_key_check_looks_up_its_keys_in_the_index(db):
    """A change asks which of its keys have a delivery pending, all at once. Among thousands of
    pending deliveries (on an empty table either index costs nothing), it looks its keys up in the
    ordering index instead of reading every pending row."""
    with db.write() as conn:
        raw = conn.connection.dbapi_connection
        raw.execute("INSERT INTO webhooks (id, source, scope, url, events, created_at, creator) "
                    f"VALUES (1, 'kintone', '1', 'http://x', '[]', {_NOW}, 'a')")
        cursor = raw.cursor()
        cursor.executemany(_placeholders(db, "INSERT INTO events (id, uuid, source, scope, type, subject, payload, "
                                             f"created_at) VALUES (?, ?, 'kintone', '1', 't', ?, '{{}}', {_NOW})"),
                           [(i, str(i), str(i)) for i in range(1, 5001)])
        cursor.executemany(_placeholders(db, "INSERT INTO deliveries (event_id, webhook_id, ordering_key, state, "
                                             f"attempts, next_attempt_at, created_at) VALUES (?, 1, ?, 'pending', 0, "
                                             f"{_NOW}, {_NOW})"),
                           [(i, f"1:{i}") for i in range(1, 5001)])
        raw.execute("ANALYZE deliveries" if not db.is_sqlite else "ANALYZE")
    plan = _plan(db, outbox._BUSY_KEYS.statement, seqscan=True)
    assert "ix_deliveries_order" in plan, plan
    if not db.is_sqlite:
        assert "Index Cond" in plan, plan


_NOW = "CURRENT_TIMESTAMP"


def _placeholders(db: Database, sql: str) -> str:
    return sql if db.is_sqlite else sql.replace("?", "%s")
