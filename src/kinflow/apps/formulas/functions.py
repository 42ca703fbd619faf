"""kintone's formula functions (help: "List of Operators and Functions"): SUM, ROUND, ROUNDUP,
ROUNDDOWN, IF, AND, OR, NOT, CONTAINS, DATE_FORMAT and YEN; nothing else exists in kintone.

Each takes its arguments' values (IF, which evaluates only the branch it takes, is built by the
compiler in `evaluate.py`). Behaviour observed on kintone: IF's condition and AND/OR/NOT's arguments must be truth
values; ROUND rounds half away from zero whatever the app's rounding mode; SUM of a table's field
in a record without rows cannot be calculated.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from kinflow.apps.formulas.dates import date_format
from kinflow.apps.formulas.values import EMPTY, WIDE, Choices, Column, Incalculable, Precision

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


def _places(value: object | None) -> int:
    if value is None:
        return 0
    places = int(number(value).to_integral_value(rounding=ROUND_DOWN))
    if abs(places) > 30:
        raise Incalculable
    return places


def _rounder(mode: str):  # noqa: ANN202
    def call(values: list, precision: Precision) -> Decimal:
        places = _places(values[1] if len(values) > 1 else None)
        return precision.fit(number(values[0]).quantize(Decimal(1).scaleb(-places), mode, WIDE))
    return call


def _sum(values: list, precision: Precision) -> Decimal:
    total = Decimal(0)
    fit = precision.fit
    for value in values:
        if isinstance(value, Column):
            if not value:
                raise Incalculable
            for item in value:
                total = fit(total + number(item))
        else:
            total = fit(total + number(value))
    return total


def _and(values: list, precision: Precision) -> bool:
    return all([truth(value) for value in values])


def _or(values: list, precision: Precision) -> bool:
    return any([truth(value) for value in values])


def _not(values: list, precision: Precision) -> bool:
    return not truth(values[0])


def _contains(values: list, precision: Precision) -> bool:
    haystack, needle = values[0], text(values[1])
    if isinstance(haystack, Choices):
        return needle in haystack
    if isinstance(haystack, Column):
        return any(text(item) == needle for item in haystack)
    raise Incalculable


def _date_format(values: list, precision: Precision) -> str:
    value, pattern, zone = values
    if not isinstance(pattern, str) or not isinstance(zone, str):
        raise Incalculable
    if value is EMPTY:
        return ""
    return date_format(number(value), pattern, zone)


def _yen(values: list, precision: Precision) -> str:
    places = _places(values[1])
    rounded = number(values[0]).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, WIDE)
    shown = f"{abs(rounded):,.{max(places, 0)}f}"
    return f"{'-' if rounded < 0 else ''}¥{shown}"


# IF is not here: it evaluates only the branch it takes, so the compiler builds it itself.
FUNCTIONS = {
    "SUM": _sum, "ROUND": _rounder(ROUND_HALF_UP), "ROUNDUP": _rounder(ROUND_UP),
    "ROUNDDOWN": _rounder(ROUND_DOWN), "AND": _and, "OR": _or, "NOT": _not, "CONTAINS": _contains,
    "DATE_FORMAT": _date_format, "YEN": _yen,
}
