"""Password logins: guessing is bounded, and timing does not tell who exists.

After `max_failures` failed logins for one login name from one client address within `window`
seconds, that pair is refused for `lockout` seconds, even with the right password. Other addresses
and other logins are not affected, so a guesser cannot lock a person out everywhere. The counts live
in the database, so every HTTP worker process sees the same ones.

An unknown, inactive or password-less login is checked against a dummy hash: it takes as long as a
wrong password for a real one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from kinflow.clock import clock
from kinflow.directory.passwords import hash_password
from kinflow.directory.users import USER_COLUMNS, User, get_user_with_hash, row_to_user
from kinflow.errors import KintoneError
from kinflow.i18n import N_
from kinflow.storage.prepared import Prepared
from kinflow.storage.schema import departments, login_failures, users


@dataclass(frozen=True)
class LoginLimits:
    max_failures: int
    window: float  # seconds from a pair's first failure in which they count
    lockout: float  # seconds a pair is refused once they reach max_failures


@dataclass(frozen=True)
class LoginAttempt:
    """What a login needs before its password is checked."""

    user: User | None  # None: unknown, inactive or without a password; nobody can log in as it
    password_hash: str  # the user's, or a dummy one that no password matches
    failures: int  # failures of this (login, address) pair in its current window
    locked_until: datetime | None


@cache
def _dummy_hash() -> str:
    # Made with the same hasher (and so the same cost) as real ones; the password is thrown away.
    return hash_password(f"no-such-login-{datetime.now().timestamp()}")


def _now() -> datetime:
    return clock.now().replace(tzinfo=None)


# Every password login runs this (beside the user's lookup): compiled once.
_FAILURES = Prepared(
    sa.select(login_failures.c.failures, login_failures.c.locked_until)
    .where(login_failures.c.login == sa.bindparam("login"), login_failures.c.address == sa.bindparam("address"))
)


def look_up(conn: Connection, login: str, address: str) -> LoginAttempt:
    found = get_user_with_hash(conn, login)
    state = _FAILURES.first(conn, login=login, address=address)
    failures, locked_until = state if state else (0, None)
    if found is None or not found[0].active or not found[1]:
        return LoginAttempt(None, _dummy_hash(), failures, locked_until)
    return LoginAttempt(found[0], found[1], failures, locked_until)


# A remembered login, checked in the call's own transaction: the user, their stored hash and any
# failures of the pair, in one statement.
_REMEMBERED = Prepared(
    sa.select(*USER_COLUMNS, users.c.password_hash, login_failures.c.login)
    .select_from(users.outerjoin(departments, departments.c.id == users.c.primary_department_id)
                 .outerjoin(login_failures, sa.and_(login_failures.c.login == users.c.code,
                                                    login_failures.c.address == sa.bindparam("address"))))
    .where(users.c.code == sa.bindparam("login"))
)


def confirm_remembered(conn: Connection, login: str, address: str, password_hash: str) -> User | None:
    """The user of credentials that verified against `password_hash` a moment ago, when nothing has
    changed since: still active, still that password, and no failures of the pair on record. Else
    None, and the login is checked the full way (`look_up`, the hash, the failure count)."""
    row = _REMEMBERED.first(conn, login=login, address=address)
    if row is None or row[-1] is not None or row[-2] != password_hash:
        return None
    user = row_to_user(row)
    return user if user.active else None


def refusal(attempt: LoginAttempt) -> KintoneError | None:
    """The error for a pair that is locked out now, else None."""
    if attempt.locked_until is None or attempt.locked_until <= _now():
        return None
    minutes = max(1, round((attempt.locked_until - _now()).total_seconds() / 60))
    return KintoneError(
        "CB_WA01",
        N_("Too many failed logins for this login name from your address. Try again in {minutes} minute(s).",
           minutes=minutes),
        401,
    )


def record_failure(conn: Connection, login: str, address: str, limits: LoginLimits) -> bool:
    """Count a failed login of the pair; whether it is locked out from now on."""
    now = _now()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(login_failures).values(
        login=login, address=address, failures=0, first_failed_at=now, locked_until=None,
    ).on_conflict_do_nothing())
    key = (login_failures.c.login == login, login_failures.c.address == address)
    # FOR UPDATE: concurrent failures of one pair in other processes wait, so none is lost.
    failures, first_failed_at = conn.execute(
        sa.select(login_failures.c.failures, login_failures.c.first_failed_at).where(*key).with_for_update()
    ).one()
    if first_failed_at <= now - timedelta(seconds=limits.window):
        failures, first_failed_at = 0, now
    failures += 1
    locked = failures >= limits.max_failures
    values = {"failures": failures, "first_failed_at": first_failed_at}
    if locked:  # the count starts over once the lockout has passed
        values = {"failures": 0, "first_failed_at": now, "locked_until": now + timedelta(seconds=limits.lockout)}
    conn.execute(login_failures.update().where(*key).values(**values))
    return locked


def forget_failures(conn: Connection, login: str, address: str | None = None) -> None:
    """A successful login clears the pair's count; a new password, every count of the login."""
    where = [login_failures.c.login == login]
    if address is not None:
        where.append(login_failures.c.address == address)
    conn.execute(login_failures.delete().where(*where))


def forget_stale(conn: Connection, limits: LoginLimits) -> None:
    """Drop the pairs whose window and lockout have both passed: a guesser trying many logins must
    not grow the table for ever. Its own transaction, so that it never holds a pair's row while
    waiting for another's."""
    now = _now()
    conn.execute(login_failures.delete().where(
        login_failures.c.first_failed_at < now - timedelta(seconds=limits.window),
        sa.or_(login_failures.c.locked_until.is_(None), login_failures.c.locked_until < now),
    ))
