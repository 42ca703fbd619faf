"""A formula's tree compiled, once, into Python closures that evaluate it for a record (or a row).

`lookup(code)` gives a field's value as a formula sees it (see `values.py`). Anything kintone cannot
calculate raises `Incalculable` inside; `calc_value` and `text_value` turn a formula's outcome into
what a CALC field or an auto-calculated text field stores. Compiling (rather than walking the tree
for each record) matters: every write of an app with formulas runs all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal, InvalidOperation, localcontext

from kinflow.apps.formulas.ast import Call, Chain, FieldRef, Node, Number, Sign, Text
from kinflow.apps.formulas.functions import ARITY, FUNCTIONS, number, number_text, text, truth
from kinflow.apps.formulas.values import EMPTY, WIDE, Choices, Column, Incalculable, Precision

Lookup = Callable[[str], object]
Compiled = Callable[[Lookup], object]
# kintone calculates powers from -100 to 100; a fractional exponent is cut to its whole part.
MAX_EXPONENT = 100


def evaluate(tree: Node, lookup: Lookup, precision: Precision) -> object:
    """The formula's value, or `Incalculable`."""
    with localcontext(WIDE):
        return compile_formula(tree, precision)(lookup)


def _fail(lookup: Lookup) -> object:
    raise Incalculable


def compile_formula(tree: Node, precision: Precision) -> Compiled:
    """The formula as a function of `lookup`; it computes in the current decimal context, which
    callers set to `WIDE` (`localcontext(WIDE)`, once for a whole record: the context's own
    methods cost several times the operators)."""
    operators = _operators(precision)
    fit = precision.fit

    def build(node: Node) -> Compiled:
        if isinstance(node, Number):
            try:
                constant = fit(node.value)
            except Incalculable:
                return _fail
            return lambda lookup: constant
        if isinstance(node, Text):
            literal = node.value
            return lambda lookup: literal
        if isinstance(node, FieldRef):
            code = node.code
            return lambda lookup: lookup(code)
        if isinstance(node, Sign):
            operand = build(node.operand)
            if node.negative:
                return lambda lookup: fit(-number(operand(lookup)))
            return lambda lookup: fit(number(operand(lookup)))
        if isinstance(node, Chain):
            return _chain(build(node.first), [(operators[op], build(operand)) for op, operand, _ in node.rest])
        if isinstance(node, Call):
            fewest, most = ARITY.get(node.name, (0, -1))
            if len(node.args) < fewest or (most is not None and len(node.args) > most):
                return _fail  # refused when the form is saved; never reached from a saved form
            args = tuple(build(arg) for arg in node.args)
            if node.name == "IF":
                condition, then, otherwise = args
                return lambda lookup: then(lookup) if truth(condition(lookup)) else otherwise(lookup)
            function = FUNCTIONS.get(node.name)
            if function is None:
                return _fail
            return lambda lookup: function([arg(lookup) for arg in args], precision)
        return _fail

    return build(tree)


def _chain(first: Compiled, steps: list[tuple[Callable[[object, object], object], Compiled]]) -> Compiled:
    if len(steps) == 1:
        (apply, right), = steps
        return lambda lookup: apply(first(lookup), right(lookup))

    def run(lookup: Lookup) -> object:
        value = first(lookup)
        for apply, operand in steps:
            value = apply(value, operand(lookup))
        return value

    return run


def _operators(precision: Precision) -> dict[str, Callable[[object, object], object]]:
    fit = precision.fit

    def add(left: object, right: object) -> Decimal:
        return fit(number(left) + number(right))

    def subtract(left: object, right: object) -> Decimal:
        return fit(number(left) - number(right))

    def multiply(left: object, right: object) -> Decimal:
        return fit(number(left) * number(right))

    def divide(left: object, right: object) -> Decimal:
        divisor = number(right)
        if not divisor:
            raise Incalculable
        return fit(number(left) / divisor)

    def power(left: object, right: object) -> Decimal:
        base = number(left)
        exponent = int(number(right).to_integral_value(rounding=ROUND_DOWN))
        if abs(exponent) > MAX_EXPONENT or (not base and exponent < 0):
            raise Incalculable
        try:
            return fit(base ** exponent)
        except (InvalidOperation, ArithmeticError):
            raise Incalculable from None

    return {
        "+": add, "-": subtract, "*": multiply, "/": divide, "^": power,
        "&": _concatenate,
        "=": lambda left, right: _equal(left, right),
        "!=": lambda left, right: not _equal(left, right),
        "<>": lambda left, right: not _equal(left, right),
        "<": lambda left, right: _ordered(left, right) < 0,
        ">": lambda left, right: _ordered(left, right) > 0,
        "<=": lambda left, right: _ordered(left, right) <= 0,
        ">=": lambda left, right: _ordered(left, right) >= 0,
    }


# No text a formula makes is longer than a single-line text field may be (values.MAX_TEXT): a
# formula joining a long text to itself many times would otherwise build hundreds of megabytes.
MAX_TEXT = 64_000


def _concatenate(left: object, right: object) -> str:
    joined = text(left) + text(right)
    if len(joined) > MAX_TEXT:
        raise Incalculable
    return joined


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


def _ordered(left: object, right: object) -> int:
    """-1, 0 or 1: text against text, else numbers."""
    if isinstance(left, str) and isinstance(right, str):
        return (left > right) - (left < right)
    a, b = number(left), number(right)
    return (a > b) - (a < b)


def calc_value(outcome: Callable[[], object], precision: Precision) -> Decimal | None:
    """What a CALC field stores for a formula's outcome: a number, or None (shown as "")."""
    try:
        return as_number(outcome())
    except (Incalculable, RecursionError):
        return None


def text_value(outcome: Callable[[], object]) -> str:
    """What an auto-calculated text field stores for a formula's outcome."""
    try:
        return as_text(outcome())
    except (Incalculable, RecursionError):
        return ""


def as_number(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return Decimal(int(value))  # kintone shows a truth value in a CALC field as 1 or 0
    if isinstance(value, Decimal):
        return value
    return None  # empty, text (a number format cannot show it), a list


def as_text(value: object) -> str:
    try:
        return text(value)
    except Incalculable:
        return ""


__all__ = ["evaluate", "compile_formula", "calc_value", "text_value", "as_number", "as_text", "number_text"]
