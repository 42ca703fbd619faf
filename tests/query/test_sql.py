"""Searching record tables with compiled queries (SQLite in memory, the storage layout of kinflow)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from kinflow.apps.query.evaluate import matches
from kinflow.apps.query.parser import parse_query
from kinflow.apps.query.sql import compile_query
from tests.query.conftest import blank_record


@pytest.fixture()
def records(form):
    return [
        blank_record(form, 1, title="Hello", amount=Decimal("1.5"), due=date(2024, 3, 15), color="red",
                     tags=["a", "b"], owner=["sato"], when=datetime(2024, 3, 14, 15, 0), starts=time(9, 0),
                     memo="First line\nsecond", Status="Open", Assignee=["sato"],
                     items=[{"item": "hammer", "qty": Decimal(1), "kind": "tool", "marks": ["x"]},
                            {"item": "apple", "qty": Decimal(10), "kind": "food", "marks": []}]),
        blank_record(form, 2, title="world", amount=Decimal(20), due=date(2024, 3, 14), color="blue",
                     tags=["c"], owner=["kato"], when=datetime(2024, 3, 15, 15, 0), memo="  ",
                     Status="Done", Created_by="kato",
                     items=[{"item": "pear", "qty": Decimal(3), "kind": "food", "marks": ["x", "y"]}]),
        blank_record(form, 3, title="", amount=None, due=None, color=None, tags=[], items=[],
                     Updated_datetime=datetime(2024, 3, 10, 0, 0)),
        blank_record(form, 4, title="  ", amount=Decimal(-3), due=date(2024, 2, 29), size="M", langs=["ja"],
                     dept=["sales"], Categories=["x"],
                     items=[{"item": "saw", "qty": None, "kind": "tool", "marks": ["y"],
                             "day": date(2024, 1, 1)}]),
    ]


@pytest.fixture()
def search(store, records, ctx, form):
    store.add(records)

    def run(query: str) -> list[int]:
        ids = store.ids(query, ctx)
        parsed = parse_query(query)
        if parsed.limit is None and parsed.offset is None:
            # Python evaluation agrees with every search (order aside).
            expected = [r["$id"] for r in records if matches(parsed.condition, r, form, ctx)]
            assert sorted(ids) == sorted(expected), query
        return ids

    return run


def test_defaults_newest_first(search):
    assert search("") == [4, 3, 2, 1]
    assert search("limit 2") == [4, 3]
    assert search("limit 2 offset 1") == [3, 2]


def test_order_by(search):
    assert search("order by $id asc") == [1, 2, 3, 4]
    assert search("order by amount asc") == [3, 4, 1, 2]  # empty first
    assert search("order by amount desc") == [2, 1, 4, 3]  # empty last
    assert search("order by color asc, $id asc") == [3, 4, 2, 1]
    assert search("order by Status desc") == [1, 2, 4, 3]


def test_scalar_comparisons(search):
    assert search("$id = 2") == [2]
    assert search("$id in (1, 3)") == [3, 1]
    assert search("Record_number > 2 order by $id asc") == [3, 4]
    assert search("amount > 1.5") == [2]
    assert search("amount >= 1.5 and amount < 20") == [1]
    assert search("amount != 20") == [4, 3, 1]
    assert search("amount not in (1.5, 20)") == [4, 3]
    assert search('amount = ""') == [3]
    assert search('title = "Hello"') == [1]
    assert search('title != "Hello"') == [4, 3, 2]
    assert search('Status in ("Open", "Done")') == [2, 1]
    assert search('Status != "Open"') == [4, 3, 2]


def test_text_search_and_emptiness(search):
    assert search('title like "ELL"') == [1]
    assert search('memo like "second"') == [1]
    assert search('memo not like "second"') == [4, 3, 2]
    assert search("title is empty") == [4, 3]
    assert search("memo is empty") == [4, 3, 2]
    assert search("title is not empty") == [2, 1]
    assert search('title in ("")') == [4, 3]


def test_choices_and_multi_values(search):
    assert search('color in ("red", "blue")') == [2, 1]
    assert search('color in ("")') == [4, 3]
    assert search('color not in ("red")') == [4, 3, 2]
    assert search('tags in ("b")') == [1]
    assert search('tags in ("")') == [4, 3]
    assert search('tags not in ("a")') == [4, 3, 2]
    assert search('tags not in ("")') == [2, 1]
    assert search("tags is not empty") == [2, 1]
    assert search('size in ("M")') == [4]
    assert search('langs in ("ja")') == [4]


def test_users_and_system_lists(search):
    assert search("owner in (LOGINUSER())") == [1]
    assert search("owner is empty") == [4, 3]
    assert search("Created_by in (LOGINUSER())") == [4, 3, 1]
    assert search('Created_by not in ("sato")') == [2]
    assert search("dept in (PRIMARY_ORGANIZATION())") == [4]
    assert search("Assignee in (LOGINUSER())") == [1]
    assert search('Categories in ("x")') == [4]


def test_dates_times_and_functions(search):
    assert search("due = TODAY()") == [1]
    assert search("due < TODAY()") == [4, 2]
    assert search("due = THIS_MONTH()") == [2, 1]
    assert search("due = LAST_MONTH(LAST)") == [4]
    assert search("due != TODAY()") == [4, 3, 2]
    assert search("due is empty") == [3]
    assert search("when = TODAY()") == [1]
    assert search("when > TODAY()") == [2]
    assert search('when = "2024-03-15T00:00:00+09:00"') == [1]
    assert search('starts < "10:00"') == [1]
    assert search("Updated_datetime = THIS_WEEK()") == [3]
    assert search("Updated_datetime < THIS_WEEK()") == [4, 2, 1]
    assert search("Created_datetime = THIS_MONTH()") == [4, 3, 2, 1]


def test_table_fields(search):
    assert search('item in ("apple")') == [1]
    assert search("qty > 2") == [2, 1]
    assert search('item not in ("pear")') == [4, 1]
    assert search('kind not in ("food")') == [4]
    assert search('qty in ("")') == [4]
    assert search("day is not empty") == [4]
    assert search('marks in ("y")') == [4, 2]
    assert search('marks not in ("y")') == [1]
    assert search('marks in ("")') == [1]
    assert search('item like "a"') == [4, 2, 1]


def test_table_conditions_joined_by_and_need_the_same_row(search):
    assert search('item in ("hammer") and qty > 5') == []
    assert search('item in ("apple") and qty > 5') == [1]
    assert search('item in ("hammer") or qty > 5') == [1]
    assert search('kind in ("tool") and marks in ("x")') == [1]
    assert search('kind in ("food") and marks in ("y")') == [2]
    assert search('kind in ("food") and marks in ("x") and title = "Hello"') == []
    assert search('item in ("apple") and kind not in ("tool")') == []


def test_equality_and_ranges_compare_the_column_itself(form, store, ctx):
    """Index-friendly SQL: no function wraps an indexed column (`= "x"`, `in`, ranges, dates)."""
    compiled = compile_query(
        parse_query('title = "x" and amount in (1, 2) and due = TODAY() and when >= TODAY() and $id > 5'),
        form, store.tables, ctx,
    )
    sql = str(compiled.where.compile(dialect=postgresql.dialect()))
    columns = {f: store.tables.column(form.fields[f]).name for f in ("title", "amount", "due", "when")}
    assert f"app1_records.{columns['title']} = " in sql
    assert f"app1_records.{columns['amount']} IN " in sql
    assert f"app1_records.{columns['due']} >= " in sql
    assert f"app1_records.{columns['when']} >= " in sql
    assert "app1_records.id > " in sql
    assert "(" + "app1_records" not in sql.replace("EXISTS (", "")


def test_large_table_answers_an_indexed_query_quickly(form, ctx):
    """10^5 records: an indexed equality must not scan (a million only scales the same plan)."""
    from tests.query.conftest import Store

    store = Store(form)  # SQLite: its EXPLAIN QUERY PLAN shows the index at work
    title = store.tables.column(form.fields["title"])
    with store.write() as conn:
        conn.execute(store.tables.records.insert(), [
            {"revision": 1, "creator": "u", "created_at": datetime(2024, 1, 1), "modifier": "u",
             "updated_at": datetime(2024, 1, 1), title.name: f"t{i}"}
            for i in range(100_000)
        ])
    compiled = compile_query(parse_query('title = "t77777"'), form, store.tables, ctx)
    select = sa.select(store.tables.records.c.id).where(compiled.where).order_by(*compiled.order_by)
    with store.engine.connect() as conn:
        plan = " ".join(str(row) for row in conn.execute(sa.text("EXPLAIN QUERY PLAN " + str(
            select.compile(store.engine, compile_kwargs={"literal_binds": True})))))
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
        assert list(conn.execute(select).scalars()) == [77778]
    store.close()


@pytest.mark.parametrize("query", ['title like "orl"', 'memo not like "second"', 'link like "ftp" and title like "hel"'])
def test_like_reads_the_trigram_index(form, store, ctx, query):
    """`like` of 3 characters or more reads the index (SQLite's FTS5 table, PostgreSQL's GIN index
    with table scans made the last resort); shorter texts scan."""
    columns = {f: store.tables.column(form.fields[f]).name for f in ("title", "memo")}
    with store.write() as conn:
        conn.execute(store.tables.records.insert(), [
            {"revision": 1, "creator": "u", "created_at": datetime(2024, 1, 1), "modifier": "u",
             "updated_at": datetime(2024, 1, 1), columns["title"]: f"Hello world {i}", columns["memo"]: f"line {i}"}
            for i in range(2000)])

    def plan(text: str) -> str:
        compiled = compile_query(parse_query(text), form, store.tables, ctx)
        # Unordered: whether the condition can read the index, not which order the planner prefers.
        select = sa.select(store.tables.records.c.id).where(compiled.where)
        sql = str(select.compile(store.engine, compile_kwargs={"literal_binds": True}))
        with store.engine.begin() as conn:
            if store.engine.dialect.name == "sqlite":
                return " ".join(str(row) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            return " ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))

    found = plan(query)
    short = plan('title like "or"')
    if store.engine.dialect.name == "sqlite":
        assert "VIRTUAL TABLE" in found, found
        assert "VIRTUAL TABLE" not in short, short
    elif "not like" not in query:  # PostgreSQL: a negation cannot use an index, and needs none
        assert "Bitmap Index Scan on ix_app1_records_" in found and "_like" in found, found


def test_a_common_text_reads_the_records_in_order(form, store, ctx, monkeypatch):
    """On SQLite a text the index finds in many records is searched by reading the records (a page
    of them is found sooner that way): the same records either way."""
    from kinflow.apps import text_index

    title = store.tables.column(form.fields["title"]).name
    with store.write() as conn:
        conn.execute(store.tables.records.insert(), [
            {"revision": 1, "creator": "u", "created_at": datetime(2024, 1, 1), "modifier": "u",
             "updated_at": datetime(2024, 1, 1), title: text}
            for text in ["Hello World", "world", "WORLDS", "word", None, "a world apart", "other"]])
    queries = ['title like "world" order by $id asc', 'title not like "WORLD" order by $id asc']

    def run(common: int) -> list[list[int]]:
        monkeypatch.setattr(text_index, "COMMON", common)
        with store.engine.connect() as conn:
            return [list(conn.execute(sa.select(store.tables.records.c.id).where(compiled.where)
                                      .order_by(*compiled.order_by)).scalars())
                    for compiled in (compile_query(parse_query(q), form, store.tables, ctx, conn) for q in queries)]

    assert run(3) == run(1000) == [[1, 2, 3, 6], [4, 5, 7]]
