"""Formulas give what kintone gives (values observed on kintone with the default number precision:
16 digits, 4 decimal places, HALF_EVEN)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kinflow.apps.formulas.evaluate import calc_value, evaluate, text_value
from kinflow.apps.formulas.functions import number_text
from kinflow.apps.formulas.parser import parse_formula
from kinflow.apps.formulas.values import EMPTY, Choices, Column, Precision

FIELDS = {
    "a": Decimal(10), "b": Decimal(3), "n": EMPTY, "t": "hello", "blank": "",
    "qty": Column([Decimal(10), Decimal(20), EMPTY]), "names": Column(["apple", "pear"]), "rows": Column([]),
    "tags": Choices(["x", "y"]), "start": Decimal(1745539200), "dt": Decimal(1745575200),
}


def calc(formula: str, precision: Precision = Precision()) -> str:
    value = calc_value(lambda: evaluate(parse_formula(formula), FIELDS.__getitem__, precision), precision)
    return "" if value is None else number_text(value)


def text(formula: str) -> str:
    return text_value(lambda: evaluate(parse_formula(formula), FIELDS.__getitem__, Precision()))


@pytest.mark.parametrize(("formula", "expected"), [
    ("a + b", "13"), ("a - b", "7"), ("a * b", "30"), ("7 * 0.1", "0.7"), ("100 * 0.1", "10"),
    ("1 / 3", "0.3333"), ("10 / 3", "3.3333"), ("1 / 7", "0.1429"), ("1 / 3 * 3", "0.9999"), ("2 / 3 * 3", "2.0001"),
    ("0.00015 * 10000", "2"), ("0.00015 + 0.00015", "0.0004"), ("0.1 + 0.2", "0.3"),
    ("1 + 2 * 3", "7"), ("(1 + 2) * 3", "9"), ("2 ^ 3 ^ 2", "64"), ("-2 ^ 2", "4"), ("4 ^ 1.5", "4"),
    ("4 ^ -2", "0.0625"),
    ("-a", "-10"), ("+a", "10"), ("1 - -2", "3"),
    # empty fields: 0 in arithmetic and comparisons, kept empty alone or through IF
    ("n + 1", "1"), ("-n", "0"), ("n", ""), ("(n)", ""), ("IF(1 > 0, n, 2)", ""), ("n = 0", "1"), ("SUM(n)", "0"),
    ("ROUND(n, 0)", "0"),
    # impossible results are empty
    ("a / 0", ""), ("0 / 0", ""), ("999999999999 + 1", ""), ("2 ^ 101", ""), ("0 ^ -1", ""), ("t", ""), ("t & 1", ""),
    ("IF(1, 1, 2)", ""), ("AND(1, 1)", ""), ("NOT(1)", ""), ("(1 > 0) + 1", ""), ("SUM(1 > 0, 1)", ""),
    ("IF(a > 5, \"big\", 1)", ""), ("SUM(rows)", ""), ("SUM(rows) + 1", ""), ("CONTAINS(t, \"h\")", ""),
    # truth values show as 1 and 0
    ("a > b", "1"), ("a < b", "0"), ("a = 10", "1"), ("a != 10", "0"), ("a <> 10", "0"), ("a >= 10", "1"),
    ("a <= 9", "0"), ("t = \"hello\"", "1"), ("t = 1", "0"), ("t != 1", "1"), ("blank = \"\"", "1"), ("n = \"\"", "1"),
    ("AND(a > 1, b > 1)", "1"), ("OR(a > 100, b > 100)", "0"), ("NOT(a > 1)", "0"),
    ("IF(a > 5, a * 2, a / 2)", "20"), ("IF(AND(a > 5, OR(b = 3, n > 0)), 1, 2)", "1"),
    ("SUM(qty)", "30"), ("SUM(qty, a, 1)", "41"), ("SUM(a)", "10"),
    ("ROUND(3.14159, 2)", "3.14"), ("ROUNDUP(3.14159, 2)", "3.15"), ("ROUNDDOWN(3.14159, 2)", "3.14"),
    ("ROUND(-2.5, 0)", "-3"), ("ROUND(-0.5, 0)", "-1"), ("ROUND(1.25, 1)", "1.3"), ("ROUND(2.5)", "3"),
    ("ROUNDUP(-1.21, 1)", "-1.3"), ("ROUNDDOWN(-1.29, 1)", "-1.2"), ("ROUND(1234, -2)", "1200"),
    ("CONTAINS(tags, \"x\")", "1"), ("CONTAINS(tags, \"z\")", "0"), ("CONTAINS(names, \"pear\")", "1"),
    ("dt - start", "36000"), ("start + 86400", "1745625600"),
])
def test_calculated_values(formula, expected):
    assert calc(formula) == expected


@pytest.mark.parametrize(("formula", "expected"), [
    ("t & \" world\"", "hello world"), ("a & \"円\"", "10円"), ("n & \"x\"", "x"), ("n & \"\"", ""),
    ("(1 > 0) & \"x\"", "truex"), ("a / 4", "2.5"), ("IF(a > 5, \"big\", \"small\")", "big"),
    ('DATE_FORMAT(1745574000, "YYYY-MM-dd", "Asia/Tokyo") & " " & a', "2025-04-25 10"),
    ('DATE_FORMAT(start + 86400, "YYYY/MM/dd", "Etc/GMT")', "2025/04/26"),
    ('DATE_FORMAT(0, "YYYY/M/d h:mm a Z MMMM MMM", "America/New_York")', "1969/12/31 7:00 PM -0500 December Dec"),
    ('DATE_FORMAT(dt, "HH:mm:ss", "system")', "10:00:00"), ('DATE_FORMAT(n, "YYYY", "UTC")', ""),
    ('DATE_FORMAT(253402300800, "YYYY", "UTC")', ""), ('DATE_FORMAT(0, "YYYY", "Nowhere/City")', ""),
    ("YEN(1234567.5, 0)", "¥1,234,568"), ("YEN(-1234.567, 2)", "-¥1,234.57"), ("YEN(1234, -2)", "¥1,200"),
    ("a / 0 & \"x\"", ""), ("tags & \"\"", ""), ('"a \\"quoted\\" word"', 'a "quoted" word'),
])
def test_text_values(formula, expected):
    assert text(formula) == expected


def test_app_precision_rounds_every_step():
    coarse = Precision.of({"numberPrecision": {"digits": "5", "decimalPlaces": "2", "roundingMode": "UP"}})
    assert calc("1 / 3", coarse) == "0.34"
    assert calc("1 / 3 * 3", coarse) == "1.02"
    assert calc("-0.00001", coarse) == "-0.01"
    assert calc("0.01 * 10000", coarse) == ""  # the literal 10000 has too many digits
    assert calc("2 ^ -20", coarse) == "0.01"
    wide = Precision.of({"numberPrecision": {"digits": "30", "decimalPlaces": "10", "roundingMode": "HALF_EVEN"}})
    assert calc("1 / 3", wide) == "0.3333333333"
    assert calc("0.00015 * 10000", wide) == "1.5"
    assert Precision.of({"numberPrecision": {"digits": "x"}}) == Precision()
