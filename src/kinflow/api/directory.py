"""The directory part of kinflow's own API (`/kinflow/v1/`): users, departments, groups, spaces.
Administrators only, reads included: the directory holds every login and e-mail.

Lists page like cybozu's User API (`offset`, `size` 1-100, default 100) and answer in its shapes
where it has one (`{"users": [...]}`, `{"departments": [...]}` with `parentCode`).
"""

from __future__ import annotations

from kinflow.apps import spaces
from kinflow.apps.app import create_space
from kinflow.directory import people, teams, users
from kinflow.directory.identity import Identity
from kinflow.errors import integer_param, invalid_input, no_privilege, texts_param
from kinflow.i18n import N_


def require_admin(identity: Identity) -> None:
    if identity.user is None or not identity.user.is_admin:
        raise no_privilege()


def text(body: dict, name: str, required: bool = True) -> str | None:
    value = body.get(name)
    if value in (None, ""):
        if required:
            raise invalid_input({name: [N_("Required field.")]})
        return None
    if not isinstance(value, str):
        raise invalid_input({name: [N_("Enter a string.")]})
    return value


def flag(body: dict, name: str, default: bool) -> bool:
    value = body.get(name, default)
    if isinstance(value, str) and value in ("true", "false"):  # from a query string
        return value == "true"
    if not isinstance(value, bool):
        raise invalid_input({name: [N_("Enter true or false.")]})
    return value


def _page(body: dict) -> dict:
    return {"offset": integer_param(body, "offset", 0, 0, 1_000_000),
            "size": integer_param(body, "size", people.MAX_PAGE, 1, people.MAX_PAGE)}


def _changes(body: dict) -> dict:
    """The body's fields that change something, lists checked to hold strings."""
    changes = {key: value for key, value in body.items() if key != "code"}
    for name in ("departments", "members"):
        if name in changes:
            changes[name] = texts_param(body, name) or []
    return changes


def create_user(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    for name in ("name", "email", "timezone"):
        people.checked_text(body, name)
    user = users.create_user(
        conn, text(body, "code"), text(body, "name", False), text(body, "password", False) or "",
        email=text(body, "email", False) or "", is_admin=flag(body, "admin", False),
        active=flag(body, "active", True), timezone=text(body, "timezone", False) or "UTC",
        departments_codes=texts_param(body, "departments") or [],
        primary_department=text(body, "primaryDepartment", False),
    )
    profile = {key: body[key] for key in ("language", "mobileNumber") if key in body}
    if profile:
        people.update_user(conn, user.code, profile)
    return {"code": user.code}


def update_user(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    code = text(body, "code")
    people.update_user(conn, code, _changes({k: v for k, v in body.items() if k not in ("active", "password")}))
    if "active" in body:
        people.deactivate(conn, code, active=flag(body, "active", True))
    password = text(body, "password", False)
    if password:
        users.set_password(conn, code, password)
    return people.list_users(conn, codes=[code])[0]


def list_users(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    search = text(body, "search", False) or ""
    if len(search) > people.MAX_SEARCH:
        raise invalid_input({"search": [N_("Enter at most {max_search} characters.", max_search=people.MAX_SEARCH)]})
    codes = texts_param(body, "codes")
    if codes is not None and len(codes) > people.MAX_PAGE:
        raise invalid_input({"codes": [N_("Enter at most {max_page} login names.", max_page=people.MAX_PAGE)]})
    return {"users": people.list_users(conn, search=search, codes=codes, **_page(body))}


def delete_user(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    people.delete_user(conn, text(body, "code"))
    return {}


def create_department(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    users.create_department(conn, text(body, "code"), text(body, "name", False), text(body, "parent", False))
    return {}


def list_departments(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    return {"departments": teams.list_departments(conn, **_page(body))}


def update_department(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    changes = _changes(body)
    if "parent" in changes and changes["parent"] is not None:
        text(body, "parent", False)
    teams.update_department(conn, text(body, "code"), changes)
    return {}


def delete_department(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    teams.delete_department(conn, text(body, "code"))
    return {}


def department_users(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    return {"users": [{"code": c} for c in teams.department_members(conn, text(body, "code"), **_page(body))]}


def create_group(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    users.create_group(conn, text(body, "code"), text(body, "name", False), texts_param(body, "members") or [])
    return {}


def list_groups(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    return {"groups": teams.list_groups(conn, **_page(body))}


def update_group(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    teams.update_group(conn, text(body, "code"), _changes(body))
    return {}


def delete_group(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    teams.delete_group(conn, text(body, "code"))
    return {}


def group_users(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    return {"users": [{"code": c} for c in teams.group_members_of(conn, text(body, "code"), **_page(body))]}


def create_space_(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    return {"id": str(create_space(conn, text(body, "name"), guest=flag(body, "isGuest", False)))}


def list_spaces(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    return {"spaces": spaces.list_spaces(conn, **_page(body))}


def delete_space(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    spaces.delete_space(conn, body)
    return {}


def space_members(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    return {"members": spaces.members(conn, body)}


def set_space_members(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    require_admin(identity)
    spaces.set_members(conn, body)
    return {}


ACTIONS = {
    ("POST", "users"): create_user,
    ("PUT", "users"): update_user,
    ("GET", "users"): list_users,
    ("DELETE", "users"): delete_user,
    ("POST", "departments"): create_department,
    ("GET", "departments"): list_departments,
    ("PUT", "departments"): update_department,
    ("DELETE", "departments"): delete_department,
    ("GET", "department/users"): department_users,
    ("POST", "groups"): create_group,
    ("GET", "groups"): list_groups,
    ("PUT", "groups"): update_group,
    ("DELETE", "groups"): delete_group,
    ("GET", "group/users"): group_users,
    ("POST", "spaces"): create_space_,
    ("GET", "spaces"): list_spaces,
    ("DELETE", "spaces"): delete_space,
    ("GET", "space/members"): space_members,
    ("PUT", "space/members"): set_space_members,
}
READS = {key for key in ACTIONS if key[0] == "GET"}
