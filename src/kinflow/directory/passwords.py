"""Password hashing (argon2) with a short-lived cache of verified credentials.

Verifying argon2 costs tens of milliseconds by design; kintone clients send the password with every
request, so a verified (login, password) pair is remembered for a minute, keyed by its SHA-256.
"""

from __future__ import annotations

import hashlib
import threading
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_CACHE_SECONDS = 60.0
_verified: dict[bytes, tuple[str, float]] = {}
_lock = threading.Lock()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _cache_key(password_hash: str, password: str) -> bytes:
    return hashlib.sha256(f"{password_hash}\0{password}".encode()).digest()


def recently_verified(password_hash: str, password: str) -> bool:
    """Whether this pair was verified within the last minute: checking costs no argon2 run."""
    with _lock:
        hit = _verified.get(_cache_key(password_hash, password))
    return hit is not None and hit[1] > time.monotonic()


def verify_password(password_hash: str, password: str) -> bool:
    """Blocks for an argon2 run unless `recently_verified`: call it from a thread, not an event loop."""
    if not password_hash:
        return False
    if recently_verified(password_hash, password):
        return True
    try:
        _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    with _lock:
        if len(_verified) > 10_000:
            _verified.clear()
        _verified[_cache_key(password_hash, password)] = (password_hash, time.monotonic() + _CACHE_SECONDS)
    return True
