"""Password logins, settled before the call's own transaction opens.

An argon2 run takes about 140 ms of CPU. Run inside the call's transaction it held SQLite's write
lock that long, and on the event loop it stalled every other request: four clients sending wrong
passwords raised an unrelated read's p50 from 4 ms to 430 ms. So the user is looked up in a short
read of its own, the hash is checked on a thread of its own, and a failure is counted in a short write
of its own; then the call runs. API tokens cost one indexed lookup: they are checked inside the call's
transaction (`kinflow.directory.identity.token_identity`), with no extra hop.

Credentials that verified within the last minute (`kinflow.directory.passwords`) cost no more than a
token: the kintone API checks them inside the call's transaction too (`RememberedLogin`), in one
indexed lookup, and only when something changed since (a password, the user's state, a failure of the
pair) goes back to the full check before the call.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import anyio
import anyio.to_thread
from sqlalchemy.engine import Connection
from starlette.requests import Request

from kinflow.api.access_log import note_caller
from kinflow.api.threads import run_blocking
from kinflow.config import Settings
from kinflow.directory import logins
from kinflow.directory.identity import Identity, by_password, password_failed, password_login, sends_credentials
from kinflow.directory import passwords
from kinflow.directory.users import User
from kinflow.metrics import THROTTLED
from kinflow.storage.database import Database
from kinflow.web.sessions import api_session

log = logging.getLogger("kinflow")

# Hashes checked at once: an argon2 run keeps a core busy, so guessers may take half the cores at most
# and the rest stay free for everyone else. Logins queue behind each other, not behind database work.
HASHING_THREADS = max(1, (os.cpu_count() or 2) // 2)
_hashing: anyio.CapacityLimiter | None = None
MAX_ADDRESS_LENGTH = 64  # as stored with the failures (an IPv6 address takes at most 45)


async def _verify(login: str, password: str, password_hash: str) -> bool:
    global _hashing
    if passwords.remembered_hash(login, password) == password_hash:
        return True
    if _hashing is None:  # made inside the event loop, which anyio needs
        _hashing = anyio.CapacityLimiter(HASHING_THREADS)
    if not await anyio.to_thread.run_sync(passwords.verify_password, password_hash, password, limiter=_hashing):
        return False
    passwords.remember(login, password, password_hash)
    return True


def _look_up(db: Database, login: str, address: str) -> logins.LoginAttempt:
    with db.read() as conn:
        return logins.look_up(conn, login, address)


def _count_failure(db: Database, login: str, address: str, limits: logins.LoginLimits) -> bool:
    with db.write() as conn:
        locked = logins.record_failure(conn, login, address, limits)
    with db.write() as conn:
        logins.forget_stale(conn, limits)
    return locked


def _forget_failures(db: Database, login: str, address: str) -> None:
    with db.write() as conn:
        logins.forget_failures(conn, login, address)


def _address(request: Request) -> str:
    # A proxy's X-Forwarded-For (which uvicorn trusts from loopback) may say anything: keep what fits.
    return (request.client.host if request.client else "")[:MAX_ADDRESS_LENGTH]


async def check_password(request: Request, login: str, password: str) -> User:
    """The active user with this login and password, with failures counted and locked-out pairs
    refused (`CB_WA01`): the API's password headers and the sign-in page both come through here."""
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    address = _address(request)
    # On SQLite an indexed read is quicker than a hop to a thread, as in the call itself.
    attempt = _look_up(db, login, address) if db.is_sqlite else await run_blocking(_look_up, db, login, address)
    refused = logins.refusal(attempt)
    if refused is not None:
        log.warning("login refused for %r from %s: locked out after failed logins", login, address)
        THROTTLED.labels("login").inc()
        raise refused
    if await _verify(login, password, attempt.password_hash) and attempt.user is not None:
        if attempt.failures:
            await run_blocking(_forget_failures, db, login, address)
        return attempt.user
    limits = logins.LoginLimits(settings.login_max_failures, settings.login_window, settings.login_lockout)
    locked = await run_blocking(_count_failure, db, login, address, limits)
    log.warning("login failed for %r from %s%s", login, address, " (now locked out)" if locked else "")
    raise password_failed()


async def password_identity(request: Request, headers: dict[str, str]) -> Identity | None:
    """The user a request logs in as with a password, or with a browser session when it sends no
    credentials (kintone's order: password, API token, session); None when it sends API tokens."""
    if not sends_credentials(headers):
        return await api_session(request, headers)
    credentials = password_login(headers)
    if credentials is None:
        return None
    login, password = credentials
    user = await check_password(request, login, password)
    note_caller(login)
    return Identity(user)


@dataclass(frozen=True)
class RememberedLogin:
    """Password credentials that verified a moment ago, to be confirmed in the call's transaction."""

    login: str
    password: str
    address: str
    password_hash: str

    def confirm(self, conn: Connection) -> Identity | None:
        """The caller, when nothing changed since the credentials verified; else None (and the
        entry is dropped): check them with `password_identity` before the call."""
        user = logins.confirm_remembered(conn, self.login, self.address, self.password_hash)
        if user is None:
            passwords.forget(self.login, self.password)
            return None
        passwords.still_valid(self.login, self.password, self.password_hash)
        note_caller(self.login)
        return Identity(user)


def remembered_login(request: Request, headers: dict[str, str]) -> RememberedLogin | None:
    """The request's password credentials when they verified within the last minute, else None
    (no password sent, or not recently: `password_identity` checks them)."""
    if not by_password(headers):
        return None
    login, password = password_login(headers)  # type: ignore[misc]  # by_password: never None
    password_hash = passwords.remembered_hash(login, password)
    if password_hash is None:
        return None
    return RememberedLogin(login, password, _address(request), password_hash)
