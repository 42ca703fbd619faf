"""Any text parses or is refused with a FormulaError saying where; any formula evaluates to a value
or to kintone's empty result, never to a crash."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinflow.apps.formulas.errors import FormulaError
from kinflow.apps.formulas.evaluate import calc_value, evaluate, text_value
from kinflow.apps.formulas.parser import parse_formula
from kinflow.apps.formulas.values import EMPTY, Choices, Column, Precision

FIELDS = {"a": Decimal("12.5"), "n": EMPTY, "t": "text", "qty": Column([Decimal(1), EMPTY]), "tags": Choices(["x"]),
          "none": Column([])}
ALPHABET = "0123456789.+-*/^&=<>!(),\" \\aNtqyIFSUMROUNDANDORTCfélé＋（数"


def parses_or_refuses(text: str) -> None:
    try:
        parse_formula(text)
    except FormulaError as error:
        assert error.position is None or 0 <= error.position <= len(text), (text, error.position)
        assert str(error)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_parses_or_is_refused(text):
    parses_or_refuses(text)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_formula_like_text_parses_or_is_refused(text):
    parses_or_refuses(text)


_leaf = st.one_of(
    st.decimals(min_value=-10**14, max_value=10**14, allow_nan=False, places=4).map(lambda d: str(abs(d))),
    st.sampled_from(list(FIELDS) + ['"x"', '""', "0"]),
)


def _combine(children):
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^", "&", "=", "!=", "<>", "<", ">=", "<="]),
                       children).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    calls = st.tuples(st.sampled_from(["SUM", "ROUND", "ROUNDUP", "ROUNDDOWN", "IF", "AND", "OR", "NOT", "CONTAINS",
                                       "DATE_FORMAT", "YEN"]),
                      st.lists(children, min_size=1, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})")
    return st.one_of(binary, calls, children.map(lambda c: f"-{c}"))


formulas = st.recursive(_leaf, _combine, max_leaves=12)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(formulas)
def test_any_formula_evaluates_or_is_empty(formula):
    tree = parse_formula(formula)
    precision = Precision()
    number = calc_value(lambda: evaluate(tree, FIELDS.__getitem__, precision), precision)
    assert number is None or isinstance(number, Decimal)
    assert isinstance(text_value(lambda: evaluate(tree, FIELDS.__getitem__, precision)), str)
