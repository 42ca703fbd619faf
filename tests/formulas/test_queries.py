"""Calculated values answer conditions evaluated in Python (notification filters, process action
conditions) as they answer searches: as numbers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from kinflow.apps.formulas.compute import compute
from kinflow.apps.formulas.evaluate import MAX_TEXT
from kinflow.apps.formulas.values import Precision
from kinflow.apps.query.evaluate import matches, stored_record_values
from kinflow.apps.query.parser import parse_condition
from kinflow.apps.records import StoredRecord
from tests.query.conftest import ctx, make_form  # noqa: F401 - ctx is a fixture

FORM = make_form({
    "amount": {"type": "NUMBER"},
    "total": {"type": "CALC", "expression": "amount * 3 / 2"},
    "name": {"type": "SINGLE_LINE_TEXT"},
    "shout": {"type": "SINGLE_LINE_TEXT", "expression": 'name & name & name & name'},
})


def record(amount: str, name: str = "x") -> StoredRecord:
    moment = datetime(2024, 3, 1)
    rec = StoredRecord(1, 1, "sato", moment, "sato", moment, values={"amount": Decimal(amount), "name": name})
    compute(FORM, rec, Precision())
    return rec


def test_conditions_on_calculated_fields(ctx):
    rec = record("5")
    assert rec.values["total"] == Decimal("7.5")
    values = stored_record_values(rec, FORM)
    assert matches(parse_condition("total > 7 and total < 8"), values, FORM, ctx)
    assert matches(parse_condition("total in (7.5)"), values, FORM, ctx)
    assert not matches(parse_condition("total >= 8"), values, FORM, ctx)
    assert matches(parse_condition('shout = "xxxx"'), values, FORM, ctx)


def test_text_results_are_bounded():
    assert record("1", "y" * (MAX_TEXT // 4)).values["shout"] == "y" * MAX_TEXT
    assert record("1", "y" * (MAX_TEXT // 4 + 1)).values["shout"] == ""
