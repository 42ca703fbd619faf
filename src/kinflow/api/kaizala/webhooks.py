"""Kaizala's webhook subscriptions: `POST /webhook`, `GET /webhook?objectId&objectType`,
`PUT /webhook/{webhookId}`, `DELETE /webhook/{webhookId}`. Creating one, or pointing it at a new
URL, waits for the callback URL's validation handshake, made with no transaction open.

The Power Automate connector's triggers subscribe one event each, `POST /webhook/{objectType}/{eventType}`
with `objectId` (a group, or for the `Action` triggers an action of the group `groupId`) and the body
`{"CallbackUrl": ...}`; they are answered `201` with the subscription's `Location`, which a `DELETE`
unsubscribes, as the Power Platform's webhook triggers need, and their events come flat, as the
connector's Definitions describe them (`kinflow.events.kaizala`)."""

from __future__ import annotations

from starlette.responses import Response

from kinflow.api.kaizala.http import Call, Checked, JsonBody, caller_of, json_response
from kinflow.config import Settings
from kinflow.groups import webhooks
from kinflow.groups.errors import bad_input
from kinflow.webhooks.handshake import validation_problem


def _caller(call: Call):  # noqa: ANN202
    return caller_of(call)


def _again(call: Call):  # noqa: ANN202
    # The write half of a checked call: the call was counted when it was checked.
    return caller_of(call, count=False)


async def _handshake(plan: webhooks.Plan, settings: Settings) -> None:
    if plan.url is not None:
        problem = await validation_problem(plan.url, settings.webhook_networks)
        if problem:
            raise bad_input("callBackUrl", problem)


subscribe = Checked(
    check=lambda call: webhooks.plan(call.conn, _caller(call), call.body, call.settings.webhook_networks),
    outside=_handshake,
    write=lambda call, plan: webhooks.create(call.conn, _again(call), plan, call.settings.webhook_networks,
                                        call.settings.keys))

change = Checked(
    check=lambda call: webhooks.plan_change(call.conn, _caller(call), call.path["webhookId"], call.body,
                                            call.settings.webhook_networks),
    outside=_handshake,
    write=lambda call, plan: webhooks.update(call.conn, _again(call), call.path["webhookId"], plan))


def list_subscriptions(call: Call) -> dict:
    return webhooks.list_subscriptions(call.conn, _caller(call), call.query)


def unsubscribe(call: Call) -> dict:
    return webhooks.delete(call.conn, _caller(call), call.path["webhookId"])


def _trigger_request(call: Call) -> dict:
    """A connector trigger's subscription, as the body `POST /webhook` takes."""
    object_type, event = call.path["objectType"], call.path["eventType"]
    if object_type not in ("Group", "Action"):
        raise bad_input("objectType", "Enter Group or Action.")
    if not call.query.get("objectId"):
        raise bad_input("objectId", "Required field.")
    return JsonBody({"objectType": object_type, "objectId": call.query["objectId"], "eventTypes": [event],
                     "callBackUrl": call.body.get("CallbackUrl")})


def _created(call: Call, plan: webhooks.Plan) -> Response:
    answer = webhooks.create(call.conn, _again(call), plan, call.settings.webhook_networks, call.settings.keys,
                             shape="connector")
    response = json_response(answer, 201)
    response.headers["Location"] = f"{call.settings.public_url.rstrip('/')}/kaizala/v1/webhook/{answer['webhookId']}"
    return response


subscribe_trigger = Checked(
    check=lambda call: webhooks.plan(call.conn, _caller(call), _trigger_request(call), call.settings.webhook_networks),
    outside=_handshake,
    write=_created)
