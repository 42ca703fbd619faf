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

PARAMS = {"now": datetime(2026, 1, 1), "limit": 64, "key": "1:1", "skip": [0]}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> Database:
    db = Database(database_url(request.param, tmp_path))
    upgrade(db)
    yield db
    db.dispose()


def _plan(db: Database, statement: sa.Select) -> str:
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
    (outbox._BUSY_KEY.statement, ["ix_deliveries_order"]),
    (mail._DUE, ["ix_notification_mails_due"]),
], ids=["delivery claim", "ordering key", "mail claim"])
def test_claims_use_the_partial_indexes(db, statement, indexes):
    plan = _plan(db, statement)
    for index in indexes:
        assert index in plan, plan
