"""Reminder notifications at their time: a scheduler looks, every few seconds, for records whose
reminder has come due since its last look and notifies the people the setting names.

Timing (kintone's reminder settings, shared/reference/kintone-rest-api.md §6): a date, date and time,
created or updated time field, moved by `daysLater` (negative: before) and either `hoursLater` or,
for a date, a `time` of that day in the settings' time zone.

Guarantees: each setting keeps a cursor (how far it has been looked at) whose row is locked while a
scheduler works on it, so several processes never fire one window twice; each firing is also
recorded under a key of app, setting, record and due moment, so a reminder fires at most once per
record and setting for each due moment (a record whose date is moved later is reminded again).
A new or changed setting looks back a few minutes only: records due long before it was deployed
are not reminded, as in kintone.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from kinflow.apps.access import who_may_view
from kinflow.apps.app import LiveApp, load_app_anywhere, load_live
from kinflow.apps.links import permalink
from kinflow.apps.notification_settings import REMINDER
from kinflow.apps.query.context import QueryContext
from kinflow.apps.query.evaluate import matches, stored_record_values
from kinflow.apps.records import fetch_records
from kinflow.clock import clock, utc_text
from kinflow.config import Settings
from kinflow.polling import Poller
from kinflow.directory.users import ADMINISTRATOR, readers
from kinflow.i18n import N_, translate
from kinflow.notifications import mail
from kinflow.notifications.changes import record_title
from kinflow.notifications.inbox import Entry, store
from kinflow.notifications.recipients import named_users, reachable
from kinflow.notifications.rules import condition_of
from kinflow.storage.database import Database
from kinflow.storage.schema import app_settings, reminder_cursors, reminders_sent

log = logging.getLogger("kinflow.reminders")
LOOKBACK = timedelta(minutes=10)


def setting_key(setting: dict) -> str:
    return hashlib.sha1(orjson.dumps(setting, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def due_at(timing: dict, value: object, zone: ZoneInfo) -> datetime | None:
    """When a record's reminder is due (naive UTC), from its timing field's value."""
    if value is None:
        return None
    days = int(timing["daysLater"])
    if "hoursLater" in timing:
        if not isinstance(value, datetime):
            return None
        return value + timedelta(days=days, hours=int(timing["hoursLater"]))
    if isinstance(value, datetime):
        day = value.replace(tzinfo=timezone.utc).astimezone(zone).date()
    elif isinstance(value, date):
        day = value
    else:
        return None
    hour, minute = (int(part) for part in timing["time"].split(":"))
    local = datetime.combine(day + timedelta(days=days), time(hour, minute), tzinfo=zone)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def _insert_ignoring_duplicates(conn: Connection, table: sa.Table, row: dict) -> bool:
    """Insert unless a row with the same key exists (or is being inserted by another transaction,
    which this one then waits for): whether this one inserted it."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    # RETURNING says whether a row went in (psycopg reports no rowcount for this statement).
    statement = dialect.insert(table).values(**row).on_conflict_do_nothing().returning(table.c.app_id)
    return conn.execute(statement).first() is not None


def _cursor(conn: Connection, app_id: int, key: str, now: datetime) -> datetime:
    """The setting's cursor, locked for this transaction (created on first sight)."""
    _insert_ignoring_duplicates(conn, reminder_cursors,
                                {"app_id": app_id, "setting_key": key, "scanned_until": now - LOOKBACK})
    query = sa.select(reminder_cursors.c.scanned_until).where(
        reminder_cursors.c.app_id == app_id, reminder_cursors.c.setting_key == key)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).scalar_one()


def _candidates(conn: Connection, live: LiveApp, timing: dict, since: datetime, now: datetime,
                zone: ZoneInfo) -> dict[int, datetime]:
    """Records whose reminder falls due in (since, now], by id."""
    field = live.form.get(timing["code"])
    if field is None:
        return {}
    records = live.tables.records
    column = live.tables.column(field)
    shift = timedelta(days=int(timing["daysLater"]), hours=int(timing.get("hoursLater") or 0))
    # Bounds wide enough for any time zone and time of day; the exact due moment is checked below.
    slack = timedelta(days=0 if "hoursLater" in timing else 2)
    low, high = since - shift - slack, now - shift + slack
    if field.type == "DATE":
        low, high = low.date(), high.date()  # type: ignore[assignment]
    rows = conn.execute(sa.select(records.c.id, column).where(column > low, column <= high)).all()
    found = {}
    for record_id, value in rows:
        due = due_at(timing, value, zone)
        if due is not None and since < due <= now:
            found[record_id] = due
    return found


def fire_app(conn: Connection, settings: Settings, app_id: int, document: dict, now: datetime) -> int:
    """Fire the due reminders of one app; how many notifications were written. A setting whose
    firing fails is logged and its window skipped (it would fail again on every look); the app's
    other settings fire all the same."""
    app = load_app_anywhere(conn, app_id)
    if not app.deployed:
        return 0
    live = load_live(conn, app_id, guest_space_id=app.space_id if app.guest_space else None)
    zone = _zone(document.get("timezone") or "UTC")
    ctx = QueryContext(ADMINISTRATOR, None, zone, now.replace(tzinfo=timezone.utc))
    entries: list[Entry] = []
    for setting in document.get("notifications") or []:
        key = setting_key(setting)
        since = _cursor(conn, app_id, key, now)
        if since >= now:
            continue
        try:
            with conn.begin_nested():
                entries.extend(_fire_setting(conn, settings, live, setting, key, since, now, zone, ctx))
        except Exception:
            log.exception("reminder %s of app %s failed; its records due until %s are skipped", key, app_id, now)
        conn.execute(reminder_cursors.update().where(
            reminder_cursors.c.app_id == app_id, reminder_cursors.c.setting_key == key).values(scanned_until=now))
    ids = store(conn, entries, with_ids=mail.enabled(settings))
    if mail.enabled(settings) and entries:
        mail.queue(conn, entries, ids, live.app.name)
    return len(entries)


def _fire_setting(conn: Connection, settings: Settings, live: LiveApp, setting: dict, key: str, since: datetime,
                  now: datetime, zone: ZoneInfo, ctx: QueryContext) -> list[Entry]:
    """The notifications of one reminder setting for records due in (since, now], each recorded as sent."""
    due = _candidates(conn, live, setting["timing"], since, now, zone)
    condition = condition_of(setting.get("filterCond"))
    entries: list[Entry] = []
    for rec in fetch_records(conn, live, list(due)).values() if due else []:
        if not matches(condition, stored_record_values(rec, live.form), live.form, ctx):
            continue
        if not _insert_ignoring_duplicates(conn, reminders_sent, {
                "app_id": live.id, "setting_key": key, "record_id": rec.id, "due_at": due[rec.id], "sent_at": now}):
            continue
        users = who_may_view(conn, live, rec, reachable(conn, live, named_users(
            conn, live, setting.get("targets") or [], rec), None), ctx)
        reading = readers(conn, users, settings.language)
        field = setting["timing"]["code"]
        for user in sorted(users):
            reader = reading[user]
            shown = _shown(rec.values.get(field), reader.timezone)
            message = translate(N_("Reminder: {field} {value}", field=field, value=shown), reader.language)
            entries.append(Entry(user, live.id, rec.id, "reminder",  # type: ignore[arg-type]
                                 setting.get("title") or record_title(live, rec, reader.language), message.rstrip(),
                                 "", permalink(settings.public_url, live, rec.id), now))  # type: ignore[arg-type]
    return entries


def _shown(value: object, time_zone: str) -> str:
    """A field's value as its reader sees it: a date and time in their time zone."""
    if isinstance(value, datetime):
        try:
            local = value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(time_zone))
        except (ZoneInfoNotFoundError, ValueError):
            time_zone = "UTC"
        return utc_text(value) if time_zone == "UTC" else f"{local:%Y-%m-%d %H:%M} ({time_zone})"
    return "" if value is None else str(value)


def reminder_documents(conn: Connection) -> list[tuple[int, dict]]:
    rows = conn.execute(sa.select(app_settings.c.app_id, app_settings.c.document).where(
        app_settings.c.stage == "live", app_settings.c.kind == REMINDER)).all()
    return [(app_id, document) for app_id, document in rows if document.get("notifications")]


def fire_due(db: Database, settings: Settings) -> int:
    """One look at every app's reminders, an app per transaction."""
    with db.read() as conn:
        documents = reminder_documents(conn)
    fired = 0
    for app_id, document in documents:
        now = clock.now().replace(tzinfo=None)
        try:
            with db.write() as conn:
                fired += fire_app(conn, settings, app_id, document, now)
        except Exception:
            # One app's broken setting must not stop the others' reminders.
            log.exception("reminders of app %s", app_id)
    return fired


class ReminderScheduler(Poller):
    """Runs `fire_due` every `reminder_poll` seconds."""

    def __init__(self, db: Database, settings: Settings) -> None:
        super().__init__("reminder scheduler", settings.reminder_poll)
        self.db = db
        self.settings = settings

    async def run(self) -> None:
        async def step() -> bool:
            await asyncio.to_thread(fire_due, self.db, self.settings)
            return False

        await self.loop(step)
