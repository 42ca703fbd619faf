"""Members of a group: added by phone number (people not on kinflow yet are added unprovisioned),
listed with their role and whether they are provisioned, removed. Only admins change membership.
Each change announces itself (`MemberAdded`, `MemberRemoved`) in its own transaction."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.events import kaizala as kaizala_events
from kinflow.events.outbox import now_naive
from kinflow.groups.errors import bad_input, forbidden, not_found
from kinflow.groups.people import Person, people_by_mobile
from kinflow.groups.phones import e164_list
from kinflow.groups.tables import members, people

ROLES = ("Admin", "Member")
# Kaizala's limit for one call (create a group, add members).
MAX_PER_CALL = 100


def add(conn: Connection, group_id: str, by: Person, mobiles: list[str], role: str = "Member") -> list[Person]:
    """Add these numbers to the group (those already in it are left as they are); returns who was added."""
    found = people_by_mobile(conn, mobiles)
    present = set(conn.execute(sa.select(members.c.person_id).where(
        members.c.group_id == group_id, members.c.person_id.in_([p.id for p in found.values()]))).scalars())
    added = [found[mobile] for mobile in mobiles if found[mobile].id not in present]
    if added:
        now = now_naive()
        conn.execute(members.insert(), [{"id": str(uuid.uuid4()), "group_id": group_id, "person_id": person.id,
                                         "role": role, "added_at": now} for person in added])
        kaizala_events.members_changed(conn, "MemberAdded", group_id, by, [(person, role) for person in added])
    return added


def _require_admin(role: str, group_id: str) -> None:
    if role != "Admin":
        raise forbidden(f"Only an admin of the group ({group_id}) changes its members.")


def add_members(conn: Connection, group_id: str, by: Person, role: str, body: dict) -> dict:
    _require_admin(role, group_id)
    numbers = e164_list(body.get("members"), "members", limit=MAX_PER_CALL)
    if not numbers:
        raise bad_input("members", "Enter one or more mobile numbers.")
    add(conn, group_id, by, numbers)
    return {"result": True}


def list_members(conn: Connection, group_id: str) -> dict:
    rows = conn.execute(sa.select(members.c.id, members.c.role, people.c.mobile, people.c.provisioned)
                        .join(people, people.c.id == members.c.person_id)
                        .where(members.c.group_id == group_id).order_by(members.c.added_at, people.c.mobile))
    return {"members": [{"id": row.id, "role": row.role, "mobileNumber": row.mobile,
                         "isProvisioned": bool(row.provisioned)} for row in rows]}


def remove_member(conn: Connection, group_id: str, by: Person, role: str, member_id: str) -> dict:
    _require_admin(role, group_id)
    row = conn.execute(sa.select(members, people.c.mobile, people.c.name, people.c.provisioned)
                       .join(people, people.c.id == members.c.person_id)
                       .where(members.c.id == member_id, members.c.group_id == group_id)).first()
    if row is None:
        raise not_found("member", member_id[:40])
    if row.role == "Admin":
        admins = conn.execute(sa.select(sa.func.count()).select_from(members).where(
            members.c.group_id == group_id, members.c.role == "Admin")).scalar_one()
        if admins <= 1:
            raise bad_input("memberId", "The last admin of a group cannot be removed.")
    conn.execute(members.delete().where(members.c.id == member_id))
    person = Person(row.person_id, row.mobile, row.name, bool(row.provisioned))
    kaizala_events.members_changed(conn, "MemberRemoved", group_id, by, [(person, row.role)])
    return {"result": True}
