"""Date and time functions. Results are text in the optional format (default "o",
yyyy-MM-ddTHH:mm:ss.fffffffK); see `timestamps` for how timestamps are read and written."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, timezone

from kinflow.flows.expressions.functions.registry import function
from kinflow.flows.expressions.timestamps import format_timestamp, parse_timestamp, time_span, to_ticks
from kinflow.flows.expressions.timezones import time_zone
from kinflow.flows.expressions.values import fail, need_int, need_text

_UNITS = {"second": "seconds", "minute": "minutes", "hour": "hours", "day": "days", "week": "weeks"}


def _add_months(moment: datetime, months: int) -> datetime:
    # As .NET's AddMonths: the day is kept, or clamped to the last day of a shorter month.
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        fail("the result is outside the years 1 to 9999.")
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def shift(moment: datetime, interval, unit) -> datetime:
    interval = need_int(interval, "the interval")
    unit = need_text(unit, "the time unit").strip().lower().removesuffix("s")
    try:
        if unit == "month":
            return _add_months(moment, interval)
        if unit == "year":
            return _add_months(moment, interval * 12)
        if unit not in _UNITS:
            fail("the time unit must be Second, Minute, Hour, Day, Week, Month or Year.")
        return moment + timedelta(**{_UNITS[unit]: interval})
    except OverflowError:
        fail("the result is outside the years 1 to 9999.")


def _shifted(timestamp, interval, unit, form):
    return format_timestamp(shift(parse_timestamp(timestamp), interval, unit), form)


@function("addToTime", 3, 4)
def add_to_time(timestamp, interval, unit, form=None):
    return _shifted(timestamp, interval, unit, form)


@function("subtractFromTime", 3, 4)
def subtract_from_time(timestamp, interval, unit, form=None):
    return _shifted(timestamp, -need_int(interval, "the interval"), unit, form)


@function("addDays", 2, 3)
def add_days(timestamp, days, form=None):
    return _shifted(timestamp, days, "Day", form)


@function("addHours", 2, 3)
def add_hours(timestamp, hours, form=None):
    return _shifted(timestamp, hours, "Hour", form)


@function("addMinutes", 2, 3)
def add_minutes(timestamp, minutes, form=None):
    return _shifted(timestamp, minutes, "Minute", form)


@function("addSeconds", 2, 3)
def add_seconds(timestamp, seconds, form=None):
    return _shifted(timestamp, seconds, "Second", form)


@function("utcNow", 0, 1, context=True)
def utc_now(context, form=None):
    return format_timestamp(context.now().astimezone(timezone.utc), form)


@function("getFutureTime", 2, 3, context=True)
def get_future_time(context, interval, unit, form=None):
    return format_timestamp(shift(context.now().astimezone(timezone.utc), interval, unit), form)


@function("getPastTime", 2, 3, context=True)
def get_past_time(context, interval, unit, form=None):
    now = context.now().astimezone(timezone.utc)
    return format_timestamp(shift(now, -need_int(interval, "the interval"), unit), form)


@function("formatDateTime", 1, 3)
def format_date_time(timestamp, form=None, locale=None):
    if locale is not None and not need_text(locale, "the locale").lower().startswith("en"):
        fail("only English (en-US) names of days and months are available.")
    return format_timestamp(parse_timestamp(timestamp), form)


@function("parseDateTime", 1, 3)
def parse_date_time(timestamp, locale=None, form=None):
    return format_timestamp(parse_timestamp(timestamp))


@function("startOfDay", 1, 2)
def start_of_day(timestamp, form=None):
    moment = parse_timestamp(timestamp)
    return format_timestamp(moment.replace(hour=0, minute=0, second=0, microsecond=0), form)


@function("startOfHour", 1, 2)
def start_of_hour(timestamp, form=None):
    moment = parse_timestamp(timestamp)
    return format_timestamp(moment.replace(minute=0, second=0, microsecond=0), form)


@function("startOfMonth", 1, 2)
def start_of_month(timestamp, form=None):
    moment = parse_timestamp(timestamp)
    return format_timestamp(moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0), form)


@function("dayOfMonth", 1)
def day_of_month(timestamp):
    return parse_timestamp(timestamp).day


@function("dayOfWeek", 1)
def day_of_week(timestamp):
    return parse_timestamp(timestamp).isoweekday() % 7  # Sunday is 0


@function("dayOfYear", 1)
def day_of_year(timestamp):
    return parse_timestamp(timestamp).timetuple().tm_yday


@function("ticks", 1)
def ticks(timestamp):
    return to_ticks(parse_timestamp(timestamp))


@function("dateDifference", 2)
def date_difference(start, end):
    first, second = parse_timestamp(start), parse_timestamp(end)
    if (first.tzinfo is None) != (second.tzinfo is None):
        first, second = first.replace(tzinfo=None), second.replace(tzinfo=None)
    return time_span(second - first)


def _wall_clock(moment: datetime, zone) -> datetime:
    """The time on the clocks of `zone`: naive (no zone written), except UTC itself, written with Z."""
    local = moment.astimezone(zone)
    return local if zone is timezone.utc else local.replace(tzinfo=None)


@function("convertTimeZone", 3, 4)
def convert_time_zone(timestamp, source, destination, form=None):
    moment, source_zone = parse_timestamp(timestamp), time_zone(source)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=source_zone)
    return format_timestamp(_wall_clock(moment, time_zone(destination)), form)


@function("convertFromUtc", 2, 3)
def convert_from_utc(timestamp, destination, form=None):
    moment = parse_timestamp(timestamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return format_timestamp(_wall_clock(moment, time_zone(destination)), form)


@function("convertToUtc", 2, 3)
def convert_to_utc(timestamp, source, form=None):
    moment = parse_timestamp(timestamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=time_zone(source))
    return format_timestamp(moment.astimezone(timezone.utc), form)
