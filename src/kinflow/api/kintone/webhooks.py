"""The webhook subscriptions connectors make (`/k/integration/v1/preview/app/webhook*.json`): a
`POST` answers `201` with a `Location` that accepts `DELETE` to unsubscribe."""

from __future__ import annotations

from urllib.parse import urlencode

from kinflow.api.kintone.calls import Call, Created, route
from kinflow.events.kintone import EVENT_TYPES, SOURCE
from kinflow.webhooks.subscriptions import delete_webhook, get_webhook, subscribe

_GENERIC = "integration/preview/app/webhook"
# The per-event paths of the kintone connector's triggers; the generic one names its `type`.
_PER_EVENT = {
    f"{_GENERIC}/update_record": "UPDATE_RECORD",
    f"{_GENERIC}/delete_record": "DELETE_RECORD",
    f"{_GENERIC}/add_record_comment": "ADD_RECORD_COMMENT",
    f"{_GENERIC}/update_status": "UPDATE_STATUS",
}


def _subscribe(call: Call, event: object) -> Created:
    app = call.managed_app()
    webhook, _ = subscribe(
        call.conn, SOURCE, str(app.id), url=call.params.get("url"), events=event, allowed=EVENT_TYPES,
        allow=call.settings.webhook_networks, cap=call.settings.webhooks_per_app,
        key=call.settings.keys,
        creator=call.identity.code,
        description=call.params.get("description"),
    )
    query = urlencode({"app": app.id, "id": webhook.id})
    location = f"{call.settings.public_url.rstrip('/')}/k/integration/v1/preview/app/webhook.json?{query}"
    return Created({"id": str(webhook.id), "app": str(app.id), "events": webhook.events}, location)


@route("POST", _GENERIC)
def add_webhook(call: Call) -> Created:
    return _subscribe(call, call.params.get("type", call.params.get("events")))


for _resource, _event in _PER_EVENT.items():
    route("POST", _resource)(lambda call, event=_event: _subscribe(call, event))


@route("DELETE", _GENERIC)
def remove_webhook(call: Call) -> dict:
    app = call.managed_app()
    delete_webhook(call.conn, get_webhook(call.conn, SOURCE, str(app.id), call.params.get("id")))
    return {}
