"""Statements compiled once per database dialect and run as plain SQL.

For the few statements every request runs (authentication, the app, its webhook subscribers),
SQLAlchemy's per-execution work (cache key, parameter processing, result set-up) costs more than
SQLite takes to answer them. A `Prepared` statement keeps the compiled SQL and the result
conversions of its columns, and gives rows as plain tuples; a list parameter (`expanding=True`,
never empty) becomes as many placeholders as it has values. A `PreparedInsert` writes many rows of
one table in one driver-level `executemany`.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_Convert = tuple[int, Callable[[object], object]]  # a column's position and its conversion


def _converted(rows: list, converts: list[_Convert]) -> list[tuple]:
    """The rows as tuples, each non-null value at a converted position converted. Rows written
    together often share a value (a change's moment in each of its notifications): the very same
    object as the row before's is converted once."""
    if not converts:
        return [tuple(row) for row in rows]
    result = []
    last: list = [(None, None)] * len(converts)
    for row in rows:
        values = list(row)
        for n, (i, convert) in enumerate(converts):
            value = values[i]
            if value is not None:
                before, converted = last[n]
                if value is not before:
                    converted = convert(value)
                    last[n] = (value, converted)
                values[i] = converted
        result.append(tuple(values))
    return result


class Prepared:
    """One SELECT with named bind parameters."""

    def __init__(self, statement: sa.Select) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, list[_Convert]]] = {}
        self._expanded: dict[tuple, str] = {}
        self._lists = tuple(sorted(name for name, bind in statement.compile().binds.items() if bind.expanding))

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

    def _expand(self, conn: Connection, sql: str, order: tuple[str, ...] | None,
                params: dict) -> tuple[str, tuple | dict]:
        """The SQL and driver parameters for this call, list parameters spread into placeholders."""
        if not self._lists:
            return sql, tuple(params[name] for name in order) if order is not None else params
        lengths = tuple(len(params[name]) for name in self._lists)  # type: ignore[arg-type]
        if not all(lengths):
            raise ValueError(f"list parameters {self._lists} must hold values")
        key = (conn.dialect.name, lengths)
        expanded = self._expanded.get(key)
        if expanded is None:
            expanded = sql
            for name, length in zip(self._lists, lengths, strict=True):
                marks = ["?"] * length if order is not None else [f"%({name}_{i})s" for i in range(length)]
                expanded = expanded.replace(f"__[POSTCOMPILE_{name}]", ", ".join(marks))
            expanded = self._expanded[key] = expanded
        if order is not None:
            flat: list = []
            for name in order:
                flat.extend(params[name] if name in self._lists else (params[name],))  # type: ignore[arg-type]
            return expanded, tuple(flat)
        named = {k: v for k, v in params.items() if k not in self._lists}
        for name in self._lists:
            named.update({f"{name}_{i}": value for i, value in enumerate(params[name])})  # type: ignore[arg-type]
        return expanded, named

    def all(self, conn: Connection, **params: object) -> list[tuple]:
        sql, order, converts = self._for(conn)
        sql, values = self._expand(conn, sql, order, params)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, values)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return _converted(rows, converts)

    def first(self, conn: Connection, **params: object) -> tuple | None:
        rows = self.all(conn, **params)
        return rows[0] if rows else None


class PreparedInsert:
    """An INSERT of given columns of one table, run for many rows at once by the driver; each row is a
    tuple in the order of `columns`, converted as the columns' types convert bound values."""

    def __init__(self, table: sa.Table, columns: list[str]) -> None:
        self.columns = columns
        self._statement = table.insert().values({name: sa.bindparam(name) for name in columns})
        self._compiled: dict[str, tuple[str, list[str] | None, list[_Convert]]] = {}

    def _for(self, conn: Connection) -> tuple[str, list[str] | None, list[_Convert]]:
        dialect = conn.dialect
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self._statement.compile(dialect=dialect)
            order = [self.columns.index(name) for name in compiled.positiontup] if compiled.positional else None  # type: ignore[union-attr]
            processors = [self._statement.table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                          for name in self.columns]
            converts = [(i, p) for i, p in enumerate(processors) if p is not None]
            found = self._compiled[dialect.name] = (str(compiled), order, converts)  # type: ignore[assignment]
        return found  # type: ignore[return-value]

    def run(self, conn: Connection, rows: list[tuple]) -> None:
        if not rows:
            return
        sql, order, converts = self._for(conn)
        rows = _converted(rows, converts)
        if order is not None:
            params: list = [tuple(row[i] for i in order) for row in rows]
        else:
            params = [dict(zip(self.columns, row, strict=True)) for row in rows]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, params)
        finally:
            cursor.close()
