"""A flow's connector webhook trigger, subscribed while the flow is enabled: exactly one subscription per
flow, whatever its deploys, versions and restarts.

The subscription is made through the connector, over HTTP, with the flow owner's connection (the
flow engine is a client like any other, even of this same kinflow): the trigger operation is called
with the flow's callback URL in the parameter marked `x-ms-notification-url`, and answers `201` with a
`Location` that a `DELETE` unsubscribes. What was subscribed is kept with a fingerprint of the trigger's
inputs: deploying the same trigger again keeps the subscription, a changed one replaces it, and
disabling or deleting the flow removes it. The callback URL is the same for every version of a flow,
so even a subscription whose record was lost (a crash between the call and the write) is not doubled
by a server that recognises its URL.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import httpx
import orjson
import sqlalchemy as sa

from kinflow.config import Settings
from kinflow.errors import KintoneError
from kinflow.events.outbox import now_naive
from kinflow.flows import manage
from kinflow.flows.connectors import catalog, runtime
from kinflow.flows.definitions import WEBHOOK_TRIGGERS, connector_name
from kinflow.flows.engine.connectors import ConnectionNotFound, ConnectionRequest, ConnectorCalls
from kinflow.flows.expressions import Context, ExpressionError, evaluate
from kinflow.flows.tables import flow_subscriptions
from kinflow.storage.database import Database, after_commit

log = logging.getLogger("kinflow.flows")


@dataclass(frozen=True)
class Wanted:
    """The subscription an enabled flow's trigger asks for."""

    kind: str
    inputs: dict
    request: ConnectionRequest
    fingerprint: str


def notification_key(operation: dict) -> str | None:
    """The parameter key (`body/url`) of the callback URL of a trigger operation."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "body":
            for name, spec in ((parameter.get("schema") or {}).get("properties") or {}).items():
                if isinstance(spec, dict) and spec.get("x-ms-notification-url"):
                    return f"{parameter['name']}/{name}"
        elif parameter.get("x-ms-notification-url"):
            return parameter["name"]
    return None


def _wanted(settings: Settings, flow: manage.Flow, definition) -> Wanted | None:  # noqa: ANN001
    if flow.state != manage.ENABLED or definition.trigger_type not in WEBHOOK_TRIGGERS:
        return None
    url = manage.callback_url(settings.public_url, flow.id, definition.trigger_name,
                              manage.trigger_signature(settings.keys, flow.uuid))
    parameters = definition.parameter_values()
    try:
        inputs = evaluate(definition.trigger.get("inputs") or {}, Context(parameters=parameters, callback_url=url))
    except ExpressionError as error:
        raise KintoneError("KF_FL09", f"The trigger's inputs cannot be evaluated: {error}", 400) from None
    host = inputs.get("host") or {}
    if definition.trigger_type == "OpenApiConnectionWebhook":
        name = connector_name(str(host.get("apiId", "")))
        _, _, operation = runtime.find_operation(catalog.load(name).definition, host["operationId"])
        key = notification_key(operation)
        inputs["parameters"] = {**(inputs.get("parameters") or {}), **({key: url} if key else {})}
        request = ConnectionRequest(flow.owner, name, str(host.get("connectionName")), parameters)
    else:
        request = ConnectionRequest(flow.owner, None, str((host.get("connection") or {}).get("name")), parameters)
    fingerprint = hashlib.sha256(orjson.dumps([definition.trigger_type, inputs], option=orjson.OPT_SORT_KEYS)).hexdigest()
    return Wanted(definition.trigger_type, inputs, request, fingerprint)


def _refused(message: str, status: int = 502) -> KintoneError:
    """502: the connector's server refused; 400: the flow names no usable connection or operation."""
    return KintoneError("KF_FL10", f"The flow's trigger could not subscribe: {message}", status)


def _subscribe(calls: ConnectorCalls, wanted: Wanted) -> tuple[str, str]:
    """(connection id, Location) of a new subscription."""
    try:
        found = calls.find(wanted.request)
        connection = calls.live(found)
        if wanted.kind == "OpenApiConnectionWebhook":
            definition = catalog.load(wanted.request.connector or found.connector).definition
            response = runtime.call(definition, connection, wanted.inputs["host"]["operationId"],
                                    wanted.inputs.get("parameters") or {}, calls.outgoing)
        else:
            response = calls.raw(connection, found.connector, {"method": "post", **wanted.inputs})
    except runtime.Unreachable as error:
        raise _refused(str(error)) from None
    except (ConnectionNotFound, runtime.ConnectorError, catalog.UnknownConnector) as error:
        raise _refused(str(error), 400) from None
    location = response.headers.get("location")
    if response.status_code not in (200, 201) or not location:
        raise _refused(f"the connector's server answered HTTP {response.status_code} "
                       f"{'without a Location' if response.status_code < 300 else response.text[:300]}")
    return found.id, str(httpx.URL(connection.base_url).join(location))


def _unsubscribe(calls: ConnectorCalls, owner: str, connection_id: str, location: str) -> None:
    """Best effort: a subscription whose server is away or has forgotten it is let go."""
    try:
        found = calls.find(ConnectionRequest(owner, None, connection_id, {}))
        connection = calls.live(found)
        url, pinned, extensions = calls.outgoing.target(location)
        with httpx.Client(timeout=calls.outgoing.timeout) as client:
            answer = client.delete(url, headers={**connection.auth_headers(), **pinned}, extensions=extensions)
        if answer.status_code >= 400 and answer.status_code not in (404, 410):
            log.warning("unsubscribing %s answered HTTP %s", location[:200], answer.status_code)
    except (ConnectionNotFound, runtime.ConnectorError, httpx.HTTPError) as error:
        log.warning("unsubscribing %s failed: %s", location[:200], error)


def sync(db: Database, settings: Settings, flow_id: int, *, deleting: bool = False) -> dict | None:
    """Make the flow's subscription match the flow: one while it is enabled with a webhook trigger,
    none otherwise. Called with no transaction open (the connector's server may be this one).
    Returns the subscription, or None. A subscription that fails disables the flow and raises."""
    with db.read() as conn:
        flow = manage.get_flow(conn, "", flow_id, admin=True)
        definition = manage.definition_of(conn, flow.id, flow.version)
        existing = conn.execute(sa.select(flow_subscriptions).where(flow_subscriptions.c.flow_id == flow.id)).first()
    wanted = None if deleting else _wanted(settings, flow, definition)
    if existing is not None and (wanted is None or existing.fingerprint != wanted.fingerprint):
        calls = ConnectorCalls(db, settings)
        _unsubscribe(calls, flow.owner, existing.connection_id, existing.location)
        with db.write() as conn:
            conn.execute(flow_subscriptions.delete().where(flow_subscriptions.c.flow_id == flow.id))
        existing = None
    if wanted is None:
        return None
    if existing is not None:
        return {"location": existing.location, "connection": existing.connection_id}
    try:
        connection_id, location = _subscribe(ConnectorCalls(db, settings), wanted)
    except KintoneError:
        with db.write() as conn:
            manage.set_state(conn, flow, manage.DISABLED)
        raise
    with db.write() as conn:
        conn.execute(flow_subscriptions.insert().values(flow_id=flow.id, connection_id=connection_id, location=location,
                                                        fingerprint=wanted.fingerprint, created_at=now_naive()))
    return {"location": location, "connection": connection_id}


def forget(conn, db: Database | None, settings: Settings, flow: manage.Flow) -> None:  # noqa: ANN001
    """Unsubscribe a flow that is being deleted, once its deletion has committed."""
    existing = conn.execute(sa.select(flow_subscriptions).where(flow_subscriptions.c.flow_id == flow.id)).first()
    if existing is None or db is None:
        return
    owner, connection_id, location = flow.owner, existing.connection_id, existing.location
    after_commit(conn, lambda: _unsubscribe(ConnectorCalls(db, settings), owner, connection_id, location))
