"""Subscribers of public groups (Kaizala's managed public groups, `groupType: ConnectGroup`): admins
add and remove them by number and list them a page at a time; subscribers receive the admins'
messages and never see each other (subscribers.md)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.events.outbox import now_naive
from kinflow.groups.errors import bad_input, digits, forbidden
from kinflow.groups.groups import Group
from kinflow.groups.people import people_by_mobile
from kinflow.groups.phones import e164_list
from kinflow.groups.tables import people, subscribers

MAX_PER_CALL = 100
PAGE = 50


def require_public(group: Group, role: str) -> None:
    if group.group_type != "ConnectGroup":
        raise bad_input("groupId", f"The group ({group.id}) is not a public group (ConnectGroup): it has no subscribers.")
    if role != "Admin":
        raise forbidden(f"Only an admin of the public group ({group.id}) manages and writes to its subscribers.")


def _numbers(body: dict) -> list[str]:
    numbers = e164_list(body.get("subscribers"), "subscribers", limit=MAX_PER_CALL)
    if not numbers:
        raise bad_input("subscribers", "Enter one or more mobile numbers.")
    return numbers


def add_subscribers(conn: Connection, group: Group, role: str, body: dict) -> dict:
    require_public(group, role)
    numbers = _numbers(body)
    found = people_by_mobile(conn, numbers)
    present = set(conn.execute(sa.select(subscribers.c.person_id).where(
        subscribers.c.group_id == group.id, subscribers.c.person_id.in_([p.id for p in found.values()]))).scalars())
    new = [found[n] for n in numbers if found[n].id not in present]
    if new:
        now = now_naive()
        conn.execute(subscribers.insert(), [{"group_id": group.id, "person_id": p.id, "added_at": now} for p in new])
    return {"result": {n: {"isAdded": True} if found[n].id not in present
                       else {"isAdded": False, "reason": "Already a subscriber."} for n in numbers}}


def remove_subscribers(conn: Connection, group: Group, role: str, body: dict) -> dict:
    require_public(group, role)
    numbers = _numbers(body)
    ids = dict(conn.execute(sa.select(people.c.mobile, subscribers.c.id).join(
        subscribers, subscribers.c.person_id == people.c.id).where(
        subscribers.c.group_id == group.id, people.c.mobile.in_(numbers))).all())
    if ids:
        conn.execute(subscribers.delete().where(subscribers.c.id.in_(list(ids.values()))))
    return {"result": {n: {"isRemoved": True} if n in ids else {"isRemoved": False, "reason": "Not a subscriber."}
                       for n in numbers}}


def list_subscribers(conn: Connection, group: Group, role: str, body: dict) -> dict:
    """A page of subscribers; `cursor` in the answer, when more follow, asks for the next page."""
    require_public(group, role)
    cursor, count = body.get("cursor"), body.get("count", PAGE)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= PAGE:
        raise bad_input("count", f"Enter a number from 1 to {PAGE}.")
    after = 0
    if cursor not in (None, ""):
        if not digits(cursor, 18):
            raise bad_input("cursor", "Enter the cursor of the previous page.")
        after = int(cursor)
    rows = conn.execute(sa.select(subscribers.c.id, people.c.id.label("person"), people.c.mobile, people.c.name,
                                  people.c.provisioned)
                        .join(people, people.c.id == subscribers.c.person_id)
                        .where(subscribers.c.group_id == group.id, subscribers.c.id > after)
                        .order_by(subscribers.c.id).limit(count + 1)).all()
    page = {"subscribers": [{"id": row.person, "mobileNumber": row.mobile, "name": row.name, "profilePic": "",
                             "isProvisioned": bool(row.provisioned)} for row in rows[:count]]}
    if len(rows) > count:
        page["cursor"] = str(rows[count - 1].id)
    return page


def audience(conn: Connection, group: Group, role: str, body: dict) -> object:
    """Who a message goes to: None for the group's members, "all" for every subscriber, or the
    chosen subscribers' numbers (each must be one)."""
    everyone = body.get("sendToAllSubscribers")
    chosen = body.get("subscribers")
    if everyone in (None, False, "false") and not chosen:
        return None
    require_public(group, role)
    if everyone not in (None, False, "false"):
        if everyone not in (True, "true"):
            raise bad_input("sendToAllSubscribers", "Enter true or false.")
        return "all"
    numbers = e164_list(chosen, "subscribers", limit=MAX_PER_CALL)
    known = set(conn.execute(sa.select(people.c.mobile).join(subscribers, subscribers.c.person_id == people.c.id)
                             .where(subscribers.c.group_id == group.id, people.c.mobile.in_(numbers))).scalars())
    strangers = [n for n in numbers if n not in known]
    if strangers:
        raise bad_input("subscribers", f"{strangers[0]} is not a subscriber of this group.")
    return numbers
