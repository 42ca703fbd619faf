"""Kaizala's webhook subscriptions: `POST /webhook`, `GET /webhook?objectId&objectType`,
`PUT /webhook/{webhookId}`, `DELETE /webhook/{webhookId}`. Creating one, or pointing it at a new
URL, waits for the callback URL's validation handshake, made with no transaction open."""

from __future__ import annotations

from kinflow.api.kaizala.http import Call, Checked, caller_of
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
