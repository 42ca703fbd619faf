"""Browser sessions: who a session cookie signs in, until when.

A session is found by a keyed hash of its id (`SecretKey.session_hash`): the id itself is only in
the browser's cookie. It ends when unused for `idle` seconds, `lifetime` seconds after sign-in,
at sign-out, when its user is deactivated or deleted, and when the user's password changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.clock import clock
from kinflow.directory.users import User, get_user
from kinflow.storage.prepared import Prepared
from kinflow.storage.schema import users, web_sessions

# `seen_at` is written at most this often (or a quarter of the idle time, if shorter): a page or
# API call is not a write each time.
TOUCH_EVERY = 60.0


@dataclass(frozen=True)
class SessionLimits:
    idle: float  # seconds without use
    lifetime: float  # seconds from sign-in


@dataclass(frozen=True)
class Session:
    id_hash: str
    user: User
    language: str  # the user's setting: "auto" (the browser's) or a language code
    seen_at: datetime


def _now() -> datetime:
    return clock.now().replace(tzinfo=None)


def _expired(limits: SessionLimits, now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(web_sessions.c.seen_at <= now - timedelta(seconds=limits.idle),
                  web_sessions.c.created_at <= now - timedelta(seconds=limits.lifetime))


def start(conn: Connection, id_hash: str, user: User, limits: SessionLimits) -> None:
    now = _now()
    conn.execute(web_sessions.delete().where(web_sessions.c.user_id == user.id, _expired(limits, now)))
    conn.execute(web_sessions.insert().values(id_hash=id_hash, user_id=user.id, created_at=now, seen_at=now))


# Every request of a signed-in browser runs this: compiled once.
_FIND = Prepared(
    sa.select(users.c.code, users.c.language, web_sessions.c.created_at, web_sessions.c.seen_at)
    .select_from(web_sessions.join(users, users.c.id == web_sessions.c.user_id))
    .where(web_sessions.c.id_hash == sa.bindparam("id_hash"), users.c.active)
)


def find(conn: Connection, id_hash: str, limits: SessionLimits) -> Session | None:
    """The live session with this hash, or None (unknown, expired, or its user inactive)."""
    row = _FIND.first(conn, id_hash=id_hash)
    if row is None:
        return None
    code, language, created_at, seen_at = row
    now = _now()
    if seen_at <= now - timedelta(seconds=limits.idle) or created_at <= now - timedelta(seconds=limits.lifetime):
        return None
    user = get_user(conn, code)
    return None if user is None else Session(id_hash, user, language, seen_at)


def needs_touch(session: Session, limits: SessionLimits) -> bool:
    return session.seen_at <= _now() - timedelta(seconds=min(TOUCH_EVERY, limits.idle / 4))


def touch(conn: Connection, id_hash: str) -> None:
    conn.execute(web_sessions.update().where(web_sessions.c.id_hash == id_hash).values(seen_at=_now()))


def end(conn: Connection, id_hash: str) -> None:
    conn.execute(web_sessions.delete().where(web_sessions.c.id_hash == id_hash))


def end_all(conn: Connection, user_id: int) -> None:
    """Every session of a user (a new password, a deleted user)."""
    conn.execute(web_sessions.delete().where(web_sessions.c.user_id == user_id))


def forget_expired(conn: Connection, limits: SessionLimits) -> None:
    conn.execute(web_sessions.delete().where(_expired(limits, _now())))
