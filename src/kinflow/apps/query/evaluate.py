"""A condition evaluated in Python on one record: notification filters, process conditions.

It runs the same plan as the SQL compiler (see `plan.py`), so a record matches here exactly when
a search would return it. Values follow the record tables' conventions (see `operands.py`); the
evaluator also accepts the looser shapes callers tend to hold: `Decimal` numbers, `{"code": ...}`
users, `TableRow`s or plain dicts as table rows, ISO strings for dates and times.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from kinflow.apps.form import Field, Form
from kinflow.apps.query.ast import Condition
from kinflow.apps.query.context import QueryContext
from kinflow.apps.query.fields import INTEGER_TYPES, LIST_TYPES, NON_TEXT_TYPES, NUMBER_TYPES
from kinflow.apps.query.operands import integer, naive_utc
from kinflow.apps.query.plan import (
    BLANKS,
    COMPARE,
    AllOf,
    AnyOf,
    Contains,
    EveryRow,
    Match,
    Plan,
    Predicate,
    SomeRow,
    plan_condition,
)

if TYPE_CHECKING:
    from kinflow.apps.records import StoredRecord



def matches(
    condition: Condition | None, record_values: Mapping[str, object], form: Form, ctx: QueryContext
) -> bool:
    """Whether a record satisfies a condition (no condition: every record does).

    `record_values` maps field codes to stored values, including `$id`, `$revision` and the
    system fields' codes; a table's code maps to its list of rows."""
    plan = plan_condition(condition, form, ctx)
    return True if plan is None else _holds(plan, record_values)


def stored_record_values(record: StoredRecord, form: Form) -> dict[str, object]:
    """The `record_values` of a record as `kinflow.apps.records` reads it from the database."""
    system = {
        "RECORD_NUMBER": record.id,
        "CREATOR": record.creator,
        "MODIFIER": record.modifier,
        "CREATED_TIME": record.created_at,
        "UPDATED_TIME": record.updated_at,
        "STATUS": record.status,
        "STATUS_ASSIGNEE": record.assignees,
    }
    values: dict[str, object] = {"$id": record.id, "$revision": record.revision}
    for field in form.top_level:
        if field.type in system:
            values[field.code] = system[field.type]
        elif field.type == "SUBTABLE":
            values[field.code] = record.tables.get(field.code, [])
        else:
            values[field.code] = record.values.get(field.code)
    return values


def _holds(plan: Plan, record: Mapping[str, object]) -> bool:
    if isinstance(plan, AllOf):
        return all(_holds(item, record) for item in plan.items)
    if isinstance(plan, AnyOf):
        return any(_holds(item, record) for item in plan.items)
    if isinstance(plan, SomeRow):
        return any(all(_predicate(p, row) for p in plan.predicates) for row in _rows(record, plan.table))
    if isinstance(plan, EveryRow):
        rows = _rows(record, plan.table)
        return bool(rows) and all(_predicate(plan.predicate, row) for row in rows)
    return _predicate(plan, record)


def _rows(record: Mapping[str, object], table: str) -> list[Mapping[str, object]]:
    # Rows are plain dicts or `TableRow`s (whose values sit in `.values`).
    return [row if isinstance(row, Mapping) else row.values for row in record.get(table) or []]


def _predicate(predicate: Predicate, values: Mapping[str, object]) -> bool:
    field = predicate.field
    raw = values.get(field.code)
    if field.type in LIST_TYPES:
        items = [_item(field.type, v) for v in raw or []]
        if isinstance(predicate, Contains):
            found = any(predicate.text.lower() in item.lower() for item in items)
        else:
            found = any(_satisfies(predicate, item) for item in items) or (predicate.empty and not items)
        return found != predicate.negated
    value = _scalar(field, raw)
    if isinstance(predicate, Contains):
        return (predicate.text.lower() in (value or "").lower()) != predicate.negated
    found = (value is not None and _satisfies(predicate, value)) or (predicate.empty and _is_empty(value))
    return found != predicate.negated


def _satisfies(predicate: Match, value: object) -> bool:
    return any(all(COMPARE[t.op](value, t.value) for t in clause) for clause in predicate.clauses)


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip(BLANKS) == "")


def _item(field_type: str, item: object) -> str:
    """One value of a multi-value field: a label, a user/organization/group code, a file name."""
    if isinstance(item, Mapping):
        return str(item.get("name" if field_type == "FILE" else "code") or "")
    return str(item)


def _scalar(field: Field, value: object) -> object:
    """A single value as its column would hold it: None when empty, except that text stays text."""
    if isinstance(value, Mapping):  # {"code": "sato"} for CREATOR / MODIFIER
        value = value.get("code")
    t = field.type
    if t not in NON_TEXT_TYPES:
        return None if value is None else str(value)
    if value is None or value == "":
        return None
    if t in NUMBER_TYPES:
        return float(value)  # the column is a float: compare as the database does
    if t in INTEGER_TYPES:
        return value if isinstance(value, int) else integer(str(value), field)
    if t == "DATE":
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if t == "TIME":
        return value if isinstance(value, time) else time.fromisoformat(str(value))
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return naive_utc(moment) if moment.tzinfo is not None else moment
