"""Times in formulas: kintone treats dates, times and instants as seconds (help: "Calculation of
Date, Time, and Date and time"), and shows them back through DATE_FORMAT or a CALC's `format`.

- a DATE is the UNIX time of its midnight in UTC; a TIME the seconds since midnight; a DATETIME
  (and created/updated time) its UNIX time.
- DATE_FORMAT(value, "format", "time zone") accepts UNIX times from -30610224000 to 253402300799
  (help article 040501); the fractional part is dropped.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kinflow.apps.formulas.values import Incalculable

MIN_UNIX, MAX_UNIX = -30610224000, 253402300799
_EPOCH = datetime(1970, 1, 1)
# "system" is the time zone of the kintone environment; kinflow's is UTC.
SYSTEM_ZONE = timezone.utc

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_TOKENS = re.compile(r"YYYY|YY|MMMM|MMM|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|a|Z")


def date_seconds(day: date) -> Decimal:
    return Decimal((day - date(1970, 1, 1)).days * 86400)


def time_seconds(moment: time) -> Decimal:
    return Decimal(moment.hour * 3600 + moment.minute * 60 + moment.second)


def instant_seconds(moment: datetime) -> Decimal:
    """A stored instant (naive UTC) in UNIX seconds."""
    return Decimal(int((moment - _EPOCH).total_seconds()))


def _instant(seconds: Decimal) -> datetime:
    whole = int(seconds.to_integral_value(rounding=ROUND_DOWN))
    if not MIN_UNIX <= whole <= MAX_UNIX:
        raise Incalculable
    return _EPOCH + timedelta(seconds=whole)


@lru_cache(maxsize=64)
def _zone(name: str):  # noqa: ANN202
    if name.lower() == "system":
        return SYSTEM_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Incalculable from None


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def date_format(seconds: Decimal, pattern: str, zone_name: str) -> str:
    """DATE_FORMAT: Java-style letters (`YYYY-MM-dd HH:mm`), anything else kept as written."""
    local = _instant(seconds).replace(tzinfo=timezone.utc).astimezone(_zone(zone_name))
    hour12 = local.hour % 12 or 12

    def token(match: re.Match) -> str:
        return {
            "YYYY": f"{local.year:04d}", "YY": f"{local.year % 100:02d}",
            "MMMM": _MONTHS[local.month - 1], "MMM": _MONTHS[local.month - 1][:3],
            "MM": f"{local.month:02d}", "M": str(local.month),
            "dd": f"{local.day:02d}", "d": str(local.day),
            "HH": f"{local.hour:02d}", "H": str(local.hour),
            "hh": f"{hour12:02d}", "h": str(hour12),
            "mm": f"{local.minute:02d}", "m": str(local.minute),
            "ss": f"{local.second:02d}", "s": str(local.second),
            "a": "AM" if local.hour < 12 else "PM",
            "Z": _offset(local),
        }[match.group()]

    return _TOKENS.sub(token, pattern)


def render_calc(seconds: Decimal, display: str) -> str:
    """A CALC's value in the API for a time `format` (observed on kintone: DATETIME and DATE in UTC,
    TIME as the time of day, HOUR_MINUTE and DAY_HOUR_MINUTE as hours:minutes, seconds dropped)."""
    try:
        if display == "DATETIME":
            return _instant(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")
        if display == "DATE":
            return _instant(seconds).date().isoformat()
    except (Incalculable, OverflowError, ValueError):
        return ""
    if display == "TIME":
        minutes = int(seconds.to_integral_value(rounding=ROUND_FLOOR)) // 60 % (24 * 60)
    else:
        minutes = int(seconds.to_integral_value(rounding=ROUND_DOWN) / 60)
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
