"""A query compiled to SQLAlchemy Core against one app's record tables.

Conditions on a record's own columns compare the column directly (no function wraps it), so an
indexed `=`, `in` or range stays an index lookup on a million records. Multi-value fields search
the values side table and table fields their child table, each through a correlated EXISTS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement, Grouping

from kinflow.apps import text_index
from kinflow.apps.form import Field, Form
from kinflow.apps.query.ast import Condition, Like, Query
from kinflow.apps.query.context import QueryContext
from kinflow.apps.query.fields import LIST_TYPES, NON_TEXT_TYPES, sort_field
from kinflow.apps.query.plan import (
    BLANKS,
    COMPARE,
    AllOf,
    AnyOf,
    Clause,
    Contains,
    EveryRow,
    Plan,
    Predicate,
    SomeRow,
    equal_values,
    plan_condition,
)
from kinflow.apps.record_tables import ASSIGNEE_FIELD_ID, CATEGORY_FIELD_ID, RecordTables

__all__ = ["CompiledQuery", "QueryContext", "compile_condition", "compile_query"]

DEFAULT_LIMIT = 100

_VALUES_FIELD_IDS = {"STATUS_ASSIGNEE": ASSIGNEE_FIELD_ID, "CATEGORY": CATEGORY_FIELD_ID}


@dataclass(frozen=True)
class CompiledQuery:
    where: ColumnElement[bool] | None
    order_by: list[ColumnElement]
    limit: int
    offset: int
    # A query that is one `like` in record-number order, on SQLite: the ids of its page's records
    # and of those before it, read from the index in that order (see `_first_matches`).
    first_ids: sa.Select | None = None


def compile_query(query: Query, form: Form, tables: RecordTables, ctx: QueryContext,
                  conn: Connection | None = None) -> CompiledQuery:
    """kintone's defaults apply here: newest first (`$id desc`), 100 records, from the first.
    With `conn`, `like` on SQLite asks the index how common its text is (`text_index.common`)."""
    limit = DEFAULT_LIMIT if query.limit is None else query.limit
    offset = query.offset or 0
    first = _first_matches(query, form, tables, ctx, limit + offset)
    # The condition stays whole for counting; with `first` the page needs no estimate.
    where = compile_condition(query.condition, form, tables, ctx, None if first is not None else conn)
    return CompiledQuery(where=where, order_by=_order_by(query, form, tables), limit=limit, offset=offset,
                         first_ids=first)


def _first_matches(query: Query, form: Form, tables: RecordTables, ctx: QueryContext, count: int) -> sa.Select | None:
    """For a search box's query, one `like` in record-number order (SQLite): its first `count`
    matches in that order, read from the index, which stops there. Listing every match first and
    sorting them cost 8 µs a match (70 ms for a text 8,000 of a million records hold)."""
    search = tables.search
    if search is None or not isinstance(query.condition, Like) or query.condition.negated:
        return None
    predicate = plan_condition(query.condition, form, ctx)  # first: its errors come before the order's
    if not isinstance(predicate, Contains) or predicate.field.table is not None \
            or predicate.field.code not in tables.like_fields or not text_index.indexed(predicate.text):
        return None
    keys = [sort_field(form, key.field) for key in query.order_by]
    if any(field.type not in ("__ID__", "RECORD_NUMBER") for field in keys):
        return None
    descending = query.order_by[0].descending if query.order_by else True  # kintone's default: newest first
    rowid = search.c.rowid
    return (sa.select(rowid).where(search.c[predicate.field.column_name].match(text_index.phrase(predicate.text)))
            .order_by(rowid.desc() if descending else rowid.asc()).limit(count))


def compile_condition(
    condition: Condition | None, form: Form, tables: RecordTables, ctx: QueryContext,
    conn: Connection | None = None,
) -> ColumnElement[bool] | None:
    """The WHERE clause over `tables.records` for a condition (None when there is none)."""
    plan = plan_condition(condition, form, ctx)
    return None if plan is None else _Compiler(tables, conn).plan(plan)


def _order_by(query: Query, form: Form, tables: RecordTables) -> list[ColumnElement]:
    keys: list[ColumnElement] = []
    by_id = False
    for key in query.order_by:
        field = sort_field(form, key.field)
        by_id = by_id or field.type in ("__ID__", "RECORD_NUMBER")
        column = _column(tables, field)
        if not column.nullable:
            keys.append(column.desc() if key.descending else column.asc())
        # Empty values sort as the smallest, on every database alike.
        elif key.descending:
            keys.append(column.desc().nulls_last())
        else:
            keys.append(column.asc().nulls_first())
    if not by_id:
        # Equal sort keys still need one fixed order, or pages could repeat or skip records.
        keys.append(tables.records.c.id.desc())
    return keys


def _column(tables: RecordTables, field: Field) -> sa.Column:
    if field.type == "__ID__":
        return tables.records.c.id
    if field.type == "__REVISION__":
        return tables.records.c.revision
    return tables.column(field)


class _Compiler:
    def __init__(self, tables: RecordTables, conn: Connection | None = None) -> None:
        self.tables = tables
        self.records = tables.records
        self.conn = conn

    def plan(self, plan: Plan) -> ColumnElement[bool]:
        if isinstance(plan, AllOf):
            return _joined(sa.and_, [self.plan(item) for item in plan.items])
        if isinstance(plan, AnyOf):
            return _joined(sa.or_, [self.plan(item) for item in plan.items])
        if isinstance(plan, SomeRow):
            rows = self.tables.subtables[plan.table]
            return self._rows(rows, *(self.predicate(p, rows) for p in plan.predicates))
        if isinstance(plan, EveryRow):
            rows = self.tables.subtables[plan.table]
            # The table has a row, and no row breaks the condition.
            return sa.and_(self._rows(rows), ~self._rows(rows, ~self.predicate(plan.predicate, rows)))
        return self.predicate(plan, None)

    def _rows(self, rows: sa.Table, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
        return sa.exists().where(rows.c.record_id == self.records.c.id, *conditions).correlate_except(rows)

    def predicate(self, predicate: Predicate, rows: sa.Table | None) -> ColumnElement[bool]:
        """A predicate on the record, or on one row of the child table `rows`.

        Negated predicates come out two-valued (never SQL NULL) so that `EveryRow` may negate
        them again."""
        if predicate.field.type in LIST_TYPES:
            return self._list_predicate(predicate, rows)
        column = _column(self.tables, predicate.field)
        if isinstance(predicate, Contains):
            found = self._contains(predicate, column, rows)
            return ~found if predicate.negated else found
        parts = _clauses(column, predicate.clauses)
        if predicate.empty:
            parts.append(_is_empty(predicate.field, column))
        positive = _joined(sa.or_, parts) if parts else sa.false()
        if not predicate.negated:
            return positive
        if predicate.empty or not column.nullable:
            return ~positive
        return sa.or_(~positive, column.is_(None))

    def _contains(self, predicate: Contains, column: ColumnElement, rows: sa.Table | None) -> ColumnElement[bool]:
        """kintone's `like`: the value, folded, contains the text, folded (see `text_index`)."""
        search = self.tables.search
        if rows is None and search is not None and predicate.field.code in self.tables.like_fields \
                and text_index.indexed(predicate.text) \
                and not (self.conn is not None and text_index.common(self.conn, search, column.name, predicate.text)):
            # Never NULL (ids are not), so that `not like` is the plain negation.
            hits = sa.select(search.c.rowid).where(search.c[column.name].match(text_index.phrase(predicate.text)))
            return self.records.c.id.in_(hits)
        # The text folded by the database, as the value is (on SQLite by `fold_case` as well).
        escaped = predicate.text.replace("/", "//").replace("%", "/%").replace("_", "/_")
        return text_index.text_index_expression(column).like(sa.func.lower(f"%{escaped}%"), escape="/")

    def _list_predicate(self, predicate: Predicate, rows: sa.Table | None) -> ColumnElement[bool]:
        values = self.tables.values
        field_id = _VALUES_FIELD_IDS.get(predicate.field.type, predicate.field.field_id)
        if rows is None:
            owner = [values.c.record_id == self.records.c.id, values.c.row_id.is_(None)]
        else:
            owner = [values.c.record_id == rows.c.record_id, values.c.row_id == rows.c.id]
        owner.append(values.c.field_id == field_id)

        def exists(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
            return sa.exists().where(*owner, *conditions).correlate_except(values)

        if isinstance(predicate, Contains):
            found = exists(values.c.value.icontains(predicate.text, autoescape=True))
            return ~found if predicate.negated else found
        parts = []
        if predicate.clauses:
            parts.append(exists(_joined(sa.or_, _clauses(values.c.value, predicate.clauses))))
        if predicate.empty:
            parts.append(~exists())
        positive = sa.or_(*parts) if parts else sa.false()
        return ~positive if predicate.negated else positive


# Terms joined flat beside each other: SQLite parses `a OR b OR c ...` into a tree as deep as the
# list is long, and refuses one deeper than 1,000 ("Expression tree is too large").
_FLAT = 32


class _Group(Grouping):
    """Parentheses kept: SQLAlchemy flattens a plain Grouping of `OR`s into an enclosing `OR`."""

    operator = None
    inherit_cache = True


def _joined(join, items: list[ColumnElement[bool]]) -> ColumnElement[bool]:  # noqa: ANN001
    """`join(*items)` as a tree of parenthesised groups of at most _FLAT terms: as deep as the
    logarithm of the list, not its length."""
    while len(items) > _FLAT:
        items = [_Group(join(*items[i:i + _FLAT])) for i in range(0, len(items), _FLAT)]
    return join(*items)


def _clauses(column: ColumnElement, clauses: tuple[Clause, ...]) -> list[ColumnElement[bool]]:
    equal, rest = equal_values(clauses)
    integral = isinstance(column.type, sa.Integer)
    if integral:
        equal = [int(v) for v in equal if _fits(v)]  # a value no row can hold matches nothing
    parts: list[ColumnElement[bool]] = []
    if len(equal) == 1:
        parts.append(column == equal[0])
    elif equal:
        parts.append(column.in_(equal))
    compare = _integer_compare if integral else _plain_compare
    parts.extend(sa.and_(*(compare(column, term.op, term.value) for term in clause)) for clause in rest)
    return parts


# The range of the integer columns (ids, revisions) on every database.
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def _fits(value: object) -> bool:
    return (isinstance(value, int) or (isinstance(value, float) and value.is_integer())) and \
        _INT_MIN <= value <= _INT_MAX  # type: ignore[operator]


def _plain_compare(column: ColumnElement, op: str, value: object) -> ColumnElement[bool]:
    return COMPARE[op](column, value)


def _integer_compare(column: ColumnElement, op: str, value: object) -> ColumnElement[bool]:
    """`column <op> value` for an integer column and any number, never binding a number beyond the
    column's type: PostgreSQL would fail on it ("integer out of range") instead of comparing.

    A fraction is replaced by the integer bound meaning the same (`> 2.5` is `>= 3`), and a bound
    beyond the 32-bit range decides the comparison at once."""
    if _fits(value):
        return COMPARE[op](column, value)
    if op == "=":
        return sa.false()
    if isinstance(value, float) and math.isinf(value):
        value = _INT_MAX + 1 if value > 0 else _INT_MIN - 1  # as far beyond the range, as an integer
    if op == ">":
        op, bound = ">=", math.floor(value) + 1  # type: ignore[arg-type]
    elif op == ">=":
        bound = math.ceil(value)  # type: ignore[arg-type]
    elif op == "<":
        bound = math.ceil(value)  # type: ignore[arg-type]
    else:
        bound = math.floor(value)  # type: ignore[arg-type]
    every = column.is_not(None) if column.nullable else sa.true()
    if op == ">=":
        return every if bound <= _INT_MIN else sa.false() if bound > _INT_MAX else column >= bound
    if op == "<":
        return every if bound > _INT_MAX else sa.false() if bound <= _INT_MIN else column < bound
    return every if bound >= _INT_MAX else sa.false() if bound < _INT_MIN else column <= bound


def _is_empty(field: Field, column: ColumnElement) -> ColumnElement[bool]:
    if field.type not in NON_TEXT_TYPES:
        return sa.or_(column.is_(None), sa.func.trim(column, BLANKS) == "")
    return column.is_(None)
