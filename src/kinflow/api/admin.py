"""kinflow's own directory API (kintone manages users in cybozu.com's admin screens, which have no
counterpart here): users, departments, groups, guest spaces and per-app API tokens; and each
person's notification inbox (kintone shows it in its web interface only).

Paths live under `/kinflow/v1/`; only administrators may call them (reads too: the directory holds
every login and e-mail), except that an app's managers manage its API tokens and
webhooks, and every user reads their own inbox. A request made with an API token never manages API
tokens, as in kintone, where tokens are made in the app's settings screen by a person.
"""

from __future__ import annotations

from functools import partial

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kinflow.api import directory, workflows
from kinflow.api.access_log import note_caller
from kinflow.api.authentication import password_identity
from kinflow.api.kintone.http import (
    caller_language,
    check_content_type,
    error_response,
    invalid_json,
    json_response,
    reject_nul,
    request_headers,
)
from kinflow.api.params import parse_query_string
from kinflow.api.threads import run_blocking
from kinflow.apps import settings as app_settings
from kinflow.apps.app import load_app_anywhere
from kinflow.apps.permissions import require, token_forbidden
from kinflow.directory import tokens as api_tokens
from kinflow.directory.identity import Identity, token_identity
from kinflow.config import Settings
from kinflow.errors import KintoneError, integer_param, invalid_input, no_privilege
from kinflow.events import kintone as kintone_events
from kinflow.events import queue as delivery_queue
from kinflow.i18n import N_
from kinflow.notifications import inbox
from kinflow.webhooks import subscriptions
from kinflow.storage.database import Database
from kinflow.web.sessions import REQUEST_TOKEN
from kinflow.webhooks.subscriptions import Webhook, get_webhook


def _managed(conn, identity: Identity, body: dict):  # noqa: ANN001, ANN202
    app = load_app_anywhere(conn, body.get("app"))
    require(conn, app, app_settings.get_document(conn, app, "acl", preview=False), identity, "manage")
    return app


def _permissions(body: dict) -> dict:
    permissions = body.get("permissions") or {}
    if not isinstance(permissions, dict):
        raise invalid_input({"permissions": [N_("Enter an object.")]})
    return permissions


def _create_token(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    app = _managed(conn, identity, body)
    token, value = api_tokens.create_token(conn, settings.keys, app.id, **_permissions(body))
    return {**token.as_json(), "token": value}  # the only time the token's value is shown


def _list_tokens(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    app = _managed(conn, identity, body)
    return {"tokens": [t.as_json() for t in api_tokens.list_tokens(conn, app.id)]}


def _app_token(conn, identity: Identity, body: dict) -> api_tokens.ApiToken:  # noqa: ANN001
    app = _managed(conn, identity, body)
    return api_tokens.get_token(conn, app.id, body.get("id"))


def _update_token(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    token = _app_token(conn, identity, body)
    return api_tokens.change_permissions(conn, token, _permissions(body)).as_json()


def _delete_token(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    api_tokens.revoke_token(conn, _app_token(conn, identity, body))
    return {}


def _app_webhook(conn, identity: Identity, body: dict) -> Webhook:  # noqa: ANN001
    app = _managed(conn, identity, body)
    return get_webhook(conn, kintone_events.SOURCE, str(app.id), body.get("id") or body.get("webhook"))


def _list_webhooks(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    app = _managed(conn, identity, body)
    return {"webhooks": [w.as_json() for w in subscriptions.list_webhooks(conn, kintone_events.SOURCE, str(app.id))]}


def _create_webhook(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    app = _managed(conn, identity, body)
    webhook, created = subscriptions.subscribe(
        conn, kintone_events.SOURCE, str(app.id), url=body.get("url"), events=body.get("events"),
        allowed=kintone_events.EVENT_TYPES, allow=settings.webhook_networks, cap=settings.webhooks_per_app,
        key=settings.keys, creator=identity.code,
        description=body.get("description"), active=body.get("active", True), secret=body.get("secret"))
    return {**webhook.as_json(settings.keys), "created": created}


def _update_webhook(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    webhook = _app_webhook(conn, identity, body)
    return subscriptions.update_webhook(conn, webhook, body, allowed=kintone_events.EVENT_TYPES,
                                        allow=settings.webhook_networks, key=settings.keys).as_json()


def _delete_webhook(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    subscriptions.delete_webhook(conn, _app_webhook(conn, identity, body))
    return {}


def _list_deliveries(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    webhook = _app_webhook(conn, identity, body)
    state = body.get("state")
    if state is not None and state not in delivery_queue.STATES:
        raise invalid_input({"state": [N_("Enter one of {choices}.", choices=', '.join(delivery_queue.STATES))]})
    return {"deliveries": delivery_queue.list_deliveries(
        conn, webhook.id, state=state, limit=integer_param(body, "limit", 100, 0, 500),
        offset=integer_param(body, "offset", 0, 0, 1_000_000))}


def _redeliver(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    webhook = _app_webhook(conn, identity, body)
    delivery = body.get("delivery")
    number = None if delivery in (None, "") else integer_param(body, "delivery", 0, 0, 2**62)
    return {"queued": delivery_queue.redeliver(conn, webhook.id, number)}


def _recipient(identity: Identity) -> str:
    # An inbox belongs to a person: an API token is nobody's.
    if identity.user is None:
        raise no_privilege()
    return identity.user.code


def _list_notifications(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    return inbox.list_entries(conn, _recipient(identity), body)


def _count_notifications(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    return {"unread": inbox.count_unread(conn, _recipient(identity))}


def _read_notifications(conn, identity: Identity, body: dict) -> dict:  # noqa: ANN001
    return {"updated": inbox.mark_read(conn, _recipient(identity), body)}


_ACTIONS = {
    ("GET", "notifications"): _list_notifications,
    ("GET", "notifications/count"): _count_notifications,
    ("PUT", "notifications/read"): _read_notifications,
    **directory.ACTIONS,
}
# Actions that only read: they run in a read transaction, beside writers.
_READS = {("GET", "notifications"), ("GET", "notifications/count"), *directory.READS, *workflows.READS}
# Resources a request authenticated by an API token may not call with any method: otherwise a token
# allowed to manage its app could mint itself a token with every permission.
_NOT_FOR_TOKENS = {"apiTokens"}
# Actions that need the settings too.
_SETTINGS_ACTIONS = {
    # Token changes, like kintone's, go live at the app's next deploy.
    ("POST", "apiTokens"): _create_token,
    ("GET", "apiTokens"): _list_tokens,
    ("PUT", "apiTokens"): _update_token,
    ("DELETE", "apiTokens"): _delete_token,
    ("GET", "webhooks"): _list_webhooks,
    ("POST", "webhooks"): _create_webhook,
    ("PUT", "webhooks"): _update_webhook,
    ("DELETE", "webhooks"): _delete_webhook,
    ("GET", "webhook/deliveries"): _list_deliveries,
    ("POST", "webhook/redeliver"): _redeliver,
    **workflows.ACTIONS,
}


# (method, resource) of every action, for the OpenAPI document.
ROUTES = frozenset(_ACTIONS) | frozenset(_SETTINGS_ACTIONS)


def action_for(key: tuple[str, str], settings: Settings, db: Database):  # noqa: ANN201
    """The function of one action, `(conn, identity, body) -> answer`, or None; the web pages run the
    same ones."""
    if key in workflows.ACTIONS:  # a flow's trigger subscribes once the flow is written
        return partial(workflows.ACTIONS[key], settings=settings, db=db)
    if key in _SETTINGS_ACTIONS:
        return partial(_SETTINGS_ACTIONS[key], settings=settings)
    return _ACTIONS.get(key)


async def admin_endpoint(request: Request) -> Response:
    key = (request.method, request.path_params["resource"])
    action = action_for(key, request.app.state.settings, request.app.state.db)
    if action is None:
        return error_response(KintoneError("GAIA_NF01", N_("The specified API is not found."), 404))
    raw = await request.body()
    headers = request_headers(request)
    try:
        reject_nul(request.url.query, raw)
        check_content_type(request, headers, raw)
        body = orjson.loads(raw) if raw.strip() else parse_query_string(request.url.query)
    except orjson.JSONDecodeError:
        return error_response(invalid_json(), caller_language(request))
    except KintoneError as error:
        return error_response(error, caller_language(request))
    if not isinstance(body, dict):
        return error_response(invalid_json(), caller_language(request))
    body.pop(REQUEST_TOKEN, None)
    db = request.app.state.db
    transaction = db.read if key in _READS else db.write

    def run(identity: Identity | None) -> dict:
        with transaction(request.app.state.settings.query_timeout) as conn:
            if identity is None:
                identity = token_identity(conn, headers, request.app.state.settings.keys)
                note_caller(identity)
            if identity.by_token and key[1] in _NOT_FOR_TOKENS:
                raise token_forbidden()
            return action(conn, identity, body)

    identity = None
    try:
        identity = await password_identity(request, headers)
        return json_response(await run_blocking(run, identity))
    except KintoneError as error:
        return error_response(error, caller_language(request, identity))


routes = [Route("/kinflow/v1/{resource:path}.json", admin_endpoint, methods=["GET", "POST", "PUT", "DELETE"])]
