"""App-level permissions: who may view, add, edit, delete records of an app and manage it.

A token carries its own permissions for its one app (else `GAIA_NO01`). A user is checked against
the app's live access rights, first matching entry wins as in kintone; administrators may do all.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.app import App
from kinflow.directory.identity import Identity
from kinflow.directory.users import EVERYONE, departments_with_ancestors, memberships
from kinflow.errors import KintoneError, no_privilege
from kinflow.i18n import N_
from kinflow.storage.prepared import Prepared
from kinflow.storage.schema import group_members, groups, users

_RIGHT_FOR = {
    "view": "recordViewable",
    "add": "recordAddable",
    "edit": "recordEditable",
    "delete": "recordDeletable",
    "manage": "appEditable",
}


def token_forbidden() -> KintoneError:
    return KintoneError("GAIA_NO01", N_("Using this API token, you cannot run the specified API."), 403)


def _entry_matches(entry: dict, login: str, app: App, groups: set[str], depts: set[str]) -> bool:
    entity = entry.get("entity") or {}
    kind, code = entity.get("type"), entity.get("code")
    if kind == "USER":
        return code == login
    if kind == "CREATOR":
        return app.creator == login
    if kind == "GROUP":
        return code in groups
    if kind == "ORGANIZATION":
        return code in depts or (entry.get("includeSubs") and f"^{code}" in depts)
    return False


def has_permission(conn: Connection, app: App, acl: dict, identity: Identity, permission: str) -> bool:
    if identity.by_token:
        token = identity.tokens.get(app.id)
        return bool(token and token.allows(permission))
    user = identity.user
    assert user is not None
    if user.is_admin:
        return True
    groups, depts = memberships(conn, user.id)
    for entry in acl.get("rights", []):
        if _entry_matches(entry, identity.code, app, groups, depts):
            return bool(entry.get(_RIGHT_FOR[permission]))
    return False


def require(conn: Connection, app: App, acl: dict, identity: Identity, permission: str) -> None:
    if not has_permission(conn, app, acl, identity, permission):
        raise token_forbidden() if identity.by_token else no_privilege()


_ACTIVE_USERS = Prepared(sa.select(users.c.id, users.c.code, users.c.is_admin).where(
    users.c.code.in_(sa.bindparam("codes", expanding=True)), users.c.active))
_GROUPS_OF = Prepared(sa.select(group_members.c.user_id, groups.c.code)
                      .join(groups, groups.c.id == group_members.c.group_id)
                      .where(group_members.c.user_id.in_(sa.bindparam("ids", expanding=True))))


def users_permitted(conn: Connection, app: App, acl: dict, codes: set[str], permission: str) -> set[str]:
    """The active users among `codes` who have `permission` on the app, checked for all of them in a
    few queries (notifications ask this about every recipient of a change)."""
    if not codes:
        return set()
    found = _ACTIVE_USERS.all(conn, codes=list(codes))
    if not found:
        return set()
    ids = {user_id: code for user_id, code, _ in found}
    rights = acl.get("rights", [])
    kinds = {(entry.get("entity") or {}).get("type") for entry in rights}
    named_groups = {(entry.get("entity") or {}).get("code") for entry in rights
                    if (entry.get("entity") or {}).get("type") == "GROUP"}
    # Memberships are looked up only when an entry can need them (`everyone` holds every user).
    groups_of: dict[int, set[str]] = {user_id: {EVERYONE} for user_id in ids}
    if named_groups - {EVERYONE}:
        for user_id, code in _GROUPS_OF.all(conn, ids=list(ids)):
            groups_of[user_id].add(code)
    depts_of = departments_with_ancestors(conn, list(ids)) if "ORGANIZATION" in kinds else {}
    allowed = set()
    right = _RIGHT_FOR[permission]
    for user_id, code, is_admin in found:
        if is_admin:
            allowed.add(code)
            continue
        for entry in rights:
            if _entry_matches(entry, code, app, groups_of[user_id], depts_of.get(user_id, set())):
                if entry.get(right):
                    allowed.add(code)
                break
    return allowed
