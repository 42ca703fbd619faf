"""Who record and field permissions are decided for: a user with their groups and departments, and
how a list of permission entities decides for them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.form import Form
from kinflow.apps.query.ast import Condition, InList, StringValue
from kinflow.directory.identity import Identity
from kinflow.directory.users import EVERYONE, departments_with_ancestors, memberships
from kinflow.storage.prepared import Prepared
from kinflow.storage.schema import group_members, groups, users

# A user's own login is what these fields hold of them.
_USER_FIELDS = frozenset({"USER_SELECT", "CREATOR", "MODIFIER", "STATUS_ASSIGNEE"})


@dataclass(frozen=True)
class Person:
    """Who permissions are decided for: a login with its groups and departments."""

    code: str
    groups: frozenset[str]
    departments: frozenset[str]  # the user's own
    ancestors: frozenset[str]  # every department above one of the user's own

    def named_by(self, entry: dict) -> bool:
        entity = entry["entity"]
        kind, code = entity["type"], entity["code"]
        if kind == "USER":
            return code == self.code
        if kind == "GROUP":
            return code in self.groups
        if kind == "ORGANIZATION":
            return code in self.departments or (entry.get("includeSubs", False) and code in self.ancestors)
        return False

    def field_holds(self, form: Form, entry: dict) -> Condition | None:
        """The condition "this record's field names the person" of a FIELD_ENTITY entry; None when
        it can hold for no record."""
        field = form.get(entry["entity"]["code"])
        if field is None:
            return None
        if field.type in _USER_FIELDS:
            codes: frozenset[str] = frozenset({self.code})
        elif field.type == "ORGANIZATION_SELECT":
            codes = self.departments | (self.ancestors if entry.get("includeSubs") else frozenset())
        elif field.type == "GROUP_SELECT":
            codes = self.groups
        else:
            return None
        if not codes:
            return None
        return InList(field.code, False, tuple(StringValue(c) for c in sorted(codes)))


def person_of(conn: Connection, identity: Identity) -> Person | None:
    """The person a call's record and field permissions apply to; None for API tokens."""
    user = identity.user
    if user is None:
        return None
    person = identity.memo.get("person")
    if person is None:
        group_codes, marked = memberships(conn, user.id)
        person = identity.memo["person"] = _person(user.code, group_codes, marked)
    return person


def _person(code: str, groups: set[str], marked: set[str]) -> Person:
    # `marked`: departments as `directory.users` gives them, ancestors with a leading '^'.
    return Person(code, frozenset(groups), frozenset(d for d in marked if not d.startswith("^")),
                  frozenset(d[1:] for d in marked if d.startswith("^")))


_ACTIVE_USERS = Prepared(sa.select(users.c.id, users.c.code).where(
    users.c.code.in_(sa.bindparam("codes", expanding=True)), users.c.active))
_GROUPS_OF = Prepared(sa.select(group_members.c.user_id, groups.c.code)
                      .join(groups, groups.c.id == group_members.c.group_id)
                      .where(group_members.c.user_id.in_(sa.bindparam("ids", expanding=True))))


def people(conn: Connection, codes: set[str]) -> list[Person]:
    """The active users among `codes`, each with groups and departments, in a few queries."""
    found = _ACTIVE_USERS.all(conn, codes=sorted(codes)) if codes else []
    ids = {user_id: code for user_id, code in found}
    groups_of: dict[int, set[str]] = {user_id: {EVERYONE} for user_id in ids}
    for user_id, code in _GROUPS_OF.all(conn, ids=list(ids)) if ids else []:
        groups_of[user_id].add(code)
    depts = departments_with_ancestors(conn, list(ids)) if ids else {}
    return [_person(code, groups_of[user_id], depts.get(user_id, set())) for user_id, code in ids.items()]


# One decision: (a condition on the record, or None for "always", and the answer when it holds).
Decision = tuple[Condition | None, bool]


def decide(entities: list[dict], form: Form, person: Person, answer) -> list[Decision]:  # noqa: ANN001
    """The entities of one permission set, for one person, in priority order: entities naming the
    person outright end the list; FIELD_ENTITY ones wait for the record."""
    decisions: list[Decision] = []
    for entry in entities:
        if entry["entity"]["type"] == "FIELD_ENTITY":
            holds = person.field_holds(form, entry)
            if holds is not None:
                decisions.append((holds, answer(entry)))
        elif person.named_by(entry):
            decisions.append((None, answer(entry)))
            break
    return decisions
