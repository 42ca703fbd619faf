"""Flows and their runs in kinflow's own API (`/kinflow/v1/`; connections are in `api/flows.py`), for signed-in people (never API tokens): a flow belongs
to the user who deployed it, and administrators manage every flow.

    POST   flows.json               {"name", "definition", "state"?}  deploy (a new version of a flow of that name)
    POST   flows/import.json        {"package", "fileName"?, "connections"?, "state"?}  import the flows of a
                                    Power Automate export package, a solution or a definition (base64),
                                    each connection reference mapped to one of the caller's connections
    GET    flows.json               {"offset"?, "limit"?}            the caller's flows (every flow, for an administrator)
    GET    flow.json                {"id"}                           one flow, its definition and trigger URL
    DELETE flow.json                {"id"}                           the flow and its run history
    POST   flow/enable.json         {"id"}
    POST   flow/disable.json        {"id"}
    GET    flow/runs.json           {"id", "status"?, "offset"?, "limit"?}
    GET    flow/run.json            {"id", "run"}                    the run, each action's inputs, outputs, attempts
    POST   flow/run/resubmit.json   {"id", "run"}                    a new run from the same trigger outputs
    POST   flow/run/cancel.json     {"id", "run"}

A flow with a `Request` trigger is started by calling its trigger URL
(`/kinflow/v1/flows/{id}/triggers/{name}/invoke?sig=...`), which needs no sign-in: the signature in it
is the credential, as with Power Automate's "When an HTTP request is received".
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import time

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kinflow.api.kintone.http import error_response, invalid_json, json_response, reject_nul
from kinflow.api.threads import run_blocking
from kinflow.config import Settings
from kinflow.directory.identity import Identity
from kinflow.errors import KintoneError, integer_param, invalid_input, no_privilege
from kinflow.flows import importing, manage, runs, subscriptions
from kinflow.storage.database import after_commit
from kinflow.flows.definitions import WEBHOOK_TRIGGERS
from kinflow.flows.expressions import Context, ExpressionError, evaluate
from kinflow.flows.engine.executor import condition

# A run's trigger outputs are kept with it: Logic Apps takes 100 MB, kinflow a few.
MAX_TRIGGER_BODY = 4 * 1024 * 1024
# How long the caller of a trigger whose flow answers with a Response action waits for it (Logic Apps: 120 s).
RESPONSE_TIMEOUT = 120.0
# Runs one event may start through `splitOn` (Power Automate's limit with concurrency control on).
MAX_SPLIT = 100


def _person(identity: Identity) -> tuple[str, bool]:
    """(login, is administrator) of the signed-in person; an API token is nobody and manages no flow."""
    if identity.user is None:
        raise no_privilege()
    return identity.user.code, bool(identity.user.is_admin)


def _flow(conn, identity: Identity, body: dict) -> manage.Flow:  # noqa: ANN001
    caller, admin = _person(identity)
    return manage.get_flow(conn, caller, body.get("id"), admin=admin)


def _with_url(conn, flow: manage.Flow, settings: Settings) -> dict:  # noqa: ANN001
    shown = flow.as_json()
    definition = manage.definition_of(conn, flow.id, flow.version)
    if definition.trigger_type == "Request":
        shown["callbackUrl"] = manage.callback_url(settings.public_url, flow.id, definition.trigger_name,
                                                   manage.trigger_signature(settings.keys, flow.uuid))
    return shown


def _subscribing(conn, db, settings: Settings, flow: manage.Flow, shown: dict, *, deleting: bool = False) -> dict:  # noqa: ANN001
    """`shown`, which gets the flow's subscription once the transaction has committed (a webhook
    trigger subscribes through its connector, outside any transaction: the server may be this one)."""
    if db is not None:
        def sync() -> None:
            subscription = subscriptions.sync(db, settings, flow.id, deleting=deleting)
            if not deleting:
                shown["subscription"] = subscription

        after_commit(conn, sync)
    return shown


def deploy(conn, identity: Identity, body: dict, settings: Settings, db=None) -> dict:  # noqa: ANN001
    owner, _ = _person(identity)
    flow, created = manage.deploy(conn, owner, body.get("name"), body.get("definition"),
                                  body.get("state", manage.ENABLED))
    return _subscribing(conn, db, settings, flow, {**_with_url(conn, flow, settings), "created": created})


def import_flows(conn, identity: Identity, body: dict, settings: Settings, db=None) -> dict:  # noqa: ANN001
    owner, _ = _person(identity)
    imported = importing.import_flows(conn, owner, _package(body.get("package")), _file_name(body.get("fileName")),
                                      _chosen(body.get("connections")), body.get("state", manage.ENABLED))
    return {"flows": [_subscribing(conn, db, settings, flow, {**_with_url(conn, flow, settings), "created": created})
                      for flow, created in imported]}


def _package(encoded: object) -> bytes:
    if not isinstance(encoded, str) or not encoded:
        raise invalid_input({"package": ["Send the file (a .zip package or a JSON definition) in base64."]})
    if len(encoded) > (importing.MAX_PACKAGE + 2) // 3 * 4:
        raise invalid_input({"package": [f"A file has at most {importing.MAX_PACKAGE} bytes."]})
    try:
        return base64.b64decode(encoded, validate=True)
    except ValueError:  # binascii.Error, or text that is not ASCII
        raise invalid_input({"package": ["The file is not valid base64."]}) from None


def _file_name(name: object) -> str:
    if name is None:
        return "the file"
    if not isinstance(name, str) or not name.strip() or len(name) > manage.MAX_NAME:
        raise invalid_input({"fileName": [f"Enter a name of 1 to {manage.MAX_NAME} characters."]})
    return name


def _chosen(mapping: object) -> dict[str, str]:
    """`{"shared_kintone": "<connection id or name>"}`: the connection named for each reference."""
    if mapping is None:
        return {}
    if not isinstance(mapping, dict) or len(mapping) > importing.MAX_REFERENCES or not all(
            isinstance(value, str) and 0 < len(value) <= 128 and len(reference) <= 128
            for reference, value in mapping.items()):
        raise invalid_input({"connections": [
            f"Enter an object naming, for each connection reference, one of your connections (at most "
            f"{importing.MAX_REFERENCES})."]})
    return mapping


def list_flows(conn, identity: Identity, body: dict, settings: Settings, db=None) -> dict:  # noqa: ANN001
    caller, admin = _person(identity)
    return {"flows": [f.as_json() for f in manage.list_flows(
        conn, caller, admin=admin, offset=integer_param(body, "offset", 0, 0, 1_000_000),
        limit=integer_param(body, "limit", 100, 1, 500))]}


def get_flow(conn, identity: Identity, body: dict, settings: Settings, db=None) -> dict:  # noqa: ANN001
    flow = _flow(conn, identity, body)
    return {**_with_url(conn, flow, settings),
            "definition": manage.definition_of(conn, flow.id, flow.version).document}


def delete_flow(conn, identity: Identity, body: dict, settings: Settings, db=None) -> dict:  # noqa: ANN001
    flow = _flow(conn, identity, body)
    subscriptions.forget(conn, db, settings, flow)
    manage.delete_flow(conn, flow)
    return {}


def enable(conn, identity: Identity, body: dict, settings: Settings, db=None) -> dict:  # noqa: ANN001
    flow = manage.set_state(conn, _flow(conn, identity, body), manage.ENABLED)
    return _subscribing(conn, db, settings, flow, flow.as_json())


def disable(conn, identity: Identity, body: dict, settings: Settings, db=None) -> dict:  # noqa: ANN001
    flow = manage.set_state(conn, _flow(conn, identity, body), manage.DISABLED)
    return _subscribing(conn, db, settings, flow, flow.as_json())


def list_runs(conn, identity: Identity, body: dict, settings: Settings, db=None) -> dict:  # noqa: ANN001
    flow = _flow(conn, identity, body)
    status = body.get("status") or None
    return {"runs": runs.list_runs(conn, flow, status=status, offset=integer_param(body, "offset", 0, 0, 1_000_000),
                                   limit=integer_param(body, "limit", 100, 1, 500))}


def get_run(conn, identity: Identity, body: dict, settings: Settings, db=None) -> dict:  # noqa: ANN001
    return runs.get_run(conn, _flow(conn, identity, body), body.get("run"))


def resubmit(conn, identity: Identity, body: dict, settings: Settings, db=None) -> dict:  # noqa: ANN001
    return {"run": runs.resubmit(conn, _flow(conn, identity, body), body.get("run"))}


def cancel(conn, identity: Identity, body: dict, settings: Settings, db=None) -> dict:  # noqa: ANN001
    return runs.cancel(conn, _flow(conn, identity, body), body.get("run"))


ACTIONS = {
    ("POST", "flows"): deploy,
    ("POST", "flows/import"): import_flows,
    ("GET", "flows"): list_flows,
    ("GET", "flow"): get_flow,
    ("DELETE", "flow"): delete_flow,
    ("POST", "flow/enable"): enable,
    ("POST", "flow/disable"): disable,
    ("GET", "flow/runs"): list_runs,
    ("GET", "flow/run"): get_run,
    ("POST", "flow/run/resubmit"): resubmit,
    ("POST", "flow/run/cancel"): cancel,
}
READS = {("GET", "flows"), ("GET", "flow"), ("GET", "flow/runs"), ("GET", "flow/run")}


# --- the Request trigger -------------------------------------------------------------------------

def _trigger_body(request: Request, raw: bytes):  # noqa: ANN202
    if not raw:
        return None
    if "json" in request.headers.get("content-type", ""):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise invalid_json() from None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise invalid_input({"body": ["Send JSON or text."]}) from None


def _event_id(body: object) -> str | None:
    """An incoming event's notification id (`id` in kintone's, `eventId` in Kaizala's)."""
    if isinstance(body, dict):
        value = body.get("eventId") or body.get("id")
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)[:100]
    return None


def _check(conn, settings: Settings, flow_id: int, trigger: str, signature: str):  # noqa: ANN001, ANN202
    """The flow and definition a trigger URL names, its signature checked."""
    try:
        flow, definition = manage.flow_and_definition(conn, flow_id)
    except KintoneError:
        raise KintoneError("KF_FL04", "The trigger URL is not valid.", 404) from None
    if not hmac.compare_digest(signature, manage.trigger_signature(settings.keys, flow.uuid)):
        raise KintoneError("KF_FL04", "The signature of the trigger URL is not valid.", 401)
    if definition.trigger_type not in ("Request", *WEBHOOK_TRIGGERS) or definition.trigger_name != trigger:
        raise KintoneError("KF_FL04", "The trigger URL is not valid.", 404)
    return flow, definition


def _start(db, settings: Settings, flow_id: int, trigger: str, signature: str, method: str,
           outputs: dict, tracking: str | None) -> tuple[list[str], bool]:  # noqa: ANN001
    """(the runs started: none when the trigger's conditions are not met or the event was seen
    already, several when `splitOn` splits it; whether the flow answers with a Response)."""
    with db.write() as conn:
        flow, definition = _check(conn, settings, flow_id, trigger, signature)
        if flow.state != manage.ENABLED:
            raise KintoneError("KF_FL05", f"The flow (ID: {flow.id}) is disabled.", 409)
        wanted = (definition.trigger.get("inputs") or {}).get("method") if definition.trigger_type == "Request" else None
        if wanted and wanted != method:
            raise KintoneError("KF_FL06", f"The trigger takes {wanted} requests.", 405)
        event = None if definition.trigger_type == "Request" else _event_id(outputs["body"])
        context = Context(trigger={"name": trigger, "outputs": outputs})
        try:
            batches = [outputs]
            if "splitOn" in definition.trigger:
                items = evaluate(definition.trigger["splitOn"], context)
                if not isinstance(items, list):
                    raise ExpressionError(f"splitOn gave {type(items).__name__}, not an array.")
                batches = [{**outputs, "body": item} for item in items[:MAX_SPLIT]]
            started = []
            for index, batch in enumerate(batches):
                context = Context(trigger={"name": trigger, "outputs": batch})
                if all(condition(rule["expression"], context) for rule in definition.trigger.get("conditions") or []):
                    key = None if event is None else event if len(batches) == 1 else f"{event}/{index}"
                    run = runs.start_run(conn, flow, batch, client_tracking_id=tracking, event_id=key)
                    started += [run] if run else []
        except ExpressionError as error:
            raise invalid_input({f"triggers.{trigger}": [str(error)]}) from None
        return started, definition.has_response()


def _validation(db, settings: Settings, flow_id: int, trigger: str, signature: str) -> None:  # noqa: ANN001
    with db.read() as conn:
        _check(conn, settings, flow_id, trigger, signature)


def _answer(response: dict) -> Response:
    body = response.get("body")
    headers = dict(response.get("headers") or {})
    if body is None:
        content, media = b"", None
    elif isinstance(body, str):
        content, media = body.encode(), "text/plain; charset=utf-8"
    else:
        content, media = orjson.dumps(body), "application/json"
    if media and not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = media
    return Response(content, status_code=response["statusCode"], headers=headers)


async def invoke(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    db = request.app.state.db
    where = (request.path_params["flow_id"], request.path_params["trigger"], request.query_params.get("sig", ""))
    raw = await request.body()
    try:
        if request.method == "GET" and "validationToken" in request.query_params:
            # Kaizala's validation handshake before it subscribes: the token echoed as plain text.
            await run_blocking(_validation, db, settings, *where)
            return Response(request.query_params["validationToken"][:1024], media_type="text/plain")
        if len(raw) > MAX_TRIGGER_BODY:
            raise KintoneError("CB_VA01", f"A trigger's body has at most {MAX_TRIGGER_BODY} bytes.", 413)
        reject_nul(request.url.query, raw)
        outputs = {"headers": dict(request.headers), "body": _trigger_body(request, raw),
                   "queries": {k: v for k, v in request.query_params.items() if k != "sig"}}
        tracking = request.headers.get("x-ms-client-tracking-id") or None
        started, waits = await run_blocking(_start, db, settings, *where, request.method, outputs, tracking)
    except KintoneError as error:
        return error_response(error)
    if not started:
        return json_response({"runs": [], "message": "No run was started: the trigger's conditions were not met "
                                                     "or the event was received already."}, 202)
    run_headers = {"x-ms-workflow-run-id": started[0]}
    if not waits or len(started) > 1:
        return Response(orjson.dumps({"run": started[0], "runs": started}), status_code=202,
                        media_type="application/json", headers=run_headers)
    run_uuid = started[0]
    deadline = time.monotonic() + RESPONSE_TIMEOUT
    while time.monotonic() < deadline:
        response, status = await run_blocking(_response_of, db, run_uuid)
        if response is not None:
            answer = _answer(response)
            answer.headers.update(run_headers)
            return answer
        if status in (runs.SUCCEEDED, runs.FAILED, runs.CANCELLED):
            return error_response(KintoneError(
                "KF_FL07", f"The run {run_uuid} ended ({status}) without a Response action answering.", 502))
        await asyncio.sleep(0.02)
    return error_response(KintoneError("KF_FL08", f"The run {run_uuid} did not answer within "
                                                  f"{RESPONSE_TIMEOUT:.0f} seconds.", 504))


def _response_of(db, run_uuid: str):  # noqa: ANN001, ANN202
    with db.read() as conn:
        return runs.response_of(conn, run_uuid)


INVOKE = "/kinflow/v1/flows/{flow_id:int}/triggers/{trigger}/invoke"
routes = [Route(INVOKE, invoke, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]
