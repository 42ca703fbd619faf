"""Planner statistics of fast-growing tables, gathered at once on PostgreSQL.

PostgreSQL plans with the statistics `ANALYZE` gathers, and autovacuum gathers them only a minute
or more after a table has grown. Right after a large load, a search of a text most records hold
read the whole trigram index (283 ms on 300,000 records) where, with statistics, it walks the
newest records and stops at its page (0.1 ms). So a table that has grown by half since it was last
analysed in this process is analysed on a thread of its own once the write has committed.
"""

from __future__ import annotations

import threading

from sqlalchemy.engine import Connection

from kinflow.storage.database import after_commit

# Rows a table must have gained before it is analysed, and the growth (a share of its rows at the
# last analysis) after which it is analysed again.
MIN_ROWS = 5_000
GROWTH = 0.5

_lock = threading.Lock()
_added: dict[str, int] = {}
_analysed_at: dict[str, int] = {}
_running: set[str] = set()


def note_added(conn: Connection, table: str, rows: int) -> None:
    """`rows` were added to `table` in this write transaction (PostgreSQL)."""
    with _lock:
        added = _added[table] = _added.get(table, 0) + rows
        due = added >= max(MIN_ROWS, GROWTH * _analysed_at.get(table, 0)) and table not in _running
        if due:
            _running.add(table)
    if due:
        engine = conn.engine
        try:
            after_commit(conn, lambda: threading.Thread(target=_analyse, args=(engine, table), daemon=True,
                                                        name="kinflow-analyse").start())
        except RuntimeError:  # a transaction not opened by Database.write(): nothing runs after it
            with _lock:
                _running.discard(table)


def _analyse(engine, table: str) -> None:  # noqa: ANN001
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'ANALYZE "{table}"')
            rows = conn.exec_driver_sql("SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                                        (table,)).scalar() or 0
            conn.commit()
        with _lock:
            _analysed_at[table] = max(int(rows), 0)
            _added[table] = 0
    except Exception:  # noqa: BLE001 - statistics are an optimisation: autovacuum gathers them too
        pass
    finally:
        with _lock:
            _running.discard(table)
