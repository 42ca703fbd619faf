"""Cursors: a record set fixed when created, read page by page (kintone's cursor API).

kintone allows 10 live cursors per domain (shared/reference/kintone-rest-api.md §3.4); here the ten
are per caller (a user, or a set of API tokens), so that one client cannot take every cursor of the
server from the others; a larger server-wide bound keeps the table small. Each expires 10 minutes
after its last read; a cursor read to the end is freed. Records deleted after creation are skipped,
so a page marked `next` can be short or empty, as in kintone.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.app import LiveApp, load_live
from kinflow.apps.permissions import require
from kinflow.apps.search import find_ids, render_ids, wanted_fields
from kinflow.clock import clock
from kinflow.directory.identity import Identity
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_
from kinflow.storage.schema import cursors

MAX_PER_CALLER = 10
MAX_LIVE = 1_000
MAX_SIZE = 500
LIFETIME = timedelta(minutes=10)


def _now():  # noqa: ANN202
    return clock.now().replace(tzinfo=None)


def _missing() -> KintoneError:
    return KintoneError("GAIA_CN01", N_("The specified cursor does not exist. It may have expired."), 400)


def _caller(identity: Identity) -> str:
    """Who owns a cursor: the user's login, or (as operations done with tokens are all recorded as
    Administrator) a digest of the tokens' ids, so that a token's cursors are its own."""
    if not identity.by_token:
        return identity.code
    tokens = ",".join(sorted(str(t.id) for t in identity.tokens.values()))
    return "token:" + hashlib.sha256(tokens.encode()).hexdigest()


def create_cursor(conn: Connection, live: LiveApp, identity: Identity, fields: object, query: object,
                  size: object) -> dict:
    if size in (None, ""):
        page = 100
    else:
        try:
            page = int(size)
        except (TypeError, ValueError):
            raise invalid_input({"size": [N_("Enter an integer value.")]}) from None
        if not 1 <= page <= MAX_SIZE:
            raise invalid_input({"size": [N_("Enter a value between 1 and {max_size}.", max_size=MAX_SIZE)]})
    if query is not None and not isinstance(query, str):
        raise invalid_input({"query": [N_("Enter a string value.")]})
    conn.execute(cursors.delete().where(cursors.c.expires_at < _now()))
    caller = _caller(identity)
    mine = sa.func.count().filter(cursors.c.user_code == caller)
    live_count, own_count = conn.execute(sa.select(sa.func.count(), mine).select_from(cursors)).one()
    if own_count >= MAX_PER_CALLER or live_count >= MAX_LIVE:
        raise KintoneError("GAIA_CU01", N_("Up to {max_per_caller} cursors can be open at the same time.",
                                           max_per_caller=MAX_PER_CALLER), 400)
    select, _ = find_ids(conn, live, identity, query, cursor=True)
    ids = list(conn.execute(select).scalars())
    cursor_id = str(uuid.uuid4())
    conn.execute(
        cursors.insert().values(
            id=cursor_id, app_id=live.id, user_code=caller,
            fields=sorted(wanted_fields(fields)) if wanted_fields(fields) is not None else None,
            record_ids=ids, position=0, size=page, expires_at=_now() + LIFETIME,
        )
    )
    return {"id": cursor_id, "totalCount": str(len(ids))}


def _load(conn: Connection, cursor_id: object, identity: Identity):  # noqa: ANN202
    if not isinstance(cursor_id, str) or not cursor_id:
        raise invalid_input({"id": [N_("Required field.")]})
    row = conn.execute(sa.select(cursors).where(cursors.c.id == cursor_id)).first()
    if row is None or row.expires_at < _now() or row.user_code != _caller(identity):
        raise _missing()
    return row


def read_cursor(conn: Connection, cursor_id: object, identity: Identity, guest_space_id: int | None) -> dict:
    row = _load(conn, cursor_id, identity)
    live = load_live(conn, row.app_id, guest_space_id=guest_space_id)
    require(conn, live.app, live.acl, identity, "view")
    page = row.record_ids[row.position:row.position + row.size]
    position = row.position + len(page)
    more = position < len(row.record_ids)
    if more:
        conn.execute(cursors.update().where(cursors.c.id == row.id).values(position=position,
                                                                           expires_at=_now() + LIFETIME))
    else:
        conn.execute(cursors.delete().where(cursors.c.id == row.id))
    fields = set(row.fields) if row.fields is not None else None
    return {"records": render_ids(conn, live, identity, page, fields), "next": more}


def delete_cursor(conn: Connection, cursor_id: object, identity: Identity) -> dict:
    row = _load(conn, cursor_id, identity)
    conn.execute(cursors.delete().where(cursors.c.id == row.id))
    return {}
