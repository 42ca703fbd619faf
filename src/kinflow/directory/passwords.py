"""Password hashing (argon2) with a short-lived cache of verified credentials.

Verifying argon2 costs tens of milliseconds by design, and kintone clients send the password with
every request. So a login and password that verified are remembered for a minute (a minute more
each time they are used and found still valid), keyed by the
SHA-256 of the credentials the header carries (never the password itself), together with the stored
hash they verified against. An entry vouches for the password only while the user's stored hash is
still that one: a new password (a new hash, with a new salt) ends it on every process at once, and
whoever uses an entry reads the user's row (active or not, locked out or not) in its own transaction
(`kinflow.directory.logins.confirm_remembered`), so no change to a user waits for the minute to pass.
API tokens are never cached: each request looks its tokens up where they live.
"""

from __future__ import annotations

import hashlib
import threading
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_CACHE_SECONDS = 60.0
_CACHE_ENTRIES = 10_000
# SHA-256 of the credentials -> (the stored hash they verified against, when the entry ends).
_verified: dict[bytes, tuple[str, float]] = {}
_lock = threading.Lock()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _cache_key(login: str, password: str) -> bytes:
    return hashlib.sha256(f"{login}\0{password}".encode()).digest()


def remembered_hash(login: str, password: str) -> str | None:
    """The stored hash these credentials verified against within the last minute, or None."""
    hit = _verified.get(_cache_key(login, password))
    if hit is None or hit[1] <= time.monotonic():
        return None
    return hit[0]


def still_valid(login: str, password: str, password_hash: str) -> None:
    """The stored hash is still the one these credentials verified against (just read from the
    database): they would verify again, so their minute starts over once half of it has passed.
    Else a client sending them steadily would have them hashed anew every minute, by every request
    in flight at that moment."""
    key = _cache_key(login, password)
    hit = _verified.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] == password_hash and hit[1] - now < _CACHE_SECONDS / 2:
        with _lock:
            _verified[key] = (password_hash, now + _CACHE_SECONDS)


def remember(login: str, password: str, password_hash: str) -> None:
    """These credentials verified against `password_hash` just now."""
    with _lock:
        if len(_verified) >= _CACHE_ENTRIES:
            _verified.clear()
        _verified[_cache_key(login, password)] = (password_hash, time.monotonic() + _CACHE_SECONDS)


def forget(login: str, password: str) -> None:
    with _lock:
        _verified.pop(_cache_key(login, password), None)


def verify_password(password_hash: str, password: str) -> bool:
    """One argon2 run (blocks: call it from a thread, not an event loop)."""
    if not password_hash:
        return False
    try:
        _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return True
