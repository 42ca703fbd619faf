"""Query functions (reference §5.4) with the clock fixed at Friday 2024-03-15, 12:00 in Tokyo."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from kinflow.apps.query.ast import FunctionCall, NumberValue, StringValue, Symbol
from kinflow.apps.query.context import QueryContext
from kinflow.apps.query.functions import DateRange, call_value
from kinflow.errors import KintoneError
from tests.query.conftest import NOW, TOKYO

CTX = QueryContext("sato", "sales", TOKYO, NOW)


def days(name: str, *args) -> DateRange:  # noqa: ANN002
    return call_value(FunctionCall(name, tuple(args)), CTX)


def one_day(y: int, m: int, d: int) -> DateRange:
    start = date(y, m, d)
    return DateRange(start, date.fromordinal(start.toordinal() + 1))


def test_user_functions():
    assert call_value(FunctionCall("LOGINUSER"), CTX) == "sato"
    assert call_value(FunctionCall("PRIMARY_ORGANIZATION"), CTX) == "sales"
    assert call_value(FunctionCall("PRIMARY_ORGANIZATION"), QueryContext("x", None, TOKYO, NOW)) is None


def test_now_is_the_current_minute():
    ctx = QueryContext("sato", None, TOKYO, datetime(2024, 3, 15, 3, 4, 59, 123, tzinfo=timezone.utc))
    assert call_value(FunctionCall("NOW"), ctx) == datetime(2024, 3, 15, 3, 4, tzinfo=timezone.utc)


def test_days_are_those_of_the_callers_time_zone():
    # 23:30 UTC on the 14th is already the 15th in Tokyo.
    late = QueryContext("sato", None, TOKYO, datetime(2024, 3, 14, 23, 30, tzinfo=timezone.utc))
    assert call_value(FunctionCall("TODAY"), late) == one_day(2024, 3, 15)
    utc = QueryContext("sato", None, timezone.utc, datetime(2024, 3, 14, 23, 30, tzinfo=timezone.utc))
    assert call_value(FunctionCall("TODAY"), utc) == one_day(2024, 3, 14)


def test_single_days():
    assert days("TODAY") == one_day(2024, 3, 15)
    assert days("YESTERDAY") == one_day(2024, 3, 14)
    assert days("TOMORROW") == one_day(2024, 3, 16)


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        ("3", "DAYS", (2024, 3, 18)),
        ("-15", "DAYS", (2024, 2, 29)),
        ("2", "WEEKS", (2024, 3, 29)),
        ("-1", "MONTHS", (2024, 2, 15)),
        ("1", "YEARS", (2025, 3, 15)),
        ("0", "days", (2024, 3, 15)),
    ],
)
def test_from_today(amount, unit, expected):
    assert days("FROM_TODAY", NumberValue(amount), Symbol(unit)) == one_day(*expected)


def test_from_today_keeps_to_the_end_of_shorter_months():
    ctx = QueryContext("sato", None, timezone.utc, datetime(2024, 1, 31, tzinfo=timezone.utc))
    call = FunctionCall("FROM_TODAY", (NumberValue("1"), Symbol("MONTHS")))
    assert call_value(call, ctx) == one_day(2024, 2, 29)


def test_weeks_run_sunday_to_saturday():
    assert days("THIS_WEEK") == DateRange(date(2024, 3, 10), date(2024, 3, 17))
    assert days("LAST_WEEK") == DateRange(date(2024, 3, 3), date(2024, 3, 10))
    assert days("NEXT_WEEK") == DateRange(date(2024, 3, 17), date(2024, 3, 24))
    assert days("THIS_WEEK", Symbol("SUNDAY")) == one_day(2024, 3, 10)
    assert days("THIS_WEEK", Symbol("SATURDAY")) == one_day(2024, 3, 16)
    assert days("NEXT_WEEK", Symbol("MONDAY")) == one_day(2024, 3, 18)


def test_months():
    assert days("THIS_MONTH") == DateRange(date(2024, 3, 1), date(2024, 4, 1))
    assert days("LAST_MONTH") == DateRange(date(2024, 2, 1), date(2024, 3, 1))
    assert days("NEXT_MONTH") == DateRange(date(2024, 4, 1), date(2024, 5, 1))
    assert days("THIS_MONTH", NumberValue("1")) == one_day(2024, 3, 1)
    assert days("LAST_MONTH", Symbol("LAST")) == one_day(2024, 2, 29)
    # April has no 31st: its last day stands in.
    assert days("NEXT_MONTH", NumberValue("31")) == one_day(2024, 4, 30)


def test_years():
    assert days("THIS_YEAR") == DateRange(date(2024, 1, 1), date(2025, 1, 1))
    assert days("LAST_YEAR") == DateRange(date(2023, 1, 1), date(2024, 1, 1))
    assert days("NEXT_YEAR") == DateRange(date(2025, 1, 1), date(2026, 1, 1))


def error_code(name: str, *args) -> str:  # noqa: ANN002
    with pytest.raises(KintoneError) as caught:
        days(name, *args)
    assert caught.value.status == 400
    return caught.value.code


def test_wrong_argument_count_is_il08():
    assert error_code("TODAY", NumberValue("1")) == "GAIA_IL08"
    assert error_code("LOGINUSER", Symbol("x")) == "GAIA_IL08"
    assert error_code("FROM_TODAY", NumberValue("1")) == "GAIA_IL08"
    assert error_code("THIS_MONTH", NumberValue("1"), NumberValue("2")) == "GAIA_IL08"


def test_bad_unit_is_iq25():
    assert error_code("FROM_TODAY", NumberValue("1"), Symbol("HOURS")) == "GAIA_IQ25"


@pytest.mark.parametrize("argument", [NumberValue("0"), NumberValue("32"), NumberValue("1.5"), Symbol("FIRST")])
def test_bad_day_of_month_is_iq23(argument):
    assert error_code("THIS_MONTH", argument) == "GAIA_IQ23"


def test_bad_weekday_is_iq23():
    assert error_code("THIS_WEEK", Symbol("FUNDAY")) == "GAIA_IQ23"
    assert error_code("LAST_WEEK", NumberValue("1")) == "GAIA_IQ23"


def test_unknown_function_and_bad_amount_are_invalid_input():
    assert error_code("YESTERYEAR") == "CB_VA01"
    assert error_code("FROM_TODAY", StringValue("soon"), Symbol("DAYS")) == "CB_VA01"
    assert error_code("FROM_TODAY", NumberValue("1.5"), Symbol("DAYS")) == "CB_VA01"
