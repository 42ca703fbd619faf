"""Spaces: list, members (kintone's shape: `{entity: {type, code}, isAdmin, includeSubs}`), delete."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.directory.users import entity_not_found, existing_codes
from kinflow.errors import KintoneError, integer_param, invalid_input
from kinflow.i18n import N_
from kinflow.storage.schema import MAX_ID, apps, space_members, spaces

MAX_MEMBERS = 1_000
ENTITY_TYPES = ("USER", "ORGANIZATION", "GROUP")


def space_not_found(space_id: object) -> KintoneError:
    return KintoneError("GAIA_SP01", N_("The space (id: {space_id}) is not found.", space_id=space_id), 404)


def _existing(conn: Connection, body: dict) -> int:
    if body.get("id") in (None, ""):
        raise invalid_input({"id": [N_("Required field.")]})
    number = integer_param(body, "id", 0, 0, 2**62)
    if not 0 < number <= MAX_ID or conn.execute(sa.select(spaces.c.id).where(spaces.c.id == number)).first() is None:
        raise space_not_found(body.get("id"))
    return number


def list_spaces(conn: Connection, *, offset: int, size: int) -> list[dict]:
    count = sa.select(sa.func.count()).select_from(apps).where(apps.c.space_id == spaces.c.id).scalar_subquery()
    rows = conn.execute(sa.select(spaces, count.label("apps")).order_by(spaces.c.id).offset(offset).limit(size))
    return [{"id": str(r.id), "name": r.name, "isGuest": r.is_guest, "apps": r.apps} for r in rows]


def members(conn: Connection, body: dict) -> list[dict]:
    rows = conn.execute(sa.select(space_members).where(space_members.c.space_id == _existing(conn, body))
                        .order_by(space_members.c.entity_type, space_members.c.code))
    return [{"entity": {"type": r.entity_type, "code": r.code}, "isAdmin": r.is_admin,
             "includeSubs": r.include_subs} for r in rows]


def _member(conn: Connection, index: int, item: object) -> dict:
    key = f"members[{index}]"
    entity = item.get("entity") if isinstance(item, dict) else None
    if not isinstance(entity, dict) or entity.get("type") not in ENTITY_TYPES or not isinstance(entity.get("code"), str):
        raise invalid_input({key: [N_('Enter {"entity": {"type": USER|ORGANIZATION|GROUP, "code"}, "isAdmin"}.')]})
    if not existing_codes(conn, entity["type"], {entity["code"]}):
        raise invalid_input({key: [entity_not_found(entity["type"], entity["code"][:128])]})
    return {"entity_type": entity["type"], "code": entity["code"],
            "is_admin": item.get("isAdmin") is True, "include_subs": item.get("includeSubs") is True}


def set_members(conn: Connection, body: dict) -> None:
    """Replace the members; at least one of them an administrator of the space, as kintone requires."""
    number = _existing(conn, body)
    given = body.get("members")
    if not isinstance(given, list) or not given or len(given) > MAX_MEMBERS:
        raise invalid_input({"members": [N_("Enter between 1 and {max_members} members.", max_members=MAX_MEMBERS)]})
    rows = {(m["entity_type"], m["code"]): m for m in (_member(conn, i, item) for i, item in enumerate(given))}
    if not any(m["is_admin"] for m in rows.values()):
        raise invalid_input({"members": [N_("A space needs at least one administrator (isAdmin: true).")]})
    conn.execute(space_members.delete().where(space_members.c.space_id == number))
    conn.execute(space_members.insert(), [{"space_id": number, **m} for m in rows.values()])


def delete_space(conn: Connection, body: dict) -> None:
    """A space that still holds apps is refused: kinflow deletes no app with it."""
    number = _existing(conn, body)
    if conn.execute(sa.select(apps.c.id).where(apps.c.space_id == number).limit(1)).first():
        raise invalid_input({"id": [N_("The space still holds apps: it cannot be deleted.")]})
    conn.execute(space_members.delete().where(space_members.c.space_id == number))
    conn.execute(spaces.delete().where(spaces.c.id == number))
