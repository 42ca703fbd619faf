"""Phone sign-in and tokens, as Kaizala's token service: a one-time PIN for a number and a connector
(`generatePin`), the PIN exchanged for a refresh token (`loginWithPinAndApplicationId`), the refresh
token exchanged for a 24-hour access token (`accessToken`) that every later call sends.

PINs and tokens are stored as digests only. A wrong PIN counts a try that stays counted: the call
*returns* its refusal, so the transaction that counted it commits (see `kinflow.api.kaizala.http`)."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.config import Settings
from kinflow.errors import KintoneError
from kinflow.events import kaizala as kaizala_events
from kinflow.events.outbox import now_naive
from kinflow.groups.connectors import Connector, digest, get_connector, new_secret
from kinflow.groups import pin_delivery
from kinflow.groups.errors import bad_input, forbidden, unauthorized
from kinflow.groups.people import Person, get_person, provision
from kinflow.groups.tables import connectors, people, pins, tokens
from kinflow.storage.database import after_commit
from kinflow.storage.prepared import Prepared

PIN_DIGITS = 6
PIN_LIFETIME = timedelta(minutes=10)
PIN_TRIES = 5
PIN_SENDS_PER_HOUR = 5
ACCESS_LIFETIME = timedelta(hours=24)
REFRESH_LIFETIME = timedelta(days=365)
# After 90% of its life (day 328) a refresh token is renewed in the access-token answer.
REFRESH_RENEWAL = REFRESH_LIFETIME * 0.9
MAX_TOKEN = 128


def epoch_ms(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1)).total_seconds() * 1000)


def generate_pin(conn: Connection, mobile: str, application_id: object, settings: Settings) -> None:
    """A new one-time PIN for this number and connector, sent once the transaction commits."""
    connector = get_connector(conn, application_id)
    now = now_naive()
    sent = conn.execute(sa.select(sa.func.count()).select_from(pins).where(
        pins.c.mobile == mobile, pins.c.created_at > now - timedelta(hours=1))).scalar_one()
    if sent >= PIN_SENDS_PER_HOUR:
        raise KintoneError("TooManyRequests", f"At most {PIN_SENDS_PER_HOUR} PINs are sent to a number in an hour; "
                           "try again later.", 429)
    # No leading zero: Kaizala's clients may send the PIN as a JSON number, which would lose it.
    # PINs older than the hour the send limit looks back on are of no more use.
    conn.execute(pins.delete().where(pins.c.mobile == mobile, pins.c.created_at <= now - timedelta(hours=1)))
    pin = secrets.choice("123456789") + "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS - 1))
    conn.execute(pins.insert().values(mobile=mobile, connector_id=connector.id, pin_hash=digest(pin), tries=0,
                                      used=False, created_at=now, expires_at=now + PIN_LIFETIME))
    address = pin_delivery.address_of(conn, mobile)
    after_commit(conn, lambda: pin_delivery.deliver(settings, mobile, connector.name, pin, address))


def _pin_text(value: object) -> str:
    # Kaizala's swagger types the PIN as an integer; clients send it as a number or as digits.
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise bad_input("pin", "Enter the PIN that was sent.")
    pin = str(value).strip()
    if not pin.isascii() or not pin.isdigit() or not 4 <= len(pin) <= 6:
        raise bad_input("pin", "A PIN is 4 to 6 digits.")
    return pin


def _new_token(conn: Connection, kind: str, connector: Connector, person: Person, lifetime: timedelta,
               now: datetime) -> tuple[str, datetime]:
    token = new_secret()
    expires = now + lifetime
    conn.execute(tokens.insert().values(token_hash=digest(token), kind=kind, connector_id=connector.id,
                                        person_id=person.id, created_at=now, expires_at=expires))
    return token, expires


def login_with_pin(conn: Connection, mobile: str, application_id: object, pin_value: object) -> dict | KintoneError:
    """The refresh token for a right PIN; a wrong one is returned as a refusal (its try is kept)."""
    connector = get_connector(conn, application_id)
    pin = _pin_text(pin_value)
    now = now_naive()
    row = conn.execute(sa.select(pins).where(
        pins.c.mobile == mobile, pins.c.connector_id == connector.id, ~pins.c.used, pins.c.expires_at > now,
    ).order_by(pins.c.created_at.desc(), pins.c.id.desc()).limit(1)).first()
    if row is None:
        return unauthorized("No PIN is waiting for this number: it has expired or was never sent. Ask for a new one.")
    if row.tries >= PIN_TRIES:
        return unauthorized(f"This PIN was tried {PIN_TRIES} times. Ask for a new one.")
    if not hmac.compare_digest(row.pin_hash, digest(pin)):
        conn.execute(pins.update().where(pins.c.id == row.id).values(tries=row.tries + 1))
        return unauthorized("The PIN is not right.")
    conn.execute(pins.update().where(pins.c.id == row.id).values(used=True))
    person, joined = provision(conn, mobile)
    if joined:
        kaizala_events.user_joined(conn, person)
    token, expires = _new_token(conn, "refresh", connector, person, REFRESH_LIFETIME, now)
    return {"refreshToken": token, "grantedScope": connector.scope, "refreshTokenExpiry": epoch_ms(expires)}


def access_token(conn: Connection, connector: Connector, refresh_token: object, public_url: str) -> dict:
    """A 24-hour access token for a refresh token of this connector; the refresh token is renewed in
    the answer once 90% of its life has passed (an empty string before that, as Kaizala's sample)."""
    refused = unauthorized("The refreshToken is not valid for this application, or has expired.")
    if not isinstance(refresh_token, str) or not refresh_token or len(refresh_token) > MAX_TOKEN:
        raise refused
    now = now_naive()
    row = conn.execute(sa.select(tokens).where(
        tokens.c.token_hash == digest(refresh_token), tokens.c.kind == "refresh")).first()
    if row is None or row.connector_id != connector.id or row.expires_at <= now:
        raise refused
    person = get_person(conn, row.person_id)
    assert person is not None  # tokens go with their person
    # Each call adds an access token: those of this person and connector that have run out go.
    conn.execute(tokens.delete().where(tokens.c.connector_id == connector.id, tokens.c.person_id == person.id,
                                       tokens.c.expires_at <= now))
    access, expires = _new_token(conn, "access", connector, person, ACCESS_LIFETIME, now)
    renewed = ""
    if now - row.created_at >= REFRESH_RENEWAL:
        renewed, _ = _new_token(conn, "refresh", connector, person, REFRESH_LIFETIME, now)
    return {"accessToken": access, "endpointUrl": f"{public_url.rstrip('/')}/kaizala/",
            "accessTokenExpiry": epoch_ms(expires), "refreshToken": renewed, "scope": connector.scope}


@dataclass(frozen=True)
class Caller:
    """Who makes a groups API call: a person, through a connector, within its scopes."""
    person: Person
    connector: Connector

    def require(self, scope: str) -> None:
        if scope not in self.connector.scopes:
            raise forbidden(f"The connector {self.connector.name!r} does not have the scope {scope}.")


def caller(conn: Connection, access: object) -> Caller:
    """The caller of an `accessToken` header (401 when missing, unknown or expired)."""
    if not isinstance(access, str) or not access:
        raise unauthorized("Send the accessToken header (from GET /kaizala/v1/accessToken).")
    if len(access) > MAX_TOKEN:
        raise unauthorized("The accessToken is not valid.")
    row = _CALLER.first(conn, token_hash=digest(access))
    if row is None:
        raise unauthorized("The accessToken is not valid.")
    expires_at, person_id, mobile, name, provisioned, connector_id, connector_name, scopes, created_at, creator = row
    if expires_at <= now_naive():
        raise unauthorized("The accessToken has expired; get a new one with the refresh token.")
    return Caller(Person(person_id, mobile, name, bool(provisioned)),
                  Connector(connector_id, connector_name, tuple(scopes), created_at, creator))


# Asked on every call of the groups API: the token, its person and its connector in one statement,
# compiled once (see `kinflow.storage.prepared`).
_CALLER = Prepared(
    sa.select(tokens.c.expires_at, tokens.c.person_id, people.c.mobile, people.c.name, people.c.provisioned,
              tokens.c.connector_id, connectors.c.name, connectors.c.scopes, connectors.c.created_at,
              connectors.c.creator)
    .select_from(tokens.join(people, people.c.id == tokens.c.person_id)
                 .join(connectors, connectors.c.id == tokens.c.connector_id))
    .where(tokens.c.token_hash == sa.bindparam("token_hash"), tokens.c.kind == sa.literal_column("'access'")))
