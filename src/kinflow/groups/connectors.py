"""Connectors: Kaizala's registered applications. An administrator creates one with a name and the
permission scopes it may use; it gets an application id and a secret, shown once and stored as a digest.

Scope names are those of Kaizala's token responses (shared/reference/kaizala-rest-api.swagger.json,
`grantedScope`), plus `textmessage.write`: Kaizala granted posting with `textmessage.read`, which reads
as a permission to read; kinflow asks for the write scope to post. Kaizala's "Reactions" permission has
no documented scope name; kinflow calls it `reaction.read` / `reaction.write`. Uploading media needs
`media.write` (Kaizala let `media.read` upload too); reading a file with a token, `media.read`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.clock import utc_text
from kinflow.events.outbox import now_naive
from kinflow.groups.errors import bad_input, not_found, text, unauthorized
from kinflow.groups.tables import connectors

SCOPES = (
    "groupinfo.read", "groupinfo.write", "groupinfo.remove", "groupinfo.update",
    "groupmember.read", "groupmember.write", "groupmember.remove",
    "textmessage.read", "textmessage.write",
    "action.read", "action.write", "action.update",
    "profile.write", "media.read", "media.write",
    "webhook.read", "webhook.write", "webhook.remove", "webhook.update",
    "reaction.read", "reaction.write",
)
MAX_NAME = 128


def digest(secret: str) -> str:
    """What is stored of a secret or token: they are 32 random bytes, so no slow hash is needed."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Connector:
    id: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    creator: str

    @property
    def scope(self) -> str:
        """The scopes as Kaizala writes them: comma-separated."""
        return ",".join(self.scopes)

    def as_json(self) -> dict:
        return {"applicationId": self.id, "name": self.name, "scopes": list(self.scopes),
                "createdAt": utc_text(self.created_at), "creator": self.creator}


def _connector(row) -> Connector:  # noqa: ANN001
    return Connector(row.id, row.name, tuple(row.scopes), row.created_at, row.creator)


def checked_scopes(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not value or len(value) > len(SCOPES):
        raise bad_input("scopes", f"Enter one or more of {', '.join(SCOPES)}.")
    unknown = [scope for scope in value if scope not in SCOPES]
    if unknown:
        raise bad_input("scopes", f"Unknown scope {str(unknown[0])[:64]!r}; enter one or more of {', '.join(SCOPES)}.")
    return tuple(sorted(set(value), key=SCOPES.index))


def create_connector(conn: Connection, name: object, scopes: object, creator: str) -> tuple[Connector, str]:
    """A new connector and its secret (the only time the secret is seen)."""
    checked_name = text({"name": name}, "name", limit=MAX_NAME)
    checked = checked_scopes(scopes)
    secret = new_secret()
    connector = Connector(str(uuid.uuid4()), checked_name, checked, now_naive(), creator)
    conn.execute(connectors.insert().values(id=connector.id, name=connector.name, secret_hash=digest(secret),
                                            scopes=list(checked), created_at=connector.created_at,
                                            creator=creator))
    return connector, secret


def list_connectors(conn: Connection) -> list[Connector]:
    return [_connector(row) for row in conn.execute(sa.select(connectors).order_by(connectors.c.created_at))]


def get_connector(conn: Connection, application_id: object) -> Connector:
    if not isinstance(application_id, str) or not application_id or len(application_id) > 36:
        raise not_found("connector", str(application_id)[:40])
    row = conn.execute(sa.select(connectors).where(connectors.c.id == application_id)).first()
    if row is None:
        raise not_found("connector", application_id)
    return _connector(row)


def delete_connector(conn: Connection, application_id: object) -> None:
    """Delete a connector: its refresh and access tokens stop working with it (Kaizala's rule)."""
    connector = get_connector(conn, application_id)
    conn.execute(connectors.delete().where(connectors.c.id == connector.id))


def authenticate_connector(conn: Connection, application_id: object, secret: object) -> Connector:
    """The connector whose id and secret these are (401 otherwise, alike for an unknown id)."""
    refused = unauthorized("The applicationId or applicationSecret is not valid.")
    if not isinstance(application_id, str) or not isinstance(secret, str) or len(application_id) > 36:
        raise refused
    row = conn.execute(sa.select(connectors).where(connectors.c.id == application_id)).first()
    if row is None or not hmac.compare_digest(row.secret_hash, digest(secret)):
        raise refused
    return _connector(row)
