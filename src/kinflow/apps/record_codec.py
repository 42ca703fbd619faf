"""Per-field conversions of one deployed form, worked out once instead of per value.

`values.py` says what a field's value means (parsing, rules) and dispatches on the field's type for
every value. Writing or reading a page of records does that for every field of every record, so a
`RecordCodec` looks each field's type up once per form and keeps, per field, a function from the
stored value to its column(s), from a fetched row back to the stored value, and from the stored
value to the API value (`record_pages` builds whole pages from these). On SQLite it also folds the
driver's own conversion (dates to text, lists to JSON) into the column functions, so rows go to
`executemany` as plain tuples.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from kinflow.apps.field_types import (
    CHOICE_TYPES,
    ENTITY_SELECT_TYPES,
    MULTI_CHOICE_TYPES,
    MULTI_VALUE_TYPES,
    NUMERIC_TYPES,
    TEXT_TYPES,
)
from kinflow.apps.form import Field, Form
from kinflow.apps.formulas.check import is_calculated
from kinflow.apps.formulas.dates import render_calc
from kinflow.apps.record_tables import ASSIGNEE_FIELD_ID
from kinflow.apps.values import ENTITY_KIND, number_text, render_datetime

# Columns every record has besides its fields, in the order `RecordCodec.record_row` gives them.
SYSTEM_COLUMNS = ("revision", "creator", "created_at", "modifier", "updated_at", "status")
# Field types kept in the system columns above (or not at all): never written as fields.
NOT_STORED_AS_FIELD = frozenset({"RECORD_NUMBER", "CREATOR", "MODIFIER", "CREATED_TIME", "UPDATED_TIME",
                                 "STATUS", "STATUS_ASSIGNEE", "CATEGORY", "SUBTABLE"})

Put = Callable[[object, list], None]


def _identity(value: object) -> object:
    return value


def _processor(column: sa.Column, dialect: Dialect | None) -> Callable[[object], object]:
    """The driver-side conversion SQLAlchemy would apply to a parameter of this column."""
    if dialect is None:
        return _identity
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process or _identity


def _put(f: Field, table: sa.Table, dialect: Dialect | None) -> tuple[list[str], Put]:
    """The column names of a field and a function appending its column values for a stored value."""
    name = f.column_name
    column = table.c[name]
    process = _processor(column, dialect)
    if f.type in NUMERIC_TYPES:
        text_process = _processor(table.c[f"{name}_text"], dialect)

        def put_number(value: object, out: list) -> None:
            if value is None:
                out.append(process(None))
                out.append(text_process(""))
            else:
                out.append(process(float(value)))  # type: ignore[arg-type]
                out.append(text_process(number_text(value)))  # type: ignore[arg-type]

        return [name, f"{name}_text"], put_number
    if f.type in TEXT_TYPES:
        if process is _identity:
            return [name], lambda value, out: out.append(value if value is not None else "")
        return [name], lambda value, out: out.append(process(value if value is not None else ""))
    if process is _identity:
        return [name], lambda value, out: out.append(value)
    return [name], lambda value, out: out.append(process(value))


def _load(f: Field) -> Callable[[object], object]:
    """Stored value from a fetched row (a mapping of column names): the inverse of `_put`."""
    name = f.column_name
    if f.type in NUMERIC_TYPES:
        text_name = f"{name}_text"

        def load_number(row) -> object:  # noqa: ANN001
            text = row[text_name]
            return Decimal(text) if text not in ("", None) else None

        return load_number
    if f.type in MULTI_VALUE_TYPES or f.type == "FILE":
        return lambda row: list(row[name] or [])
    return lambda row: row[name]


def renderer(f: Field) -> Callable[[object, dict], object]:
    """API value from a stored value; `names` maps entity kinds to code→display name."""
    t = f.type
    if t == "NUMBER":
        return lambda value, names: number_text(value) if value is not None else ""  # type: ignore[arg-type]
    if t == "CALC":
        render = calc_renderer(f)
        return lambda value, names: render(value)
    if t == "DROP_DOWN":
        return lambda value, names: value or None
    if t in TEXT_TYPES:
        return lambda value, names: value or ""
    if t == "DATE":
        return lambda value, names: date_text(value)  # type: ignore[arg-type]
    if t == "TIME":
        return lambda value, names: time_text(value)  # type: ignore[arg-type]
    if t in ("DATETIME", "CREATED_TIME", "UPDATED_TIME"):
        return lambda value, names: datetime_text(value)  # type: ignore[arg-type]
    if t in MULTI_CHOICE_TYPES:
        return lambda value, names: list(value or [])  # type: ignore[arg-type]
    if t in ENTITY_SELECT_TYPES:
        kind = ENTITY_KIND[t]

        def render_entities(value: object, names: dict) -> object:
            known = names[kind]
            return [{"code": c, "name": known.get(c, c)} for c in value or []]  # type: ignore[union-attr]

        return render_entities
    if t in ("CREATOR", "MODIFIER"):
        return lambda value, names: {"code": value, "name": names["USER"].get(value, value)}
    if t == "FILE":
        return lambda value, names: [dict(item) for item in value or []]  # type: ignore[union-attr]
    return lambda value, names: value


def calc_renderer(f: Field) -> Callable[[Decimal | None], str]:
    """A CALC's API value: the number's text, or for a time `format` the time it stands for."""
    display = f.props.get("format") or "NUMBER"
    if display in ("NUMBER", "NUMBER_DIGIT"):
        return lambda value: number_text(value) if value is not None else ""
    return lambda value: render_calc(value, display) if value is not None else ""


def _datetime_text(value: datetime | str | None) -> str:
    """A DATETIME's API value from a fetched page: a datetime, or on SQLite the text it is stored
    as ('2024-03-01 09:30:00.000000', see `page_columns`), whose minute the API shows."""
    if isinstance(value, str):
        return f"{value[:10]}T{value[11:16]}:00Z"
    return render_datetime(value)


# Pages of records repeat the same minutes over and over (records written together share their
# times): formatting each distinct instant once saves most of the work.
datetime_text = lru_cache(maxsize=1 << 14)(_datetime_text)


def date_text(value: date | str | None) -> str | None:
    """A DATE's API value from a fetched page (on SQLite, its stored text is the API's already)."""
    if isinstance(value, str):
        return value or None
    return value.isoformat() if value else None


def time_text(value: time | str | None) -> str | None:
    """A TIME's API value from a fetched page (on SQLite, its stored text: '09:30:00.000000')."""
    if isinstance(value, str):
        return value[:5] or None
    return value.strftime("%H:%M") if value else None


def page_columns(table: sa.Table, dialect: Dialect | None) -> list:
    """The columns of `table` as a page of records fetches them: in table order, and on SQLite
    (`dialect` given) with dates and times as the ISO text they are stored as. Parsing each into an
    object only for the page to format it back cost as much as fetching the rows."""
    if dialect is None:
        return list(table.columns)
    return [sa.type_coerce(c, sa.String).label(c.name) if isinstance(c.type, (sa.Date, sa.DateTime, sa.Time)) else c
            for c in table.columns]


class TableCodec:
    """Columns and conversions of the fields kept in one table (the records or a subtable)."""

    def __init__(self, table: sa.Table, fields: list[Field], dialect: Dialect | None) -> None:
        self.table = table
        self.fields = [f for f in fields if f.type not in NOT_STORED_AS_FIELD and f.column_name in table.c]
        self.columns: list[str] = []
        self.puts: list[tuple[str, Put]] = []
        for f in self.fields:
            names, put = _put(f, table, dialect)
            self.columns.extend(names)
            self.puts.append((f.code, put))
        self.loads = [(f.code, _load(f)) for f in self.fields]

    def put_values(self, values: dict, out: list) -> list:
        get = values.get
        for code, put in self.puts:
            put(get(code), out)
        return out

    def load_values(self, row) -> dict:  # noqa: ANN001
        return {code: load(row) for code, load in self.loads}


class RecordCodec:
    """Every conversion the record code needs for one form on one database dialect.

    `dialect` is given for SQLite only, where rows go to the driver directly; elsewhere rows go
    through SQLAlchemy, which converts them itself."""

    def __init__(self, form: Form, tables, dialect: Dialect | None) -> None:  # noqa: ANN001
        self.form = form
        self.tables = tables
        self.dialect = dialect
        records = tables.records
        self.records = TableCodec(records, form.top_level, dialect)
        self.record_columns = [*SYSTEM_COLUMNS, *self.records.columns]
        # A batch's records share their times: convert each distinct one once.
        self._process_time = lru_cache(maxsize=256)(_processor(records.c.created_at, dialect))
        self.subtables = {
            t.code: TableCodec(tables.subtables[t.code], form.inner_fields(t.code), dialect) for t in form.subtables
        }
        # Fields with a row per value in the values table, where queries look: the multi-value
        # fields, and FILE fields by their files' names (`like` searches them, as kintone's does).
        self.multi = [f for f in form.top_level if f.type in MULTI_VALUE_TYPES or f.type == "FILE"]
        self.inner_multi = {t.code: [f for f in form.inner_fields(t.code)
                                     if f.type in MULTI_VALUE_TYPES or f.type == "FILE"]
                            for t in form.subtables}
        self.entity_fields = [f for f in form.fields.values() if f.type in ENTITY_SELECT_TYPES]
        self.renderers = {f.code: renderer(f) for f in form.fields.values()}
        # Column positions in rows of whole tables (`select(table)`), for reading pages from tuples.
        self.position = {c.name: i for i, c in enumerate(records.columns)}
        self.page_columns = page_columns(records, dialect)
        self.page_child_columns = {code: page_columns(child, dialect) for code, child in tables.subtables.items()}
        # What a record page shows, in form order: (code, type, how): how is "system", "table",
        # "field", or None for fields shown only when process management or categories are on.
        self.layout: list[tuple[str, str, str | None]] = []
        for f in form.top_level:
            if f.type in SYSTEM_ATTRIBUTES or f.type == "RECORD_NUMBER":
                how = "system"
            elif f.type == "SUBTABLE":
                how = "table"
            elif f.type in ("STATUS", "STATUS_ASSIGNEE", "CATEGORY"):
                how = None
            else:
                how = "field"
            self.layout.append((f.code, f.type, how))
        # What a new record takes from the request, in form order: "system" fields (only when the
        # caller may set them), "table"s, and the "value" of every other field (else its default).
        self.new_plan: list[tuple[Field, str]] = []
        for f in form.top_level:
            if f.type in SYSTEM_ATTRIBUTES:
                self.new_plan.append((f, "system"))
            elif f.type == "SUBTABLE":
                self.new_plan.append((f, "table"))
            elif f.type not in ("RECORD_NUMBER", "STATUS", "STATUS_ASSIGNEE", "CATEGORY"):
                self.new_plan.append((f, "value"))
        self.system_codes = frozenset(f.code for f in form.top_level if f.type in SYSTEM_ATTRIBUTES)
        # Fields whose rules can fail (`values.check_rules` does nothing for the others), in form
        # order, so errors are reported in the same order as before.
        self.checked: list[tuple[Field, list[Field] | None]] = []
        for f in form.top_level:
            if f.type == "SUBTABLE":
                inner = [i for i in form.inner_fields(f.code) if _has_rules(i)]
                if inner:
                    self.checked.append((f, inner))
            elif f.type not in ("RECORD_NUMBER", "STATUS", "STATUS_ASSIGNEE", "CATEGORY") \
                    and f.type not in SYSTEM_ATTRIBUTES and _has_rules(f):
                self.checked.append((f, None))
        if dialect is not None:
            self._plain_sql(dialect)
        else:
            self.update_record = records.update().where(records.c.id == sa.bindparam("_record_id"))
            self.insert_rows = {code: child.insert().returning(child.c.id, sort_by_parameter_order=True)
                                for code, child in tables.subtables.items()}

    def _plain_sql(self, dialect: Dialect) -> None:
        quote = dialect.identifier_preparer.quote

        def insert(table: sa.Table, columns: list[str]) -> str:
            return (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
                    f"VALUES ({', '.join('?' for _ in columns)})")

        records = self.tables.records
        self.insert_record_sql = insert(records, self.record_columns)
        self.update_record_sql = (f"UPDATE {quote(records.name)} SET "
                                  f"{', '.join(f'{quote(c)} = ?' for c in self.record_columns)} WHERE id = ?")
        self.insert_value_sql = insert(self.tables.values, ["record_id", "row_id", "field_id", "value"])
        self.insert_row_sql = {code: insert(self.tables.subtables[code], ["record_id", "position", *c.columns])
                               for code, c in self.subtables.items()}
        self.insert_row_with_id_sql = {
            code: insert(self.tables.subtables[code], ["id", "record_id", "position", *c.columns])
            for code, c in self.subtables.items()}
        # Reading records to change them, and clearing their rows: the statements end with the
        # list of record ids, as many placeholders as `placeholders` gives.
        self.select_records = _PlainSelect(records, dialect, "id")
        self.select_rows = {code: _PlainSelect(child, dialect, "record_id", "ORDER BY record_id, position")
                            for code, child in self.tables.subtables.items()}
        self._selects_by: dict[str, _PlainSelect] = {}
        values = self.tables.values
        self.delete_values_sql = (f"DELETE FROM {quote(values.name)} WHERE field_id != {ASSIGNEE_FIELD_ID}"
                                  " AND record_id IN ")
        self.delete_rows_sql = {code: f"DELETE FROM {quote(child.name)} WHERE record_id IN "
                                for code, child in self.tables.subtables.items()}

    def select_records_by(self, column: str) -> _PlainSelect:
        """Records whose `column` holds one of a list of values, oldest first (SQLite)."""
        found = self._selects_by.get(column)
        if found is None:
            assert self.dialect is not None
            found = self._selects_by[column] = _PlainSelect(self.tables.records, self.dialect, column, "ORDER BY id")
        return found

    def record_row(self, rec) -> list:  # noqa: ANN001
        """The values of `record_columns` for a record (a `StoredRecord`)."""
        process = self._process_time
        out = [rec.revision, rec.creator, process(rec.created_at), rec.modifier, process(rec.updated_at), rec.status]
        return self.records.put_values(rec.values, out)


@lru_cache(maxsize=128)
def placeholders(count: int) -> str:
    """`(?, ?, ...)` for a list of `count` values in plain SQLite SQL."""
    return f"({', '.join('?' * count)})"


class _PlainSelect:
    """Every column of a table for a list of ids, as mappings of column names to the values
    SQLAlchemy would give (dates, times and JSON converted), run on the driver's own cursor."""

    def __init__(self, table: sa.Table, dialect: Dialect, key: str, order: str = "") -> None:
        quote = dialect.identifier_preparer.quote
        columns = list(table.columns)
        self.names = [c.name for c in columns]
        self.sql = (f"SELECT {', '.join(quote(c.name) for c in columns)} FROM {quote(table.name)} "
                    f"WHERE {quote(key)} IN ")
        self.order = f" {order}" if order else ""
        self.converts = [(i, p) for i, p in enumerate(c.type.dialect_impl(dialect).result_processor(dialect, None)
                                                      for c in columns) if p is not None]

    def rows(self, cursor, ids: list[int]) -> list[dict]:  # noqa: ANN001
        """`cursor`: a cursor of the driver's connection."""
        fetched = cursor.execute(self.sql + placeholders(len(ids)) + self.order, ids).fetchall()
        names, converts = self.names, self.converts
        result = []
        for row in fetched:
            values = list(row)
            for i, convert in converts:
                if values[i] is not None:
                    values[i] = convert(values[i])
            result.append(dict(zip(names, values)))
        return result


def _has_rules(f: Field) -> bool:
    props = f.props
    if is_calculated(f):
        return False  # kintone accepts `required` on calculated fields but never enforces it
    if props.get("required") or f.type in CHOICE_TYPES:
        return True
    if f.type in ("SINGLE_LINE_TEXT", "LINK", "MULTI_LINE_TEXT"):
        return props.get("maxLength") not in ("", None) or props.get("minLength") not in ("", None)
    if f.type == "NUMBER":
        return props.get("maxValue") not in ("", None) or props.get("minValue") not in ("", None)
    return False


SYSTEM_ATTRIBUTES = {"CREATOR": "creator", "MODIFIER": "modifier", "CREATED_TIME": "created_at",
                      "UPDATED_TIME": "updated_at"}


def codec_for(tables, dialect: Dialect | None = None) -> RecordCodec:  # noqa: ANN001
    """The codec of these record tables on this dialect (any, for rendering only), built once."""
    cache = tables.codecs
    key = "sqlite" if dialect is not None and dialect.name == "sqlite" else "other"
    codec = cache.get(key)
    if codec is None:
        if dialect is None and cache:
            return next(iter(cache.values()))
        codec = cache[key] = RecordCodec(tables.form, tables, dialect if key == "sqlite" else None)
    return codec
