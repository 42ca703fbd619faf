"""A form's formulas are checked against its fields and ordered so a CALC follows those it uses."""

from __future__ import annotations

import pytest

from kinflow.apps.form import Form
from kinflow.apps.formulas.check import LabelledFormulaError, plan_formulas


def form(**properties) -> Form:
    props, ids = {}, {}
    for number, (code, prop) in enumerate(properties.items(), start=1):
        props[code] = {"code": code, "label": code.upper(), **prop}
        ids[code] = number
        for inner_number, inner in enumerate(prop.get("fields", {}), start=100 * number):
            props[code]["fields"][inner] = {"code": inner, "label": inner, **prop["fields"][inner]}
            ids[inner] = inner_number
    return Form.from_document({"properties": props, "field_ids": ids})


def calc(expression: str) -> dict:
    return {"type": "CALC", "expression": expression}


NUMBER = {"type": "NUMBER"}
ITEMS = {"type": "SUBTABLE", "fields": {"qty": NUMBER, "name": {"type": "SINGLE_LINE_TEXT"},
                                        "flags": {"type": "CHECK_BOX", "options": {}}, "line": calc("qty * price")}}


def refusal(**properties) -> str:
    with pytest.raises(LabelledFormulaError) as caught:
        plan_formulas(form(**properties))
    return f"{caught.value.field.code}: {caught.value.reason}"


def test_calc_fields_come_after_the_ones_they_use():
    plan = plan_formulas(form(total=calc("subtotal + tax"), tax=calc("subtotal * 0.1"), subtotal=calc("SUM(line)"),
                              price=NUMBER, items=ITEMS,
                              label={"type": "SINGLE_LINE_TEXT", "expression": 'total & " yen"'}))
    order = [f.field.code for f in plan.formulas]
    assert order.index("line") < order.index("subtotal") < order.index("tax") < order.index("total")
    assert order.index("total") < order.index("label")
    assert plan.codes == {"total", "tax", "subtotal", "line", "label"}


def test_text_fields_without_a_formula_are_plain():
    assert plan_formulas(form(t={"type": "SINGLE_LINE_TEXT", "expression": ""},
                              u={"type": "SINGLE_LINE_TEXT", "expression": " \n"})).formulas == ()


@pytest.mark.parametrize(("properties", "expected"), [
    ({"c": calc("missing + 1")}, "c: The field code (missing) in the formula does not exist."),
    ({"m": {"type": "MULTI_LINE_TEXT"}, "c": calc("m & 1")},
     "c: A field type that cannot be used in formulas (MULTI_LINE_TEXT)"),
    ({"c": calc("FOOBAR(1)")}, "c: The function FOOBAR cannot be used."),
    ({"c": calc("IF(1)")}, "c: The function IF requires 3 arguments."),
    ({"c": calc("SUM()")}, "c: The function SUM requires at least 1 argument."),
    ({"c": calc("NOT(1, 2)")}, "c: Up to 1 argument can be specified for the function NOT."),
    ({"c": calc("a +")}, "c: The formula syntax is not correct."),
    ({"a": calc("b + 1"), "b": calc("a + 1")}, "The field references are circular."),
    ({"a": calc("a + 1")}, "a: The field references are circular."),
    ({"items": ITEMS, "price": NUMBER, "c": calc("qty + 1")}, "c: An appropriate function is not used"),
    ({"items": ITEMS, "price": NUMBER, "c": calc('CONTAINS(flags, "x")')}, "c: An appropriate function is not used"),
    ({"items": ITEMS, "price": NUMBER, "c": calc('CONTAINS(qty, "x")')}, "c: An appropriate function is not used"),
    ({"items": ITEMS, "price": NUMBER, "c": calc("SUM(name)")}, "c: An appropriate function is not used"),
    ({"tags": {"type": "CHECK_BOX", "options": {}}, "c": calc("tags & 1")}, "c: An appropriate function is not used"),
    ({"items": ITEMS, "c": calc("1")}, "line: The field code (price) in the formula does not exist."),
])
def test_refusals(properties, expected):
    assert expected in refusal(**properties)


def test_lists_are_fine_where_kintone_takes_them():
    plan = plan_formulas(form(items=ITEMS, price=NUMBER, tags={"type": "CHECK_BOX", "options": {}},
                              c=calc('IF(AND(CONTAINS(name, "x"), CONTAINS(tags, "y")), SUM(qty, line), 0)')))
    assert {f.field.code for f in plan.formulas} == {"c", "line"}


def test_not_strict_leaves_out_what_no_longer_checks():
    plan = plan_formulas(form(a=calc("b + 1"), b=calc("a + 1"), c=calc("missing"), d=calc("1")), strict=False)
    assert [f.field.code for f in plan.formulas] == ["d"]
