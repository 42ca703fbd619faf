"""Trigram indexes that serve `like` / `not like` (kintone's case-insensitive substring match) on
the text fields of an app's records, so a search of a million records reads an index, not them all.

- PostgreSQL: a GIN index of `pg_trgm` on `lower(coalesce(column, ''))` per field, the very
  expression the query compares (`text_index_expression`), so PostgreSQL itself picks the index
  and rechecks its candidates: the answer is the same as the scan's by construction.
- SQLite: one FTS5 table per app (`app{N}_search`, trigram tokenizer) with a column per field,
  holding each value case-folded by `fold_case` (the Python `str.lower` the scan uses too). A
  phrase of the folded search text matches exactly the values whose folded text contains it, so
  the index alone answers `like`. Triggers on the records table note each record added, changed
  or deleted (`app{N}_search_pending`), and the write transaction brings the FTS5 table up to
  date in three statements before it commits (`kinflow.storage.database.run_pending`): FTS5 written
  by the triggers themselves flushes its index at every statement, which cut batch inserts to a
  quarter of their speed.

A trigram index cannot find a text shorter than 3 characters: such a `like` scans, as before.
Fields inside tables and FILE fields (searched by file name) are not indexed: they scan too.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from kinflow.apps.form import Field, Form
from kinflow.storage.database import FOLD_FUNCTION, before_commit, fold_case

INDEXED_TYPES = frozenset({"SINGLE_LINE_TEXT", "LINK", "MULTI_LINE_TEXT", "RICH_TEXT"})
# The shortest search text a trigram index can serve.
MIN_INDEXED_LENGTH = 3


def indexed_fields(form: Form) -> list[Field]:
    """The fields whose `like` an index serves: text fields outside tables, in form order."""
    return [f for f in form.top_level if f.type in INDEXED_TYPES]


def text_index_expression(column: ColumnElement) -> ColumnElement:
    """What `like` compares, and PostgreSQL's trigram index holds: the value folded, '' when empty.
    The '' is written into the SQL (not bound) so that PostgreSQL matches the index's expression."""
    return sa.func.lower(sa.func.coalesce(column, sa.literal_column("''")))


def postgresql_index(table: sa.Table, column: sa.Column) -> sa.Index:
    label = f"{column.name}_folded"
    return sa.Index(f"ix_{table.name}_{column.name}_like", text_index_expression(column).label(label),
                    postgresql_using="gin", postgresql_ops={label: "gin_trgm_ops"})


def indexed(text: str) -> bool:
    """Whether a trigram index can answer a search for `text`."""
    return len(fold_case(text)) >= MIN_INDEXED_LENGTH


# --- SQLite: an FTS5 table per app, kept by triggers ---------------------------------------------

def search_table_name(app_id: int) -> str:
    return f"app{app_id}_search"


def is_search_table(app_id: int, name: str) -> bool:
    """Whether `name` is the FTS5 table of the app or one of the tables FTS5 keeps for it."""
    base = search_table_name(app_id)
    return name == base or (name.startswith(f"{base}_") and name[len(base) + 1:] in
                            ("data", "idx", "content", "docsize", "config", "pending"))


def search_table(app_id: int, fields: list[Field]) -> sa.Table:
    """The FTS5 table as SQLAlchemy sees it, for queries (it is created by `sync_search`)."""
    return sa.Table(search_table_name(app_id), sa.MetaData(), sa.Column("rowid", sa.Integer),
                    *(sa.Column(f.column_name, sa.Text) for f in fields))


def phrase(text: str) -> str:
    """An FTS5 query for the folded `text` as one phrase (its trigrams in a row): a substring."""
    return '"' + fold_case(text).replace('"', '""') + '"'


# A text at least this many records hold is searched by reading the records (see `common`).
COMMON = 20_000


def common(conn: Connection, search: sa.Table, column: str, text: str) -> bool:
    """Whether `text` is common in the field (SQLite): then reading the records in the query's
    order finds its page sooner than listing every match from the index first (a text every record
    holds took seconds that way, where the scan stops at the page's last record). The index is
    asked for at most COMMON matches, a few milliseconds."""
    probe = f"SELECT count(*) FROM (SELECT 1 FROM {search.name} WHERE {column} MATCH ? LIMIT {COMMON})"
    return conn.exec_driver_sql(probe, (phrase(text),)).scalar() >= COMMON


def _create_statement(app_id: int, columns: list[str]) -> str:
    # case_sensitive 1: the values are folded already, by the same function as the search text.
    return (f"CREATE VIRTUAL TABLE {search_table_name(app_id)} USING fts5("
            f"{', '.join(columns)}, tokenize='trigram case_sensitive 1')")


def _triggers(app_id: int, records: str, columns: list[str]) -> list[str]:
    search = search_table_name(app_id)
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)

    def note(record: str) -> str:
        return (f"INSERT OR IGNORE INTO {search}_pending (id) VALUES ({record}.id); "
                f"SELECT kinflow_pending('search', {app_id}); END")

    return [
        f"CREATE TRIGGER {search}_insert AFTER INSERT ON {records} BEGIN {note('new')}",
        f"CREATE TRIGGER {search}_delete AFTER DELETE ON {records} BEGIN {note('old')}",
        # A record's update writes every column: only a changed text is indexed again.
        f"CREATE TRIGGER {search}_update AFTER UPDATE ON {records} WHEN {changed} BEGIN {note('new')}",
    ]


def _flush(conn: Connection, app_id: int) -> None:
    """Index again the records this transaction noted (`run_pending`, before it commits)."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    for statement in _flush_statements(conn, cursor, app_id):
        cursor.execute(statement)


def _flush_statements(conn: Connection, cursor, app_id: int) -> tuple[str, ...]:  # noqa: ANN001
    """The statements of `_flush` for the app, kept with the connection while its database's schema
    version stays the same (a deploy that changes the indexed fields changes it): reading the FTS5
    table's columns again for every write cost more than the rest of the flush."""
    version = cursor.execute("PRAGMA schema_version").fetchone()[0]
    known: dict[int, tuple[int, tuple[str, ...]]] = conn.connection.info.setdefault("search_flush", {})
    found = known.get(app_id)
    if found is not None and found[0] == version:
        return found[1]
    search = search_table_name(app_id)
    columns = [row[1] for row in cursor.execute(f"PRAGMA table_info({search})")]
    pending = f"SELECT id FROM {search}_pending"
    statements = (
        f"DELETE FROM {search} WHERE rowid IN ({pending})",
        f"INSERT INTO {search} (rowid, {', '.join(columns)}) "
        f"SELECT id, {', '.join(f'{FOLD_FUNCTION}({c})' for c in columns)} FROM app{app_id}_records "
        f"WHERE id IN ({pending})",
        f"DELETE FROM {search}_pending",
    )
    known[app_id] = (version, statements)
    return statements


before_commit("search", _flush)


def drop_search_triggers(conn: Connection, app_id: int) -> None:
    """Before a deploy alters the records table: SQLite will not drop a column a trigger names."""
    search = search_table_name(app_id)
    for kind in ("insert", "delete", "update"):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {search}_{kind}")


def drop_search(conn: Connection, app_id: int) -> None:
    drop_search_triggers(conn, app_id)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {search_table_name(app_id)}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {search_table_name(app_id)}_pending")


def sync_search(conn: Connection, app_id: int, records: sa.Table, form: Form) -> None:
    """Make the app's FTS5 table and triggers match its form (SQLite): rebuilt from the records
    when the indexed fields changed, kept as it is otherwise. Runs in the deploy's transaction."""
    columns = [f.column_name for f in indexed_fields(form)]
    drop_search_triggers(conn, app_id)
    if not columns:
        drop_search(conn, app_id)
        return
    search = search_table_name(app_id)
    wanted = _create_statement(app_id, columns)
    present = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                   (search,)).scalar()
    conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {search}_pending (id INTEGER PRIMARY KEY)")
    if present != wanted:
        conn.exec_driver_sql(f"DELETE FROM {search}_pending")  # the new table takes every record
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {search}")
        conn.exec_driver_sql(wanted)
        conn.exec_driver_sql(
            f"INSERT INTO {search} (rowid, {', '.join(columns)}) "
            f"SELECT id, {', '.join(f'{FOLD_FUNCTION}({c})' for c in columns)} FROM {records.name}")
    for statement in _triggers(app_id, records.name, columns):
        conn.exec_driver_sql(statement)
