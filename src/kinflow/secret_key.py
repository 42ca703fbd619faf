"""The server's secret key, and the two keys derived from it: one keys the hashes of API tokens
(HMAC-SHA256, so a copy of the database does not hold a single usable token), the other encrypts
webhook signing secrets and flow connections' credentials at rest (AES-256-GCM).

The key is `KINFLOW_SECRET_KEY` when set, else the file `secret.key` in the data folder, which
`kinflow serve` and `kinflow migrate` create (mode 0600) when they find neither. Every process of one
installation needs the same key; it must be kept with the backups, since without it no API token
matches and no webhook can be signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE = "secret.key"
MIN_LENGTH = 32
_NONCE = 12
# Bound into every ciphertext: a value encrypted for one purpose never decrypts as another.
_WEBHOOK_SECRET = b"kinflow webhook secret"
CONNECTION_SECRET = b"kinflow connection secret"


class SecretKeyError(Exception):
    """The key is missing, too short, or not the one the data was protected with."""


class SecretKey:
    def __init__(self, key: str) -> None:
        if len(key) < MIN_LENGTH:
            raise SecretKeyError(f"the secret key must have at least {MIN_LENGTH} characters")
        master = key.encode()
        self._token_key = _derive(master, b"api token hash")
        self._cipher = AESGCM(_derive(master, b"webhook secret encryption"))
        self._media_key = _derive(master, b"media url")
        self._session_key = _derive(master, b"web session")
        self._request_token_key = _derive(master, b"web request token")
        # SHA-256 of an API token -> its keyed hash: clients send the same few tokens with every
        # request, and an HMAC costs several times a plain SHA-256 (the token itself is not kept).
        self._token_hashes: dict[bytes, str] = {}

    def token_hash(self, token: str) -> str:
        """What the database keeps of an API token: 64 hex digits, looked up by equality."""
        text = token.encode()
        seen = hashlib.sha256(text).digest()
        found = self._token_hashes.get(seen)
        if found is None:
            if len(self._token_hashes) >= 10_000:
                self._token_hashes.clear()
            found = self._token_hashes[seen] = hmac.digest(self._token_key, text, "sha256").hex()
        return found

    def media_signature(self, media_id: str) -> str:
        """The signature in a media file's URL: whoever holds the URL may read the file, as with
        Kaizala's media URLs, which webhook receivers fetch without a token."""
        return hmac.digest(self._media_key, media_id.encode(), "sha256").hex()[:32]

    def session_hash(self, session_id: str) -> str:
        """What the database keeps of a browser session's id (64 hex digits), as of an API token."""
        return hmac.digest(self._session_key, session_id.encode(), "sha256").hex()

    def request_token(self, session_id: str) -> str:
        """The request token of a session (kintone's `__REQUEST_TOKEN__`): known only to its pages,
        which a page of another site cannot read, and stored nowhere."""
        return hmac.digest(self._request_token_key, session_id.encode(), "sha256").hex()[:40]

    def encrypt(self, text: str, purpose: bytes = _WEBHOOK_SECRET) -> str:
        if not text:
            return ""  # a webhook without a secret signs nothing: there is nothing to hide
        nonce = os.urandom(_NONCE)
        sealed = self._cipher.encrypt(nonce, text.encode(), purpose)
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, text: str, purpose: bytes = _WEBHOOK_SECRET) -> str:
        if not text:
            return ""
        try:
            raw = base64.urlsafe_b64decode(text)
            return self._cipher.decrypt(raw[:_NONCE], raw[_NONCE:], purpose).decode()
        except (InvalidTag, ValueError):
            what = "a connection's credentials do" if purpose == CONNECTION_SECRET else "a webhook secret does"
            raise SecretKeyError(f"{what} not decrypt with this secret key") from None


def _derive(master: bytes, purpose: bytes) -> bytes:
    return hmac.digest(master, b"kinflow " + purpose, hashlib.sha256)


def key_file(data_dir: Path) -> Path:
    return data_dir / KEY_FILE


def load_secret_key(given: str, data_dir: Path) -> SecretKey:
    """The key from `KINFLOW_SECRET_KEY` (`given`) or else from the data folder's key file."""
    if given:
        return SecretKey(given)
    path = key_file(data_dir)
    try:
        return SecretKey(path.read_text().strip())
    except FileNotFoundError:
        raise SecretKeyError(
            f"no secret key at {path.resolve()}: set KINFLOW_SECRET_KEY, or KINFLOW_DATA_DIR to the folder "
            f"holding {KEY_FILE} (restore it from a backup if it was lost)") from None


def create_key_file(data_dir: Path) -> Path:
    """Write a new random key, readable by this user only; refuses to replace an existing one."""
    path = key_file(data_dir)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(32) + "\n")
    return path
