"""When a Recurrence trigger fires: `startTime`, `timeZone` and `schedule` as Logic Apps documents them,
computed for given instants; and a worker starting scheduled runs as the injected clock moves."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from kinflow.clock import clock
from kinflow.events.outbox import now_naive
from kinflow.flows import manage, recurrence, runs
from kinflow.flows.definitions import DefinitionError, check
from kinflow.flows.schedule import first, following
from kinflow.flows.tables import flows
from tests.flows.test_engine import _clock, db, history  # noqa: F401 - fixtures


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def occurrences(spec: dict, now: str, count: int) -> list[str]:
    """The first `count` occurrences of a recurrence enabled at `now`, as UTC texts."""
    found = [first(spec, utc(now))]
    while len(found) < count:
        found.append(following(spec, found[-1], found[-1]))
    return [moment.isoformat() for moment in found]


def test_a_daily_schedule_runs_at_each_hour_and_minute_in_its_time_zone():
    # 09:10 in Tokyo: today's 09:30 and 17:00, 17:30 are ahead, then tomorrow's.
    spec = {"frequency": "Day", "interval": 1, "timeZone": "Tokyo Standard Time",
            "schedule": {"hours": ["17", "9"], "minutes": [0, 30]}}  # as Power Automate writes hours
    assert occurrences(spec, "2026-12-04T00:10:00", 5) == [
        "2026-12-04T00:30:00", "2026-12-04T08:00:00", "2026-12-04T08:30:00", "2026-12-05T00:00:00",
        "2026-12-05T00:30:00"]


def test_minutes_left_out_are_the_start_times():
    spec = {"frequency": "Day", "interval": 2, "startTime": "2026-12-01T07:45:00", "schedule": {"hours": [9, 18]}}
    assert occurrences(spec, "2026-11-20T00:00:00", 4) == [
        "2026-12-01T09:45:00", "2026-12-01T18:45:00", "2026-12-03T09:45:00", "2026-12-03T18:45:00"]


def test_weekly_days_keep_their_local_time_across_daylight_saving_time():
    # Pacific time leaves daylight saving on Sunday 1 November 2026: 08:00 is 15:00Z, then 16:00Z.
    spec = {"frequency": "Week", "interval": 1, "timeZone": "Pacific Standard Time",
            "schedule": {"weekDays": ["Monday", "Friday"], "hours": 8, "minutes": 0}}
    assert occurrences(spec, "2026-10-28T12:00:00", 3) == [
        "2026-10-30T15:00:00", "2026-11-02T16:00:00", "2026-11-06T16:00:00"]


def test_every_other_week_on_its_days_at_the_start_time_of_day():
    spec = {"frequency": "Week", "interval": 2, "startTime": "2026-12-02T06:15:00Z",  # a Wednesday
            "schedule": {"weekDays": ["Wednesday", "Saturday"]}}
    assert occurrences(spec, "2026-12-01T00:00:00", 4) == [
        "2026-12-02T06:15:00", "2026-12-05T06:15:00", "2026-12-16T06:15:00", "2026-12-19T06:15:00"]


def test_month_days_of_every_other_month_and_a_day_some_months_lack():
    spec = {"frequency": "Month", "interval": 2, "startTime": "2026-01-10T00:00:00",
            "schedule": {"monthDays": [15, 1], "hours": [6], "minutes": [0]}}
    assert occurrences(spec, "2026-01-01T00:00:00", 4) == [
        "2026-01-15T06:00:00", "2026-03-01T06:00:00", "2026-03-15T06:00:00", "2026-05-01T06:00:00"]
    last = {"frequency": "Month", "interval": 1, "schedule": {"monthDays": [31], "hours": [0], "minutes": [0]}}
    assert occurrences(last, "2026-01-31T12:00:00", 3) == [
        "2026-03-31T00:00:00", "2026-05-31T00:00:00", "2026-07-31T00:00:00"]
    never = {"frequency": "Month", "interval": 12, "startTime": "2027-02-01T00:00:00Z",
             "schedule": {"monthDays": [30]}}
    assert first(never, utc("2026-12-01T00:00:00")) is None


def test_a_start_time_without_offset_is_in_the_time_zone_and_days_keep_its_time():
    # Central Europe starts daylight saving on Sunday 29 March 2026: 09:00 is 08:00Z, then 07:00Z.
    spec = {"frequency": "Day", "interval": 1, "timeZone": "W. Europe Standard Time",
            "startTime": "2026-03-27T09:00:00"}
    assert occurrences(spec, "2026-03-01T00:00:00", 4) == [
        "2026-03-27T08:00:00", "2026-03-28T08:00:00", "2026-03-29T07:00:00", "2026-03-30T07:00:00"]
    # With Z (or an offset) the start time is that instant, whatever the time zone.
    assert first({**spec, "startTime": "2026-03-27T09:00:00Z"}, utc("2026-03-01T00:00:00")) == \
        utc("2026-03-27T09:00:00")


def test_a_start_time_in_the_past_counts_occurrences_from_it():
    spec = {"frequency": "Hour", "interval": 2, "startTime": "2026-01-01T00:30:00Z"}
    assert first(spec, utc("2026-12-04T09:13:00")) == utc("2026-12-04T10:30:00")
    monthly = {"frequency": "Month", "interval": 1, "startTime": "2026-01-31T09:00:00Z"}
    assert occurrences(monthly, "2026-02-10T00:00:00", 3) == [
        "2026-02-28T09:00:00", "2026-03-31T09:00:00", "2026-04-30T09:00:00"]
    # No start time and no schedule: at once.
    assert first({"frequency": "Minute", "interval": 5}, utc("2026-12-04T09:13:07")) == utc("2026-12-04T09:13:07")


def test_bad_recurrences_are_refused_with_their_paths():
    def problems(spec: dict) -> dict:
        try:
            check({"triggers": {"Tick": {"type": "Recurrence", "recurrence": spec}}, "actions": {}})
        except DefinitionError as error:
            return error.problems
        return {}

    at = "triggers.Tick.recurrence"
    assert problems({"frequency": "Hour", "interval": 1, "schedule": {"hours": [9]}}) == {
        f"{at}.schedule": ["A schedule applies to a Day, Week or Month recurrence."]}
    assert problems({"frequency": "Day", "interval": 1, "timeZone": "Mars Standard Time",
                     "startTime": "next tuesday",
                     "schedule": {"hours": [24], "minutes": "x5", "weekDays": ["Monday"], "seconds": [1]}}) == {
        f"{at}.timeZone": ["Enter a time zone name, such as 'Tokyo Standard Time' or 'UTC'."],
        f"{at}.startTime": ["Enter a date and time, such as 2026-12-01T09:00:00 (in the time zone) or "
                            "2026-12-01T00:00:00Z."],
        f"{at}.schedule.seconds": ["Enter hours, minutes, weekDays or monthDays."],
        f"{at}.schedule.hours": ["Enter whole numbers from 0 to 23."],
        f"{at}.schedule.minutes": ["Enter whole numbers from 0 to 59."],
        f"{at}.schedule.weekDays": ["weekDays apply to a Week recurrence."]}
    assert problems({"frequency": "Week", "interval": 72, "schedule": {"weekDays": "Caturday", "monthDays": [1]}}) == {
        f"{at}.interval": ["A recurrence's interval is at most 500 days."],
        f"{at}.schedule.weekDays": ["Enter days among Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, "
                                    "Sunday."],
        f"{at}.schedule.monthDays": ["monthDays apply to a Month recurrence."]}
    assert problems({"frequency": "Month", "interval": 16, "timeZone": "Asia/Tokyo",
                     "schedule": {"monthDays": 31, "hours": 0, "minutes": [0, 30]}}) == {}


def _move_clock_to(moment: str) -> None:
    clock.advance((utc(moment) - now_naive()).total_seconds())


def test_a_worker_starts_each_scheduled_run_as_the_clock_reaches_it(db):
    _move_clock_to("2026-12-07T23:50:00")  # Tuesday 08:50 in Tokyo
    with db.write() as conn:
        flow, _ = manage.deploy(conn, "alice", "office-hours", {
            "triggers": {"Tick": {"type": "Recurrence", "recurrence": {
                "frequency": "Week", "interval": 1, "timeZone": "Tokyo Standard Time",
                "schedule": {"weekDays": ["Tuesday", "Thursday"], "hours": [9], "minutes": [0]}}}},
            "actions": {"Note": {"type": "Compose", "inputs": "@triggerOutputs()?['scheduledTime']"}}})

    def next_occurrence() -> datetime:
        with db.read() as conn:
            return conn.execute(sa.select(flows.c.next_occurrence_at).where(flows.c.id == flow.id)).scalar_one()

    def start_due() -> int:
        with db.write() as conn:
            return recurrence.start_due(conn, now_naive())

    assert next_occurrence() == utc("2026-12-08T00:00:00")
    assert start_due() == 0
    clock.advance(10 * 60 + 1)
    assert start_due() == 1 and start_due() == 0
    assert next_occurrence() == utc("2026-12-10T00:00:00")  # Thursday 09:00 in Tokyo
    # Every worker down for a week: the missed occurrence's run starts, the others are not made up.
    _move_clock_to("2026-12-15T00:00:30")
    assert start_due() == 1
    assert next_occurrence() == utc("2026-12-17T00:00:00")
    with db.read() as conn:
        found = runs.list_runs(conn, flow, status=None, offset=0, limit=10)
    scheduled = sorted(history(db, run["id"])["trigger"]["outputs"]["scheduledTime"] for run in found)
    assert scheduled == ["2026-12-08T00:00:00.000000Z", "2026-12-10T00:00:00.000000Z"]
    with db.write() as conn:
        manage.set_state(conn, flow, manage.DISABLED)
    assert next_occurrence() is None
    _move_clock_to((utc("2026-12-17T00:00:00") + timedelta(days=1)).isoformat())
    assert start_due() == 0
