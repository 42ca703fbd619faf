"""When a `Recurrence` trigger fires, as Logic Apps documents its `recurrence` object: `frequency` and
`interval`, `startTime`, `timeZone`, and the advanced `schedule` (`hours`, `minutes`, `weekDays`,
`monthDays`).

- `timeZone` is a Windows zone name ("Tokyo Standard Time"; an IANA name is taken too), UTC when
  absent. A `startTime` without an offset is a wall-clock time in that zone; one with `Z` or an
  offset is that instant whatever the zone (the trap Logic Apps users meet: `Z` means UTC).
- Second, Minute and Hour recurrences step in elapsed time. Day, Week and Month ones step on the
  zone's calendar, so a daily 09:00 stays at 09:00 across daylight saving time changes.
- A `startTime` in the past: occurrences are counted from it, the past ones dropped, and the first
  is the next still ahead. None: the first is at once (a schedule: its next time).
- `schedule` (Day, Week or Month only): on the days the recurrence falls (every `interval` days;
  the `weekDays` of every `interval`-th week; the `monthDays` of every `interval`-th month), at
  each of `hours` × `minutes`. What is left out is taken from the start (its hour, its minute, its
  weekday, its day of the month), as Logic Apps does when "At these minutes" is left empty.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from kinflow.flows.expressions import ExpressionError
from kinflow.flows.expressions.timestamps import parse_timestamp
from kinflow.flows.expressions.timezones import time_zone

FREQUENCIES = ("Second", "Minute", "Hour", "Day", "Week", "Month")
SECONDS = {"Second": 1, "Minute": 60, "Hour": 3600, "Day": 86_400, "Week": 604_800}
# Logic Apps' limit on a recurrence's interval: 500 days (a Month counted as 31 days).
MAX_INTERVAL_DAYS = 500
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SCHEDULE_PARTS = {"hours": (0, 23), "minutes": (0, 59), "monthDays": (1, 31)}
# How far ahead to look for a scheduled day: past the longest interval, so a schedule that names no
# day that exists (the 30th of every 12th February) ends rather than loops.
HORIZON_DAYS = MAX_INTERVAL_DAYS + 2 * 366


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _numbers(value: Any) -> list:
    """Hours, minutes or month days as numbers: Power Automate writes them as text too (`["9"]`)."""
    return [int(v) if isinstance(v, str) and v.isascii() and v.isdigit() else v for v in _listed(value)]


def problems(spec: dict) -> dict[tuple, str]:
    """What is wrong with a recurrence, by its path under `recurrence` (an empty dict: nothing)."""
    found: dict[tuple, str] = {}
    frequency, interval = spec.get("frequency"), spec.get("interval")
    if frequency not in FREQUENCIES:
        found[("frequency",)] = f"Enter one of {', '.join(FREQUENCIES)}."
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
        found[("interval",)] = "Enter a whole number of at least 1."
    elif frequency in FREQUENCIES:
        days = interval * (31 if frequency == "Month" else SECONDS[frequency] / 86_400)
        if days > MAX_INTERVAL_DAYS:
            found[("interval",)] = f"A recurrence's interval is at most {MAX_INTERVAL_DAYS} days."
    if "timeZone" in spec:
        try:
            time_zone(spec["timeZone"])
        except ExpressionError:
            found[("timeZone",)] = "Enter a time zone name, such as 'Tokyo Standard Time' or 'UTC'."
    if "startTime" in spec:
        try:
            if not isinstance(spec["startTime"], str):
                raise ValueError
            parse_timestamp(spec["startTime"])
        except (ValueError, ExpressionError):
            found[("startTime",)] = "Enter a date and time, such as 2026-12-01T09:00:00 (in the time zone) " \
                                    "or 2026-12-01T00:00:00Z."
    schedule = spec.get("schedule")
    if schedule is None:
        return found
    if not isinstance(schedule, dict):
        found[("schedule",)] = "Enter an object (hours, minutes, weekDays, monthDays)."
        return found
    if frequency in ("Second", "Minute", "Hour"):
        found[("schedule",)] = "A schedule applies to a Day, Week or Month recurrence."
    for name in schedule:
        if name not in (*SCHEDULE_PARTS, "weekDays"):
            found[("schedule", name)] = "Enter hours, minutes, weekDays or monthDays."
    for name, (low, high) in SCHEDULE_PARTS.items():
        if name in schedule:
            values = _numbers(schedule[name])
            if not values or len(values) > 60 or any(isinstance(v, bool) or not isinstance(v, int)
                                                     or not low <= v <= high for v in values):
                found[("schedule", name)] = f"Enter whole numbers from {low} to {high}."
    if "weekDays" in schedule:
        days = _listed(schedule["weekDays"])
        if not days or len(days) > 7 or any(day not in WEEKDAYS for day in days):
            found[("schedule", "weekDays")] = f"Enter days among {', '.join(WEEKDAYS)}."
        elif frequency != "Week":
            found[("schedule", "weekDays")] = "weekDays apply to a Week recurrence."
    if "monthDays" in schedule and frequency != "Month":
        found[("schedule", "monthDays")] = "monthDays apply to a Month recurrence."
    return found


def zone_of(recurrence: dict) -> tzinfo:
    name = recurrence.get("timeZone")
    return time_zone(name) if isinstance(name, str) else timezone.utc


def _utc(moment: datetime) -> datetime:
    """An aware moment as stored: naive UTC."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _local(moment: datetime, zone: tzinfo) -> datetime:
    """A stored (naive UTC) moment on the zone's clock."""
    return moment.replace(tzinfo=timezone.utc).astimezone(zone)


def start_of(recurrence: dict) -> datetime | None:
    """The recurrence's `startTime` as stored (naive UTC), or None."""
    text = recurrence.get("startTime")
    if not isinstance(text, str):
        return None
    moment = parse_timestamp(text)
    if moment.tzinfo is None:  # a wall-clock time in the recurrence's zone
        moment = moment.replace(tzinfo=zone_of(recurrence))
    return _utc(moment)


def _months_later(moment: datetime, months: int, day: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(day, calendar.monthrange(year, month)[1]))


def _stepped(recurrence: dict, anchor: datetime, now: datetime) -> datetime:
    """The first occurrence after `now` of a recurrence without a schedule, counted from `anchor`."""
    frequency, interval = recurrence["frequency"], recurrence["interval"]
    if frequency in ("Second", "Minute", "Hour"):
        step = SECONDS[frequency] * interval
        skipped = max(0, int((now - anchor).total_seconds() // step))
        moment = anchor + timedelta(seconds=step * skipped)
        while moment <= now:
            moment += timedelta(seconds=step)
        return moment
    zone = zone_of(recurrence)
    local = _local(anchor, zone).replace(tzinfo=None)  # wall clock: steps keep its time of day
    elapsed = (_local(now, zone).replace(tzinfo=None) - local).days
    if frequency == "Month":
        months = max(0, (elapsed // 31) // interval * interval)
        while _utc(_months_later(local, months, local.day).replace(tzinfo=zone)) <= now:
            months += interval
        return _utc(_months_later(local, months, local.day).replace(tzinfo=zone))
    step = interval * (7 if frequency == "Week" else 1)
    count = max(0, elapsed // step - 1)
    while _utc((local + timedelta(days=step * count)).replace(tzinfo=zone)) <= now:
        count += 1
    return _utc((local + timedelta(days=step * count)).replace(tzinfo=zone))


def _falls_on(recurrence: dict, day: date, first: date) -> bool:
    """Whether a scheduled recurrence falls on `day`, its days counted from `first`."""
    frequency, interval = recurrence["frequency"], recurrence["interval"]
    schedule = recurrence["schedule"]
    if frequency == "Day":
        return (day - first).days % interval == 0
    if frequency == "Week":
        days = _listed(schedule.get("weekDays", WEEKDAYS[first.weekday()]))
        weeks = ((day - timedelta(days=day.weekday())) - (first - timedelta(days=first.weekday()))).days // 7
        return WEEKDAYS[day.weekday()] in days and weeks % interval == 0
    months = (day.year - first.year) * 12 + day.month - first.month
    return day.day in _numbers(schedule.get("monthDays", first.day)) and months % interval == 0


def _scheduled(recurrence: dict, anchor: datetime, after: datetime) -> datetime | None:
    """The first scheduled occurrence after `after` (and not before `anchor`), or None if the
    schedule names no day that comes."""
    zone = zone_of(recurrence)
    schedule = recurrence["schedule"]
    start = _local(anchor, zone)
    hours = sorted(set(_numbers(schedule.get("hours", start.hour))))
    minutes = sorted(set(_numbers(schedule.get("minutes", start.minute))))
    # Neither hours nor minutes: the start's time of day to the microsecond, so that a start on a
    # scheduled day is itself an occurrence.
    at = (start.second, start.microsecond) if "hours" not in schedule and "minutes" not in schedule else (0, 0)
    day = max(start.date(), _local(after, zone).date())
    for _ in range(HORIZON_DAYS):
        if _falls_on(recurrence, day, start.date()):
            for hour in hours:
                for minute in minutes:
                    moment = _utc(datetime.combine(day, time(hour, minute, *at), zone))
                    if moment > after and moment >= anchor.replace(microsecond=0):
                        return moment
        day += timedelta(days=1)
    return None


def first(recurrence: dict, now: datetime) -> datetime | None:
    """The first occurrence of a recurrence enabled at `now` (naive UTC, like the result)."""
    start = start_of(recurrence)
    if recurrence.get("schedule"):
        anchor = start or now
        return _scheduled(recurrence, anchor, max(now, anchor) - timedelta(microseconds=1))
    if start is None or start > now:
        return start or now
    return _stepped(recurrence, start, now)


def following(recurrence: dict, previous: datetime, now: datetime) -> datetime | None:
    """The first occurrence after `now`, counted from the start time (else from `previous`, itself an
    occurrence); None when no occurrence is left to come."""
    start = start_of(recurrence)
    anchor = start if start is not None and start <= previous else previous
    if recurrence.get("schedule"):
        return _scheduled(recurrence, anchor, max(now, previous))
    return _stepped(recurrence, anchor, max(now, previous))
