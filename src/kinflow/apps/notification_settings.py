"""An app's notification settings in kintone's three kinds (app/notifications/*.json): general
(who hears of which changes), per record (who hears of records matching a condition) and reminders
(who is reminded at a time relative to a date field). Each is a settings document of its own,
changed in the pre-live stage and made live by a deploy.

Shapes: shared/reference/kintone-rest-api.md §6; per-record rules:
shared/seeds/kintone-per-record-notification-settings.txt. A parameter left out keeps its setting.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import Connection

from kinflow.apps.form import Form
from kinflow.apps.setting_checks import SettingChecker
from kinflow.errors import invalid_input
from kinflow.i18n import N_

# Storage kinds of the three documents.
GENERAL, PER_RECORD, REMINDER = "notify_general", "notify_record", "notify_reminder"
TARGET_TYPES = ("USER", "GROUP", "ORGANIZATION", "FIELD_ENTITY")
EVENT_FLAGS = ("recordAdded", "recordEdited", "commentAdded", "statusChanged", "fileImported")
# The fields a reminder may be timed on.
TIMING_TYPES = frozenset({"DATE", "DATETIME", "CREATED_TIME", "UPDATED_TIME"})
MAX_TITLE = 200
_TIME = re.compile(r"^([01]\d|2[0-3]):(00|30)$")


def default_documents() -> dict[str, dict]:
    return {
        GENERAL: {"notifications": [], "notifyToCommenter": False},
        PER_RECORD: {"notifications": []},
        REMINDER: {"notifications": [], "timezone": "UTC"},
    }


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,9}", value.strip()):
        return int(value)
    return None


def _has_subs(entity: dict) -> bool:
    # Only departments (named, or held by a field) have sub-departments to include.
    return entity["type"] in ("ORGANIZATION", "FIELD_ENTITY")


class _Notifications(SettingChecker):
    def flag(self, item: dict, name: str, key: str) -> bool:
        value = item.get(name, False)
        if not isinstance(value, bool):
            self.fail(key, N_("Must be true or false."))
            return False
        return value

    def listed(self, raw: object, key: str) -> list:
        if not isinstance(raw, list):
            self.fail(key, N_("Enter an array."))
            return []
        return raw

    def objects(self, raw: object) -> Iterator[tuple[str, dict]]:
        """The `notifications` array's objects with their error keys; anything else is an error."""
        for index, item in enumerate(self.listed(raw, "notifications")):
            base = f"notifications[{index}]"
            if isinstance(item, dict):
                yield base, item
            else:
                self.fail(base, N_("Enter an object."))

    def general(self, raw: object) -> list[dict]:
        result = []
        for base, item in self.objects(raw):
            entity = self.entity(item.get("entity"), f"{base}.entity", TARGET_TYPES)
            if entity is None:
                continue
            include_subs = self.flag(item, "includeSubs", f"{base}.includeSubs")
            entry = {"entity": entity, "includeSubs": include_subs and _has_subs(entity)}
            for name in EVENT_FLAGS:
                entry[name] = self.flag(item, name, f"{base}.{name}")
            result.append(entry)
        return result

    def targeted(self, item: dict, base: str) -> dict | None:
        """The parts per-record and reminder notifications share: filterCond, title, targets."""
        if "filterCond" not in item:
            self.fail(f"{base}.filterCond", N_("Required field."))
        condition = self.condition(item.get("filterCond"), f"{base}.filterCond")
        title = item.get("title")
        if title is None:
            title = ""
        if not isinstance(title, str):
            self.fail(f"{base}.title", N_("Enter a string value."))
        elif len(title) > MAX_TITLE:
            self.fail(f"{base}.title", N_("Enter less than {limit} characters.", limit=MAX_TITLE + 1))
        if "targets" not in item or item["targets"] is None:
            self.fail(f"{base}.targets", N_("Required field."))
            return None
        targets = self.entities(item["targets"], f"{base}.targets", TARGET_TYPES)
        for target in targets:
            target["includeSubs"] = target["includeSubs"] and _has_subs(target["entity"])
        return {"filterCond": condition, "title": title if isinstance(title, str) else "", "targets": targets}

    def per_record(self, raw: object) -> list[dict]:
        result = []
        for base, item in self.objects(raw):
            entry = self.targeted(item, base)
            if entry is not None:
                result.append(entry)
        return result

    def reminder(self, raw: object) -> list[dict]:
        result = []
        for base, item in self.objects(raw):
            timing = self.timing(item.get("timing"), f"{base}.timing")
            entry = self.targeted(item, base)
            if timing is not None and entry is not None:
                result.append({"timing": timing, **entry})
        return result

    def timing(self, raw: object, base: str) -> dict | None:
        if not isinstance(raw, dict):
            self.fail(base, N_("Required field."))
            return None
        code = raw.get("code")
        field = self.form.get(code) if isinstance(code, str) else None
        if field is None or field.table is not None or field.type not in TIMING_TYPES:
            self.fail(f"{base}.code", N_("The field ({code}) is not a date or date and time field.", code=code))
            return None
        days = _integer(raw.get("daysLater"))
        if days is None:
            self.fail(f"{base}.daysLater", N_("Enter an integer value."))
            return None
        timing: dict = {"code": code, "daysLater": str(days)}
        hours, time = raw.get("hoursLater"), raw.get("time")
        if field.type == "DATE":
            # A date has no time of its own: the reminder goes out at a set time of that day.
            if time is None or hours is not None:
                self.fail(f"{base}.time", N_("Required field for a date field (hoursLater is not allowed)."))
                return None
        elif (hours is None) == (time is None):
            self.fail(f"{base}.hoursLater", N_("Specify either hoursLater or time."))
            return None
        if hours is not None:
            number = _integer(hours)
            if number is None:
                self.fail(f"{base}.hoursLater", N_("Enter an integer value."))
                return None
            timing["hoursLater"] = str(number)
        else:
            if not isinstance(time, str) or not _TIME.match(time):
                self.fail(f"{base}.time", N_("Enter a time as HH:MM, on the hour or half hour."))
                return None
            timing["time"] = time
        return timing


def apply_change(conn: Connection, kind: str, document: dict, params: dict, form_document: dict) -> dict:
    """The new document of `kind` from a PUT's parameters; nothing changes on any problem."""
    checker = _Notifications(conn, Form.from_document(form_document))
    changed = dict(document)
    if params.get("notifications") is not None:
        build = {GENERAL: checker.general, PER_RECORD: checker.per_record, REMINDER: checker.reminder}[kind]
        changed["notifications"] = build(params["notifications"])
    if kind == GENERAL and "notifyToCommenter" in params:
        changed["notifyToCommenter"] = checker.flag(params, "notifyToCommenter", "notifyToCommenter")
    if kind == REMINDER and params.get("timezone") is not None:
        changed["timezone"] = _timezone(params["timezone"], checker)
    if checker.errors:
        raise invalid_input(checker.errors)
    return changed


def _timezone(raw: object, checker: SettingChecker) -> str:
    if isinstance(raw, str) and raw:
        try:
            ZoneInfo(raw)
            return raw
        except (ZoneInfoNotFoundError, ValueError):
            pass
    checker.fail("timezone", N_("Enter a time zone such as Asia/Tokyo or UTC."))
    return "UTC"
