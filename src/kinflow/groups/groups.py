"""Groups: create one (its creator is its first admin), list the caller's groups, read one's details.
Only members see a group."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.events.outbox import now_naive
from kinflow.groups import members as group_members
from kinflow.groups.errors import bad_input, flag, forbidden, not_found, text
from kinflow.groups.phones import e164_list
from kinflow.groups.signin import Caller
from kinflow.groups.tables import groups, members, people, subgroups
from kinflow.storage.prepared import Prepared

GROUP_TYPES = ("Group", "ConnectGroup")
MAX_NAME = 256
MAX_TEXT = 4000


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    welcome_message: str
    group_type: str
    short_description: str
    long_description: str


# Asked on nearly every call of the groups API: compiled once (see `kinflow.storage.prepared`).
_GROUP_COLUMNS = (groups.c.id, groups.c.name, groups.c.welcome_message, groups.c.group_type,
                  groups.c.short_description, groups.c.long_description)
_GROUP = Prepared(sa.select(*_GROUP_COLUMNS).where(groups.c.id == sa.bindparam("group")))
_ROLE = Prepared(sa.select(members.c.role).where(members.c.group_id == sa.bindparam("group"),
                                                 members.c.person_id == sa.bindparam("person")))
_GROUP_AND_ROLE = Prepared(
    sa.select(*_GROUP_COLUMNS, members.c.role)
    .select_from(groups.outerjoin(members, sa.and_(members.c.group_id == groups.c.id,
                                                   members.c.person_id == sa.bindparam("person"))))
    .where(groups.c.id == sa.bindparam("group")))


def _group_id(group_id: object) -> str:
    if not isinstance(group_id, str) or len(group_id) > 36:
        raise not_found("group", str(group_id)[:40])
    return group_id


def load_group(conn: Connection, group_id: object) -> Group:
    row = _GROUP.first(conn, group=_group_id(group_id))
    if row is None:
        raise not_found("group", group_id)
    return Group(*row)


def _member_role(group: Group, role: str | None) -> str:
    if role is None:
        raise forbidden(f"You are not a member of the group ({group.id}).")
    return role


def role_of(conn: Connection, group: Group, caller: Caller) -> str:
    """The caller's role in the group (Admin or Member); only members act in a group."""
    row = _ROLE.first(conn, group=group.id, person=caller.person.id)
    return _member_role(group, row[0] if row else None)


def group_and_role(conn: Connection, group_id: object, caller: Caller) -> tuple[Group, str]:
    """`load_group` and `role_of` in one statement."""
    row = _GROUP_AND_ROLE.first(conn, group=_group_id(group_id), person=caller.person.id)
    if row is None:
        raise not_found("group", group_id)
    group = Group(*row[:6])
    return group, _member_role(group, row[6])


def create_group(conn: Connection, caller: Caller, body: dict) -> dict:
    caller.require("groupinfo.write")
    group = new_group(conn, caller, body, text(body, "name", limit=MAX_NAME))
    return {"groupName": group.name, "groupId": group.id, "membersAdded": True}


def new_group(conn: Connection, caller: Caller, body: dict, name: str) -> Group:
    """A group made from a create body, with the caller as its admin and the body's members."""
    welcome = text(body, "welcomeMessage", limit=MAX_TEXT)
    group_type = text(body, "groupType", limit=16, required=False, default="Group")
    if group_type not in GROUP_TYPES:
        raise bad_input("groupType", f"Enter one of {', '.join(GROUP_TYPES)}.")
    numbers = e164_list(body.get("members") or [], "members", limit=group_members.MAX_PER_CALL)
    group = Group(str(uuid.uuid4()), name, welcome, group_type,
                  text(body, "shortDescription", limit=MAX_TEXT, required=False),
                  text(body, "longDescription", limit=MAX_TEXT, required=False))
    conn.execute(groups.insert().values(
        id=group.id, name=group.name, welcome_message=group.welcome_message, group_type=group.group_type,
        short_description=group.short_description, long_description=group.long_description,
        creator_id=caller.person.id, created_at=now_naive()))
    group_members.add(conn, group.id, caller.person, [caller.person.mobile], role="Admin")
    group_members.add(conn, group.id, caller.person, [n for n in numbers if n != caller.person.mobile])
    return group


def _counts(conn: Connection, group_ids: list[str]) -> dict[str, tuple[int, int]]:
    """(members, members not yet provisioned) of each group."""
    unprovisioned = sa.func.sum(sa.case((people.c.provisioned, 0), else_=1))
    rows = conn.execute(sa.select(members.c.group_id, sa.func.count(), unprovisioned)
                        .join(people, people.c.id == members.c.person_id)
                        .where(members.c.group_id.in_(group_ids)).group_by(members.c.group_id))
    return {row[0]: (row[1], int(row[2] or 0)) for row in rows}


def links(conn: Connection, group_ids: list[str]) -> dict[str, tuple[int, int]]:
    """(sub-groups, parent groups) of each group."""
    return _tally(group_ids, conn.execute(sa.select(subgroups.c.parent_id, subgroups.c.child_id).where(
        sa.or_(subgroups.c.parent_id.in_(group_ids), subgroups.c.child_id.in_(group_ids)))))


def _tally(group_ids: list[str], pairs: Iterable) -> dict[str, tuple[int, int]]:
    """(sub-groups, parent groups) of each group, from (parent, child) links."""
    found = {group_id: [0, 0] for group_id in group_ids}
    for parent, child in pairs:
        if parent in found:
            found[parent][0] += 1
        if child in found:
            found[child][1] += 1
    return {group_id: (subs, parents) for group_id, (subs, parents) in found.items()}


def summary(group: Group, subs: int, parents: int) -> dict:
    """The fields every listing of a group has."""
    return {"groupId": group.id, "groupName": group.name, "groupImageUrl": "", "hasSubGroups": subs > 0,
            "hasParentGroups": parents > 0, "isMappedToTenant": False, "groupType": group.group_type}


def _as_json(group: Group, role: str, counts: tuple[int, int], detail: bool, linked: tuple[int, int]) -> dict:
    users, unprovisioned = counts
    subs, parents = linked
    body = {**summary(group, subs, parents), "userCount": users, "currentLevelUserCount": users}
    if detail:
        body.update({
            "callerRole": role, "currentLevelSubGroupCount": subs, "currentLevelParentGroupCount": parents,
            "uniqueUserCount": users, "currentLevelUnProvisionedUserCount": unprovisioned,
            "unProvisionedUserCount": unprovisioned, "isDuplicate": False, "isEditable": role == "Admin",
            "isDetailsReadable": True, "welcomeMessage": group.welcome_message,
            "shortDescription": group.short_description, "longDescription": group.long_description,
        })
    return body


# A person's groups, their member counts and their links, each in one statement compiled once: a
# person may be in a thousand groups, whose ids would otherwise be sent back as a thousand parameters.
_me = members.alias("me")
_MY_GROUP_IDS = sa.select(_me.c.group_id).where(_me.c.person_id == sa.bindparam("person"))
_MY_GROUPS = Prepared(
    sa.select(*_GROUP_COLUMNS, members.c.role).select_from(groups.join(members, members.c.group_id == groups.c.id))
    .where(members.c.person_id == sa.bindparam("person")).order_by(groups.c.created_at, groups.c.id))
_MY_COUNTS = Prepared(
    sa.select(members.c.group_id, sa.func.count(),
              sa.func.sum(sa.case((people.c.provisioned, sa.literal_column("0")), else_=sa.literal_column("1"))))
    .select_from(members.join(people, people.c.id == members.c.person_id))
    .where(members.c.group_id.in_(_MY_GROUP_IDS)).group_by(members.c.group_id))
_MY_LINKS = Prepared(sa.select(subgroups.c.parent_id, subgroups.c.child_id).where(
    sa.or_(subgroups.c.parent_id.in_(_MY_GROUP_IDS), subgroups.c.child_id.in_(_MY_GROUP_IDS))))


def list_groups(conn: Connection, caller: Caller, params: dict) -> dict:
    """The groups the caller is a member of (`fetchAllGroups` changes nothing until sub-groups exist)."""
    caller.require("groupinfo.read")
    detail = flag(params.get("showDetail"), "showDetail")
    flag(params.get("fetchAllGroups"), "fetchAllGroups")
    person = caller.person.id
    rows = _MY_GROUPS.all(conn, person=person)
    counts = {group_id: (count, int(unprovisioned or 0))
              for group_id, count, unprovisioned in _MY_COUNTS.all(conn, person=person)}
    linked = _tally([row[0] for row in rows], _MY_LINKS.all(conn, person=person))
    return {"groups": [_as_json(Group(*row[:6]), row[6], counts.get(row[0], (0, 0)), detail, linked[row[0]])
                       for row in rows]}


def group_details(conn: Connection, caller: Caller, group_id: str) -> dict:
    """One group, in the `groups` array Kaizala's documentation shows for this call."""
    caller.require("groupinfo.read")
    group = load_group(conn, group_id)
    role = role_of(conn, group, caller)
    return {"groups": [_as_json(group, role, _counts(conn, [group.id]).get(group.id, (0, 0)), True,
                                links(conn, [group.id])[group.id])]}
