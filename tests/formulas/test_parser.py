"""Formula text to tree; each refusal says what is wrong and where."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kinflow.apps.formulas.ast import Call, Chain, FieldRef, Number, Sign, Text
from kinflow.apps.formulas.errors import FormulaError
from kinflow.apps.formulas.parser import MAX_DEPTH, MAX_LENGTH, parse_formula


def test_precedence_and_flat_chains():
    tree = parse_formula("1 + 2 * 3 - a")
    assert isinstance(tree, Chain) and [op for op, _, _ in tree.rest] == ["+", "-"]
    assert tree.rest[0][1] == Chain(Number(Decimal(2), 4), (("*", Number(Decimal(3), 8), 6),))
    assert tree.rest[1][1] == FieldRef("a", 12)


def test_comparison_is_loosest_and_concatenation_next():
    tree = parse_formula('a & "x" = b + 1')
    assert tree.rest[0][0] == "=" and isinstance(tree.first, Chain) and tree.first.rest[0][0] == "&"


def test_functions_fields_and_literals():
    tree = parse_formula('if(数量 > 0, "個数：" & 数量, -1)')
    assert isinstance(tree, Call) and tree.name == "IF" and len(tree.args) == 3
    assert tree.args[0].first == FieldRef("数量", 3)
    assert tree.args[1].first == Text("個数：", 11)
    assert tree.args[2] == Sign(True, Number(Decimal(1), 24), 23)
    assert parse_formula("NOW()") == Call("NOW", (), 0)


@pytest.mark.parametrize(("formula", "reason", "position"), [
    ("a +", "syntax", 3), ("1e3", "syntax", 0), ('"open', "syntax", 0), (")", "syntax", 0), ("a b", "syntax", 2),
    ("1 2", "syntax", 2), ("", "syntax", 0), ("SUM(1,)", "syntax", 6),
    ("a == b", '"==" needs correction', 2), ("a => b", '"=>" needs correction', 2),
    ("a ＋ 1", 'full-width symbol "＋"', 2), ("IF（a", 'full-width symbol "（"', 2),
])
def test_refusals_say_where(formula, reason, position):
    with pytest.raises(FormulaError) as caught:
        parse_formula(formula)
    assert reason in caught.value.reason or (reason == "syntax" and "syntax" in caught.value.reason)
    assert caught.value.position == position


def test_full_width_inside_strings_is_text():
    assert parse_formula('"（全角）＋"') == Text("（全角）＋", 0)


def test_bounds():
    with pytest.raises(FormulaError, match="at most"):
        parse_formula("1" * (MAX_LENGTH + 1))
    with pytest.raises(FormulaError, match="nest"):
        parse_formula("SUM(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(FormulaError, match="nest"):
        parse_formula("-" * (MAX_DEPTH + 1) + "1")
    assert parse_formula("(" * 500 + "1" + ")" * 500) == Number(Decimal(1), 500)  # brackets add no depth
    assert isinstance(parse_formula("+".join(["1"] * 3000)), Chain)  # long but flat
