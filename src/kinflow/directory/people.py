"""Administering users: listing with paging and search, changing a profile, deleting.

A deleted user's code stays wherever it was written (records' creator and modifier, comments,
apps), as in kintone, where records keep the code of a user who is gone.
"""

from __future__ import annotations

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.directory import sessions
from kinflow.directory.users import ADMINISTRATOR, _department_id, get_user
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_
from kinflow.storage.schema import departments, group_members, notifications, user_departments, users

MAX_PAGE = 100
MAX_SEARCH = 128
# kintone's languages (kintone.getLoginUser's `language`), and "auto": the browser's.
LANGUAGES = ("auto", "ja", "en", "zh", "zh-TW", "es", "pt-BR", "th")
_TEXT_LIMITS = {"name": 128, "email": 256, "timezone": 64}


def user_not_found(code: object) -> KintoneError:
    return KintoneError("GAIA_US01", N_("The user ({code}) is not found.", code=code), 404)


def mobile_number(value: str, field: str = "mobileNumber") -> str:
    """The number in E.164 form (`+14155550123`), the form Groups knows people by."""
    if len(value) > 32 or not value.strip().startswith("+"):
        raise invalid_input({field: [N_("Enter a mobile number with its country code, such as +14155550123.")]})
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise invalid_input({field: [N_("{value} is not a valid phone number.", value=repr(value))]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _escaped_like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_users(conn: Connection, *, offset: int = 0, size: int = MAX_PAGE, search: str = "",
               codes: list[str] | None = None) -> list[dict]:
    """Users by id, a page at a time; `search` matches a part of the login, name or e-mail
    (case-insensitive); `codes` picks users by login."""
    query = sa.select(users).order_by(users.c.id).offset(offset).limit(size)
    if search:
        pattern = _escaped_like(search.lower())
        query = query.where(sa.or_(*(sa.func.lower(column).like(pattern, escape="\\")
                                     for column in (users.c.code, users.c.name, users.c.email))))
    if codes is not None:
        query = query.where(users.c.code.in_(codes))
    rows = conn.execute(query).all()
    return _with_departments(conn, rows)


def _with_departments(conn: Connection, rows: list) -> list[dict]:
    ids = [row.id for row in rows]
    codes: dict[int, list[str]] = {}
    if ids:
        for user_id, code in conn.execute(
                sa.select(user_departments.c.user_id, departments.c.code)
                .join(departments, departments.c.id == user_departments.c.department_id)
                .where(user_departments.c.user_id.in_(ids)).order_by(departments.c.code)):
            codes.setdefault(user_id, []).append(code)
    names = dict(conn.execute(sa.select(departments.c.id, departments.c.code)).all()) if ids else {}
    return [{
        "id": str(row.id), "code": row.code, "name": row.name, "valid": row.active, "email": row.email,
        "admin": row.is_admin, "language": row.language, "timezone": row.timezone,
        "mobileNumber": row.mobile_number or "", "departments": codes.get(row.id, []),
        "primaryDepartment": names.get(row.primary_department_id),
    } for row in rows]


def checked_text(changes: dict, name: str) -> str | None:
    value = changes.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > _TEXT_LIMITS[name]:
        raise invalid_input({name: [N_("Enter a string of at most {limit} characters.", limit=_TEXT_LIMITS[name])]})
    return value


def _profile_values(conn: Connection, code: str, changes: dict) -> dict:
    values: dict = {}
    for name in ("name", "email", "timezone"):
        if (text := checked_text(changes, name)) is not None:
            values[name] = text or (code if name == "name" else "UTC" if name == "timezone" else "")
    if "language" in changes:
        if changes["language"] not in LANGUAGES:
            raise invalid_input({"language": [N_("Enter one of {choices}.", choices=', '.join(LANGUAGES))]})
        values["language"] = changes["language"]
    if "mobileNumber" in changes:
        raw = changes["mobileNumber"]
        if raw not in (None, "") and not isinstance(raw, str):
            raise invalid_input({"mobileNumber": [N_("Enter a string.")]})
        number = mobile_number(raw) if raw else None
        taken = number and conn.execute(sa.select(users.c.code).where(
            users.c.mobile_number == number, users.c.code != code)).first()
        if taken:
            raise invalid_input({"mobileNumber": [N_("This mobile number belongs to another user.")]})
        values["mobile_number"] = number
    return values


def update_user(conn: Connection, code: str, changes: dict) -> None:
    """Change what `changes` names (kinflow's JSON names): name, email, language, timezone,
    mobileNumber, departments with primaryDepartment; the rest is kept."""
    user = get_user(conn, code)
    if user is None:
        raise user_not_found(code)
    values = _profile_values(conn, code, changes)
    if "departments" in changes or "primaryDepartment" in changes:
        values["primary_department_id"] = _set_departments(conn, user.id, changes)
    if values:
        conn.execute(users.update().where(users.c.id == user.id).values(**values))


def _set_departments(conn: Connection, user_id: int, changes: dict) -> int | None:
    codes = changes.get("departments")
    if codes is None:
        codes = list(conn.execute(sa.select(departments.c.code).join(
            user_departments, user_departments.c.department_id == departments.c.id)
            .where(user_departments.c.user_id == user_id)).scalars())
    ids = [_department_id(conn, c) for c in codes]
    primary = changes.get("primaryDepartment")
    primary_id = _department_id(conn, primary) if primary else (ids[0] if ids else None)
    conn.execute(user_departments.delete().where(user_departments.c.user_id == user_id))
    for dept_id in dict.fromkeys(ids + ([primary_id] if primary_id else [])):
        conn.execute(user_departments.insert().values(user_id=user_id, department_id=dept_id))
    return primary_id


def _active_admins(conn: Connection) -> set[str]:
    return set(conn.execute(sa.select(users.c.code).where(users.c.is_admin, users.c.active)).scalars())


def deactivate(conn: Connection, code: str, active: bool = False) -> None:
    """A deactivated user cannot log in and is named nowhere new; their memberships stay."""
    if get_user(conn, code) is None:
        raise user_not_found(code)
    if not active and _active_admins(conn) == {code}:
        raise invalid_input({"code": [N_("The last active administrator cannot be deactivated.")]})
    conn.execute(users.update().where(users.c.code == code).values(active=active))


def delete_user(conn: Connection, code: str) -> None:
    user = get_user(conn, code)
    if user is None:
        raise user_not_found(code)
    if code == ADMINISTRATOR or _active_admins(conn) == {code}:
        raise invalid_input({"code": [N_("{code} cannot be deleted: kinflow needs an administrator.", code=code)]})
    conn.execute(group_members.delete().where(group_members.c.user_id == user.id))
    conn.execute(user_departments.delete().where(user_departments.c.user_id == user.id))
    conn.execute(notifications.delete().where(notifications.c.user_code == code))
    sessions.end_all(conn, user.id)
    conn.execute(users.delete().where(users.c.id == user.id))
