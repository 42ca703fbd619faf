"""Logical comparison functions. As documented, a null compared by these functions counts as the
empty string; `equals(true, 1)` holds (a Boolean compares with a number as 1 or 0)."""

from __future__ import annotations

from kinflow.flows.expressions.functions.registry import function
from kinflow.flows.expressions.values import fail, is_number, kind


def _boolean(value, what: str = "the condition") -> bool:
    if not isinstance(value, bool):
        fail(f"{what} must be a Boolean, not {kind(value)}.")
    return value


def _comparable(value):
    return "" if value is None else value


@function("and", 1, None, lazy=True)
def and_(*conditions):
    # Evaluated left to right and no further than needed: `and(false, body('Skipped'))` is false.
    return all(_boolean(condition()) for condition in conditions)


@function("or", 1, None, lazy=True)
def or_(*conditions):
    return any(_boolean(condition()) for condition in conditions)


@function("not", 1)
def not_(condition):
    return not _boolean(condition)


@function("if", 3, lazy=True)
def if_(condition, when_true, when_false):
    # Only the chosen branch is evaluated, so the other may refer to what does not exist.
    return when_true() if _boolean(condition()) else when_false()


@function("equals", 2)
def equals(first, second):
    # Python's equality already matches the documented cases: 1 == 1.0, true == 1, deep arrays
    # and objects; strings compare case-sensitively.
    return _comparable(first) == _comparable(second)


def _ordered(first, second):
    first, second = _comparable(first), _comparable(second)
    if is_number(first) and is_number(second):
        return first, second
    if isinstance(first, str) and isinstance(second, str):
        return first, second
    fail(f"can only compare two numbers or two strings, not {kind(first)} and {kind(second)}.")


@function("greater", 2)
def greater(value, compare_to):
    first, second = _ordered(value, compare_to)
    return first > second


@function("greaterOrEquals", 2)
def greater_or_equals(value, compare_to):
    first, second = _ordered(value, compare_to)
    return first >= second


@function("less", 2)
def less(value, compare_to):
    first, second = _ordered(value, compare_to)
    return first < second


@function("lessOrEquals", 2)
def less_or_equals(value, compare_to):
    first, second = _ordered(value, compare_to)
    return first <= second
