"""Flows and their runs in kinflow's own API (`/kinflow/v1/`; connections are in `api/flows.py`), for signed-in people (never API tokens): a flow belongs
to the user who deployed it, and administrators manage every flow.

    POST   flows.json               {"name", "definition", "state"?}  deploy (a new version of a flow of that name)
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
from kinflow.flows import manage, runs
from kinflow.flows.expressions import Context, ExpressionError
from kinflow.flows.engine.executor import condition

# A run's trigger outputs are kept with it: Logic Apps takes 100 MB, kinflow a few.
MAX_TRIGGER_BODY = 4 * 1024 * 1024
# How long the caller of a trigger whose flow answers with a Response action waits for it (Logic Apps: 120 s).
RESPONSE_TIMEOUT = 120.0


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


def deploy(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    owner, _ = _person(identity)
    flow, created = manage.deploy(conn, owner, body.get("name"), body.get("definition"),
                                  body.get("state", manage.ENABLED))
    return {**_with_url(conn, flow, settings), "created": created}


def list_flows(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    caller, admin = _person(identity)
    return {"flows": [f.as_json() for f in manage.list_flows(
        conn, caller, admin=admin, offset=integer_param(body, "offset", 0, 0, 1_000_000),
        limit=integer_param(body, "limit", 100, 1, 500))]}


def get_flow(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    flow = _flow(conn, identity, body)
    return {**_with_url(conn, flow, settings),
            "definition": manage.definition_of(conn, flow.id, flow.version).document}


def delete_flow(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    manage.delete_flow(conn, _flow(conn, identity, body))
    return {}


def enable(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    return manage.set_state(conn, _flow(conn, identity, body), manage.ENABLED).as_json()


def disable(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    return manage.set_state(conn, _flow(conn, identity, body), manage.DISABLED).as_json()


def list_runs(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    flow = _flow(conn, identity, body)
    status = body.get("status") or None
    return {"runs": runs.list_runs(conn, flow, status=status, offset=integer_param(body, "offset", 0, 0, 1_000_000),
                                   limit=integer_param(body, "limit", 100, 1, 500))}


def get_run(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    return runs.get_run(conn, _flow(conn, identity, body), body.get("run"))


def resubmit(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    return {"run": runs.resubmit(conn, _flow(conn, identity, body), body.get("run"))}


def cancel(conn, identity: Identity, body: dict, settings: Settings) -> dict:  # noqa: ANN001
    return runs.cancel(conn, _flow(conn, identity, body), body.get("run"))


ACTIONS = {
    ("POST", "flows"): deploy,
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


def _start(db, settings: Settings, flow_id: int, trigger: str, signature: str, method: str,
           outputs: dict, tracking: str | None) -> tuple[str | None, bool]:  # noqa: ANN001
    """(the run started, or None when the trigger's conditions are not met; whether it answers with a Response)."""
    with db.write() as conn:
        try:
            flow = manage.get_flow(conn, "", flow_id, admin=True)
        except KintoneError:
            raise KintoneError("KF_FL04", "The trigger URL is not valid.", 404) from None
        if not hmac.compare_digest(signature, manage.trigger_signature(settings.keys, flow.uuid)):
            raise KintoneError("KF_FL04", "The signature of the trigger URL is not valid.", 401)
        definition = manage.definition_of(conn, flow.id, flow.version)
        if definition.trigger_type != "Request" or definition.trigger_name != trigger:
            raise KintoneError("KF_FL04", "The trigger URL is not valid.", 404)
        if flow.state != manage.ENABLED:
            raise KintoneError("KF_FL05", f"The flow (ID: {flow.id}) is disabled.", 409)
        wanted = (definition.trigger.get("inputs") or {}).get("method")
        if wanted and wanted != method:
            raise KintoneError("KF_FL06", f"The trigger takes {wanted} requests.", 405)
        context = Context(trigger={"name": trigger, "outputs": outputs})
        for index, rule in enumerate(definition.trigger.get("conditions") or []):
            try:
                if not condition(rule["expression"], context):
                    return None, False
            except ExpressionError as error:
                raise invalid_input({f"conditions[{index}]": [str(error)]}) from None
        return runs.start_run(conn, flow, outputs, client_tracking_id=tracking), definition.has_response()


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
    raw = await request.body()
    try:
        if len(raw) > MAX_TRIGGER_BODY:
            raise KintoneError("CB_VA01", f"A trigger's body has at most {MAX_TRIGGER_BODY} bytes.", 413)
        reject_nul(request.url.query, raw)
        outputs = {"headers": dict(request.headers), "body": _trigger_body(request, raw),
                   "queries": {k: v for k, v in request.query_params.items() if k != "sig"}}
        tracking = request.headers.get("x-ms-client-tracking-id") or None
        run_uuid, waits = await run_blocking(
            _start, db, settings, request.path_params["flow_id"], request.path_params["trigger"],
            request.query_params.get("sig", ""), request.method, outputs, tracking)
    except KintoneError as error:
        return error_response(error)
    if run_uuid is None:
        return json_response({"skipped": "The trigger's conditions were not met: no run was started."}, 202)
    run_headers = {"x-ms-workflow-run-id": run_uuid}
    if not waits:
        return Response(orjson.dumps({"run": run_uuid}), status_code=202, media_type="application/json",
                        headers=run_headers)
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
