"""Kaizala webhook subscriptions (webHooks.md): a connector subscribes to a group's events with a
callback URL, an optional `callBackToken` (sent as header `kz-callback-token`) and `callBackContext`
(sent as `context` in each event), valid until `validity` (epoch milliseconds, default two years).

Each subscription owns a row of the shared `webhooks` table, so the outbox, the workers, the address
guard, signing and the attempt log serve it as they serve kintone's webhooks. A subscription is to a
group the caller is a member of, to an action of such a group (its responses), or to an imported action
package (its instances' `ActionCreated` and `ActionResponse`, as Kaizala's
SubscribeToAllEventsAtActionLevelWithActionPackageId, from the groups the subscriber is a member of). As Kaizala, a
subscription whose delivery still fails after the last retry (6 retries over 2 days) is disabled
(`active: false`, with `disabledReason`) until `PUT {"Active": true}`. Creating one, and changing its
URL, needs the validation handshake first (`kinflow.webhooks.handshake`), made between two
transactions: `plan` checks the request in one, the caller makes the handshake, `create` or `update`
writes in another."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.events.kaizala import EVENT_TYPES, SOURCE
from kinflow.events.outbox import now_naive
from kinflow.groups import packages
from kinflow.groups.errors import bad_input, digits, flag, not_found, text
from kinflow.groups.groups import load_group, role_of
from kinflow.groups.signin import Caller, epoch_ms
from kinflow.groups.tables import actions, subscriptions
from kinflow.secret_key import SecretKey
from kinflow.storage.schema import webhooks
from kinflow.webhooks import subscriptions as shared
from kinflow.webhooks.guard import Network, literal_refusal, url_problem

OBJECT_TYPES = ("Group", "Action", "ActionPackage")
PACKAGE_EVENTS = ("ActionCreated", "ActionResponse")
# An action's own subscribers hear of its responses (the Swagger's sample also names ActionCreated,
# accepted: an action that exists is created already).
ACTION_EVENTS = ("ActionCreated", "ActionResponse", "SurveyResponse", "JobResponse")
DEFAULT_VALIDITY = timedelta(days=730)
MAX_URL = 2048
MAX_TOKEN = 512
MAX_CONTEXT = 4096
CALLBACK_HEADER = "kz-callback-token"


@dataclass(frozen=True)
class Plan:
    """A checked subscription request (or change), waiting for its handshake."""
    object_type: str
    object_id: str
    url: str | None
    events: list[str] | None
    token: str | None
    context: str | None
    valid_until: datetime | None
    active: bool | None


def _url(body: dict, allow: tuple[Network, ...], required: bool) -> str | None:
    url = text(body, "callBackUrl", limit=MAX_URL, required=required) or None
    if url is not None:
        problem = url_problem(url) or literal_refusal(url, allow)
        if problem:
            raise bad_input("callBackUrl", problem)
    return url


def _events(value: object, required: bool) -> list[str] | None:
    if value is None and not required:
        return None
    if not isinstance(value, list) or not value or len(value) > len(EVENT_TYPES) * 2:
        raise bad_input("eventTypes", f"Enter an array of one or more of {', '.join(EVENT_TYPES)}.")
    unknown = [e for e in value if e not in EVENT_TYPES]
    if unknown:
        raise bad_input("eventTypes", f"Unknown event type {str(unknown[0])[:64]!r}; enter one or more of "
                                      f"{', '.join(EVENT_TYPES)}.")
    return sorted(set(value), key=EVENT_TYPES.index)


def _valid_until(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not digits(str(value), 14):
        raise bad_input("validity", "Enter the end of validity as epoch milliseconds.")
    moment = datetime(1970, 1, 1) + timedelta(milliseconds=int(value))
    if moment <= now_naive():
        raise bad_input("validity", "The end of validity is in the past.")
    return moment


def _object(conn: Connection, caller: Caller, object_type: str, object_id: str) -> None:
    """Subscriptions are to groups the caller is a member of, to actions of those groups, or to an
    imported action package."""
    if object_type == "ActionPackage":
        packages.require_package(conn, object_id)
    elif object_type == "Action":
        group_id = conn.execute(sa.select(actions.c.group_id).where(actions.c.id == object_id[:36])).scalar()
        if group_id is None:
            raise not_found("action", object_id[:40])
        role_of(conn, load_group(conn, group_id), caller)
    else:
        role_of(conn, load_group(conn, object_id), caller)


def _events_of(object_type: str, value: object, required: bool) -> list[str] | None:
    events = _events(value, required)
    allowed = {"ActionPackage": PACKAGE_EVENTS, "Action": ACTION_EVENTS}.get(object_type)
    if allowed and events and set(events) - set(allowed):
        raise bad_input("eventTypes", f"An {object_type} subscription has the events {', '.join(allowed)}.")
    return events


def plan(conn: Connection, caller: Caller, body: dict, allow: tuple[Network, ...]) -> Plan:
    caller.require("webhook.write")
    object_type = text(body, "objectType", limit=16)
    if object_type not in OBJECT_TYPES:
        raise bad_input("objectType", f"Enter one of {', '.join(OBJECT_TYPES)}.")
    object_id = text(body, "objectId", limit=64)
    _object(conn, caller, object_type, object_id)
    return Plan(object_type, object_id, _url(body, allow, True),
                _events_of(object_type, body.get("eventTypes"), True),
                text(body, "callBackToken", limit=MAX_TOKEN, required=False),
                text(body, "callBackContext", limit=MAX_CONTEXT, required=False),
                _valid_until(body.get("validity")), True)


def create(conn: Connection, caller: Caller, checked: Plan, allow: tuple[Network, ...], key: SecretKey,
           shape: str = "envelope") -> dict:
    _object(conn, caller, checked.object_type, checked.object_id)  # still there after the handshake
    subscription_id = str(uuid.uuid4())
    webhook, _ = shared.subscribe(conn, SOURCE, subscription_id, url=checked.url, events=checked.events,
                                  allowed=EVENT_TYPES, allow=allow, key=key, creator=caller.person.mobile)
    conn.execute(webhooks.update().where(webhooks.c.id == webhook.id).values(
        headers={CALLBACK_HEADER: checked.token} if checked.token else None, disable_on_failure=True))
    now = now_naive()
    conn.execute(subscriptions.insert().values(
        id=subscription_id, webhook_id=webhook.id, object_id=checked.object_id, object_type=checked.object_type,
        callback_token=checked.token or "", context=checked.context or "", shape=shape,
        valid_until=checked.valid_until or now + DEFAULT_VALIDITY, connector_id=caller.connector.id,
        person_id=caller.person.id, created_at=now))
    return {"webhookId": subscription_id}


_JOINED = sa.select(subscriptions, webhooks.c.url, webhooks.c.events, webhooks.c.active,
                    webhooks.c.disabled_reason).join(
    webhooks, webhooks.c.id == subscriptions.c.webhook_id)


def _as_json(row) -> dict:  # noqa: ANN001
    return {"id": row.id, "objectId": row.object_id, "objectType": row.object_type, "events": list(row.events),
            "filters": [], "callbackUrl": row.url, "callbackToken": row.callback_token,
            "callbackContext": row.context, "ts": epoch_ms(row.created_at), "validity": epoch_ms(row.valid_until),
            "active": bool(row.active) and row.valid_until > now_naive(), "disabledReason": row.disabled_reason}


def list_subscriptions(conn: Connection, caller: Caller, query: dict) -> dict:
    """The connector's subscriptions to an object."""
    caller.require("webhook.read")
    object_type = text(query, "objectType", limit=16)
    if object_type not in OBJECT_TYPES:
        raise bad_input("objectType", f"Enter one of {', '.join(OBJECT_TYPES)}.")
    object_id = text(query, "objectId", limit=64)
    _object(conn, caller, object_type, object_id)
    rows = conn.execute(_JOINED.where(subscriptions.c.object_type == object_type,
                                      subscriptions.c.object_id == object_id,
                                      subscriptions.c.connector_id == caller.connector.id)
                        .order_by(subscriptions.c.created_at, subscriptions.c.id))
    return {"webhooks": [_as_json(row) for row in rows]}


def _own(conn: Connection, caller: Caller, subscription_id: str):  # noqa: ANN202
    row = conn.execute(_JOINED.where(subscriptions.c.id == subscription_id[:36])).first()
    if row is None or row.connector_id != caller.connector.id:
        raise not_found("webhook", subscription_id[:40])
    _object(conn, caller, row.object_type, row.object_id)
    return row


def plan_change(conn: Connection, caller: Caller, subscription_id: str, body: dict,
                allow: tuple[Network, ...]) -> Plan:
    """A checked change (webHooks.md: any parameter; `Active: true` re-enables a disabled one)."""
    caller.require("webhook.update")
    row = _own(conn, caller, subscription_id)
    for field, now_value in (("objectId", row.object_id), ("objectType", row.object_type)):
        if field in body and body[field] != now_value:
            raise bad_input(field, "A subscription keeps its object; create another one for a new object.")
    active = body.get("Active", body.get("active"))
    return Plan(row.object_type, row.object_id, _url(body, allow, False),
                _events_of(row.object_type, body.get("eventTypes"), False),
                text(body, "callBackToken", limit=MAX_TOKEN, required=False) if "callBackToken" in body else None,
                text(body, "callBackContext", limit=MAX_CONTEXT, required=False) if "callBackContext" in body else None,
                _valid_until(body.get("validity")), None if active is None else flag(active, "Active"))


def update(conn: Connection, caller: Caller, subscription_id: str, change: Plan) -> dict:
    row = _own(conn, caller, subscription_id)
    shared_values: dict = {}
    if change.url is not None:
        shared_values["url"] = change.url
    if change.events is not None:
        shared_values["events"] = change.events
    if change.active is not None:
        shared_values["active"] = change.active
        if change.active:
            shared_values["disabled_reason"] = ""
    own: dict = {}
    if change.token is not None:
        own["callback_token"] = change.token
        shared_values["headers"] = {CALLBACK_HEADER: change.token} if change.token else None
    if change.context is not None:
        own["context"] = change.context
    if change.valid_until is not None:
        own["valid_until"] = change.valid_until
    if shared_values:
        conn.execute(webhooks.update().where(webhooks.c.id == row.webhook_id).values(**shared_values))
    if own:
        conn.execute(subscriptions.update().where(subscriptions.c.id == row.id).values(**own))
    return {"result": True}


def delete(conn: Connection, caller: Caller, subscription_id: str) -> dict:
    caller.require("webhook.remove")
    row = _own(conn, caller, subscription_id)
    conn.execute(subscriptions.delete().where(subscriptions.c.id == row.id))
    conn.execute(webhooks.delete().where(webhooks.c.id == row.webhook_id))
    return {"result": True}


def needs_handshake(change: Plan) -> bool:
    return change.url is not None




def drop_object(conn: Connection, object_type: str, object_id: str) -> None:
    """Delete every subscription to an object that is going away (an action package)."""
    rows = conn.execute(sa.select(subscriptions.c.id, subscriptions.c.webhook_id).where(
        subscriptions.c.object_type == object_type, subscriptions.c.object_id == object_id)).all()
    if rows:
        conn.execute(subscriptions.delete().where(subscriptions.c.id.in_([r.id for r in rows])))
        conn.execute(webhooks.delete().where(webhooks.c.id.in_([r.webhook_id for r in rows])))
