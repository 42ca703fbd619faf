"""Per-app API tokens: at most 20 per app, each with its own permissions.

As in kintone, token settings are app settings: a new token, a change of its permissions and its
revocation all take effect at the app's next deploy (`make_live`); until then the token works as
it did. The database keeps only a keyed hash of each token (see kinflow.secret_key) and its last
four characters, to tell tokens apart in a listing; the value itself is shown once, on creation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_
from kinflow.secret_key import SecretKey
from kinflow.storage.prepared import Prepared
from kinflow.storage.schema import MAX_ID, api_tokens

MAX_TOKENS_PER_APP = 20
PERMISSIONS = ("view", "add", "edit", "delete", "manage")
_DEFAULTS = {"view": True, "add": False, "edit": False, "delete": False, "manage": False}
TAIL = 4


@dataclass(frozen=True)
class ApiToken:
    id: int
    app_id: int
    tail: str
    view: bool
    add: bool
    edit: bool
    delete: bool
    manage: bool
    live: bool
    pending: dict[str, bool] | None = None  # the permissions the next deploy gives it
    revoked: bool = False  # deleted by the next deploy

    def allows(self, permission: str) -> bool:
        return bool(getattr(self, permission))

    @property
    def permissions(self) -> dict[str, bool]:
        """As they stand after the next deploy (what the app's settings say)."""
        return self.pending or {p: getattr(self, p) for p in PERMISSIONS}

    def as_json(self) -> dict:
        """`live`: the token authenticates now; `pending`: a change waits for the next deploy."""
        return {"id": str(self.id), "app": str(self.app_id), "tokenTail": self.tail, "live": self.live,
                "pending": not self.live or self.pending is not None or self.revoked,
                "revoked": self.revoked, **self.permissions}


def _checked(permissions: dict) -> dict[str, bool]:
    unknown = set(permissions) - set(PERMISSIONS)
    if unknown:
        raise invalid_input({p: [N_("Unknown permission.")] for p in sorted(unknown)})
    return {k: bool(v) for k, v in permissions.items()}


def create_token(conn: Connection, key: SecretKey, app_id: int, **permissions: bool) -> tuple[ApiToken, str]:
    """The new token and its value, which nothing can show again."""
    count = conn.execute(
        sa.select(sa.func.count()).select_from(api_tokens).where(api_tokens.c.app_id == app_id)
    ).scalar_one()
    if count >= MAX_TOKENS_PER_APP:
        raise invalid_input({"token": [N_("An app can have at most {max_tokens_per_app} API tokens.",
                                          max_tokens_per_app=MAX_TOKENS_PER_APP)]})
    values = {**_DEFAULTS, **_checked(permissions)}
    value = secrets.token_urlsafe(30)[:40]
    new_id = conn.execute(api_tokens.insert().values(
        app_id=app_id, token_hash=key.token_hash(value), token_tail=value[-TAIL:], live=False, **values,
    )).inserted_primary_key[0]
    return ApiToken(new_id, app_id, value[-TAIL:], live=False, **values), value


def token_not_found(token_id: object) -> KintoneError:
    return KintoneError("KF_TK01", N_("The API token (id: {token_id}) is not found.", token_id=token_id), 404)


def get_token(conn: Connection, app_id: int, token_id: object) -> ApiToken:
    try:
        number = int(str(token_id))
    except ValueError:
        raise token_not_found(token_id) from None
    row = None
    if 0 < number <= MAX_ID:
        row = conn.execute(sa.select(api_tokens).where(
            api_tokens.c.id == number, api_tokens.c.app_id == app_id)).first()
    if row is None:
        raise token_not_found(token_id)
    return _from_row(row)


def list_tokens(conn: Connection, app_id: int) -> list[ApiToken]:
    rows = conn.execute(sa.select(api_tokens).where(api_tokens.c.app_id == app_id).order_by(api_tokens.c.id))
    return [_from_row(r) for r in rows]


def change_permissions(conn: Connection, token: ApiToken, permissions: dict) -> ApiToken:
    """Permissions not named keep their setting; the change goes live at the next deploy."""
    pending = {**token.permissions, **_checked(permissions)}
    conn.execute(api_tokens.update().where(api_tokens.c.id == token.id).values(pending=pending))
    return get_token(conn, token.app_id, token.id)


def revoke_token(conn: Connection, token: ApiToken) -> None:
    """The token works until the next deploy, which deletes it."""
    conn.execute(api_tokens.update().where(api_tokens.c.id == token.id).values(revoked=True))


def make_live(conn: Connection, app_id: int) -> None:
    of_app = api_tokens.c.app_id == app_id
    conn.execute(api_tokens.delete().where(of_app, api_tokens.c.revoked))
    changed = conn.execute(sa.select(api_tokens.c.id, api_tokens.c.pending)
                           .where(of_app, api_tokens.c.pending.is_not(None))).all()
    for token_id, pending in changed:
        conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(**pending, pending=None))
    conn.execute(api_tokens.update().where(of_app, sa.not_(api_tokens.c.live)).values(live=True))


# Built once: constructing the statement per request cost more than running it.
# Every request with API tokens runs this: compiled once, rows as plain tuples.
_FIND_TOKENS = Prepared(sa.select(
    api_tokens.c.id, api_tokens.c.app_id, api_tokens.c.token_tail, api_tokens.c.view, api_tokens.c.add,
    api_tokens.c.edit, api_tokens.c.delete, api_tokens.c.manage, api_tokens.c.live, api_tokens.c.pending,
    api_tokens.c.revoked, api_tokens.c.token_hash,
).where(api_tokens.c.token_hash.in_(sa.bindparam("hashes", expanding=True))))


def find_tokens(conn: Connection, key: SecretKey, tokens: list[str]) -> dict[str, ApiToken]:
    """The tokens given (by value) that exist, by value: one indexed lookup of their hashes."""
    by_hash = {key.token_hash(t): t for t in tokens}
    return {by_hash[row[-1]]: ApiToken(*row[:-1]) for row in _FIND_TOKENS.all(conn, hashes=list(by_hash))}


def _from_row(row) -> ApiToken:  # noqa: ANN001
    return ApiToken(row.id, row.app_id, row.token_tail, row.view, row.add, row.edit, row.delete, row.manage,
                    row.live, row.pending, row.revoked)
