"""Calculated fields filled in on a record about to be written: the one place every write path
(add, update, upsert, bulk, bulkRequest, a deploy's recalculation) goes through.

A formula inside a table is computed for each row, seeing that row's fields and the record's; a
formula outside sees a table's fields as columns (for SUM and CONTAINS). Formulas run in the
order `check.plan_formulas` gives, so a CALC that uses another sees its fresh value.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal

from kinflow.apps.form import Field, Form
from kinflow.apps.formulas.check import Formula, FormulaPlan, plan_formulas
from kinflow.apps.formulas.dates import date_seconds, instant_seconds, time_seconds
from kinflow.apps.formulas.evaluate import calc_value, evaluate, text_value
from kinflow.apps.formulas.values import EMPTY, Choices, Column, Precision

_SYSTEM = {"CREATED_TIME": "created_at", "UPDATED_TIME": "updated_at", "CREATOR": "creator", "MODIFIER": "modifier"}


def formula_plan(form: Form) -> FormulaPlan:
    """The form's formulas, worked out once per form (a deploy builds a new form)."""
    plan = form.__dict__.get("_formula_plan")
    if plan is None:
        plan = form.__dict__["_formula_plan"] = plan_formulas(form, strict=False)
    return plan


def follows_modification(form: Form) -> bool:
    """Whether a calculated value depends, directly or through other calculated fields, on who
    changed the record last or when: a status change must then recalculate it."""
    found = form.__dict__.get("_follows_modification")
    if found is None:
        found = form.__dict__["_follows_modification"] = _follows_modification(form)
    return found


def _follows_modification(form: Form) -> bool:
    touched: set[str] = {f.code for f in form.fields.values() if f.type in ("UPDATED_TIME", "MODIFIER")}
    for formula in formula_plan(form).formulas:  # in computing order: users come after what they use
        if formula.uses & touched:
            touched.add(formula.field.code)
    return any(formula.field.code in touched for formula in formula_plan(form).formulas)


def formula_value(field: Field, stored: object) -> object:
    """A stored value as formulas see it: times in seconds, empty as EMPTY."""
    if stored is None:
        return "" if field.type in ("SINGLE_LINE_TEXT", "DROP_DOWN", "RADIO_BUTTON") else EMPTY
    if isinstance(stored, list):
        return Choices(stored)
    if isinstance(stored, datetime):
        return instant_seconds(stored)
    if isinstance(stored, date):
        return date_seconds(stored)
    if isinstance(stored, time):
        return time_seconds(stored)
    if isinstance(stored, float):
        return Decimal(str(stored))
    return stored


def compute(form: Form, record, precision: Precision) -> None:  # noqa: ANN001
    """Fill every calculated field of `record` (a `StoredRecord`) in place."""
    plan = formula_plan(form)
    if not plan.formulas:
        return
    fields = form.fields

    def record_value(code: str) -> object:
        field = fields[code]
        if field.type in _SYSTEM:
            return formula_value(field, getattr(record, _SYSTEM[field.type]))
        if field.table is not None:
            return Column(formula_value(field, row.values.get(code)) for row in record.tables.get(field.table, []))
        return formula_value(field, record.values.get(code))

    for formula in plan.formulas:
        table = formula.field.table
        if table is None:
            record.values[formula.field.code] = _result(formula, record_value, precision)
            continue
        for row in record.tables.get(table, []):
            def row_value(code: str, row=row, table=table) -> object:  # noqa: ANN001
                field = fields[code]
                if field.table == table:
                    return formula_value(field, row.values.get(code))
                return record_value(code)

            row.values[formula.field.code] = _result(formula, row_value, precision)


def _result(formula: Formula, lookup: Callable[[str], object], precision: Precision) -> object:
    def outcome() -> object:
        return evaluate(formula.tree, lookup, precision)

    if formula.is_text:
        return text_value(outcome)
    return calc_value(outcome, precision)
