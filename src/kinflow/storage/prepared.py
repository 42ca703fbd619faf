"""Statements compiled once per database dialect and run as plain SQL.

For the few statements every request runs (authentication, the app, its webhook subscribers),
SQLAlchemy's per-execution work (cache key, parameter processing, result set-up) costs more than
SQLite takes to answer them. A `Prepared` statement keeps the compiled SQL and the result
conversions of its columns, and gives rows as plain tuples.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_Convert = tuple[int, Callable[[object], object]]  # a column's position and its conversion


class Prepared:
    """One SELECT with named bind parameters."""

    def __init__(self, statement: sa.Select) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, list[_Convert]]] = {}

    def _for(self, conn: Connection) -> tuple[str, tuple[str, ...] | None, list[_Convert]]:
        dialect = conn.dialect
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            order = tuple(compiled.positiontup) if compiled.positional else None  # type: ignore[arg-type]
            processors = [c.type.dialect_impl(dialect).result_processor(dialect, None)
                          for c in self.statement.selected_columns]
            converts = [(i, p) for i, p in enumerate(processors) if p is not None]
            found = self._compiled[dialect.name] = (str(compiled), order, converts)
        return found

    def all(self, conn: Connection, **params: object) -> list[tuple]:
        sql, order, converts = self._for(conn)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, tuple(params[name] for name in order) if order is not None else params)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if not converts:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            values = list(row)
            for i, convert in converts:
                if values[i] is not None:
                    values[i] = convert(values[i])
            converted.append(tuple(values))
        return converted

    def first(self, conn: Connection, **params: object) -> tuple | None:
        rows = self.all(conn, **params)
        return rows[0] if rows else None
