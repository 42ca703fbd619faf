"""Connections: a person's credentials for one connector, which their flows call it with.

As the seeds say of both connectors, a connection is not shareable: it belongs to the user who made
it, who alone lists, uses and deletes it. Its credentials (an API token, a password, a refresh token)
are encrypted at rest with the server's secret key and never leave the server again; what may be
shown is the `account` (a login name, a mobile number).

A kintone connection is a domain or base URL (kinflow itself, or any kintone-compatible server) with
an API token or a login and password. Before one is kept, a test call through the connector's own
`GetApps` operation checks that the server answers as kintone does and takes the credentials.

A Kaizala connection is made by phone sign-in in two steps (`kinflow.flows.phone_signin`): it waits
in the state `pin` until the PIN sent to its number signs it in; its test call is the first access
token."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection as Db

from kinflow.clock import clock, utc_text
from kinflow.config import Settings
from kinflow.errors import KintoneError, invalid_input
from kinflow.flows.connectors import catalog
from kinflow.flows.connectors.runtime import ConnectorError, Outgoing, call, origin
from kinflow.flows import phone_signin
from kinflow.flows.tables import connections
from kinflow.flows.throttle import throttle_for
from kinflow.secret_key import CONNECTION_SECRET, SecretKey

MAX_NAME = 128
MAX_URL = 2048
MAX_SECRET = 4096
MAX_ACCOUNT = 128
MAX_PER_OWNER = 100
KINTONE_AUTH = ("apiToken", "password")


@dataclass(frozen=True)
class Connection:
    id: str
    owner_id: int
    connector: str
    name: str
    base_url: str
    auth: str
    account: str
    secret: str  # encrypted
    state: str
    created_at: datetime

    def as_json(self) -> dict:
        """What its owner sees of it: never the credentials."""
        return {"id": self.id, "connector": self.connector, "name": self.name, "baseUrl": self.base_url,
                "auth": self.auth, "account": self.account, "state": self.state,
                "createdAt": utc_text(self.created_at)}


@dataclass(frozen=True)
class Plan:
    """A checked request for a new connection, waiting for its test call."""
    connector: str
    name: str
    base_url: str
    auth: str
    account: str
    secrets: dict


@dataclass(frozen=True)
class Live:
    """A connection as the runtime calls with it (kinflow.flows.connectors.runtime.Connection)."""
    id: str
    base_url: str
    headers: dict

    def auth_headers(self) -> dict[str, str]:
        return self.headers


def not_found(connection_id: object) -> KintoneError:
    return KintoneError("KF_CN01", f"The connection (id: {str(connection_id)[:64]}) is not found.", 404)


def _text(body: dict, name: str, limit: int, required: bool = True) -> str:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise invalid_input({name: ["Required field."]})
        return ""
    if not isinstance(value, str):
        raise invalid_input({name: ["Enter a string."]})
    if len(value) > limit:
        raise invalid_input({name: [f"Enter at most {limit} characters."]})
    return value


def base_url_of(domain: str, field: str = "domain") -> str:
    """scheme://host[:port] of a domain (`example.kintone.com`: https, as the connector's
    `dynamichosturl` policy routes it) or of a URL (`http://127.0.0.1:8080`, kept as given)."""
    url = domain.strip() if "://" in domain else f"https://{domain.strip()}"
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise invalid_input({field: ["Enter a domain or an http or https URL."]}) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password \
            or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise invalid_input({field: ["Enter a domain or an http or https URL (no path, no login)."]})
    return f"{parts.scheme}://{parts.netloc.lower()}"


def plan_kintone(body: dict) -> Plan:
    name = _text(body, "name", MAX_NAME, required=False) or "kintone"
    base_url = base_url_of(_text(body, "domain", MAX_URL))
    token = _text(body, "apiToken", MAX_SECRET, required=False)
    login = _text(body, "login", MAX_ACCOUNT, required=False)
    if bool(token) == bool(login):
        raise invalid_input({"apiToken": ["Enter an API token, or a login and password (one of them)."]})
    if token:
        return Plan("kintone", name, base_url, "apiToken", "", {"apiToken": token})
    password = _text(body, "password", MAX_SECRET)
    return Plan("kintone", name, base_url, "password", login, {"login": login, "password": password})


def plan_kaizala(body: dict, default_endpoint: str) -> Plan:
    name = _text(body, "name", MAX_NAME, required=False) or "Kaizala"
    endpoint = base_url_of(_text(body, "endpoint", MAX_URL, required=False) or default_endpoint, "endpoint")
    mobile = _text(body, "mobileNumber", 32)
    application = _text(body, "applicationId", phone_signin.MAX_ID)
    secret = _text(body, "applicationSecret", MAX_SECRET)
    return Plan("kaizala", name, endpoint, "phone", mobile, {"applicationId": application,
                                                             "applicationSecret": secret})


def plan(body: dict, default_endpoint: str) -> Plan:
    """A new connection's request, checked (no call made yet). A Kaizala connection's endpoint is
    this server's groups API unless another is named."""
    connector = body.get("connector")
    if connector == "kintone":
        return plan_kintone(body)
    if connector == "kaizala":
        return plan_kaizala(body, default_endpoint)
    raise invalid_input({"connector": [f"Enter one of: {', '.join(catalog.names())}."]})


def _headers(plan_or_secrets: dict, auth: str) -> dict[str, str]:
    if auth == "apiToken":
        return {"X-Cybozu-API-Token": plan_or_secrets["apiToken"]}
    pair = f"{plan_or_secrets['login']}:{plan_or_secrets['password']}".encode()
    return {"X-Cybozu-Authorization": base64.b64encode(pair).decode()}


def outgoing_for(settings: Settings, db=None, *, wait: bool = True) -> Outgoing:  # noqa: ANN001
    """How this server's connector calls leave: the webhook address guard's allowlist, this server's
    own addresses exempt (a connection to "this kinflow" is no forgery), throttled per connection
    (counted in Redis when configured, else in the database `db`)."""
    own = {origin(settings.public_url)}
    if settings.host in ("", "0.0.0.0", "::", "127.0.0.1", "localhost", "::1"):
        own |= {f"http://127.0.0.1:{settings.port}", f"http://localhost:{settings.port}"}
    else:
        own.add(origin(f"http://{settings.host}:{settings.port}"))
    return Outgoing(allow=settings.webhook_networks, trusted=frozenset(own),
                    throttle=throttle_for(settings.redis_url, db), wait=wait)


def first_step(checked: Plan, outgoing: Outgoing) -> str:
    """What a new connection needs before it is kept: a kintone connection's test call (state
    `ready`), a Kaizala connection's PIN sent to its number (state `pin`)."""
    if checked.connector == "kaizala":
        phone_signin.send_pin(outgoing, checked.base_url, checked.account, checked.secrets["applicationId"])
        return "pin"
    test_call(checked, outgoing)
    return "ready"


def test_call(checked: Plan, outgoing: Outgoing) -> None:
    """Check a kintone connection with a call of the connector's `GetApps`: a 200, or a 403 for an
    API token that may not list apps, means the server knows the credentials."""
    live = Live(f"test-{uuid.uuid4()}", checked.base_url, _headers(checked.secrets, checked.auth))
    field = "apiToken" if checked.auth == "apiToken" else "password"
    try:
        answer = call(catalog.load(checked.connector).definition, live, "GetApps", {"limit": 1}, outgoing)
    except ConnectorError as error:
        raise invalid_input({"domain": [str(error)]}) from None
    try:
        body = answer.json()
    except ValueError:
        body = None
    # kintone refuses a password with 401, an unknown API token with 400 GAIA_IA02.
    if answer.status_code == 401 or isinstance(body, dict) and body.get("code") == "GAIA_IA02":
        raise invalid_input({field: ["The server does not accept these credentials."]})
    if not isinstance(body, dict) or answer.status_code not in (200, 403) or \
            (answer.status_code == 200 and "apps" not in body):
        raise invalid_input({"domain": [f"The server does not answer as kintone does (HTTP {answer.status_code})."]})


def make(db, settings: Settings, owner_id: int, body: dict) -> Connection:  # noqa: ANN001
    """A new connection of `owner_id` from its request: checked, its first step taken (the test call,
    or the PIN sent) with no transaction open, as the server called may be this one; then kept."""
    checked = plan(body, settings.public_url)
    state = first_step(checked, outgoing_for(settings, db, wait=False))
    with db.write() as conn:
        return create(conn, owner_id, checked, settings.keys, state)


def sign_in(db, settings: Settings, owner_id: int, connection_id: object, pin: object) -> Connection:  # noqa: ANN001
    """A Kaizala connection's second step: its PIN signs it in (outside any transaction, as `make`)."""
    with db.read() as conn:
        found = get(conn, owner_id, connection_id)
    secret = signed_in_secrets(found, pin, settings.keys, outgoing_for(settings, db, wait=False))
    with db.write() as conn:
        return set_secret(conn, get(conn, owner_id, found.id), secret)


def _connection(row) -> Connection:  # noqa: ANN001
    return Connection(row.id, row.owner_id, row.connector, row.name, row.base_url, row.auth, row.account,
                      row.secret, row.state, row.created_at)


def create(conn: Db, owner_id: int, checked: Plan, key: SecretKey, state: str = "ready") -> Connection:
    count = conn.execute(sa.select(sa.func.count()).select_from(connections)
                         .where(connections.c.owner_id == owner_id)).scalar_one()
    if count >= MAX_PER_OWNER:
        raise invalid_input({"connector": [f"A user has at most {MAX_PER_OWNER} connections."]})
    values = {"id": str(uuid.uuid4()), "owner_id": owner_id, "connector": checked.connector, "name": checked.name,
              "base_url": checked.base_url, "auth": checked.auth, "account": checked.account,
              "secret": key.encrypt(json.dumps(checked.secrets), CONNECTION_SECRET), "state": state,
              "created_at": clock.now().replace(tzinfo=None)}
    conn.execute(connections.insert().values(**values))
    return get(conn, owner_id, values["id"])


def list_connections(conn: Db, owner_id: int) -> list[Connection]:
    rows = conn.execute(sa.select(connections).where(connections.c.owner_id == owner_id)
                        .order_by(connections.c.created_at, connections.c.id))
    return [_connection(row) for row in rows]


def get(conn: Db, owner_id: int, connection_id: object) -> Connection:
    """One of the owner's connections; another's is as unknown as a missing one."""
    if not isinstance(connection_id, str) or len(connection_id) > 36:
        raise not_found(connection_id)
    row = conn.execute(sa.select(connections).where(
        connections.c.id == connection_id, connections.c.owner_id == owner_id)).first()
    if row is None:
        raise not_found(connection_id)
    return _connection(row)


def delete(conn: Db, owner_id: int, connection_id: object) -> None:
    found = get(conn, owner_id, connection_id)
    conn.execute(connections.delete().where(connections.c.id == found.id))


def signed_in_secrets(connection: Connection, pin: object, key: SecretKey, outgoing: Outgoing) -> str:
    """The second step of a Kaizala connection: the PIN signs in, an access token proves the
    refresh token; returns the connection's new encrypted credentials."""
    if connection.state != "pin":
        raise invalid_input({"id": ["This connection is signed in already."]})
    secrets = json.loads(key.decrypt(connection.secret, CONNECTION_SECRET))
    refresh = phone_signin.refresh_token_for(outgoing, connection.base_url, connection.account,
                                             secrets["applicationId"], pin)
    try:
        _, renewed = phone_signin.fetch_access_token(outgoing, connection.base_url, secrets["applicationId"],
                                                     secrets["applicationSecret"], refresh)
    except ConnectorError as error:
        raise invalid_input({"applicationSecret": [str(error)]}) from None
    return key.encrypt(json.dumps({**secrets, "refreshToken": renewed or refresh}), CONNECTION_SECRET)


def set_secret(conn: Db, connection: Connection, secret: str, state: str = "ready") -> Connection:
    conn.execute(connections.update().where(connections.c.id == connection.id).values(secret=secret, state=state))
    return get(conn, connection.owner_id, connection.id)


def live(connection: Connection, key: SecretKey, outgoing: Outgoing,
         keep: Callable[[str], None] = lambda refresh_token: None) -> Live | phone_signin.KaizalaLive:
    """The connection with its credentials decrypted, to call with; `keep` stores a refresh token
    the groups server renews (encrypt it with `key` and `set_secret`)."""
    if connection.state != "ready":
        raise ConnectorError(f"The connection {connection.name!r} is not signed in yet: send its PIN first.")
    secrets = json.loads(key.decrypt(connection.secret, CONNECTION_SECRET))
    if connection.connector == "kaizala":
        return phone_signin.KaizalaLive(connection.id, connection.base_url, secrets["applicationId"],
                                        secrets["applicationSecret"], secrets["refreshToken"], outgoing, keep)
    return Live(connection.id, connection.base_url, _headers(secrets, connection.auth))
