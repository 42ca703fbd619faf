"""Webhook signatures: receivers verify that a request came from kinflow and is fresh.

    X-Kinflow-Timestamp: <unix seconds>
    X-Kinflow-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the webhook secret>
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TIMESTAMP_HEADER = "X-Kinflow-Timestamp"
SIGNATURE_HEADER = "X-Kinflow-Signature"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signature_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    if not secret:
        return {}
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """The check a receiver makes (kinflow's tests use it)."""
    try:
        expected = signature(secret, int(timestamp), body)
    except ValueError:
        return False
    return hmac.compare_digest(expected, header)
