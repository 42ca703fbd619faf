"""A formula's tree evaluated for one record (or one row of a table).

`lookup(code)` gives a field's value as a formula sees it (see `values.py`). Anything kintone cannot
calculate raises `Incalculable` inside; `calc_value` and `text_value` turn a formula's outcome into
what a CALC field or an auto-calculated text field stores.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from kinflow.apps.formulas.ast import Call, Chain, FieldRef, Node, Number, Sign, Text
from kinflow.apps.formulas.functions import ARITY, FUNCTIONS, number, number_text, text
from kinflow.apps.formulas.values import EMPTY, WIDE, Choices, Column, Incalculable, Precision

Lookup = Callable[[str], object]
# kintone calculates powers from -100 to 100; a fractional exponent is cut to its whole part.
MAX_EXPONENT = 100


def evaluate(tree: Node, lookup: Lookup, precision: Precision) -> object:
    """The formula's value, or `Incalculable`."""

    def run(node: Node) -> object:
        if isinstance(node, Number):
            return precision.fit(node.value)
        if isinstance(node, Text):
            return node.value
        if isinstance(node, FieldRef):
            return lookup(node.code)
        if isinstance(node, Sign):
            value = number(run(node.operand))
            return precision.fit(-value if node.negative else value)
        if isinstance(node, Chain):
            value = run(node.first)
            for op, operand, _ in node.rest:
                value = _apply(op, value, run(operand), precision)
            return value
        if isinstance(node, Call):
            function = FUNCTIONS.get(node.name)
            fewest, most = ARITY.get(node.name, (0, -1))
            if function is None or len(node.args) < fewest or (most is not None and len(node.args) > most):
                raise Incalculable  # refused when the form is saved; never reached from a saved form
            return function(node.args, run, precision)
        raise Incalculable

    return run(tree)


def _apply(op: str, left: object, right: object, precision: Precision) -> object:
    if op == "&":
        return text(left) + text(right)
    if op in ("=", "!=", "<>"):
        return _equal(left, right) == (op == "=")
    if op in ("<", ">", "<=", ">="):
        return _ordered(op, left, right)
    a, b = number(left), number(right)
    try:
        if op == "+":
            return precision.fit(WIDE.add(a, b))
        if op == "-":
            return precision.fit(WIDE.subtract(a, b))
        if op == "*":
            return precision.fit(WIDE.multiply(a, b))
        if op == "/":
            if not b:
                raise Incalculable
            return precision.fit(WIDE.divide(a, b))
        exponent = int(b.to_integral_value(rounding=ROUND_DOWN))
        if abs(exponent) > MAX_EXPONENT or (not a and exponent < 0):
            raise Incalculable
        return precision.fit(WIDE.power(a, exponent))
    except (InvalidOperation, ArithmeticError):
        raise Incalculable from None


def _equal(left: object, right: object) -> bool:
    """Values of different types are never equal; an empty field is 0 beside a number and ""
    beside text."""
    if left is EMPTY:
        left = "" if isinstance(right, str) else Decimal(0) if isinstance(right, Decimal) else left
    if right is EMPTY:
        right = "" if isinstance(left, str) else Decimal(0) if isinstance(left, Decimal) else right
    if isinstance(left, (Column, Choices)) or isinstance(right, (Column, Choices)):
        raise Incalculable
    if type(left) is not type(right):
        return False
    return left == right


def _ordered(op: str, left: object, right: object) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        a, b = left, right
    else:
        a, b = number(left), number(right)  # type: ignore[assignment]
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def calc_value(outcome: Callable[[], object], precision: Precision) -> Decimal | None:
    """What a CALC field stores: a number, or None (shown as "") when there is none."""
    try:
        value = outcome()
    except (Incalculable, RecursionError):
        return None
    if isinstance(value, bool):
        return Decimal(int(value))  # kintone shows a truth value in a CALC field as 1 or 0
    if isinstance(value, Decimal):
        return value
    return None  # empty, text (a number format cannot show it), a list


def text_value(outcome: Callable[[], object]) -> str:
    """What an auto-calculated text field stores."""
    try:
        return text(outcome())
    except (Incalculable, RecursionError):
        return ""


__all__ = ["evaluate", "calc_value", "text_value", "number_text"]
