"""kintone's formula functions (help: "List of Operators and Functions"): SUM, ROUND, ROUNDUP,
ROUNDDOWN, IF, AND, OR, NOT, CONTAINS, DATE_FORMAT and YEN; nothing else exists in kintone.

Each takes the unevaluated arguments and an `evaluate` function, so IF evaluates only the branch it
takes. Behaviour observed on kintone: IF's condition and AND/OR/NOT's arguments must be truth
values; ROUND rounds half away from zero whatever the app's rounding mode; SUM of a table's field
in a record without rows cannot be calculated.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from kinflow.apps.formulas.ast import Node
from kinflow.apps.formulas.dates import date_format
from kinflow.apps.formulas.values import EMPTY, WIDE, Choices, Column, Incalculable, Precision

Evaluate = Callable[[Node], object]

# name: (fewest arguments, most arguments or None)
ARITY: dict[str, tuple[int, int | None]] = {
    "SUM": (1, None), "ROUND": (1, 2), "ROUNDUP": (1, 2), "ROUNDDOWN": (1, 2), "IF": (3, 3),
    "AND": (1, 32), "OR": (1, 32), "NOT": (1, 1), "CONTAINS": (2, 2), "DATE_FORMAT": (3, 3), "YEN": (2, 2),
}
# Where a list (a table's column, a check box's choices) may appear: SUM's arguments, CONTAINS's first.
LIST_ARGUMENTS = {"SUM": None, "CONTAINS": 0}


def number(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if value is EMPTY:
        return Decimal(0)
    raise Incalculable


def text(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is EMPTY:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return number_text(value)
    raise Incalculable


def number_text(value: Decimal) -> str:
    out = format(value.normalize(WIDE), "f")
    return "0" if out in ("-0", "") else out


def truth(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise Incalculable


def _places(node: Node | None, evaluate: Evaluate) -> int:
    if node is None:
        return 0
    places = int(number(evaluate(node)).to_integral_value(rounding=ROUND_DOWN))
    if abs(places) > 30:
        raise Incalculable
    return places


def _rounder(mode: str):  # noqa: ANN202
    def call(args: tuple[Node, ...], evaluate: Evaluate, precision: Precision) -> Decimal:
        value = number(evaluate(args[0]))
        places = _places(args[1] if len(args) > 1 else None, evaluate)
        return precision.fit(value.quantize(Decimal(1).scaleb(-places), rounding=mode, context=WIDE))
    return call


def _sum(args: tuple[Node, ...], evaluate: Evaluate, precision: Precision) -> Decimal:
    total = Decimal(0)
    for arg in args:
        value = evaluate(arg)
        if isinstance(value, Column):
            if not value:
                raise Incalculable
            for item in value:
                total = precision.fit(total + number(item))
        else:
            total = precision.fit(total + number(value))
    return total


def _if(args: tuple[Node, ...], evaluate: Evaluate, precision: Precision) -> object:
    return evaluate(args[1] if truth(evaluate(args[0])) else args[2])


def _and(args: tuple[Node, ...], evaluate: Evaluate, precision: Precision) -> bool:
    return all([truth(evaluate(arg)) for arg in args])


def _or(args: tuple[Node, ...], evaluate: Evaluate, precision: Precision) -> bool:
    return any([truth(evaluate(arg)) for arg in args])


def _not(args: tuple[Node, ...], evaluate: Evaluate, precision: Precision) -> bool:
    return not truth(evaluate(args[0]))


def _contains(args: tuple[Node, ...], evaluate: Evaluate, precision: Precision) -> bool:
    haystack = evaluate(args[0])
    needle = text(evaluate(args[1]))
    if isinstance(haystack, Choices):
        return needle in haystack
    if isinstance(haystack, Column):
        return any(text(item) == needle for item in haystack)
    raise Incalculable


def _date_format(args: tuple[Node, ...], evaluate: Evaluate, precision: Precision) -> str:
    value = evaluate(args[0])
    pattern, zone = evaluate(args[1]), evaluate(args[2])
    if not isinstance(pattern, str) or not isinstance(zone, str):
        raise Incalculable
    if value is EMPTY:
        return ""
    return date_format(number(value), pattern, zone)


def _yen(args: tuple[Node, ...], evaluate: Evaluate, precision: Precision) -> str:
    value = number(evaluate(args[0]))
    places = _places(args[1], evaluate)
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=WIDE)
    shown = f"{abs(rounded):,.{max(places, 0)}f}"
    return f"{'-' if rounded < 0 else ''}¥{shown}"


FUNCTIONS = {
    "SUM": _sum, "ROUND": _rounder(ROUND_HALF_UP), "ROUNDUP": _rounder(ROUND_UP),
    "ROUNDDOWN": _rounder(ROUND_DOWN), "IF": _if, "AND": _and, "OR": _or, "NOT": _not, "CONTAINS": _contains,
    "DATE_FORMAT": _date_format, "YEN": _yen,
}
