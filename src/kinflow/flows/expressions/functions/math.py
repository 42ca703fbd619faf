"""Math functions. Integers stay integers (64-bit, as the service computes) unless a Float takes
part; `div` of two integers truncates toward zero and `mod` keeps the dividend's sign, as .NET does.
"""

from __future__ import annotations

import math
import random

from kinflow.flows.expressions.functions.registry import function
from kinflow.flows.expressions.values import (
    MAX_ITEMS,
    checked_float,
    checked_int,
    fail,
    need_array,
    need_int,
    need_number,
)


def _tidy(value: float) -> float:
    """A float result rounded to 15 significant digits, as the service shows them: `sub(10.3, .3)`
    is documented as 10, not 10.000000000000002."""
    return float(f"{checked_float(value):.15g}")


def _result(value):
    return checked_int(value) if isinstance(value, int) else _tidy(value)


def _numbers(first, second):
    return need_number(first, "the first number"), need_number(second, "the second number")


@function("add", 2)
def add(summand_1, summand_2):
    first, second = _numbers(summand_1, summand_2)
    return _result(first + second)


@function("sub", 2)
def sub(minuend, subtrahend):
    first, second = _numbers(minuend, subtrahend)
    return _result(first - second)


@function("mul", 2)
def mul(multiplicand_1, multiplicand_2):
    first, second = _numbers(multiplicand_1, multiplicand_2)
    return _result(first * second)


@function("div", 2)
def div(dividend, divisor):
    first, second = _numbers(dividend, divisor)
    if second == 0:
        fail("the divisor must not be 0.")
    if isinstance(first, int) and isinstance(second, int):
        quotient = abs(first) // abs(second)
        return checked_int(quotient if (first >= 0) == (second >= 0) else -quotient)
    return _tidy(first / second)


@function("mod", 2)
def mod(dividend, divisor):
    first, second = _numbers(dividend, divisor)
    if second == 0:
        fail("the divisor must not be 0.")
    if isinstance(first, int) and isinstance(second, int):
        remainder = abs(first) % abs(second)
        return remainder if first >= 0 else -remainder
    return _tidy(math.fmod(first, second))


def _number_list(values) -> list:
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        values = need_array(values[0])
    if not values:
        fail("there are no numbers to compare.")
    return [need_number(value, "each value") for value in values]


@function("max", 1, None)
def max_(*values):
    return max(_number_list(values))


@function("min", 1, None)
def min_(*values):
    return min(_number_list(values))


@function("rand", 2)
def rand(min_value, max_value):
    low, high = need_int(min_value, "the minimum"), need_int(max_value, "the maximum")
    if high <= low:
        fail("the maximum must be greater than the minimum (it is never returned).")
    return random.randrange(low, high)


@function("range", 2)
def range_(start_index, count):
    start, count = need_int(start_index, "the start index"), need_int(count, "the count")
    if not 0 <= count <= MAX_ITEMS:
        fail(f"the count must be between 0 and {MAX_ITEMS}.")
    if start + count > 2_147_483_647:
        fail("the start index plus the count must not exceed 2147483647.")
    return list(range(start, start + count))
