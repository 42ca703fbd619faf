"""Timestamps as the service reads and writes them: .NET's date parsing and format strings.

A timestamp is a `datetime`: aware in UTC when the text gave a zone (`Z` or an offset, which is
converted to UTC), naive when it gave none (.NET's "unspecified" kind: written back without a zone,
as `convertFromUtc` is documented to return). Format strings are .NET's standard (one letter) and
custom patterns with the en-US names the reference's examples show (`'D'` → "Monday, January 1,
2018").
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from kinflow.flows.expressions.values import fail, need_text

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]

# en-US standard format strings; R, u and U also convert the timestamp to UTC first.
_STANDARD = {
    "d": "M/d/yyyy", "D": "dddd, MMMM d, yyyy", "f": "dddd, MMMM d, yyyy h:mm tt",
    "F": "dddd, MMMM d, yyyy h:mm:ss tt", "g": "M/d/yyyy h:mm tt", "G": "M/d/yyyy h:mm:ss tt",
    "m": "MMMM d", "M": "MMMM d", "o": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "O": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK", "r": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "R": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'", "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
    "t": "h:mm tt", "T": "h:mm:ss tt", "u": "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
    "U": "dddd, MMMM d, yyyy h:mm:ss tt", "y": "MMMM yyyy", "Y": "MMMM yyyy",
}
_TO_UTC = {"r", "R", "u", "U"}
MAX_FORMAT_LENGTH = 1_000

_US_DATE = re.compile(
    r"\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?\s*([AaPp][Mm])?)?\s*")


def parse_timestamp(value) -> datetime:
    text = need_text(value, "the timestamp").strip()
    moment = _iso(text) or _us(text) or _rfc1123(text)
    if moment is None:
        fail(f"'{text[:40]}' is not a timestamp the service reads (ISO 8601, such as 2018-03-15T13:00:00Z).")
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _us(text: str) -> datetime | None:
    match = _US_DATE.fullmatch(text)
    if not match:
        return None
    month, day, year, hour, minute, second, fraction, half = match.groups()
    hour = int(hour or 0)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.lower() == "pm" else 0)
    try:
        return datetime(int(year), int(month), int(day), hour, int(minute or 0), int(second or 0),
                        int((fraction or "0").ljust(7, "0")[:6]))
    except ValueError:
        return None


def _rfc1123(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def format_timestamp(moment: datetime, pattern: str | None = None) -> str:
    pattern = "o" if pattern is None else need_text(pattern, "the format")
    if not pattern:
        pattern = "o"
    if len(pattern) > MAX_FORMAT_LENGTH:
        fail(f"a format may be at most {MAX_FORMAT_LENGTH} characters long.")
    if len(pattern) == 1:
        if pattern not in _STANDARD:
            fail(f"'{pattern}' is not a standard date and time format.")
        if pattern in _TO_UTC and moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc)
        pattern = _STANDARD[pattern]
    return "".join(_render(moment, pattern))


def _render(moment: datetime, pattern: str) -> list[str]:
    out: list[str] = []
    for piece, char in _pieces(moment, pattern):
        if char == "F" and not piece and out and out[-1].endswith("."):
            out[-1] = out[-1][:-1]  # .NET drops the point before F digits that are all zero
        out.append(piece)
    return out


def _pieces(moment: datetime, pattern: str):
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char in "'\"":
            end = pattern.find(char, i + 1)
            if end < 0:
                fail(f"the format has an unclosed quote: {pattern[:40]}")
            yield pattern[i + 1:end], None
            i = end + 1
        elif char == "\\":
            if i + 1 >= len(pattern):
                fail("the format ends with a lone backslash.")
            yield pattern[i + 1], None
            i += 2
        elif char == "%":
            # `%d` is the custom specifier `d` alone (a lone `d` would be the standard format).
            i += 1
        elif char in _FIELDS:
            run = 1
            while i + run < len(pattern) and pattern[i + run] == char:
                run += 1
            yield _field(moment, char, run), char
            i += run
        else:
            yield char, None
            i += 1


_FIELDS = set("dfFghHKmMstyz")


def _field(moment: datetime, char: str, run: int) -> str:
    if char == "d":
        return [str(moment.day), f"{moment.day:02}", DAYS[moment.weekday()][:3]][run - 1] if run < 4 \
            else DAYS[moment.weekday()]
    if char == "M":
        return [str(moment.month), f"{moment.month:02}", MONTHS[moment.month - 1][:3]][run - 1] if run < 4 \
            else MONTHS[moment.month - 1]
    if char == "y":
        return str(moment.year % 100) if run == 1 else f"{moment.year % 100:02}" if run == 2 \
            else str(moment.year).rjust(run, "0")
    if char in "fF":
        return _fraction(moment, char, run)
    if char == "g":
        return "A.D."
    if char == "K":
        return "Z" if moment.tzinfo is not None else ""
    if char == "z":
        # A naive timestamp is written with the offset of the service's clock, which is UTC.
        return ["+0", "+00", "+00:00"][min(run, 3) - 1]
    values = {"h": moment.hour % 12 or 12, "H": moment.hour, "m": moment.minute, "s": moment.second}
    if char in values:
        return f"{values[char]:02}" if run >= 2 else str(values[char])
    half = "AM" if moment.hour < 12 else "PM"
    return half[0] if run == 1 else half


def _fraction(moment: datetime, char: str, run: int) -> str:
    if run > 7:
        fail("at most seven f or F in a row: the service keeps ten-millionths of a second.")
    digits = f"{moment.microsecond:06}0"[:run]
    return digits if char == "f" else digits.rstrip("0")


def to_ticks(moment: datetime) -> int:
    """.NET ticks: 100-nanosecond intervals since 0001-01-01T00:00:00 (of the timestamp's own clock)."""
    naive = moment.replace(tzinfo=None)
    delta = naive - datetime(1, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def time_span(delta: timedelta) -> str:
    """A .NET TimeSpan as text: `[-][d.]hh:mm:ss[.fffffff]`."""
    sign = "-" if delta < timedelta(0) else ""
    delta = abs(delta)
    hours, rest = divmod(delta.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{delta.days}." if delta.days else ""
    text += f"{hours:02}:{minutes:02}:{seconds:02}"
    if delta.microseconds:
        text += f".{delta.microseconds:06}0"
    return sign + text
