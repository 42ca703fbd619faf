"""Who a request is, from kintone's authentication headers.

Precedence as kintone: `X-Cybozu-Authorization` (password) first, then `X-Cybozu-API-Token`;
kinflow also accepts `Authorization: Basic` with a login and password when neither is sent.
Operations done with a token are recorded as the user `Administrator`.
Source: shared/reference/kintone-rest-api.md §1.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from kinflow.directory.passwords import verify_password
from kinflow.directory.tokens import ApiToken, find_tokens
from kinflow.directory.users import ADMINISTRATOR, User, get_user_with_hash
from kinflow.errors import KintoneError, invalid_input

MAX_TOKENS_PER_REQUEST = 9


@dataclass(frozen=True)
class Identity:
    """A user (password) or a set of API tokens, one per app."""

    user: User | None
    tokens: dict[int, ApiToken] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.user.code if self.user else ADMINISTRATOR

    @property
    def by_token(self) -> bool:
        return self.user is None


def not_logged_in() -> KintoneError:
    return KintoneError("CB_AU01", "Please login.", 401)


def _password_failed() -> KintoneError:
    return KintoneError(
        "CB_WA01",
        "Password authentication failed. The value in http header of X-Cybozu-Authorization is not valid.",
        401,
    )


def _decode_login(encoded: str) -> tuple[str, str] | None:
    try:
        text = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    login, sep, password = text.partition(":")
    return (login, password) if sep else None


def _password_identity(conn: Connection, encoded: str) -> Identity:
    credentials = _decode_login(encoded)
    if credentials is None:
        raise _password_failed()
    found = get_user_with_hash(conn, credentials[0])
    if found is None or not found[0].active or not verify_password(found[1], credentials[1]):
        raise _password_failed()
    return Identity(found[0])


def _token_identity(conn: Connection, header: str) -> Identity:
    given = [t.strip() for t in header.split(",") if t.strip()]
    if len(given) > MAX_TOKENS_PER_REQUEST:
        raise invalid_input(
            {"X-Cybozu-API-Token": [f"You can specify up to {MAX_TOKENS_PER_REQUEST} API tokens."]}
        )
    known = find_tokens(conn, given)
    by_app: dict[int, ApiToken] = {}
    for text in given:
        token = known.get(text)
        if token is None or not token.live:
            raise KintoneError(
                "GAIA_IA02", "The specified API token does not match the API token generated via an app.", 400
            )
        if token.app_id in by_app:
            raise KintoneError("GAIA_DA03", "You cannot specify a duplicate API token for the same app.", 400)
        by_app[token.app_id] = token
    return Identity(None, by_app)


def authenticate(conn: Connection, headers: dict[str, str]) -> Identity:
    """`headers` maps lower-case header names to values (repeated headers joined by ',')."""
    password = headers.get("x-cybozu-authorization")
    if password:
        return _password_identity(conn, password)
    token = headers.get("x-cybozu-api-token")
    if token:
        return _token_identity(conn, token)
    basic = headers.get("authorization", "")
    if basic[:6].lower() == "basic ":
        return _password_identity(conn, basic[6:])
    raise not_logged_in()
