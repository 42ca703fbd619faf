"""Calculated fields filled in on a record about to be written: the one place every write path
(add, update, upsert, bulk, bulkRequest, a deploy's recalculation) goes through.

A formula inside a table is computed for each row, seeing that row's fields and the record's; a
formula outside sees a table's fields as columns (for SUM and CONTAINS). Formulas run in the
order `check.plan_formulas` gives, so a CALC that uses another sees its fresh value.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import TypeVar

from kinflow.apps.form import Field, Form
from kinflow.apps.formulas.check import FormulaPlan, plan_formulas
from kinflow.apps.formulas.dates import date_seconds, instant_seconds, time_seconds
from kinflow.apps.formulas.evaluate import Compiled, as_number, as_text, compile_formula
from kinflow.apps.formulas.values import EMPTY, WIDE, Choices, Column, Incalculable, Precision

_T = TypeVar("_T")
_SYSTEM = {"CREATED_TIME": "created_at", "UPDATED_TIME": "updated_at", "CREATOR": "creator", "MODIFIER": "modifier"}


def _once(form: Form, name: str, build: Callable[[Form], _T]) -> _T:
    """`build(form)`, worked out once per form: a form never changes (a deploy builds a new one)."""
    found = form.__dict__.get(name)
    if found is None:
        found = form.__dict__[name] = build(form)
    return found


def formula_plan(form: Form) -> FormulaPlan:
    return _once(form, "_formula_plan", lambda f: plan_formulas(f, strict=False))


def follows_modification(form: Form) -> bool:
    """Whether a calculated value depends, directly or through other calculated fields, on who
    changed the record last or when: a status change must then recalculate it."""
    return _once(form, "_follows_modification", _follows_modification)


def _follows_modification(form: Form) -> bool:
    touched: set[str] = {f.code for f in form.fields.values() if f.type in ("UPDATED_TIME", "MODIFIER")}
    for formula in formula_plan(form).formulas:  # in computing order: users come after what they use
        if formula.uses & touched:
            touched.add(formula.field.code)
    return any(formula.field.code in touched for formula in formula_plan(form).formulas)


def _converter(field: Field) -> Callable[[object], object]:
    """A stored value as formulas see it: times in seconds, empty as EMPTY."""
    t = field.type
    if t in ("SINGLE_LINE_TEXT", "DROP_DOWN", "RADIO_BUTTON", "CREATOR", "MODIFIER"):
        return lambda stored: "" if stored is None else stored
    if t in ("CHECK_BOX", "MULTI_SELECT"):
        return lambda stored: Choices(stored or ())
    seconds = {"DATE": date_seconds, "TIME": time_seconds, "DATETIME": instant_seconds,
               "CREATED_TIME": instant_seconds, "UPDATED_TIME": instant_seconds}.get(t)
    if seconds is not None:
        return lambda stored: EMPTY if stored is None else seconds(stored)  # type: ignore[arg-type]
    return lambda stored: EMPTY if stored is None else Decimal(str(stored)) if isinstance(stored, float) else stored


# (code, table of the formula's field or None, text result?, compiled formula), in computing order.
Step = tuple[str, "str | None", bool, Compiled]


def _steps(form: Form, precision: Precision) -> list[Step]:
    compiled = _once(form, "_formula_steps", lambda f: {})
    steps = compiled.get(precision)
    if steps is None:
        steps = compiled[precision] = [(f.field.code, f.field.table, f.is_text, compile_formula(f.tree, precision))
                                       for f in formula_plan(form).formulas]
    return steps


def _getters(form: Form) -> dict[str, tuple["str | None", "str | None", Callable[[object], object]]]:
    """Per field a formula may read: its table, the record attribute holding it (system fields),
    and its conversion."""
    return _once(form, "_formula_getters", lambda f: {
        field.code: (field.table, _SYSTEM.get(field.type), _converter(field)) for field in f.fields.values()})


def compute(form: Form, record, precision: Precision) -> None:  # noqa: ANN001
    """Fill every calculated field of `record` (a `StoredRecord`) in place."""
    steps = _steps(form, precision)
    if not steps:
        return
    getters = _getters(form)
    values, tables = record.values, record.tables
    with localcontext(WIDE):
        _run(steps, getters, record, values, tables)


def _run(steps: list[Step], getters: dict, record, values: dict, tables: dict) -> None:  # noqa: ANN001
    def record_value(code: str) -> object:
        table, attribute, convert = getters[code]
        if attribute is not None:
            return convert(getattr(record, attribute))
        if table is None:
            return convert(values.get(code))
        return Column([convert(row.values.get(code)) for row in tables.get(table, ())])

    for code, table, is_text, formula in steps:
        settle = as_text if is_text else as_number
        if table is None:
            try:
                values[code] = settle(formula(record_value))
            except (Incalculable, RecursionError):
                values[code] = "" if is_text else None
            continue
        for row in tables.get(table, ()):
            def row_value(used: str, cells=row.values, table=table) -> object:  # noqa: ANN001
                used_table, _, convert = getters[used]
                return convert(cells.get(used)) if used_table == table else record_value(used)

            try:
                row.values[code] = settle(formula(row_value))
            except (Incalculable, RecursionError):
                row.values[code] = "" if is_text else None
