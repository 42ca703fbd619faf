"""People of Groups: one per phone number. A number added to a group before its owner signs in is a
person not yet provisioned; signing in provisions it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.events.outbox import now_naive
from kinflow.groups.tables import people


@dataclass(frozen=True)
class Person:
    id: str
    mobile: str
    name: str
    provisioned: bool

    @property
    def profile_pic(self) -> str:
        return ""  # kinflow keeps no profile pictures (yet): Kaizala sends an empty URL for none too


def _person(row) -> Person:  # noqa: ANN001
    return Person(row.id, row.mobile, row.name, bool(row.provisioned))


def get_person(conn: Connection, person_id: str) -> Person | None:
    row = conn.execute(sa.select(people).where(people.c.id == person_id)).first()
    return _person(row) if row else None


def people_by_mobile(conn: Connection, mobiles: list[str]) -> dict[str, Person]:
    """The people of these numbers, created (not provisioned) for numbers nobody has yet."""
    if not mobiles:
        return {}
    found = {row.mobile: _person(row) for row in conn.execute(sa.select(people).where(people.c.mobile.in_(mobiles)))}
    missing = [mobile for mobile in mobiles if mobile not in found]
    if missing:
        now = now_naive()
        rows = [{"id": str(uuid.uuid4()), "mobile": mobile, "name": "", "provisioned": False, "created_at": now}
                for mobile in missing]
        conn.execute(people.insert(), rows)
        found.update({row["mobile"]: Person(row["id"], row["mobile"], "", False) for row in rows})
    return found


def provision(conn: Connection, mobile: str) -> tuple[Person, bool]:
    """The person of this number, provisioned; and whether this sign-in provisioned it."""
    person = people_by_mobile(conn, [mobile])[mobile]
    if person.provisioned:
        return person, False
    conn.execute(people.update().where(people.c.id == person.id).values(provisioned=True))
    return Person(person.id, person.mobile, person.name, True), True
