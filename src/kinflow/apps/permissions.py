"""App-level permissions: who may view, add, edit, delete records of an app and manage it.

A token carries its own permissions for its one app (else `GAIA_NO01`). A user is checked against
the app's live access rights, first matching entry wins as in kintone; administrators may do all.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from kinflow.apps.app import App
from kinflow.directory.identity import Identity
from kinflow.directory.users import memberships
from kinflow.errors import KintoneError, no_privilege

_RIGHT_FOR = {
    "view": "recordViewable",
    "add": "recordAddable",
    "edit": "recordEditable",
    "delete": "recordDeletable",
    "manage": "appEditable",
}


def token_forbidden() -> KintoneError:
    return KintoneError("GAIA_NO01", "Using this API token, you cannot run the specified API.", 403)


def _entry_matches(entry: dict, identity: Identity, app: App, groups: set[str], depts: set[str]) -> bool:
    entity = entry.get("entity") or {}
    kind, code = entity.get("type"), entity.get("code")
    if kind == "USER":
        return code == identity.code
    if kind == "CREATOR":
        return app.creator == identity.code
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
        if _entry_matches(entry, identity, app, groups, depts):
            return bool(entry.get(_RIGHT_FOR[permission]))
    return False


def require(conn: Connection, app: App, acl: dict, identity: Identity, permission: str) -> None:
    if not has_permission(conn, app, acl, identity, permission):
        raise token_forbidden() if identity.by_token else no_privilege()
