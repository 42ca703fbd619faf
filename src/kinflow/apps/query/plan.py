"""A checked condition in the shape both back-ends run: SQL (`sql.py`) and Python (`evaluate.py`).

Planning looks every field up, enforces kintone's rules in kintone's order (unknown field, option
values before operators, table rules) and reads every value, so the two back-ends only translate
and cannot disagree on meaning. Each comparison becomes one of two predicates:

- `Match`: the value satisfies one of `clauses` (each a conjunction of plain comparisons), or is
  empty when `empty` is set; `negated` inverts the whole. An empty value never satisfies a clause,
  so `!=` and `not in` hold for empty values, and `>`/`<` never do.
- `Contains`: kintone's `like`, a case-insensitive substring test.

Table rules (reference §5.6): a predicate on a field inside a table is wrapped in `SomeRow` (one
row satisfies it) or, when negated, `EveryRow` (the table has rows and all satisfy it). Positive
predicates on the same table joined by `and` share one `SomeRow`: the same row must satisfy them.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from kinflow.apps.field_types import CHOICE_TYPES
from kinflow.apps.form import Field, Form
from kinflow.apps.query import errors
from kinflow.apps.query.ast import And, Comparison, Condition, FunctionCall, InList, IsEmpty, Like, Or
from kinflow.apps.query.context import QueryContext
from kinflow.apps.query.fields import check_operator, find_field
from kinflow.apps.query.operands import EMPTY, Point, Span, operand
from kinflow.i18n import N_


@dataclass(frozen=True)
class Term:
    op: str  # a key of COMPARE
    value: object


# The same operator functions build SQL (on columns) and decide in Python (on values).
COMPARE = {"=": operator.eq, ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


Clause = tuple[Term, ...]


@dataclass(frozen=True, eq=False)
class Match:
    field: Field
    clauses: tuple[Clause, ...]
    empty: bool
    negated: bool


@dataclass(frozen=True, eq=False)
class Contains:
    field: Field
    text: str
    negated: bool


Predicate = Match | Contains


@dataclass(frozen=True)
class AllOf:
    items: tuple[Plan, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Plan, ...]


@dataclass(frozen=True)
class SomeRow:
    table: str
    predicates: tuple[Predicate, ...]


@dataclass(frozen=True)
class EveryRow:
    table: str
    predicate: Predicate


Plan = Match | Contains | AllOf | AnyOf | SomeRow | EveryRow

# Text of only these characters is empty (reference §5.2: whitespace-only text counts as empty).
BLANKS = " \t\r\n\u3000"

# What `x <op> value` requires of x, for a single value and for a span [start, end).
_POINT_TERMS = {"=": ("=",), ">": (">",), ">=": (">=",), "<": ("<",), "<=": ("<=",)}
_SPAN_TERMS = {"=": ((">=", "start"), ("<", "end")), ">": ((">=", "end"),), ">=": ((">=", "start"),),
               "<": (("<", "start"),), "<=": (("<", "end"),)}  # fmt: skip


def plan_condition(condition: Condition | None, form: Form, ctx: QueryContext) -> Plan | None:
    if condition is None:
        return None
    return _Planner(form, ctx).plan(condition)


class _Planner:
    def __init__(self, form: Form, ctx: QueryContext) -> None:
        self.form = form
        self.ctx = ctx

    def plan(self, condition: Condition) -> Plan:
        if isinstance(condition, Or):
            return AnyOf(tuple(self.plan(item) for item in condition.items))
        if isinstance(condition, And):
            return self._all_of(condition)
        predicate = self.predicate(condition)
        return _in_rows(predicate) if predicate.field.table else predicate

    def _all_of(self, condition: And) -> AllOf:
        items: list[Plan] = []
        same_row: dict[str, list[Predicate]] = {}
        for item in condition.items:
            if isinstance(item, (And, Or)):
                items.append(self.plan(item))
                continue
            predicate = self.predicate(item)
            table = predicate.field.table
            if table is None:
                items.append(predicate)
            elif predicate.negated:
                items.append(EveryRow(table, predicate))
            else:
                same_row.setdefault(table, []).append(predicate)
        items.extend(SomeRow(table, tuple(predicates)) for table, predicates in same_row.items())
        return AllOf(tuple(items))

    def predicate(self, leaf: Comparison | InList | Like | IsEmpty) -> Predicate:
        field = find_field(self.form, leaf.field)
        if isinstance(leaf, Comparison):
            self._check_options(field, (leaf.value,))
            check_operator(field, leaf.op)
            return self._comparison(field, leaf)
        if isinstance(leaf, InList):
            self._check_options(field, leaf.values)
            check_operator(field, "not in" if leaf.negated else "in")
            return self._in_list(field, leaf)
        if isinstance(leaf, Like):
            check_operator(field, "not like" if leaf.negated else "like")
            if isinstance(leaf.value, FunctionCall):
                raise errors.invalid_value(N_("like takes a text value (field {code}).", code=field.code))
            return Contains(field, leaf.value.text, leaf.negated)
        check_operator(field, "is not empty" if leaf.negated else "is empty")
        return Match(field, (), True, leaf.negated)

    def _check_options(self, field: Field, values: tuple) -> None:
        # kintone checks option values before the operator (GAIA_IQ10 before GAIA_IQ03).
        if field.type not in CHOICE_TYPES:
            return
        options = field.options
        for value in values:
            if not isinstance(value, FunctionCall) and value.text != "" and value.text not in options:
                raise errors.not_an_option(value.text, field.code)

    def _comparison(self, field: Field, leaf: Comparison) -> Match:
        value = operand(field, leaf.value, self.ctx)
        op = "=" if leaf.op == "!=" else leaf.op
        negated = leaf.op == "!="
        if value is EMPTY:
            if op != "=":
                raise errors.invalid_value(N_("The operator ({op}) needs a value (field {code}).",
                                              op=leaf.op, code=field.code))
            return Match(field, (), True, negated)
        clauses = () if value is None else (_clause(op, value),)
        return Match(field, clauses, False, negated)

    def _in_list(self, field: Field, leaf: InList) -> Match:
        clauses: list[Clause] = []
        empty = False
        for value in leaf.values:
            read = operand(field, value, self.ctx)
            if read is EMPTY:
                empty = True
            elif read is not None:
                clauses.append(_clause("=", read))
        return Match(field, tuple(clauses), empty, leaf.negated)


def _clause(op: str, value: Point | Span) -> Clause:
    if isinstance(value, Point):
        return tuple(Term(o, value.value) for o in _POINT_TERMS[op])
    return tuple(Term(o, getattr(value, end)) for o, end in _SPAN_TERMS[op])


def _in_rows(predicate: Predicate) -> Plan:
    table = predicate.field.table
    assert table is not None
    return EveryRow(table, predicate) if predicate.negated else SomeRow(table, (predicate,))


def equal_values(clauses: tuple[Clause, ...]) -> tuple[list[object], list[Clause]]:
    """Split clauses into plain equalities (one `IN` list for SQL) and the rest."""
    equal = [c[0].value for c in clauses if len(c) == 1 and c[0].op == "="]
    rest = [c for c in clauses if not (len(c) == 1 and c[0].op == "=")]
    return equal, rest
