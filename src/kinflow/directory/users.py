"""Users, departments and groups: the entities kintone's permissions and selections refer to."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.directory.passwords import hash_password
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_, Message, choose
from kinflow.storage.prepared import Prepared
from kinflow.storage.schema import departments, group_members, groups, user_departments, users, web_sessions

ADMINISTRATOR = "Administrator"
# kintone's built-in group every user belongs to.
EVERYONE = "everyone"


@dataclass(frozen=True)
class User:
    id: int
    code: str
    name: str
    active: bool
    is_admin: bool
    timezone: str
    primary_department: str | None
    language: str = "auto"  # kintone's setting: "auto" (the browser's) or a language code


# Authentication runs this for every request: the user with the code of their primary department,
# in one statement compiled once.
USER_COLUMNS = (users.c.id, users.c.code, users.c.name, users.c.active, users.c.is_admin, users.c.timezone,
                departments.c.code.label("primary_department"), users.c.language)
_USER_BY_CODE = Prepared(
    sa.select(*USER_COLUMNS, users.c.password_hash)
    .select_from(users.outerjoin(departments, departments.c.id == users.c.primary_department_id))
    .where(users.c.code == sa.bindparam("code"))
)


def entity_not_found(kind: str, code: object) -> Message:
    """"The user (x) is not found." for an entity of a selection (`USER`, `ORGANIZATION`, `GROUP`)."""
    if kind == "USER":
        return N_("The user ({code}) is not found.", code=code)
    if kind == "GROUP":
        return N_("The group ({code}) is not found.", code=code)
    return N_("The organization ({code}) is not found.", code=code)


def _user_row(conn: Connection, code: str):  # noqa: ANN202
    return _USER_BY_CODE.first(conn, code=code)


def row_to_user(row) -> User:  # noqa: ANN001
    return User(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7])


@dataclass(frozen=True)
class Reader:
    """How a user reads what kinflow writes for them when no browser is there to ask."""

    language: str
    timezone: str


# Every notified change asks this about each of its recipients: compiled once.
_READERS = Prepared(sa.select(users.c.code, users.c.language, users.c.timezone)
                    .where(users.c.code.in_(sa.bindparam("codes", expanding=True))))


def readers(conn: Connection, codes: set[str], default_language: str) -> dict[str, Reader]:
    """Each user's language (their setting; for "auto", the server's default) and time zone."""
    if not codes:
        return {}
    found = {code: (language, timezone) for code, language, timezone in _READERS.all(conn, codes=sorted(codes))}
    chosen: dict[str | None, str] = {}  # most readers share a setting ("auto"): each chosen once
    result = {}
    for code in codes:
        setting, timezone = found.get(code, (None, "UTC"))
        language = chosen.get(setting)
        if language is None:
            language = chosen[setting] = choose(setting, "", default_language)
        result[code] = Reader(language, timezone)
    return result


def get_user(conn: Connection, code: str) -> User | None:
    row = _user_row(conn, code)
    return None if row is None else row_to_user(row)


def get_user_with_hash(conn: Connection, code: str) -> tuple[User, str] | None:
    row = _user_row(conn, code)
    return None if row is None else (row_to_user(row), row[8])


def create_user(
    conn: Connection,
    code: str,
    name: str | None = None,
    password: str = "",
    *,
    email: str = "",
    is_admin: bool = False,
    active: bool = True,
    timezone: str = "UTC",
    departments_codes: list[str] | None = None,
    primary_department: str | None = None,
) -> User:
    if not code or len(code) > 128:
        raise invalid_input({"code": [N_("Enter between 1 and 128 characters.")]})
    if conn.execute(sa.select(users.c.id).where(users.c.code == code)).first():
        raise invalid_input({"code": [N_("This login name is already used.")]})
    dept_ids = [_department_id(conn, c) for c in departments_codes or []]
    primary_id = _department_id(conn, primary_department) if primary_department else None
    if primary_id is None and dept_ids:
        primary_id = dept_ids[0]
    user_id = conn.execute(
        users.insert().values(
            code=code,
            name=name or code,
            email=email,
            password_hash=hash_password(password) if password else "",
            is_admin=is_admin,
            active=active,
            timezone=timezone,
            primary_department_id=primary_id,
        )
    ).inserted_primary_key[0]
    for dept_id in set(dept_ids) | ({primary_id} if primary_id else set()):
        conn.execute(user_departments.insert().values(user_id=user_id, department_id=dept_id))
    user = get_user(conn, code)
    assert user is not None
    return user


def set_user_active(conn: Connection, code: str, active: bool) -> None:
    conn.execute(users.update().where(users.c.code == code).values(active=active))


def set_password(conn: Connection, code: str, password: str) -> None:
    """A new password also ends the user's browser sessions (one may have been a thief's)."""
    conn.execute(users.update().where(users.c.code == code).values(password_hash=hash_password(password)))
    user_id = sa.select(users.c.id).where(users.c.code == code).scalar_subquery()
    conn.execute(web_sessions.delete().where(web_sessions.c.user_id == user_id))


def _department_id(conn: Connection, code: str) -> int:
    dept_id = conn.execute(sa.select(departments.c.id).where(departments.c.code == code)).scalar()
    if dept_id is None:
        raise KintoneError("GAIA_OR01", N_("The department ({code}) is not found.", code=code), 400)
    return dept_id


def create_department(conn: Connection, code: str, name: str | None = None, parent: str | None = None) -> None:
    if conn.execute(sa.select(departments.c.id).where(departments.c.code == code)).first():
        raise invalid_input({"code": [N_("This department code is already used.")]})
    parent_id = _department_id(conn, parent) if parent else None
    conn.execute(departments.insert().values(code=code, name=name or code, parent_id=parent_id))


def create_group(conn: Connection, code: str, name: str | None = None, members: list[str] = ()) -> None:
    if conn.execute(sa.select(groups.c.id).where(groups.c.code == code)).first():
        raise invalid_input({"code": [N_("This group code is already used.")]})
    group_id = conn.execute(groups.insert().values(code=code, name=name or code)).inserted_primary_key[0]
    for member in members:
        user_id = conn.execute(sa.select(users.c.id).where(users.c.code == member)).scalar()
        if user_id is None:
            raise invalid_input({"members": [N_("The user ({code}) is not found.", code=member)]})
        conn.execute(group_members.insert().values(group_id=group_id, user_id=user_id))


def list_users(conn: Connection) -> list[dict]:
    rows = conn.execute(sa.select(users).order_by(users.c.id)).all()
    return [{"id": str(r.id), "code": r.code, "name": r.name, "valid": r.active, "email": r.email} for r in rows]


def memberships(conn: Connection, user_id: int) -> tuple[set[str], set[str]]:
    """The user's group codes and department codes, each department with all its ancestors
    marked by a leading '^' (so an ACL entry with includeSubs can match a parent department)."""
    group_codes = set(
        conn.execute(
            sa.select(groups.c.code).join(group_members).where(group_members.c.user_id == user_id)
        ).scalars()
    )
    group_codes.add(EVERYONE)
    return group_codes, departments_with_ancestors(conn, [user_id]).get(user_id, set())


def departments_with_ancestors(conn: Connection, user_ids: list[int]) -> dict[int, set[str]]:
    """Each user's department codes, with all their ancestors marked by a leading '^'."""
    rows = conn.execute(sa.select(user_departments.c.user_id, user_departments.c.department_id)
                        .where(user_departments.c.user_id.in_(user_ids))).all()
    if not rows:
        return {}
    parents = dict(conn.execute(sa.select(departments.c.id, departments.c.parent_id)).all())
    codes = dict(conn.execute(sa.select(departments.c.id, departments.c.code)).all())
    result: dict[int, set[str]] = {}
    for user_id, dept_id in rows:
        dept_codes = result.setdefault(user_id, set())
        dept_codes.add(codes[dept_id])
        ancestor = parents.get(dept_id)
        while ancestor is not None:
            dept_codes.add("^" + codes[ancestor])
            ancestor = parents.get(ancestor)
    return result


_ENTITY_TABLES = {"USER": users, "ORGANIZATION": departments, "GROUP": groups}
# A record usually names one or two people (its creator and modifier): looking each up with a
# compiled statement costs a fraction of building an IN query for them.
_NAME_OF = {kind: Prepared(sa.select(table.c.name).where(table.c.code == sa.bindparam("code")))
            for kind, table in _ENTITY_TABLES.items()}
_FEW = 4


def entity_names(conn: Connection, kind: str, codes: set[str]) -> dict[str, str]:
    """Display names for user / department / group codes (kintone returns current names)."""
    if not codes:
        return {}
    if len(codes) <= _FEW:
        found = {}
        for code in codes:
            row = _NAME_OF[kind].first(conn, code=code)
            if row is not None:
                found[code] = row[0]
        return found
    table = _ENTITY_TABLES[kind]
    rows = conn.execute(sa.select(table.c.code, table.c.name).where(table.c.code.in_(codes))).all()
    return dict(rows)


def existing_codes(conn: Connection, kind: str, codes: set[str], *, active_only: bool = False) -> set[str]:
    if not codes:
        return set()
    table = {"USER": users, "ORGANIZATION": departments, "GROUP": groups}[kind]
    query = sa.select(table.c.code).where(table.c.code.in_(codes))
    if active_only and kind == "USER":
        query = query.where(users.c.active)
    return set(conn.execute(query).scalars())


def members(conn: Connection, kind: str, codes: set[str], *, include_subs: bool = False) -> set[str]:
    """Login names of the active users in these groups (`GROUP`) or departments (`ORGANIZATION`;
    with `include_subs`, their sub-departments too)."""
    if not codes:
        return set()
    if kind == "GROUP" and EVERYONE in codes:
        query = sa.select(users.c.code)  # the group every user belongs to, held by no table
    elif kind == "GROUP":
        query = (sa.select(users.c.code).join(group_members, group_members.c.user_id == users.c.id)
                 .join(groups, groups.c.id == group_members.c.group_id).where(groups.c.code.in_(codes)))
    else:
        tree = conn.execute(sa.select(departments.c.id, departments.c.code, departments.c.parent_id)).all()
        wanted = {row.id for row in tree if row.code in codes}
        while include_subs:
            more = {row.id for row in tree if row.parent_id in wanted} - wanted
            if not more:
                break
            wanted |= more
        query = (sa.select(users.c.code).join(user_departments, user_departments.c.user_id == users.c.id)
                 .where(user_departments.c.department_id.in_(wanted)))
    return set(conn.execute(query.where(users.c.active)).scalars())


MENTION_KINDS = ("USER", "GROUP", "ORGANIZATION")


def find_mentionable(conn: Connection, text: str, limit: int = 10) -> list[dict]:
    """Active users, then groups, then departments whose code or name starts with `text` (or has a
    word that does), for `@` completion: type, code and name only, never an e-mail address."""
    pattern = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    found: list[dict] = []
    for kind in MENTION_KINDS:
        table = _ENTITY_TABLES[kind]
        matches = [sa.func.lower(column).like(like, escape="\\") for column in (table.c.code, table.c.name)
                   for like in (f"{pattern}%", f"% {pattern}%")]
        query = sa.select(table.c.code, table.c.name).where(sa.or_(*matches)).order_by(table.c.code)
        if kind == "USER":
            query = query.where(users.c.active)
        rows = conn.execute(query.limit(limit - len(found))).all()
        found += [{"type": kind, "code": row.code, "name": row.name} for row in rows]
        if len(found) >= limit:
            break
    return found


def mentioned(conn: Connection, codes: set[str]) -> dict[str, str]:
    """The kind of each code that names an active user, else a group, else a department."""
    kinds: dict[str, str] = {}
    for kind in MENTION_KINDS:
        for code in existing_codes(conn, kind, codes - set(kinds), active_only=True):
            kinds[code] = kind
    return kinds
