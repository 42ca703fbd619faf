"""Administering departments (a tree) and groups: list, rename, move, change members, delete.

Departments and groups are named by code in app settings (permissions, notifications); deleting one
leaves those entries naming nobody, so they grant and notify nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.directory.users import _department_id
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_
from kinflow.storage.schema import departments, group_members, groups, user_departments, users

MAX_MEMBERS = 10_000


def group_not_found(code: object) -> KintoneError:
    return KintoneError("GAIA_GR01", N_("The group ({code}) is not found.", code=code), 404)


def list_departments(conn: Connection, *, offset: int, size: int) -> list[dict]:
    parent = departments.alias("parent")
    rows = conn.execute(
        sa.select(departments.c.id, departments.c.code, departments.c.name, parent.c.code.label("parent"))
        .select_from(departments.outerjoin(parent, parent.c.id == departments.c.parent_id))
        .order_by(departments.c.id).offset(offset).limit(size)).all()
    return [{"id": str(r.id), "code": r.code, "name": r.name, "parentCode": r.parent} for r in rows]


def list_groups(conn: Connection, *, offset: int, size: int) -> list[dict]:
    rows = conn.execute(sa.select(groups).order_by(groups.c.id).offset(offset).limit(size)).all()
    return [{"id": str(r.id), "code": r.code, "name": r.name} for r in rows]


def _user_ids(conn: Connection, codes: list[str]) -> list[int]:
    if len(codes) > MAX_MEMBERS:
        raise invalid_input({"members": [N_("Enter at most {max_members} login names.", max_members=MAX_MEMBERS)]})
    found = dict(conn.execute(sa.select(users.c.code, users.c.id).where(users.c.code.in_(set(codes)))).all())
    missing = [code for code in codes if code not in found]
    if missing:
        raise invalid_input({"members": [N_("The user ({code}) is not found.", code=missing[0])]})
    return list(dict.fromkeys(found[code] for code in codes))


def _members(conn: Connection, link: sa.Table, column: sa.Column, owner_id: int, offset: int, size: int) -> list:
    return list(conn.execute(
        sa.select(users.c.code).join(link, link.c.user_id == users.c.id).where(column == owner_id)
        .order_by(users.c.id).offset(offset).limit(size)).scalars())


def department_members(conn: Connection, code: str, *, offset: int, size: int) -> list[str]:
    return _members(conn, user_departments, user_departments.c.department_id, _department_id(conn, code),
                    offset, size)


def group_members_of(conn: Connection, code: str, *, offset: int, size: int) -> list[str]:
    return _members(conn, group_members, group_members.c.group_id, _group_id(conn, code), offset, size)


def _group_id(conn: Connection, code: str) -> int:
    found = conn.execute(sa.select(groups.c.id).where(groups.c.code == code)).scalar()
    if found is None:
        raise group_not_found(code)
    return found


def _name(changes: dict) -> str | None:
    name = changes.get("name")
    if name is None:
        return None
    if not isinstance(name, str) or not 1 <= len(name) <= 128:
        raise invalid_input({"name": [N_("Enter between 1 and 128 characters.")]})
    return name


def update_department(conn: Connection, code: str, changes: dict) -> None:
    """Rename (`name`), move (`parent`: a department's code, or null for the top level) and replace
    the members (`members`: login names)."""
    dept_id = _department_id(conn, code)
    values: dict = {}
    if (name := _name(changes)) is not None:
        values["name"] = name
    if "parent" in changes:
        parent = changes["parent"]
        values["parent_id"] = _new_parent(conn, dept_id, parent) if parent else None
    if values:
        conn.execute(departments.update().where(departments.c.id == dept_id).values(**values))
    if changes.get("members") is not None:
        wanted = _user_ids(conn, changes["members"])
        conn.execute(user_departments.delete().where(user_departments.c.department_id == dept_id))
        for user_id in wanted:
            conn.execute(user_departments.insert().values(user_id=user_id, department_id=dept_id))
        # A user who left their primary department gets none (or the first one they still have).
        conn.execute(users.update().where(users.c.primary_department_id == dept_id, users.c.id.not_in(wanted))
                     .values(primary_department_id=None))


def _new_parent(conn: Connection, dept_id: int, parent_code: str) -> int:
    parent_id = _department_id(conn, parent_code)
    tree = dict(conn.execute(sa.select(departments.c.id, departments.c.parent_id)).all())
    ancestor: int | None = parent_id
    while ancestor is not None:  # the new parent may not be the department itself or below it
        if ancestor == dept_id:
            raise invalid_input({"parent": [N_("A department cannot move below itself.")]})
        ancestor = tree.get(ancestor)
    return parent_id


def delete_department(conn: Connection, code: str) -> None:
    """A department with sub-departments is refused: move or delete them first."""
    dept_id = _department_id(conn, code)
    if conn.execute(sa.select(departments.c.id).where(departments.c.parent_id == dept_id)).first():
        raise invalid_input({"code": [N_("The department ({code}) has sub-departments: move or delete them first.",
                                         code=code)]})
    conn.execute(users.update().where(users.c.primary_department_id == dept_id).values(primary_department_id=None))
    conn.execute(user_departments.delete().where(user_departments.c.department_id == dept_id))
    conn.execute(departments.delete().where(departments.c.id == dept_id))


def update_group(conn: Connection, code: str, changes: dict) -> None:
    """Rename (`name`) and replace the members (`members`: login names)."""
    group_id = _group_id(conn, code)
    if (name := _name(changes)) is not None:
        conn.execute(groups.update().where(groups.c.id == group_id).values(name=name))
    if changes.get("members") is not None:
        wanted = _user_ids(conn, changes["members"])
        conn.execute(group_members.delete().where(group_members.c.group_id == group_id))
        for user_id in wanted:
            conn.execute(group_members.insert().values(group_id=group_id, user_id=user_id))


def delete_group(conn: Connection, code: str) -> None:
    group_id = _group_id(conn, code)
    conn.execute(group_members.delete().where(group_members.c.group_id == group_id))
    conn.execute(groups.delete().where(groups.c.id == group_id))
