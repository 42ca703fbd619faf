"""A query's values read as the field's own kind of value.

Every value becomes one of:
- `EMPTY`: the literal `""`, which kintone takes to mean "no value" (`in ("")`, `= ""`);
- `Point(v)`: one value comparable with what the column stores;
- `Span(start, end)`: every stored value in [start, end) — a date function's days, a date given
  for a DATETIME field, or a DATETIME given to the minute (stored instants have no seconds);
- `None`: a value that names nothing, `PRIMARY_ORGANIZATION()` of a user who has none.

Stored values follow the record tables' conventions: NUMBER and CALC as float, DATE as `date`,
TIME as `time`, DATETIME and the record times as naive UTC `datetime`, the rest as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation

from kinflow.apps.form import Field
from kinflow.apps.query import errors
from kinflow.apps.query.ast import FunctionCall, Value
from kinflow.apps.query.context import QueryContext
from kinflow.apps.query.fields import INSTANT_TYPES, INTEGER_TYPES, NUMBER_TYPES, USER_TYPES
from kinflow.apps.query.functions import DATE_FUNCTIONS, DateRange, call_value, check_call, today
from kinflow.i18n import N_


class _Empty:
    def __repr__(self) -> str:
        return "EMPTY"


EMPTY = _Empty()


@dataclass(frozen=True)
class Point:
    value: object


@dataclass(frozen=True)
class Span:
    start: object
    end: object


Operand = Point | Span | _Empty | None

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
# "APPCODE-12": a record number as shown for an app with a code.
_RECORD_NUMBER = re.compile(r"[A-Za-z][A-Za-z0-9_]*-(\d+)")
_MINUTE = timedelta(minutes=1)
_INT64_LIMIT = 2**63


def operand(field: Field, value: Value, ctx: QueryContext) -> Operand:
    try:
        return _operand(field, value, ctx)
    except OverflowError:  # a date at the very edge of the calendar, moved by a time zone
        raise errors.invalid_value(N_("A value for the field ({code}) is out of range.", code=field.code)) from None


def _operand(field: Field, value: Value, ctx: QueryContext) -> Operand:
    if isinstance(value, FunctionCall):
        return _function(field, value, ctx)
    text = value.text
    if text == "":
        return EMPTY
    t = field.type
    if t in NUMBER_TYPES:
        return Point(float(_decimal(field, text)))
    if t in INTEGER_TYPES:
        return Point(integer(text, field))
    if t == "DATE":
        return Point(_date(field, text))
    if t == "TIME":
        return Point(_time(field, text))
    if t in INSTANT_TYPES:
        return _instant(field, text, ctx)
    return Point(text)


def integer(text: str, field: Field) -> int | float:
    match = _RECORD_NUMBER.fullmatch(text) if field.type == "RECORD_NUMBER" else None
    number = _decimal(field, match[1] if match else text)
    if number == number.to_integral_value() and abs(number) < _INT64_LIMIT:
        return int(number)
    # Databases refuse integer parameters beyond 64 bits; as a float it still compares correctly.
    return float(number)


def _decimal(field: Field, text: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise errors.invalid_value(N_('The value "{text}" is not a number (field {code}).', text=text, code=field.code))
    return number


def _date(field: Field, text: str) -> date:
    try:
        if _DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise errors.invalid_value(N_('The value "{text}" is not a date (YYYY-MM-DD) (field {code}).',
                                  text=text, code=field.code))


def _time(field: Field, text: str) -> time:
    match = _TIME.fullmatch(text)
    try:
        if match:
            return time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        pass
    raise errors.invalid_value(N_('The value "{text}" is not a time (HH:MM) (field {code}).',
                                  text=text, code=field.code))


def _instant(field: Field, text: str, ctx: QueryContext) -> Span:
    if _DATE.fullmatch(text):
        # A bare date on a DATETIME field means that whole day where the caller is.
        return utc_days(DateRange(_date(field, text), _date(field, text) + timedelta(days=1)), ctx)
    try:
        moment = datetime.fromisoformat(text) if "T" in text or " " in text else None
    except ValueError:
        moment = None
    if moment is None:
        raise errors.invalid_value(
            N_('The value "{text}" is not a date and time (YYYY-MM-DDTHH:MM:SSZ) (field {code}).',
               text=text, code=field.code)
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ctx.timezone)
    start = naive_utc(moment).replace(second=0, microsecond=0)
    return Span(start, start + _MINUTE)


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def utc_days(days: DateRange, ctx: QueryContext) -> Span:
    """The instants of these days in the caller's time zone, as naive UTC like the columns."""

    def midnight(day: date) -> datetime:
        return naive_utc(datetime.combine(day, time(), tzinfo=ctx.timezone))

    return Span(midnight(days.start), midnight(days.end))


def _function(field: Field, call: FunctionCall, ctx: QueryContext) -> Operand:
    check_call(call)
    name, t = call.name, field.type
    allowed = (
        (name == "LOGINUSER" and t in USER_TYPES)
        or (name == "PRIMARY_ORGANIZATION" and t == "ORGANIZATION_SELECT")
        or (name == "NOW" and (t in INSTANT_TYPES or t == "DATE"))
        or (name in DATE_FUNCTIONS and (t in INSTANT_TYPES or t == "DATE"))
    )
    if not allowed:
        raise errors.invalid_value(N_("The function {name}() cannot be used for the field ({code}).",
                                      name=name, code=field.code))
    value = call_value(call, ctx)
    if value is None:
        return None
    if isinstance(value, str):
        return Point(value)
    if isinstance(value, datetime):  # NOW()
        if t == "DATE":
            return Point(today(ctx))
        start = naive_utc(value)
        return Span(start, start + _MINUTE)
    if t == "DATE":
        return Span(value.start, value.end)
    return utc_days(value, ctx)
