"""Who hears of a change: the people an app's notification settings, a comment's mentions and a
record's own fields name, narrowed to active users who may view the record.

Rules (kintone's notification settings, shared/reference/kintone-rest-api.md §6 and
shared/seeds/kintone-per-record-notification-settings.txt):
- general settings name targets per event (recordAdded, recordEdited, commentAdded, statusChanged);
- a per-record setting names targets for records that match its condition after the change;
- GROUP means its members, ORGANIZATION its members (with includeSubs, of its sub-departments too),
  FIELD_ENTITY the users a field of the record holds (creator, modifier, user, department or group
  selection);
- only users with view permission on the record receive a notification;
- whoever made the change is not notified of it.
Each recipient gets one notification per change; when several rules name them, the most specific
one says why (a mention, then a per-record setting, then the general setting).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from kinflow.apps.app import LiveApp
from kinflow.apps.permissions import users_permitted
from kinflow.apps.process import field_users
from kinflow.apps.query.context import QueryContext
from kinflow.apps.query.evaluate import matches, stored_record_values
from kinflow.apps.records import StoredRecord
from kinflow.directory.users import members
from kinflow.notifications.rules import Rules

# What a change is called in the general settings, by the event that announces it.
GENERAL_FLAG = {"ADD_RECORD": "recordAdded", "UPDATE_RECORD": "recordEdited", "UPDATE_STATUS": "statusChanged",
                "ADD_RECORD_COMMENT": "commentAdded"}
KIND = {"ADD_RECORD": "record_added", "UPDATE_RECORD": "record_edited", "UPDATE_STATUS": "status_changed",
        "ADD_RECORD_COMMENT": "comment"}
# Lower wins when several rules name one person.
_RANK = {"mention": 0, "per_record": 1}


@dataclass(frozen=True)
class Reason:
    kind: str
    title: str = ""  # a per-record or reminder setting's own title


def named_users(conn: Connection, live: LiveApp, targets: list[dict], rec: StoredRecord) -> set[str]:
    """The login names a list of notification targets names for one record (not yet filtered)."""
    found: set[str] = set()
    for target in targets:
        entity = target.get("entity") or {}
        kind, code, subs = entity.get("type"), entity.get("code"), bool(target.get("includeSubs"))
        if kind == "USER":
            found.add(code)
        elif kind in ("GROUP", "ORGANIZATION"):
            found |= members(conn, kind, {code}, include_subs=subs)
        elif kind == "FIELD_ENTITY":
            found.update(field_users(conn, live, code, rec, subs))
    return found


def _name(wanted: dict[str, Reason], users: set[str], reason: Reason) -> None:
    for user in users:
        held = wanted.get(user)
        if held is None or _RANK.get(reason.kind, 9) < _RANK.get(held.kind, 9):
            wanted[user] = reason


def for_change(conn: Connection, live: LiveApp, rules: Rules, event_type: str, rec: StoredRecord,
               ctx: QueryContext) -> dict[str, Reason]:
    """Everyone a record change is meant for, before the view check."""
    wanted: dict[str, Reason] = {}
    flag = GENERAL_FLAG[event_type]
    general = [t for t in rules.general if t.get(flag)]
    if general:
        _name(wanted, named_users(conn, live, general, rec), Reason(KIND[event_type]))
    if rules.per_record:
        values = stored_record_values(rec, live.form)
        for setting in rules.per_record:
            if setting.targets and matches(setting.condition, values, live.form, ctx):
                _name(wanted, named_users(conn, live, setting.targets, rec), Reason("per_record", setting.title))
    return wanted


def for_comment(conn: Connection, live: LiveApp, rules: Rules, rec: StoredRecord, mentions: list[dict],
                commenters: set[str]) -> dict[str, Reason]:
    """Everyone a new comment is meant for, before the view check."""
    wanted: dict[str, Reason] = {}
    general = [t for t in rules.general if t.get("commentAdded")]
    if general:
        _name(wanted, named_users(conn, live, general, rec), Reason("comment"))
    if rules.notify_commenters:
        _name(wanted, commenters, Reason("comment"))
    mentioned = named_users(conn, live, [{"entity": m} for m in mentions], rec)
    _name(wanted, mentioned, Reason("mention"))
    return wanted


def reachable(conn: Connection, live: LiveApp, users: set[str], actor: str | None) -> set[str]:
    """Those of `users` who may view the app's records and did not make the change themselves."""
    return users_permitted(conn, live.app, live.acl, users - {actor}, "view")
