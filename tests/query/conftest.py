"""An app to query: its form, a caller, and an in-memory SQLite copy of its record tables.

Records are written the way kinflow stores them (the record codec, the values side table, a
child table per SUBTABLE), and the same dicts are what `matches` evaluates, so the SQL and the
Python side can be held to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from kinflow.apps.field_types import MULTI_VALUE_TYPES
from kinflow.apps.form import Form, new_form_document
from kinflow.apps.query.ast import (
    And,
    Comparison,
    Condition,
    InList,
    Like,
    NumberValue,
    Or,
    Query,
    StringValue,
    Symbol,
    Value,
)
from kinflow.apps.query.context import QueryContext
from kinflow.apps.query.parser import parse_query
from kinflow.apps.query.sql import compile_query
from kinflow.apps.record_tables import ASSIGNEE_FIELD_ID, CATEGORY_FIELD_ID, RecordTables, drop_tables, sync_schema
from kinflow.apps.record_codec import codec_for
from kinflow.storage.database import add_functions, run_pending

# Friday 15 March 2024, 12:00 in Tokyo.
NOW = datetime(2024, 3, 15, 3, 0, tzinfo=timezone.utc)
TOKYO = ZoneInfo("Asia/Tokyo")


def options(*labels: str) -> dict:
    return {label: {"label": label, "index": str(i)} for i, label in enumerate(labels)}


def make_form(fields: dict[str, dict]) -> Form:
    """A form with kintone's system fields plus these (code -> property; SUBTABLE with `fields`)."""
    document = new_form_document()
    for code, prop in fields.items():
        document["properties"][code] = {"code": code, "label": code, **prop}
        for inner_code in [code, *prop.get("fields", {})]:
            document["field_ids"][inner_code] = document["next_field_id"]
            document["next_field_id"] += 1
        for inner_code, inner in prop.get("fields", {}).items():
            inner.setdefault("code", inner_code)
    return Form.from_document(document)


APP_FIELDS = {
    "title": {"type": "SINGLE_LINE_TEXT"},
    "link": {"type": "LINK"},
    "memo": {"type": "MULTI_LINE_TEXT"},
    "body": {"type": "RICH_TEXT"},
    "amount": {"type": "NUMBER"},
    "due": {"type": "DATE"},
    "starts": {"type": "TIME"},
    "when": {"type": "DATETIME"},
    "color": {"type": "DROP_DOWN", "options": options("red", "green", "blue")},
    "size": {"type": "RADIO_BUTTON", "options": options("S", "M", "L")},
    "tags": {"type": "CHECK_BOX", "options": options("a", "b", "c", 'say "hi"')},
    "langs": {"type": "MULTI_SELECT", "options": options("en", "ja")},
    "owner": {"type": "USER_SELECT"},
    "dept": {"type": "ORGANIZATION_SELECT"},
    "team": {"type": "GROUP_SELECT"},
    "items": {
        "type": "SUBTABLE",
        "fields": {
            "item": {"type": "SINGLE_LINE_TEXT"},
            "qty": {"type": "NUMBER"},
            "kind": {"type": "DROP_DOWN", "options": options("tool", "food")},
            "marks": {"type": "CHECK_BOX", "options": options("x", "y")},
            "day": {"type": "DATE"},
            "note": {"type": "MULTI_LINE_TEXT"},
        },
    },
}


@pytest.fixture(scope="session")
def form() -> Form:
    return make_form(APP_FIELDS)


@pytest.fixture(scope="session")
def ctx() -> QueryContext:
    return QueryContext(user_code="sato", primary_organization="sales", timezone=TOKYO, now=NOW)


def blank_record(form: Form, record_id: int, **values: object) -> dict:
    """A record as `matches` reads it: every field at its empty value, then `values`."""
    record: dict[str, object] = {
        "$id": record_id,
        "$revision": 1,
        "Record_number": record_id,
        "Created_by": "sato",
        "Updated_by": "sato",
        "Created_datetime": datetime(2024, 3, 1, 0, 0),
        "Updated_datetime": datetime(2024, 3, 1, 0, 0),
        "Status": None,
        "Assignee": [],
        "Categories": [],
    }
    for field in form.top_level:
        if field.code in record:
            continue
        if field.type == "SUBTABLE":
            record[field.code] = []
        elif field.type in MULTI_VALUE_TYPES:
            record[field.code] = []
        elif field.type in ("NUMBER", "DATE", "TIME", "DATETIME"):
            record[field.code] = None
        else:
            record[field.code] = ""
    record.update(values)
    if record["Record_number"] != record["$id"]:
        record["Record_number"] = record["$id"]
    return record


class Store:
    """An app's record tables in a database, filled from `blank_record`-shaped dicts."""

    def __init__(self, form: Form, url: str = "sqlite://") -> None:
        self.form = form
        self.engine = sa.create_engine(url)
        dialect = self.engine.dialect.name
        if dialect == "sqlite":  # kinflow's own functions: `like`'s case folding, the search triggers
            sa.event.listen(self.engine, "connect", lambda dbapi_connection, entry: add_functions(
                dbapi_connection, entry.info))
        self.tables = RecordTables(1, form, dialect)
        # The tables as a deploy makes them, with the indexes that serve `like`.
        with self.engine.begin() as conn:
            if dialect == "postgresql":
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            drop_tables(conn, 1)
            sync_schema(conn, self.tables)

    def close(self) -> None:
        with self.engine.begin() as conn:
            drop_tables(conn, 1)
        self.engine.dispose()

    def clear(self) -> None:
        with self.write() as conn:
            for table in self.tables.all_tables():
                conn.execute(table.delete())

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A transaction that does what kinflow's do before they commit (index new text)."""
        with self.engine.begin() as conn:
            yield conn
            run_pending(conn)

    def add(self, records: list[dict]) -> None:
        with self.write() as conn:
            for record in records:
                self._add(conn, record)

    def _add(self, conn: sa.Connection, record: dict) -> None:
        form, tables = self.form, self.tables
        record_id = record["$id"]
        row = {
            "id": record_id,
            "revision": record["$revision"],
            "creator": record["Created_by"],
            "created_at": record["Created_datetime"],
            "modifier": record["Updated_by"],
            "updated_at": record["Updated_datetime"],
            "status": record["Status"],
        }
        value_rows = [
            {"record_id": record_id, "row_id": None, "field_id": field_id, "value": v}
            for code, field_id in (("Assignee", ASSIGNEE_FIELD_ID), ("Categories", CATEGORY_FIELD_ID))
            for v in record[code]
        ]
        codec = codec_for(tables)
        stored = {f.code: _stored(f.type, record[f.code]) for f in codec.records.fields}
        row.update(zip(codec.records.columns, codec.records.put_values(stored, [])))
        for field in form.top_level:
            if field.type in MULTI_VALUE_TYPES:
                value_rows += [
                    {"record_id": record_id, "row_id": None, "field_id": field.field_id, "value": v}
                    for v in record[field.code]
                ]
        conn.execute(tables.records.insert().values(**row))
        for table in form.subtables:
            child = tables.subtables[table.code]
            for position, table_row in enumerate(record[table.code]):
                inner_codec = codec.subtables[table.code]
                inner_stored = {i.code: _stored(i.type, table_row.get(i.code)) for i in inner_codec.fields}
                data = {"record_id": record_id, "position": position,
                        **dict(zip(inner_codec.columns, inner_codec.put_values(inner_stored, [])))}
                inner_fields = form.inner_fields(table.code)
                row_id = conn.execute(child.insert().values(**data)).inserted_primary_key[0]
                for inner in inner_fields:
                    if inner.type in MULTI_VALUE_TYPES:
                        value_rows += [
                            {"record_id": record_id, "row_id": row_id, "field_id": inner.field_id, "value": v}
                            for v in table_row.get(inner.code) or []
                        ]
        if value_rows:
            conn.execute(tables.values.insert(), value_rows)

    def ids(self, query: str, ctx: QueryContext) -> list[int]:
        """The ids a search returns, in the order it returns them."""
        compiled = compile_query(parse_query(query), self.form, self.tables, ctx)
        records = self.tables.records
        select = sa.select(records.c.id).order_by(*compiled.order_by).limit(compiled.limit).offset(compiled.offset)
        if compiled.where is not None:
            select = select.where(compiled.where)
        with self.engine.connect() as conn:
            return list(conn.execute(select).scalars())


def _stored(field_type: str, value: object) -> object:
    if field_type == "NUMBER" and value is not None and not isinstance(value, Decimal):
        return Decimal(str(value))
    return value


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """One fresh PostgreSQL database for the query tests (skipped without PostgreSQL, not in CI)."""
    from tests.conftest import POSTGRES_ADMIN_URL, _postgres_database

    url = _postgres_database()
    if url is None:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Every search test runs on both databases kinflow supports."""
    return "sqlite://" if request.param == "sqlite" else request.getfixturevalue("postgres_url")


@pytest.fixture()
def store(form: Form, database_url: str) -> Iterator[Store]:
    store = Store(form, database_url)
    yield store
    store.close()


# --- queries as text ---------------------------------------------------------------------


def render_value(value: Value | Symbol) -> str:
    if isinstance(value, StringValue):
        escaped = value.text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, (NumberValue, Symbol)):
        return value.text
    return f"{value.name}({', '.join(render_value(a) for a in value.args)})"


def render(condition: Condition, parent: Condition | None = None) -> str:
    if isinstance(condition, (And, Or)):
        word = " and " if isinstance(condition, And) else " or "
        text = word.join(render(item, condition) for item in condition.items)
        return f"({text})" if parent is not None else text
    if isinstance(condition, Comparison):
        return f"{condition.field} {condition.op} {render_value(condition.value)}"
    if isinstance(condition, InList):
        listed = ", ".join(render_value(v) for v in condition.values)
        return f"{condition.field} {'not in' if condition.negated else 'in'} ({listed})"
    if isinstance(condition, Like):
        return f"{condition.field} {'not like' if condition.negated else 'like'} {render_value(condition.value)}"
    return f"{condition.field} is {'not empty' if condition.negated else 'empty'}"


def render_query(query: Query) -> str:
    parts = [render(query.condition)] if query.condition is not None else []
    if query.order_by:
        keys = (f"{k.field} {'desc' if k.descending else 'asc'}" for k in query.order_by)
        parts.append("order by " + ", ".join(keys))
    if query.limit is not None:
        parts.append(f"limit {query.limit}")
    if query.offset is not None:
        parts.append(f"offset {query.offset}")
    return " ".join(parts)
