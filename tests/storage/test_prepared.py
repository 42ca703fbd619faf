"""Statements run at the driver level give what SQLAlchemy would: list parameters spread into
placeholders, values converted by their column types both ways, on both databases."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from kinflow.storage.database import Database
from kinflow.storage.prepared import Prepared, PreparedInsert
from tests.conftest import database_url

things = sa.Table("prepared_things", sa.MetaData(),
                  sa.Column("id", sa.Integer, primary_key=True),
                  sa.Column("name", sa.String(32), nullable=False),
                  sa.Column("seen_at", sa.DateTime, nullable=False),
                  sa.Column("flag", sa.Boolean, nullable=False))

_INSERT = PreparedInsert(things, ["name", "seen_at", "flag"])
_NAMED = Prepared(sa.select(things.c.name, things.c.seen_at, things.c.flag)
                  .where(things.c.name.in_(sa.bindparam("names", expanding=True)),
                         things.c.id > sa.bindparam("after"),
                         things.c.flag.in_(sa.bindparam("flags", expanding=True)))
                  .order_by(things.c.id))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> Database:
    db = Database(database_url(request.param, tmp_path))
    things.drop(db.engine, checkfirst=True)
    things.create(db.engine)
    yield db
    things.drop(db.engine)
    db.dispose()


def test_rows_written_in_one_executemany_read_back_typed(db: Database) -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7, 891011)
    rows = [(f"n{i}", moment, i % 2 == 0) for i in range(50)]
    with db.write() as conn:
        _INSERT.run(conn, rows)
        _INSERT.run(conn, [])
    with db.write() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(things)).scalar_one() == 50
        found = _NAMED.all(conn, names=["n0", "n1", "n2", "n3", "missing"], after=0, flags=[True, False])
        assert found == [(f"n{i}", moment, i % 2 == 0) for i in range(4)]
        # Another length of list is another statement; the first stays right.
        assert _NAMED.all(conn, names=["n4"], after=0, flags=[True]) == [("n4", moment, True)]
        assert _NAMED.all(conn, names=["n1", "n3"], after=2, flags=[False]) == [("n3", moment, False)]


def test_an_empty_list_is_refused(db: Database) -> None:
    with db.write() as conn, pytest.raises(ValueError):
        _NAMED.all(conn, names=[], after=0, flags=[True])
