"""Sub-groups (Kaizala's hierarchical groups): create a group inside another, add an existing group
to one, list a group's sub-groups (the whole hierarchy with `fetchAllGroups`), remove one. Only the
parent's admins change its sub-groups; adding an existing group also needs its admin. A group is
never its own ancestor. Each change announces itself (`GroupAdded`, `GroupRemoved`) on the parent.

Messages flow down the hierarchy (`kinflow.groups.messages`); the members of a parent send only
announcements into its sub-groups (`kinflow.groups.actions`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.events import kaizala as kaizala_events
from kinflow.events.outbox import now_naive
from kinflow.groups.errors import bad_input, flag, forbidden, not_found, text
from kinflow.groups.groups import MAX_NAME, Group, links, load_group, new_group, role_of, summary
from kinflow.groups.signin import Caller
from kinflow.groups.tables import subgroups
from kinflow.storage.prepared import Prepared

MAX_PER_CALL = 100
# Deep enough for any organisation chart; a bound keeps the walk of a hierarchy bounded.
MAX_DEPTH = 20


def _require_admin(conn: Connection, caller: Caller, group: Group) -> None:
    if role_of(conn, group, caller) != "Admin":
        raise forbidden(f"Only an admin of the group ({group.id}) changes its sub-groups.")


def _linked(start: sa.Column, end: sa.Column) -> Prepared:
    return Prepared(sa.select(end).where(start.in_(sa.bindparam("level", expanding=True)))
                    .order_by(subgroups.c.added_at, end))


# Every message walks down from its group: compiled once (see `kinflow.storage.prepared`).
_BELOW = _linked(subgroups.c.parent_id, subgroups.c.child_id)
_ABOVE = _linked(subgroups.c.child_id, subgroups.c.parent_id)


def _walk(conn: Connection, group_id: str, down: bool) -> list[str]:
    """The groups below (or above) the group across the hierarchy, nearest first."""
    linked = _BELOW if down else _ABOVE
    found: list[str] = []
    level = [group_id]
    for _ in range(MAX_DEPTH):
        if not level:
            break
        level = [other for (other,) in linked.all(conn, level=level) if other not in found and other != group_id]
        found.extend(dict.fromkeys(level))
    return found


def descendants(conn: Connection, group_id: str) -> list[str]:
    """The sub-groups of the group across the hierarchy, nearest first."""
    return _walk(conn, group_id, down=True)


def ancestors(conn: Connection, group_id: str) -> list[str]:
    """The groups the group is a sub-group of, across the hierarchy, nearest first."""
    return _walk(conn, group_id, down=False)


def _link(conn: Connection, caller: Caller, parent: Group, child: Group) -> None:
    if child.id == parent.id or parent.id in descendants(conn, child.id):
        raise bad_input("subGroups", f"The group ({child.id}) contains the group ({parent.id}): no cycles.")
    exists = conn.execute(sa.select(subgroups.c.child_id).where(
        subgroups.c.parent_id == parent.id, subgroups.c.child_id == child.id)).first()
    if exists:
        return
    conn.execute(subgroups.insert().values(parent_id=parent.id, child_id=child.id, added_by=caller.person.id,
                                           added_at=now_naive()))
    kaizala_events.group_changed(conn, "GroupAdded", parent.id, child, caller.person)


def create_subgroup(conn: Connection, caller: Caller, parent_id: str, body: dict) -> dict:
    caller.require("groupinfo.write")
    parent = load_group(conn, parent_id)
    _require_admin(conn, caller, parent)
    if not flag(body.get("addUserToGroup"), "addUserToGroup", default=True):
        raise bad_input("addUserToGroup", "A sub-group's creator is its first admin; false is not supported yet.")
    name = text(body, "groupName", limit=MAX_NAME, required=False) or text(body, "name", limit=MAX_NAME)
    child = new_group(conn, caller, body, name)
    _link(conn, caller, parent, child)
    return {"groupId": child.id, "groupName": child.name}


def add_subgroups(conn: Connection, caller: Caller, parent_id: str, body: dict) -> dict:
    caller.require("groupinfo.write")
    parent = load_group(conn, parent_id)
    _require_admin(conn, caller, parent)
    ids = body.get("subGroups")
    if isinstance(ids, str):
        ids = [part.strip() for part in ids.split(",") if part.strip()]
    if not isinstance(ids, list) or not ids or len(ids) > MAX_PER_CALL:
        raise bad_input("subGroups", f"Enter an array of 1 to {MAX_PER_CALL} group ids.")
    for index, child_id in enumerate(ids):
        if not isinstance(child_id, str):
            raise bad_input(f"subGroups[{index}]", "Enter a group id.")
    for child_id in dict.fromkeys(ids):
        child = load_group(conn, child_id)
        _require_admin(conn, caller, child)
        _link(conn, caller, parent, child)
    return {"result": True}


def list_subgroups(conn: Connection, caller: Caller, parent_id: str, query: dict) -> dict:
    """The group with its sub-groups (Swagger's `Response - Fetch subGroup of a group`)."""
    caller.require("groupinfo.read")
    parent = load_group(conn, parent_id)
    role_of(conn, parent, caller)
    if flag(query.get("fetchAllGroups"), "fetchAllGroups"):
        child_ids = descendants(conn, parent.id)
    else:
        child_ids = list(conn.execute(sa.select(subgroups.c.child_id).where(subgroups.c.parent_id == parent.id)
                                      .order_by(subgroups.c.added_at, subgroups.c.child_id)).scalars())
    linked = links(conn, [parent.id, *child_ids])
    children = [load_group(conn, child_id) for child_id in child_ids]
    return {**summary(parent, *linked[parent.id]), "welcomeMessage": parent.welcome_message,
            "subGroups": [{**summary(child, *linked[child.id]), "isDuplicate": False,
                           "welcomeMessage": child.welcome_message} for child in children]}


def remove_subgroup(conn: Connection, caller: Caller, parent_id: str, child_id: str) -> dict:
    caller.require("groupinfo.remove")
    parent = load_group(conn, parent_id)
    _require_admin(conn, caller, parent)
    removed = conn.execute(subgroups.delete().where(subgroups.c.parent_id == parent.id,
                                                    subgroups.c.child_id == child_id[:36])).rowcount
    if not removed:
        raise not_found("sub-group", child_id[:40])
    kaizala_events.group_changed(conn, "GroupRemoved", parent.id, load_group(conn, child_id), caller.person)
    return {"result": True}
