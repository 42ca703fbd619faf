"""Per-app API tokens: at most 20 per app, each with its own permissions.

As in kintone, a new token only authenticates once the app has been deployed (`make_live`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.errors import invalid_input
from kinflow.storage.schema import api_tokens

MAX_TOKENS_PER_APP = 20
PERMISSIONS = ("view", "add", "edit", "delete", "manage")


@dataclass(frozen=True)
class ApiToken:
    token: str
    app_id: int
    view: bool
    add: bool
    edit: bool
    delete: bool
    manage: bool
    live: bool

    def allows(self, permission: str) -> bool:
        return bool(getattr(self, permission))

    def as_json(self) -> dict:
        return {"token": self.token, "app": str(self.app_id), "live": self.live,
                **{p: getattr(self, p) for p in PERMISSIONS}}


def create_token(conn: Connection, app_id: int, **permissions: bool) -> ApiToken:
    count = conn.execute(
        sa.select(sa.func.count()).select_from(api_tokens).where(api_tokens.c.app_id == app_id)
    ).scalar_one()
    if count >= MAX_TOKENS_PER_APP:
        raise invalid_input({"token": [f"An app can have at most {MAX_TOKENS_PER_APP} API tokens."]})
    unknown = set(permissions) - set(PERMISSIONS)
    if unknown:
        raise invalid_input({p: ["Unknown permission."] for p in sorted(unknown)})
    token = secrets.token_urlsafe(30)[:40]
    values = {"view": True, "add": False, "edit": False, "delete": False, "manage": False, **permissions}
    conn.execute(api_tokens.insert().values(app_id=app_id, token=token, live=False, **values))
    return ApiToken(token, app_id, live=False, **values)


def list_tokens(conn: Connection, app_id: int) -> list[ApiToken]:
    rows = conn.execute(sa.select(api_tokens).where(api_tokens.c.app_id == app_id).order_by(api_tokens.c.id))
    return [_from_row(r) for r in rows]


def delete_token(conn: Connection, app_id: int, token: str) -> None:
    conn.execute(api_tokens.delete().where(api_tokens.c.app_id == app_id, api_tokens.c.token == token))


def make_live(conn: Connection, app_id: int) -> None:
    conn.execute(api_tokens.update().where(api_tokens.c.app_id == app_id).values(live=True))


# Built once: constructing the statement per request cost more than running it.
_FIND_TOKENS = sa.select(api_tokens).where(api_tokens.c.token.in_(sa.bindparam("tokens", expanding=True)))
_FIND_TOKEN = sa.select(api_tokens).where(api_tokens.c.token == sa.bindparam("token"))


def find_tokens(conn: Connection, tokens: list[str]) -> dict[str, ApiToken]:
    if len(tokens) == 1:  # the usual case, and an expanding IN costs more to prepare
        rows = conn.execute(_FIND_TOKEN, {"token": tokens[0]})
    else:
        rows = conn.execute(_FIND_TOKENS, {"tokens": tokens})
    return {r.token: _from_row(r) for r in rows}


def _from_row(row) -> ApiToken:  # noqa: ANN001
    return ApiToken(row.token, row.app_id, row.view, row.add, row.edit, row.delete, row.manage, row.live)
