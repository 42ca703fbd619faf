"""Each app's records live in tables of their own, with a typed column per field.

- `app{N}_records`: one row per record; system columns plus one column per top-level field.
- `app{N}_values`: one row per selected value of a multi-value field (check box, multi-select,
  user/department/group selection), so `in (...)` queries use an index instead of parsing JSON.
- `app{N}_t{F}`: one child table per SUBTABLE field, a row per table row.

Deploying a form change calls `sync_schema`, which alters these tables to match the new form in
the deploy's transaction; a change existing records violate (a new unique index) rolls back whole.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps import text_index
from kinflow.apps.field_types import MULTI_VALUE_TYPES, NUMERIC_TYPES, TEXT_TYPES, UNIQUE_CAPABLE_TYPES
from kinflow.apps.form import Field, Form

# Field ids of system multi-value "fields" in the values table.
ASSIGNEE_FIELD_ID = -1
CATEGORY_FIELD_ID = -2

_SYSTEM_COLUMNS = {
    "RECORD_NUMBER": "id",
    "CREATOR": "creator",
    "CREATED_TIME": "created_at",
    "MODIFIER": "modifier",
    "UPDATED_TIME": "updated_at",
    "STATUS": "status",
}
# Long text is searched with `like` only: a B-tree index would not help it (a trigram index does,
# see `text_index`).
_UNINDEXED_TYPES = frozenset({"MULTI_LINE_TEXT", "RICH_TEXT"})


def _field_columns(field: Field) -> list[sa.Column]:
    """The typed column(s) holding one field's value."""
    name = field.column_name
    t = field.type
    if t in TEXT_TYPES:
        return [sa.Column(name, sa.Text, nullable=True)]
    if t in NUMERIC_TYPES:
        # A float for comparing and sorting; the exact normalised decimal text for reading back.
        return [sa.Column(name, sa.Float, nullable=True), sa.Column(f"{name}_text", sa.Text, nullable=True)]
    if t == "DATE":
        return [sa.Column(name, sa.Date, nullable=True)]
    if t == "TIME":
        return [sa.Column(name, sa.Time, nullable=True)]
    if t == "DATETIME":
        return [sa.Column(name, sa.DateTime, nullable=True)]
    if t in MULTI_VALUE_TYPES or t == "FILE":
        return [sa.Column(name, sa.JSON, nullable=True)]
    return []


def _field_indexes(table: sa.Table, field: Field, dialect: str) -> list[sa.Index]:
    if field.type not in TEXT_TYPES | NUMERIC_TYPES | {"DATE", "TIME", "DATETIME"}:
        return []
    like = []
    if dialect == "postgresql" and field.type in text_index.INDEXED_TYPES and field.table is None:
        like.append(text_index.postgresql_index(table, table.c[field.column_name]))
    if field.type in _UNINDEXED_TYPES or field.type == "CALC":
        # A CALC's value is searched and sorted from its column like a number's, without an index:
        # ten calculated fields would otherwise double the cost of every write (bench/records.py).
        return like
    column = table.c[field.column_name]
    if field.props.get("unique") and field.type in UNIQUE_CAPABLE_TYPES and field.table is None:
        # '' and NULL never conflict (kintone: an empty value is never a duplicate).
        where = f"{column.name} IS NOT NULL AND {column.name}::text <> ''" if dialect == "postgresql" else \
            f"{column.name} IS NOT NULL AND {column.name} <> ''"
        return [*like, sa.Index(f"ux_{table.name}_{column.name}", column, unique=True,
                                sqlite_where=sa.text(where), postgresql_where=sa.text(where))]
    # Queries sort empty values first (ascending), which is SQLite's own NULL order; PostgreSQL's
    # index must be told, or it could not serve `order by` on a field with empty values.
    key = column.asc().nulls_first() if dialect == "postgresql" else column
    return [*like, sa.Index(f"ix_{table.name}_{column.name}", key)]


class RecordTables:
    """The SQLAlchemy tables of one app for one version of its live form."""

    def __init__(self, app_id: int, form: Form, dialect: str = "sqlite") -> None:
        self.app_id = app_id
        self.form = form
        self.dialect = dialect
        self.metadata = sa.MetaData()
        prefix = f"app{app_id}"
        columns: list = [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("revision", sa.Integer, nullable=False),
            sa.Column("creator", sa.String(128), nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("modifier", sa.String(128), nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
            sa.Column("status", sa.String(64), nullable=True),
        ]
        extras: list = [
            sa.Index(f"ix_{prefix}_records_created_at", "created_at"),
            sa.Index(f"ix_{prefix}_records_updated_at", "updated_at"),
            sa.Index(f"ix_{prefix}_records_status", "status"),
        ]
        for f in form.top_level:
            columns.extend(_field_columns(f))
        # AUTOINCREMENT: kintone never reuses the id of a deleted record.
        self.records = sa.Table(f"{prefix}_records", self.metadata, *columns, *extras, sqlite_autoincrement=True)
        for f in form.top_level:
            _field_indexes(self.records, f, dialect)
        self.values = sa.Table(
            f"{prefix}_values",
            self.metadata,
            sa.Column("record_id", sa.Integer, nullable=False),
            sa.Column("row_id", sa.Integer, nullable=True),
            sa.Column("field_id", sa.Integer, nullable=False),
            sa.Column("value", sa.String(256), nullable=False),
            sa.Index(f"ix_{prefix}_values_lookup", "field_id", "value", "record_id"),
            sa.Index(f"ix_{prefix}_values_record", "record_id"),
        )
        # SQLite's index for `like` (PostgreSQL's are indexes of the records table, above).
        self.like_fields = frozenset(f.code for f in text_index.indexed_fields(form))
        self.search = text_index.search_table(app_id, text_index.indexed_fields(form)) \
            if dialect == "sqlite" and self.like_fields else None
        # Built once per form version: statement construction is a large part of a small write.
        self.insert_one = self.records.insert().returning(self.records.c.id)
        self.insert_many = self.records.insert().returning(self.records.c.id, sort_by_parameter_order=True)
        # Conversions of this form's fields, one per dialect (see `record_codec.codec_for`).
        self.codecs: dict = {}
        self.subtables: dict[str, sa.Table] = {}
        for table_field in form.subtables:
            name = f"{prefix}_t{table_field.field_id}"
            inner_columns: list = [
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column("record_id", sa.Integer, nullable=False),
                sa.Column("position", sa.Integer, nullable=False),
                sa.Index(f"ix_{name}_record", "record_id", "position"),
            ]
            inner_fields = form.inner_fields(table_field.code)
            for inner in inner_fields:
                inner_columns.extend(_field_columns(inner))
            child = sa.Table(name, self.metadata, *inner_columns, sqlite_autoincrement=True)
            for inner in inner_fields:
                _field_indexes(child, inner, dialect)
            self.subtables[table_field.code] = child

    def column(self, field: Field) -> sa.Column:
        """The column a query compares for this field (the float column for NUMBER)."""
        system = _SYSTEM_COLUMNS.get(field.type)
        if system is not None:
            return self.records.c[system]
        table = self.subtables[field.table] if field.table else self.records
        return table.c[field.column_name]

    def table_of(self, field: Field) -> sa.Table:
        return self.subtables[field.table] if field.table else self.records

    def all_tables(self) -> list[sa.Table]:
        return [self.records, self.values, *self.subtables.values()]


def sync_schema(conn: Connection, tables: RecordTables) -> None:
    """Alter the database so the app's tables match `tables` (create, add/drop columns and indexes).

    Runs inside the caller's transaction: on SQLite and PostgreSQL DDL is transactional, so a
    failure (say, a unique index that existing records violate) leaves every table as it was.
    """
    inspector = sa.inspect(conn)
    prefix = f"app{tables.app_id}_"
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        text_index.drop_search_triggers(conn, tables.app_id)
    wanted = {t.name: t for t in tables.all_tables()}
    for existing in inspector.get_table_names():
        if existing.startswith(prefix) and existing not in wanted and not text_index.is_search_table(
                tables.app_id, existing):
            sa.Table(existing, sa.MetaData()).drop(conn)
    for name, table in wanted.items():
        if not inspector.has_table(name):
            table.create(conn)
            continue
        present_indexes = {ix["name"]: ix for ix in inspector.get_indexes(name)}
        wanted_indexes = {ix.name: ix for ix in table.indexes}
        for ix_name in present_indexes.keys() - wanted_indexes.keys():
            conn.execute(sa.schema.DropIndex(sa.Index(ix_name), if_exists=True))
        present_columns = {c["name"] for c in inspector.get_columns(name)}
        preparer = conn.dialect.identifier_preparer
        for column in table.columns:
            if column.name not in present_columns:
                col_type = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(
                    f"ALTER TABLE {preparer.quote(name)} ADD COLUMN {preparer.quote(column.name)} {col_type}"
                )
        for column_name in present_columns - {c.name for c in table.columns}:
            conn.exec_driver_sql(
                f"ALTER TABLE {preparer.quote(name)} DROP COLUMN {preparer.quote(column_name)}"
            )
        for ix_name in wanted_indexes.keys() - present_indexes.keys():
            wanted_indexes[ix_name].create(conn)
    if sqlite:
        text_index.sync_search(conn, tables.app_id, tables.records, tables.form)


def drop_tables(conn: Connection, app_id: int) -> None:
    if conn.dialect.name == "sqlite":
        text_index.drop_search(conn, app_id)  # with the tables FTS5 keeps for it
    inspector = sa.inspect(conn)
    for existing in inspector.get_table_names():
        if existing.startswith(f"app{app_id}_"):
            sa.Table(existing, sa.MetaData()).drop(conn)
