"""Process management on records: running status actions and setting assignees (kintone's
record/status.json, records/status.json and record/assignees.json).

Rules (shared/reference/kintone-rest-api.md §3.6, kintone's Update Status(es) pages):
- an action runs only from its `from` status, and only when the record matches its `filterCond`;
- a PRIMARY action is run by one of the record's assignees, or by anyone when it has none; a
  SECONDARY action by its `executableUser`s; an API token acts as `Administrator`;
- the next status' assignees follow its type: `ONE` takes the `assignee` the caller names (required
  when there are users to choose from), `ANY` and `ALL` take every user its entities name;
- on a status whose type is `ALL`, every assignee must run the action: each run before the last one
  only records that assignee's approval (kinflow counts it as one revision);
- a status change adds 2 to the record's revision (the action and the change are both recorded).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.access import require_record
from kinflow.apps.app import LiveApp, parse_id
from kinflow.apps.process_settings import first_state
from kinflow.apps.query.evaluate import matches, stored_record_values
from kinflow.apps.query.parser import parse_condition
from kinflow.apps.record_tables import ASSIGNEE_FIELD_ID
from kinflow.apps.formulas.compute import compute, follows_modification
from kinflow.apps.formulas.values import Precision
from kinflow.apps.records import (
    MAX_WRITE,
    ChangeListener,
    StoredRecord,
    assignee_rows,
    fetch_records,
    rewrite_records,
)
from kinflow.apps.query.context import query_context
from kinflow.clock import clock
from kinflow.directory.identity import Identity
from kinflow.directory.users import existing_codes, members
from kinflow.errors import KintoneError, invalid_input, no_privilege, record_not_found, revision_conflict
from kinflow.i18n import N_

MAX_ASSIGNEES = 100


def process_disabled() -> KintoneError:
    return KintoneError("GAIA_ST02", N_("Your request failed. The process management feature has been disabled."), 400)


def action_failed() -> KintoneError:
    return KintoneError(
        "GAIA_IL03",
        N_("Failed to update the status. The settings or the status itself may have been changed by someone."),
        400,
    )


def _check_enabled(live: LiveApp) -> None:
    if not live.process.get("enable"):
        raise process_disabled()


# --- who an entity list names ---------------------------------------------------------------


def users_of(conn: Connection, live: LiveApp, entities: list[dict], rec: StoredRecord) -> list[str]:
    """The active users a list of process entities names for one record, first mention first."""
    found: list[str] = []
    for item in entities:
        entity = item["entity"]
        kind, code, subs = entity["type"], entity.get("code"), bool(item.get("includeSubs"))
        codes: list[str] = []
        if kind == "USER":
            codes = [code]
        elif kind in ("GROUP", "ORGANIZATION"):
            codes = sorted(members(conn, kind, {code}, include_subs=subs))
        elif kind == "CREATOR":
            codes = [rec.creator]
        elif kind == "FIELD_ENTITY":
            codes = field_users(conn, live, code, rec, subs)
        # CUSTOM_FIELD names a field of the users' profiles, which kinflow's directory does not have.
        found.extend(c for c in codes if c not in found)
    active = existing_codes(conn, "USER", set(found), active_only=True)
    return [c for c in found if c in active]


def field_users(conn: Connection, live: LiveApp, code: str, rec: StoredRecord, subs: bool) -> list[str]:
    """The users a record's field names (a FIELD_ENTITY): its creator, modifier, assignees, selected
    users, or the members of its selected departments (with `subs`, their sub-departments) or groups."""
    field = live.form.get(code)
    if field is None:
        return []
    if field.type == "CREATOR":
        return [rec.creator]
    if field.type == "MODIFIER":
        return [rec.modifier]
    if field.type == "STATUS_ASSIGNEE":
        return list(rec.assignees)
    values = list(rec.values.get(code) or [])
    if field.type == "USER_SELECT":
        return values
    if field.type == "ORGANIZATION_SELECT":
        return sorted(members(conn, "ORGANIZATION", set(values), include_subs=subs))
    if field.type == "GROUP_SELECT":
        return sorted(members(conn, "GROUP", set(values)))
    return []


def enter_first_state(conn: Connection, live: LiveApp, rec: StoredRecord) -> None:
    """A new record starts in the first status, with the assignees that status names."""
    state = first_state(live.process)
    if state is None:
        return
    rec.status = state["name"]
    candidates = users_of(conn, live, state["assignee"]["entities"], rec)
    one = state["assignee"]["type"] == "ONE"
    rec.assignees = candidates if not one or len(candidates) == 1 else []


# --- status actions -------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusChange:
    record_id: int
    action: str
    assignee: str | None
    revision: object
    base: str  # the errors-key prefix: "" for record/status.json, "records[3]." in a batch


def parse_change(item: object, base: str) -> StatusChange:
    if not isinstance(item, dict):
        raise invalid_input({base.rstrip(".") or "record": [N_("Enter an object.")]})
    action = item.get("action")
    if not isinstance(action, str) or not action:
        raise invalid_input({f"{base}action": [N_("Required field.")]})
    assignee = item.get("assignee")
    if assignee in ("", None):
        assignee = None
    elif not isinstance(assignee, str):
        raise invalid_input({f"{base}assignee": [N_("Enter a login name.")]})
    return StatusChange(parse_id(item.get("id"), f"{base}id"), action, assignee, item.get("revision"), base)


def _check_revision(rec: StoredRecord, expected: object, key: str) -> None:
    if expected not in (None, "", -1, "-1") and parse_id(expected, key) != rec.revision:
        raise revision_conflict(expected, rec.id)


class StatusRunner:
    """Runs status actions on records of one app for one identity within one transaction."""

    def __init__(self, conn: Connection, live: LiveApp, identity: Identity, on_change: ChangeListener) -> None:
        _check_enabled(live)
        self.conn = conn
        self.live = live
        self.identity = identity
        self.on_change = on_change
        self.now = clock.now()
        self.states = live.process.get("states") or {}

    def run(self, changes: list[StatusChange]) -> list[dict]:
        found = fetch_records(self.conn, self.live, [c.record_id for c in changes], for_update=True)
        require_record(self.conn, self.live, self.identity, list(found.values()), "viewable")
        moved: dict[int, StoredRecord] = {}
        touched: dict[int, StoredRecord] = {}
        for change in changes:
            rec = found.get(change.record_id)
            if rec is None:
                raise record_not_found(change.record_id)
            _check_revision(rec, change.revision, f"{change.base}revision")
            if self._apply(change, rec):
                moved[rec.id] = rec  # type: ignore[index]
            touched[rec.id] = rec  # type: ignore[index]
        self._write(list(touched.values()))
        self.on_change("UPDATE_STATUS", list(moved.values()), self.now)
        return [{"id": str(c.record_id), "revision": str(found[c.record_id].revision)} for c in changes]

    def available(self, record_id: int) -> list[dict]:
        """The actions the identity may run on the record now, as `run` would judge them."""
        rec = fetch_records(self.conn, self.live, [record_id]).get(record_id)
        if rec is None:
            raise record_not_found(record_id)
        require_record(self.conn, self.live, self.identity, [rec], "viewable")
        found = []
        for action in self.live.process.get("actions") or []:
            if action["from"] != rec.status or action["to"] not in self.states:
                continue
            try:
                self._check_may(action, rec)
            except KintoneError:
                continue
            found.append(action)
        return found

    def _check_may(self, action: dict, rec: StoredRecord) -> None:
        me = self.identity.code
        if action.get("type") == "SECONDARY":
            allowed = users_of(self.conn, self.live, action["executableUser"]["entities"], rec)
            if me not in allowed:
                raise no_privilege()
        elif rec.assignees and me not in rec.assignees:
            raise no_privilege()
        if action.get("filterCond") and not matches(
                parse_condition(action["filterCond"]), stored_record_values(rec, self.live.form), self.live.form,
                query_context(self.identity)):
            raise action_failed()

    def candidates(self, state: str, record_id: int) -> list[str]:
        """Who may be chosen as the assignee on entering `state` (a status whose type is ONE)."""
        rec = fetch_records(self.conn, self.live, [record_id]).get(record_id)
        target = self.states.get(state) or {}
        if rec is None or (target.get("assignee") or {}).get("type") != "ONE":
            return []
        return users_of(self.conn, self.live, target["assignee"]["entities"], rec)

    def _apply(self, change: StatusChange, rec: StoredRecord) -> bool:
        """Run one action on `rec` in memory; whether the status moved."""
        action = self._action(change.action, rec)
        me = self.identity.code
        self._check_may(action, rec)
        self._touch(rec)
        current = self.states.get(rec.status) or {}
        if (action.get("type") != "SECONDARY" and (current.get("assignee") or {}).get("type") == "ALL"
                and len(rec.assignees) > 1):
            rec.assignees = [a for a in rec.assignees if a != me]
            rec.revision += 1
            return False
        target = self.states[action["to"]]
        rec.assignees = self._next_assignees(target, change, rec)
        rec.status = target["name"]
        rec.revision += 2
        return True

    def _action(self, name: str, rec: StoredRecord) -> dict:
        for action in self.live.process.get("actions") or []:
            if action["name"] == name and action["from"] == rec.status and action["to"] in self.states:
                return action
        raise action_failed()

    def _next_assignees(self, target: dict, change: StatusChange, rec: StoredRecord) -> list[str]:
        candidates = users_of(self.conn, self.live, target["assignee"]["entities"], rec)
        if target["assignee"]["type"] != "ONE":
            return candidates
        key = f"{change.base}assignee"
        if change.assignee is None:
            if candidates:
                raise invalid_input({key: [N_("Required field: choose the assignee of the status ({name}).",
                                              name=target['name'])]})
            return []
        if change.assignee not in candidates:
            raise invalid_input({key: [
                N_("The user ({assignee}) cannot be the assignee of the status ({name}).",
                   assignee=change.assignee, name=target['name'])]})
        return [change.assignee]

    def _touch(self, rec: StoredRecord) -> None:
        rec.modifier = self.identity.code
        rec.updated_at = self.now.replace(tzinfo=None, second=0, microsecond=0)

    def _write(self, records: list[StoredRecord]) -> None:
        write_process_state(self.conn, self.live, records)


def write_process_state(conn: Connection, live: LiveApp, records: list[StoredRecord]) -> None:
    """Store the status, assignees, revision and last modification of these records."""
    if not records:
        return
    table = live.tables.records
    if follows_modification(live.form):
        # Formulas that use the modifier or the update time see this change too.
        precision = Precision.of(live.settings)
        for rec in records:
            compute(live.form, rec, precision)
        rewrite_records(conn, live, records)  # status, revision and modification included
    else:
        for rec in records:
            conn.execute(table.update().where(table.c.id == rec.id).values(
                status=rec.status, revision=rec.revision, modifier=rec.modifier, updated_at=rec.updated_at))
    values = live.tables.values
    conn.execute(values.delete().where(values.c.record_id.in_([r.id for r in records]),
                                       values.c.field_id == ASSIGNEE_FIELD_ID))
    rows = assignee_rows(records)
    if rows:
        conn.execute(values.insert(), rows)


def check_changes(items: object) -> list[StatusChange]:
    if not isinstance(items, list) or not items:
        raise invalid_input({"records": [N_("Required field.")]})
    if len(items) > MAX_WRITE:
        raise invalid_input({"records": [N_("A maximum of {limit} records can be updated at one time.",
                                            limit=MAX_WRITE)]})
    return [parse_change(item, f"records[{index}].") for index, item in enumerate(items)]


# --- assignees ------------------------------------------------------------------------------


def update_assignees(conn: Connection, live: LiveApp, identity: Identity, params: dict) -> int:
    """Replace a record's assignees (an empty list clears them); returns the new revision."""
    _check_enabled(live)
    record_id = parse_id(params.get("id"), "id")
    raw = params.get("assignees")
    if not isinstance(raw, list) or not all(isinstance(a, str) and a for a in raw):
        raise invalid_input({"assignees": [N_("Enter an array of login names.")]})
    if len(raw) > MAX_ASSIGNEES:
        raise invalid_input({"assignees": [N_("Up to {max_assignees} assignees can be specified.",
                                              max_assignees=MAX_ASSIGNEES)]})
    assignees = list(dict.fromkeys(raw))
    known = existing_codes(conn, "USER", set(assignees), active_only=True)
    unknown = {f"assignees[{raw.index(a)}]": [f"The user ({a}) is not found."] for a in assignees if a not in known}
    if unknown:
        raise invalid_input(unknown)
    rec = fetch_records(conn, live, [record_id], for_update=True).get(record_id)
    if rec is None:
        raise record_not_found(record_id)
    require_record(conn, live, identity, [rec], "viewable")
    _check_revision(rec, params.get("revision"), "revision")
    state = (live.process.get("states") or {}).get(rec.status) or {}
    if (state.get("assignee") or {}).get("type") == "ONE" and len(assignees) > 1:
        raise invalid_input({"assignees": [N_("The status ({status}) takes only one assignee.", status=rec.status)]})
    rec.assignees = assignees
    rec.revision += 1
    rec.modifier = identity.code
    rec.updated_at = clock.now().replace(tzinfo=None, second=0, microsecond=0)
    write_process_state(conn, live, [rec])
    return rec.revision


# --- deploying ------------------------------------------------------------------------------


def settle_records(conn: Connection, records: sa.Table, document: dict) -> None:
    """After a deploy with process management on, records without a (still existing) status are put
    in the first status, as kintone does when the feature is turned on."""
    state = first_state(document)
    if not document.get("enable") or state is None:
        return
    names = list((document.get("states") or {}).keys())
    conn.execute(records.update().where(sa.or_(records.c.status.is_(None), records.c.status.not_in(names)))
                 .values(status=state["name"]))
