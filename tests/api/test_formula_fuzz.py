"""Random inputs through the API: what kinflow stores for a calculated field is what a fresh
evaluation of its formula gives, and a query finds the record by that stored value."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinflow.apps.formulas.dates import date_seconds, render_calc
from kinflow.apps.formulas.evaluate import calc_value, evaluate, text_value
from kinflow.apps.formulas.functions import number_text
from kinflow.apps.formulas.parser import parse_formula
from kinflow.apps.formulas.values import EMPTY, Column, Precision
from tests.conftest import make_app

CALCS = {
    "c1": "a * b - a / 3",
    "c2": "ROUND(a / b, 2) + b ^ 2",
    "c3": "IF(a > b, a - b, b - a)",
    "c4": "SUM(c1, c3) * 2",
    "c5": "d + a",
    "c6": "SUM(line) + SUM(q)",
}
# Inside the table `rows`: each row sees its own `q` and the record's fields.
ROW_CALCS = {"line": "q * a - c3"}
TEXTS = {
    "x1": 'a & "/" & b & "/" & t',
    "x2": 'DATE_FORMAT(d, "YYYY-MM-dd", "UTC") & IF(a = b, "=", "~") & YEN(c1, 1)',
}
FIELDS = {
    "a": {"type": "NUMBER", "code": "a", "label": "A"},
    "b": {"type": "NUMBER", "code": "b", "label": "B"},
    "d": {"type": "DATE", "code": "d", "label": "D"},
    "t": {"type": "SINGLE_LINE_TEXT", "code": "t", "label": "T"},
    **{code: {"type": "CALC", "code": code, "label": code, "expression": formula,
              **({"format": "DATETIME"} if code == "c5" else {})} for code, formula in CALCS.items()},
    **{code: {"type": "SINGLE_LINE_TEXT", "code": code, "label": code, "expression": formula}
       for code, formula in TEXTS.items()},
    "rows": {"type": "SUBTABLE", "code": "rows", "fields": {
        "q": {"type": "NUMBER", "code": "q", "label": "Q"},
        **{code: {"type": "CALC", "code": code, "label": code, "expression": formula}
           for code, formula in ROW_CALCS.items()}}},
}


@pytest.fixture(scope="module")
def app(server):
    with server.admin() as admin:
        return make_app(admin, FIELDS, name="Formula agreement")


def expected(inputs: dict) -> dict[str, str]:
    """A fresh evaluation, in the order the form's dependencies ask for."""
    precision = Precision()
    seen: dict[str, object] = {
        "a": Decimal(inputs["a"]) if inputs["a"] != "" else EMPTY,
        "b": Decimal(inputs["b"]) if inputs["b"] != "" else EMPTY,
        "d": date_seconds(date.fromisoformat(inputs["d"])) if inputs["d"] else EMPTY,
        "t": inputs["t"],
    }
    shown: dict[str, str] = {}
    rows: list[dict[str, object]] = [{"q": Decimal(q) if q != "" else EMPTY} for q in inputs["rows"]]

    def calculate(formula: str, lookup) -> Decimal | None:  # noqa: ANN001
        return calc_value(lambda: evaluate(parse_formula(formula), lookup, precision), precision)

    for code, formula in CALCS.items():
        if code == "c6":  # after c3, which the rows use
            for row in rows:
                line = calculate(ROW_CALCS["line"], lambda used, row=row: row[used] if used in row else seen[used])
                row["line"] = EMPTY if line is None else line
            seen["line"] = Column([row["line"] for row in rows])
            seen["q"] = Column([row["q"] for row in rows])
            lines = [r["line"] for r in rows]
            shown["lines"] = [number_text(v) if isinstance(v, Decimal) else "" for v in lines]  # type: ignore[assignment]
        value = calculate(formula, seen.__getitem__)
        seen[code] = EMPTY if value is None else value
        shown[code] = "" if value is None else (render_calc(value, "DATETIME") if code == "c5" else number_text(value))
    for code, formula in TEXTS.items():
        shown[code] = text_value(lambda f=formula: evaluate(parse_formula(f), seen.__getitem__, precision))
    return shown


numbers = st.one_of(st.just(""), st.decimals(min_value=-99999, max_value=99999, places=3, allow_nan=False)
                    .map(lambda d: number_text(d)))
days = st.one_of(st.just(""), st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 1, 1)).map(date.isoformat))
texts = st.text(alphabet="abcxyz éあ", max_size=8)
quantities = st.lists(st.one_of(st.just(""), st.integers(-50, 50).map(str)), max_size=3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=numbers, b=numbers, d=days, t=texts, rows=quantities)
def test_stored_values_agree_with_a_fresh_evaluation(admin, app, a, b, d, t, rows):
    inputs = {"a": a, "b": b, "d": d, "t": t, "rows": rows}
    sent = {k: {"value": v} for k, v in inputs.items() if k != "rows"}
    sent["rows"] = {"value": [{"value": {"q": {"value": q}}} for q in rows]}
    created = admin.post("/k/v1/record.json", json={"app": app, "record": sent})
    assert created.status_code == 200, created.text
    record_id = created.json()["id"]
    stored = admin.get("/k/v1/record.json", params={"app": app, "id": record_id}).json()["record"]
    want = expected(inputs)
    lines = want.pop("lines")
    assert {code: stored[code]["value"] for code in want} == want
    assert [row["value"]["line"]["value"] for row in stored["rows"]["value"]] == lines
    for code in ("c1", "c2", "c4"):
        if want[code]:
            query = f"$id = {record_id} and {code} = {want[code]}"
            found = admin.get("/k/v1/records.json", params={"app": app, "query": query}).json()["records"]
            assert [r["$id"]["value"] for r in found] == [record_id], query


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expression=st.one_of(st.text(max_size=40), st.text(alphabet='ab12+-*/^&=<>(),"SUMIF ＋', max_size=30)),
       kind=st.sampled_from(["CALC", "SINGLE_LINE_TEXT"]), inner=st.booleans())
def test_any_formula_is_saved_or_refused_in_kintones_format(admin, app, expression, kind, inner):
    field = {"type": kind, "code": "f", "label": "F", "expression": expression}
    properties = {"tb": {"type": "SUBTABLE", "code": "tb", "fields": {"f": field}}} if inner else {"f": field}
    response = admin.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": properties})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["code"] in ("GAIA_IL01", "CB_VA01"), response.text
    else:
        removed = admin.delete("/k/v1/preview/app/form/fields.json",
                               params={"app": app, "fields[0]": "tb" if inner else "f"})
        assert removed.status_code == 200, removed.text
