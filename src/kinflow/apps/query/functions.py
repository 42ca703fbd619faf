"""kintone's query functions, turned into the values they stand for (reference §5.4).

Date functions name whole days in the caller's time zone, so each yields a `DateRange` of days
[start, end); comparing it with a DATETIME turns those days into UTC instants later. Weeks run
Sunday to Saturday, as kintone's do.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from kinflow.apps.query import errors
from kinflow.apps.query.ast import FunctionCall
from kinflow.apps.query.context import QueryContext
from kinflow.digits import is_digits
from kinflow.i18n import N_

USER_FUNCTIONS = frozenset({"LOGINUSER", "PRIMARY_ORGANIZATION"})
DATE_FUNCTIONS = frozenset({
    "TODAY", "YESTERDAY", "TOMORROW", "FROM_TODAY",
    "THIS_WEEK", "LAST_WEEK", "NEXT_WEEK",
    "THIS_MONTH", "LAST_MONTH", "NEXT_MONTH",
    "THIS_YEAR", "LAST_YEAR", "NEXT_YEAR",
})  # fmt: skip
# Accepted argument counts.
_ARITY = {
    "LOGINUSER": (0,), "PRIMARY_ORGANIZATION": (0,), "NOW": (0,),
    "TODAY": (0,), "YESTERDAY": (0,), "TOMORROW": (0,), "FROM_TODAY": (2,),
    "THIS_WEEK": (0, 1), "LAST_WEEK": (0, 1), "NEXT_WEEK": (0, 1),
    "THIS_MONTH": (0, 1), "LAST_MONTH": (0, 1), "NEXT_MONTH": (0, 1),
    "THIS_YEAR": (0,), "LAST_YEAR": (0,), "NEXT_YEAR": (0,),
}  # fmt: skip
_WEEKDAYS = ("SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY")
_UNITS = ("DAYS", "WEEKS", "MONTHS", "YEARS")


@dataclass(frozen=True)
class DateRange:
    """The days [start, end) in the caller's time zone."""

    start: date
    end: date


def check_call(call: FunctionCall) -> None:
    """Refuse an unknown function or a wrong number of arguments (no context needed)."""
    arity = _ARITY.get(call.name)
    if arity is None:
        raise errors.syntax_error(N_("Unknown function {name}().", name=call.name))
    if len(call.args) not in arity:
        raise errors.wrong_argument_count(call.name)


def today(ctx: QueryContext) -> date:
    return ctx.now.astimezone(ctx.timezone).date()


def call_value(call: FunctionCall, ctx: QueryContext) -> str | None | datetime | DateRange:
    """A user code (or None: no primary organization), the current minute (NOW) or a DateRange."""
    check_call(call)
    if call.name == "LOGINUSER":
        return ctx.user_code
    if call.name == "PRIMARY_ORGANIZATION":
        return ctx.primary_organization
    if call.name == "NOW":
        # Stored instants have minute precision, so NOW() names the current minute.
        return ctx.now.astimezone(timezone.utc).replace(second=0, microsecond=0)
    return date_range(call, today(ctx))


def date_range(call: FunctionCall, day: date) -> DateRange:
    name = call.name
    if name in ("TODAY", "YESTERDAY", "TOMORROW"):
        start = day + timedelta(days={"TODAY": 0, "YESTERDAY": -1, "TOMORROW": 1}[name])
        return _days(start, 1)
    if name == "FROM_TODAY":
        return _days(_from_today(call, day), 1)
    if name.endswith("_WEEK"):
        sunday = day - timedelta(days=(day.weekday() + 1) % 7)
        sunday += timedelta(weeks={"THIS": 0, "LAST": -1, "NEXT": 1}[name.split("_")[0]])
        if not call.args:
            return _days(sunday, 7)
        weekday = _text(call.args[0]).upper()
        if weekday not in _WEEKDAYS:
            raise errors.invalid_day(name, _text(call.args[0]))
        return _days(sunday + timedelta(days=_WEEKDAYS.index(weekday)), 1)
    if name.endswith("_MONTH"):
        first = _add_months(day.replace(day=1), {"THIS": 0, "LAST": -1, "NEXT": 1}[name.split("_")[0]])
        length = calendar.monthrange(first.year, first.month)[1]
        if not call.args:
            return _days(first, length)
        return _days(first.replace(day=_day_of_month(call, length)), 1)
    # THIS_YEAR, LAST_YEAR, NEXT_YEAR
    year = day.year + {"THIS": 0, "LAST": -1, "NEXT": 1}[name.split("_")[0]]
    return DateRange(date(year, 1, 1), date(year + 1, 1, 1))


def _days(start: date, count: int) -> DateRange:
    return DateRange(start, start + timedelta(days=count))


def _text(argument: object) -> str:
    return getattr(argument, "text", "")


def _from_today(call: FunctionCall, day: date) -> date:
    amount_arg, unit_arg = call.args
    unit = _text(unit_arg).upper()
    if unit not in _UNITS:
        raise errors.invalid_unit(_text(unit_arg))
    amount_text = _text(amount_arg)
    if not is_digits(amount_text.removeprefix("-")):
        raise errors.invalid_value(
            N_("The first argument of FROM_TODAY() must be a whole number, not {amount_text}.", amount_text=amount_text)
        )
    amount = int(amount_text)
    try:
        if unit == "DAYS":
            return day + timedelta(days=amount)
        if unit == "WEEKS":
            return day + timedelta(weeks=amount)
        return _add_months(day, amount * (12 if unit == "YEARS" else 1))
    except (OverflowError, ValueError):
        raise errors.invalid_value(N_("The date given by FROM_TODAY() is out of range.")) from None


def _add_months(day: date, months: int) -> date:
    """The same day `months` later; the 31st of a shorter month becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise ValueError("year out of range")
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _day_of_month(call: FunctionCall, length: int) -> int:
    text = _text(call.args[0])
    if text.upper() == "LAST":
        return length
    if not is_digits(text) or not 1 <= int(text) <= 31:
        raise errors.invalid_day(call.name, text)
    # A day the month lacks (THIS_MONTH(31) in April) is taken as the month's last day: kinflow's
    # choice, so the condition still names one day.
    return min(int(text), length)
