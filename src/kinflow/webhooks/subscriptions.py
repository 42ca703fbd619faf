"""Webhook subscriptions: who listens to which events of what (for kintone: an app's events).

Signing secrets are stored encrypted with the server's secret key (kinflow.secret_key); a
`Webhook`'s `secret` is that stored form, decrypted only to answer its creator and to sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.clock import clock, utc_text
from kinflow.digits import is_digits
from kinflow.errors import KintoneError, invalid_input
from kinflow.secret_key import SecretKey
from kinflow.storage.schema import MAX_ID, apps, webhooks
from kinflow.webhooks.guard import Network, literal_refusal, url_problem
from kinflow.webhooks.signing import new_secret


@dataclass(frozen=True)
class Webhook:
    id: int
    source: str
    scope: str
    url: str
    events: list[str]
    active: bool
    description: str
    secret: str  # encrypted
    created_at: datetime
    creator: str

    def as_json(self, key: SecretKey | None = None) -> dict:
        """With `key`, the answer holds the signing secret (for the one who subscribes)."""
        body = {"id": str(self.id), "url": self.url, "events": self.events, "active": self.active,
                "description": self.description, "createdAt": utc_text(self.created_at),
                "creator": self.creator}
        if key is not None:
            body["secret"] = key.decrypt(self.secret)
        return body


def webhook_not_found(webhook_id: object) -> KintoneError:
    return KintoneError("KF_WH01", f"The webhook (id: {webhook_id}) is not found.", 404)


def _webhook(row) -> Webhook:  # noqa: ANN001
    return Webhook(row.id, row.source, row.scope, row.url, list(row.events), bool(row.active),
                   row.description, row.secret, row.created_at, row.creator)


def _changed(conn: Connection, source: str, scope: str) -> None:
    """Move the revision that caches of `scope`'s subscribers key on (for kintone: the app's row,
    which every record write reads anyway), in the transaction of the change."""
    if source == "kintone" and is_digits(scope):
        conn.execute(apps.update().where(apps.c.id == int(scope)).values(
            webhooks_revision=apps.c.webhooks_revision + 1))


def _checked_url(url: object, allow: tuple[Network, ...]) -> str:
    problem = url_problem(url) or literal_refusal(url, allow)  # type: ignore[arg-type]
    if problem:
        raise invalid_input({"url": [problem]})
    return url  # type: ignore[return-value]


def _checked_events(events: object, allowed: tuple[str, ...]) -> list[str]:
    if isinstance(events, str):
        events = [events]
    if not isinstance(events, list) or not events or any(e not in allowed for e in events):
        raise invalid_input({"events": [f"Enter one or more of {', '.join(allowed)}."]})
    return sorted(set(events), key=allowed.index)


def _text(value: object, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid_input({name: ["Enter a string value."]})
    return value


def _flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise invalid_input({name: ["Must be true or false."]})


def subscribe(conn: Connection, source: str, scope: str, *, url: object, events: object,
              allowed: tuple[str, ...], allow: tuple[Network, ...], key: SecretKey, creator: str,
              cap: int | None = None,
              description: object = None, active: object = True, secret: object = None) -> tuple[Webhook, bool]:
    """The webhook for (url, events) on `scope`, created unless the same one exists already.
    Returns it and whether it was created. A scope (an app) has at most `cap` webhooks: each event
    goes to every one of them, so their number is what one write costs the delivery workers."""
    checked_url = _checked_url(url, allow)
    checked_events = _checked_events(events, allowed)
    existing_webhooks = list_webhooks(conn, source, scope)
    for existing in existing_webhooks:
        if existing.url == checked_url and existing.events == checked_events:
            return existing, False
    if cap is not None and len(existing_webhooks) >= cap:
        raise invalid_input({"url": [f"An app can have at most {cap} webhooks."]})
    values = {
        "source": source, "scope": scope, "url": checked_url, "events": checked_events,
        "active": _flag(active, "active"), "description": _text(description, "description"),
        "secret": key.encrypt(_text(secret, "secret") or new_secret()), "created_at": clock.now().replace(tzinfo=None),
        "creator": creator,
    }
    new_id = conn.execute(webhooks.insert().values(**values)).inserted_primary_key[0]
    _changed(conn, source, scope)
    return get_webhook(conn, source, scope, new_id), True


def list_webhooks(conn: Connection, source: str, scope: str) -> list[Webhook]:
    rows = conn.execute(sa.select(webhooks).where(webhooks.c.source == source, webhooks.c.scope == scope)
                        .order_by(webhooks.c.id))
    return [_webhook(row) for row in rows]


def get_webhook(conn: Connection, source: str, scope: str, webhook_id: object) -> Webhook:
    try:
        number = int(str(webhook_id))
    except ValueError:
        raise webhook_not_found(webhook_id) from None
    if not 0 < number <= MAX_ID:
        raise webhook_not_found(webhook_id)
    row = conn.execute(sa.select(webhooks).where(
        webhooks.c.id == number, webhooks.c.source == source, webhooks.c.scope == scope)).first()
    if row is None:
        raise webhook_not_found(webhook_id)
    return _webhook(row)


def update_webhook(conn: Connection, webhook: Webhook, changes: dict, *, allowed: tuple[str, ...],
                   allow: tuple[Network, ...], key: SecretKey) -> Webhook:
    values: dict = {}
    if "url" in changes:
        values["url"] = _checked_url(changes["url"], allow)
    if "events" in changes:
        values["events"] = _checked_events(changes["events"], allowed)
    if "active" in changes:
        values["active"] = _flag(changes["active"], "active")
    if "description" in changes:
        values["description"] = _text(changes["description"], "description")
    if changes.get("secret"):
        values["secret"] = key.encrypt(_text(changes["secret"], "secret"))
    if values:
        conn.execute(webhooks.update().where(webhooks.c.id == webhook.id).values(**values))
        _changed(conn, webhook.source, webhook.scope)
    return get_webhook(conn, webhook.source, webhook.scope, webhook.id)


def delete_webhook(conn: Connection, webhook: Webhook) -> None:
    """Unsubscribe; deliveries not yet made are dropped with it."""
    conn.execute(webhooks.delete().where(webhooks.c.id == webhook.id))
    _changed(conn, webhook.source, webhook.scope)
