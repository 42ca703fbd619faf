"""Who a request is, from kintone's authentication headers.

Precedence as kintone: `X-Cybozu-Authorization` (password) first, then `X-Cybozu-API-Token`;
kinflow also accepts `Authorization: Basic` with a login and password when neither is sent.
Operations done with a token are recorded as the user `Administrator`.
A password is checked by `kinflow.directory.logins` before the call's transaction opens (it costs an
argon2 run); tokens are cheap to check, so inside it.
Source: shared/reference/kintone-rest-api.md §1.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from kinflow.directory.tokens import ApiToken, find_tokens
from kinflow.directory.users import ADMINISTRATOR, User
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_
from kinflow.secret_key import SecretKey

MAX_TOKENS_PER_REQUEST = 9


@dataclass(frozen=True)
class Identity:
    """A user (password) or a set of API tokens, one per app."""

    user: User | None
    tokens: dict[int, ApiToken] = field(default_factory=dict)
    # What one request works out about its caller once (e.g. their groups and departments for
    # record permissions); an identity lives for one request.
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def code(self) -> str:
        return self.user.code if self.user else ADMINISTRATOR

    @property
    def by_token(self) -> bool:
        return self.user is None


def not_logged_in() -> KintoneError:
    return KintoneError("CB_AU01", N_("Please login."), 401)


def password_failed() -> KintoneError:
    return KintoneError(
        "CB_WA01",
        N_("Password authentication failed. The value in http header of X-Cybozu-Authorization is not valid."),
        401,
    )


# Longer logins cannot exist (users.create_user refuses them).
MAX_LOGIN_LENGTH = 128


def _decode_login(encoded: str) -> tuple[str, str]:
    try:
        text = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise password_failed() from None
    login, sep, password = text.partition(":")
    # An empty login names nobody, and U+0000 cannot be stored (PostgreSQL refuses it in text):
    # neither may reach a lookup.
    if not sep or not login or len(login) > MAX_LOGIN_LENGTH or "\0" in text:
        raise password_failed()
    return login, password


def password_login(headers: dict[str, str]) -> tuple[str, str] | None:
    """The (login, password) a request sends, or None when it sends API tokens instead (see
    `token_identity`). `headers` maps lower-case header names to values (repeated headers joined by
    ','). No credentials at all: `CB_AU01`; a malformed login: `CB_WA01`."""
    encoded = headers.get("x-cybozu-authorization")
    if encoded:
        return _decode_login(encoded)
    if headers.get("x-cybozu-api-token"):
        return None
    basic = headers.get("authorization", "")
    if basic[:6].lower() == "basic ":
        return _decode_login(basic[6:])
    raise not_logged_in()


def sends_credentials(headers: dict[str, str]) -> bool:
    """Whether a request names a password or API tokens in its headers; else only a browser
    session (a cookie) may sign it in."""
    return bool(headers.get("x-cybozu-authorization") or headers.get("x-cybozu-api-token")
                or headers.get("authorization", "")[:6].lower() == "basic ")


def by_password(headers: dict[str, str]) -> bool:
    """Whether `password_login` takes these headers as a login and password (the same precedence),
    without decoding them."""
    if headers.get("x-cybozu-authorization"):
        return True
    if headers.get("x-cybozu-api-token"):
        return False
    return headers.get("authorization", "")[:6].lower() == "basic "


def token_identity(conn: Connection, headers: dict[str, str], key: SecretKey) -> Identity:
    """The API tokens of a request for which `password_login` gave None."""
    given = [t.strip() for t in headers.get("x-cybozu-api-token", "").split(",") if t.strip()]
    if not given:  # a header of separators only names no token: not a way in without one
        raise not_logged_in()
    if len(given) > MAX_TOKENS_PER_REQUEST:
        raise invalid_input(
            {"X-Cybozu-API-Token": [N_("You can specify up to {max_tokens_per_request} API tokens.",
                                       max_tokens_per_request=MAX_TOKENS_PER_REQUEST)]}
        )
    known = find_tokens(conn, key, given)
    by_app: dict[int, ApiToken] = {}
    for text in given:
        token = known.get(text)
        if token is None or not token.live:
            raise KintoneError(
                "GAIA_IA02", N_("The specified API token does not match the API token generated via an app."), 400
            )
        if token.app_id in by_app:
            raise KintoneError("GAIA_DA03", N_("You cannot specify a duplicate API token for the same app."), 400)
        by_app[token.app_id] = token
    return Identity(None, by_app)
