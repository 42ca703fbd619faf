"""Flows over HTTP: deploy, list, enable and disable, the Request trigger's signed URL, run history,
resubmit and cancel; and a run that survives `kill -9` of the worker executing it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit

import pytest

from tests.conftest import WEBHOOK_ENV, database_url, password_header, start_server, stop_server
from tests.flows.sink import Sink

REQUEST = {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}}


@pytest.fixture()
def sink():
    receiver = Sink()
    yield receiver
    receiver.close()


def deploy(admin, definition: dict, name: str | None = None, **extra) -> dict:
    answer = admin.post("/kinflow/v1/flows.json", json={"name": name or f"flow-{uuid.uuid4().hex[:8]}",
                                                        "definition": definition, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


def trigger_path(flow: dict) -> str:
    url = urlsplit(flow["callbackUrl"])
    return f"{url.path}?{url.query}"


def wait_run(admin, flow_id: str, run: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = admin.get("/kinflow/v1/flow/run.json", params={"id": flow_id, "run": run})
        assert shown.status_code == 200, shown.text
        if shown.json()["endTime"]:
            return shown.json()
        time.sleep(0.05)
    raise AssertionError(f"run {run} did not finish")


def test_a_request_flow_answers_its_caller_and_keeps_its_history(server, admin, sink):
    flow = deploy(admin, {"triggers": REQUEST, "actions": {
        "Call": {"type": "Http", "inputs": {"method": "POST", "uri": sink.url, "body": "@triggerBody()"}},
        "Answer": {"type": "Response", "runAfter": {"Call": ["Succeeded"]},
                   "inputs": {"statusCode": 201, "body": {"sent": "@triggerBody()?['n']",
                                                          "sinkSaw": "@body('Call')?['n']"}}}}})
    assert flow["created"] is True and flow["state"] == "Enabled" and flow["version"] == "1"
    client = server.client()  # no sign-in: the URL's signature is the credential
    answer = client.post(trigger_path(flow), json={"n": 7}, headers={"x-ms-client-tracking-id": "order-7"})
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"sent": 7, "sinkSaw": 1}
    run_id = answer.headers["x-ms-workflow-run-id"]
    assert sink.requests[0]["headers"]["x-ms-client-tracking-id"] == "order-7"

    listed = admin.get("/kinflow/v1/flow/runs.json", params={"id": flow["id"]}).json()["runs"]
    assert [r["id"] for r in listed] == [run_id]
    run = wait_run(admin, flow["id"], run_id)
    assert run["status"] == "Succeeded" and run["clientTrackingId"] == "order-7"
    assert run["trigger"]["outputs"]["body"] == {"n": 7}
    call = next(a for a in run["actions"] if a["name"] == "Call")
    assert call["status"] == "Succeeded" and call["attempts"] == 1 and call["durationMs"] >= 0
    assert call["inputs"] == {"method": "POST", "uri": sink.url, "body": {"n": 7}}
    assert call["outputs"]["statusCode"] == 200 and call["outputs"]["body"]["got"] == '{"n":7}'


def test_an_invalid_definition_is_refused_with_the_path_of_each_problem(admin):
    answer = admin.post("/kinflow/v1/flows.json", json={"name": "broken", "definition": {"triggers": REQUEST, "actions": {
        "A": {"type": "Teleport"},
        "B": {"type": "Compose", "inputs": "@concat(", "runAfter": {"Gone": ["Succeeded"]}}}}})
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "CB_VA01"
    assert set(body["errors"]) == {"definition.actions.A.type", "definition.actions.B.runAfter.Gone",
                                   "definition.actions.B.inputs"}
    assert admin.post("/kinflow/v1/flows.json", json={"name": "x"}).json()["errors"] == {
        "definition": {"messages": ["Required field."]}}


def test_the_trigger_url_needs_its_signature_and_an_enabled_flow(server, admin):
    flow = deploy(admin, {"triggers": REQUEST, "actions": {"Note": {"type": "Compose", "inputs": "@triggerBody()"}}})
    client = server.client()
    path = trigger_path(flow)
    base = path.split("?")[0]
    assert client.post(base, json={}).status_code == 401
    wrong = client.post(f"{base}?sig={'0' * 43}", json={})
    assert wrong.status_code == 401 and wrong.json()["code"] == "KF_FL04"
    assert client.post("/kinflow/v1/flows/999999/triggers/manual/invoke?sig=x").status_code == 404
    started = client.post(path, json={"a": 1})
    assert started.status_code == 202 and started.json()["run"] == started.headers["x-ms-workflow-run-id"]

    assert admin.post("/kinflow/v1/flow/disable.json", json={"id": flow["id"]}).json()["state"] == "Disabled"
    disabled = client.post(path, json={})
    assert disabled.status_code == 409 and disabled.json()["code"] == "KF_FL05"
    assert admin.post("/kinflow/v1/flow/enable.json", json={"id": flow["id"]}).json()["state"] == "Enabled"
    assert client.post(path, json={}).status_code == 202
    bad_json = client.post(path, content=b"{nope", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["code"] == "CB_IJ01"


def test_trigger_conditions_decide_whether_a_run_starts(server, admin):
    trigger = {"manual": {**REQUEST["manual"], "conditions": [{"expression": "@equals(triggerBody()?['go'], true)"}]}}
    flow = deploy(admin, {"triggers": trigger, "actions": {"Note": {"type": "Compose", "inputs": 1}}})
    client = server.client()
    skipped = client.post(trigger_path(flow), json={"go": False})
    assert skipped.status_code == 202 and skipped.json()["runs"] == []
    assert client.post(trigger_path(flow), json={"go": True}).json()["run"]
    assert len(admin.get("/kinflow/v1/flow/runs.json", params={"id": flow["id"]}).json()["runs"]) == 1


def test_deploying_the_same_name_makes_a_new_version(admin):
    name = f"versioned-{uuid.uuid4().hex[:6]}"
    first = deploy(admin, {"triggers": REQUEST, "actions": {}}, name=name)
    second = deploy(admin, {"triggers": REQUEST, "actions": {"A": {"type": "Compose", "inputs": 2}}}, name=name)
    assert second["id"] == first["id"] and second["version"] == "2" and second["created"] is False
    shown = admin.get("/kinflow/v1/flow.json", params={"id": first["id"]}).json()
    assert shown["definition"]["actions"] == {"A": {"type": "Compose", "inputs": 2}}
    assert any(f["id"] == first["id"] for f in admin.get("/kinflow/v1/flows.json").json()["flows"])


def test_resubmit_cancel_and_delete(server, admin):
    flow = deploy(admin, {"triggers": REQUEST, "actions": {
        "Nap": {"type": "Wait", "inputs": {"interval": {"count": "@triggerBody()?['minutes']", "unit": "Minute"}}}}})
    client = server.client()
    quick = client.post(trigger_path(flow), json={"minutes": 0}).json()["run"]
    assert wait_run(admin, flow["id"], quick)["status"] == "Succeeded"
    again = admin.post("/kinflow/v1/flow/run/resubmit.json", json={"id": flow["id"], "run": quick}).json()["run"]
    resubmitted = wait_run(admin, flow["id"], again)
    assert resubmitted["resubmittedFrom"] == quick and resubmitted["trigger"]["outputs"]["body"] == {"minutes": 0}
    finished = admin.post("/kinflow/v1/flow/run/cancel.json", json={"id": flow["id"], "run": quick})
    assert finished.status_code == 409 and finished.json()["code"] == "KF_FL03"

    slow = client.post(trigger_path(flow), json={"minutes": 60}).json()["run"]
    deadline = time.monotonic() + 10
    while admin.get("/kinflow/v1/flow/run.json", params={"id": flow["id"], "run": slow}).json()["actions"] == []:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    cancelled = admin.post("/kinflow/v1/flow/run/cancel.json", json={"id": flow["id"], "run": slow})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "Cancelled"
    assert admin.get("/kinflow/v1/flow/runs.json", params={"id": flow["id"], "status": "Cancelled"}).json()[
        "runs"][0]["id"] == slow
    missing = admin.get("/kinflow/v1/flow/run.json", params={"id": flow["id"], "run": "no-such-run"})
    assert missing.status_code == 404 and missing.json()["code"] == "KF_FL02"

    assert admin.delete("/kinflow/v1/flow.json", params={"id": flow["id"]}).status_code == 200
    for odd in ("²", "٣", "-1"):  # not ASCII digits: a clear 400, not a 500
        odd_answer = admin.get("/kinflow/v1/flow.json", params={"id": odd})
        assert odd_answer.status_code == 400 and "id" in odd_answer.json()["errors"], odd_answer.text
    gone = admin.get("/kinflow/v1/flow.json", params={"id": flow["id"]})
    assert gone.status_code == 404 and gone.json()["code"] == "KF_FL01"


def test_a_flow_is_its_owners(server, admin):
    login = f"flower-{uuid.uuid4().hex[:6]}"
    assert admin.post("/kinflow/v1/users.json", json={"code": login, "password": "pw"}).status_code == 200
    mine = deploy(admin, {"triggers": REQUEST, "actions": {}})
    other = server.client(password_header(login, "pw"))
    assert other.get("/kinflow/v1/flow.json", params={"id": mine["id"]}).status_code == 404
    theirs = other.post("/kinflow/v1/flows.json", json={"name": "theirs", "definition": {"triggers": REQUEST}})
    assert theirs.status_code == 200 and theirs.json()["owner"] == login
    assert [f["name"] for f in other.get("/kinflow/v1/flows.json").json()["flows"]] == ["theirs"]
    # Administrators manage every flow.
    assert admin.get("/kinflow/v1/flow.json", params={"id": theirs.json()["id"]}).status_code == 200


# --- kill -9 of the worker in the middle of a run -----------------------------------------------

def _worker(server, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kinflow.cli", "worker"], env={
        **os.environ, "KINFLOW_DATA_DIR": str(server.data_dir), "KINFLOW_DATABASE_URL": server.database_url, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(params=["sqlite", "postgresql"])
def server_without_workers(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"flows-{request.param}")
    srv = start_server(tmp, database_url(request.param, tmp), request.param,
                       {**WEBHOOK_ENV, "KINFLOW_DELIVERY_WORKER": "false"})
    yield srv
    stop_server(srv)


def test_runs_go_on_after_kill_9_of_their_worker(server_without_workers):
    """200 runs, as many of them inside their second action as the worker takes at once when it is
    killed, the others not started: every run finishes, and each action's effect is seen once per
    tracking id (the interrupted ones twice, with the same ids, for the receiver to drop)."""
    server = server_without_workers
    count, concurrency = 200, 64
    admin = server.admin()
    first, held = Sink(), Sink()
    held.hold.clear()  # the second action's receiver keeps its requests unanswered
    env = {**WEBHOOK_ENV, "KINFLOW_FLOW_LEASE": "2", "KINFLOW_FLOW_POLL": "0.1",
           "KINFLOW_FLOW_CONCURRENCY": str(concurrency)}
    interrupted = min(count, concurrency)
    workers = []
    try:
        flow = deploy(admin, {"triggers": REQUEST, "actions": {
            "One": {"type": "Http", "inputs": {"method": "POST", "uri": first.url, "body": "@triggerBody()"}},
            "Two": {"type": "Http", "runAfter": {"One": ["Succeeded"]},
                    "inputs": {"method": "POST", "uri": held.url, "body": "@triggerBody()"}},
            "Three": {"type": "Compose", "runAfter": {"Two": ["Succeeded"]}, "inputs": "@body('Two')"}}})
        with server.client() as client:
            started = [client.post(trigger_path(flow), json={"n": n}).json()["run"] for n in range(count)]
        workers.append(_worker(server, env))
        # As many runs as the worker takes are inside action Two (on a loaded machine a few may still
        # be on their way when the count stops growing: those are interrupted earlier, which is fine).
        held.wait_for(concurrency // 2)
        deadline, seen = time.monotonic() + 30, -1
        while len(held.requests) not in (seen, concurrency) and time.monotonic() < deadline:
            seen = len(held.requests)
            time.sleep(1)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        interrupted = len(held.requests)
        held.hold.set()  # the receiver answers again
        workers.append(_worker(server, env))
        finished = [wait_run(admin, flow["id"], run, timeout=120) for run in started]
    finally:
        held.hold.set()
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=10)
        first.close()
        held.close()
        admin.close()
    assert [run["status"] for run in finished] == ["Succeeded"] * count
    # Action One ran for every run; a run the kill caught inside it ran it again with the same ids.
    by_first: dict[str, list[dict]] = {}
    for request in first.requests:
        by_first.setdefault(request["headers"]["x-ms-action-tracking-id"], []).append(request)
    assert len(by_first) == count and all(len(requests) <= 2 for requests in by_first.values())
    assert sorted(requests[0]["body"] for requests in by_first.values()) == sorted(
        f'{{"n":{n}}}'.encode() for n in range(count))
    # Each interrupted action ran twice, both times with the same tracking ids; the others once.
    by_action: dict[str, list[dict]] = {}
    for request in held.requests:
        by_action.setdefault(request["headers"]["x-ms-action-tracking-id"], []).append(request)
    assert len(by_action) == count
    assert sorted(len(requests) for requests in by_action.values()) == [1] * (count - interrupted) + [2] * interrupted
    for requests in by_action.values():
        for name in ("x-ms-client-tracking-id", "x-ms-workflow-run-id"):
            assert len({request["headers"][name] for request in requests}) == 1
        assert len({request["body"] for request in requests}) == 1
    assert sorted(requests[0]["body"] for requests in by_action.values()) == sorted(
        f'{{"n":{n}}}'.encode() for n in range(count))
    for run in finished:
        two = next(a for a in run["actions"] if a["name"] == "Two")
        assert two["trackingId"] in by_action and two["attempts"] == 1
        assert next(a for a in run["actions"] if a["name"] == "Three")["status"] == "Succeeded"


# --- connector actions through a kintone connection to this same server -------------------------

def test_power_automate_and_logic_apps_shapes_add_the_same_record(server, admin):
    from tests.conftest import make_app, make_token

    app = make_app(admin, {"Title": {"type": "SINGLE_LINE_TEXT", "code": "Title", "label": "Title"}})
    token = make_token(admin, app, view=True, add=True)
    made = admin.post("/kinflow/v1/flows/connections.json", json={
        "connector": "kintone", "name": f"Sales {uuid.uuid4().hex[:6]}", "domain": server.base_url, "apiToken": token})
    assert made.status_code == 200, made.text
    connection = made.json()["id"]
    power_automate = deploy(admin, {"triggers": REQUEST, "actions": {"Add": {
        "type": "OpenApiConnection",
        "inputs": {"host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kintone",
                            "connectionName": "shared_kintone", "operationId": "AddRecord"},
                   "parameters": {"Request body of record/app": app,
                                  "Request body of record/record/Title/value": "@{triggerBody()?['title']} (PA)"}}}},
        "parameters": {"$connections": {"type": "Object",
                                        "defaultValue": {"shared_kintone": {"connectionId": connection}}}}})
    logic_apps = deploy(admin, {"triggers": REQUEST, "actions": {"Add": {
        "type": "ApiConnection",
        "inputs": {"host": {"connection": {"name": "@parameters('$connections')['kintone']['connectionId']"}},
                   "method": "post", "path": "/k/v1/record.json",
                   "body": {"app": app, "record": {"Title": {"value": "@{triggerBody()?['title']} (LA)"}}}}}},
        "parameters": {"$connections": {"type": "Object", "defaultValue": {"kintone": {"connectionId": connection}}}}})
    client = server.client()
    for flow in (power_automate, logic_apps):
        run = client.post(trigger_path(flow), json={"title": "Order 42"}).json()["run"]
        finished = wait_run(admin, flow["id"], run)
        assert finished["status"] == "Succeeded", finished
        add = finished["actions"][0]
        assert add["outputs"]["statusCode"] == 200 and add["outputs"]["body"]["id"]
    titles = sorted(r["Title"]["value"] for r in admin.get("/k/v1/records.json", params={"app": app}).json()["records"])
    assert titles == ["Order 42 (LA)", "Order 42 (PA)"]


# --- a connector webhook trigger: one subscription per flow, one run per event ------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def public_server(request, tmp_path_factory):
    """A server whose public URL is its own address, so that the webhooks it subscribes reach it."""
    from tests.conftest import GROUPS_ENV, free_port

    tmp = tmp_path_factory.mktemp(f"public-{request.param}")
    port = free_port()
    srv = start_server(tmp, database_url(request.param, tmp), request.param,
                       {**WEBHOOK_ENV, **GROUPS_ENV, "KINFLOW_PORT": str(port),
                        "KINFLOW_PUBLIC_URL": f"http://127.0.0.1:{port}"})
    yield srv
    stop_server(srv)


def test_a_record_added_starts_a_run_through_the_kintone_webhook_trigger(public_server, sink):
    from tests.conftest import make_app, make_token

    server = public_server
    admin = server.admin()
    try:
        app = make_app(admin, {"Title": {"type": "SINGLE_LINE_TEXT", "code": "Title", "label": "Title"}})
        token = make_token(admin, app, view=True, add=True, manage=True)
        assert admin.post("/kinflow/v1/flows/connections.json", json={
            "connector": "kintone", "name": "Orders", "domain": server.base_url, "apiToken": token}).status_code == 200
        definition = {"triggers": {"When_a_record_is_added": {
            "type": "OpenApiConnectionWebhook",
            "inputs": {"host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kintone",
                                "connectionName": "shared_kintone", "operationId": "webhook-trigger"},
                       "parameters": {"body/app": app}}}},
            "actions": {"Tell": {"type": "Http", "inputs": {
                "method": "POST", "uri": sink.url, "body": "@triggerBody()?['record']?['Title']?['value']"}}}}

        def hooks() -> list:
            return admin.get("/kinflow/v1/webhooks.json", params={"app": app}).json()["webhooks"]

        flow = deploy(admin, definition, name="orders")
        assert flow["subscription"]["location"] and len(hooks()) == 1
        again = deploy(admin, definition, name="orders")  # a new version, the same trigger
        assert again["version"] == "2" and again["subscription"] == flow["subscription"] and len(hooks()) == 1
        assert admin.post("/kinflow/v1/flow/disable.json", json={"id": flow["id"]}).status_code == 200
        assert hooks() == []
        assert admin.post("/kinflow/v1/flow/enable.json", json={"id": flow["id"]}).status_code == 200
        assert len(hooks()) == 1

        added = admin.post("/k/v1/record.json", json={"app": app, "record": {"Title": {"value": "Order 9"}}})
        assert added.status_code == 200
        received = sink.wait_for(1)
        assert received[0]["body"] == b"Order 9"
        [run] = admin.get("/kinflow/v1/flow/runs.json", params={"id": flow["id"]}).json()["runs"]
        event = wait_run(admin, flow["id"], run["id"])["trigger"]["outputs"]["body"]
        # The same event delivered again starts no second run.
        shown = admin.get("/kinflow/v1/flow.json", params={"id": flow["id"]}).json()
        assert "callbackUrl" not in shown
        with server.client() as client:
            url = urlsplit(hooks()[0]["url"])
            repeated = client.post(f"{url.path}?{url.query}", json=event)
            assert repeated.status_code == 202 and repeated.json()["runs"] == []
            # Kaizala's validation handshake is answered at the same URL.
            token_echo = client.get(f"{url.path}?{url.query}&validationToken=abc123")
            assert token_echo.status_code == 200 and token_echo.text == "abc123"
        assert len(admin.get("/kinflow/v1/flow/runs.json", params={"id": flow["id"]}).json()["runs"]) == 1

        assert admin.delete("/kinflow/v1/flow.json", params={"id": flow["id"]}).status_code == 200
        assert hooks() == []
    finally:
        admin.close()


def test_a_webhook_trigger_without_a_connection_leaves_the_flow_disabled(server, admin):
    login = f"unconnected-{uuid.uuid4().hex[:6]}"  # a user with no connection at all
    assert admin.post("/kinflow/v1/users.json", json={"code": login, "password": "pw"}).status_code == 200
    with server.client(password_header(login, "pw")) as user:
        answer = user.post("/kinflow/v1/flows.json", json={"name": "listen", "definition": {
            "triggers": {"When": {"type": "OpenApiConnectionWebhook", "inputs": {
                "host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kaizala", "connectionName": "nowhere",
                         "operationId": "TextMessageCreatedOnGroup"}, "parameters": {"objectId": "g"}}}}}})
        assert answer.status_code == 400 and answer.json()["code"] == "KF_FL10"
        assert "No connection 'nowhere'" in answer.json()["message"]
        [flow] = user.get("/kinflow/v1/flows.json").json()["flows"]
        assert flow["state"] == "Disabled"


CONNECTIONS = "/kinflow/v1/flows/connections.json"


def connected(server, admin, **permissions: bool):  # noqa: ANN001, ANN201
    """An app with a Title field, the administrator's kintone connection to it, their Kaizala connection
    (phone sign-in) and a group they created: (app, group, the member's groups API client)."""
    from tests.conftest import make_app, make_token
    from tests.groups.conftest import create_connector, new_number, pin_from_log, signed_in

    app = make_app(admin, {"Title": {"type": "SINGLE_LINE_TEXT", "code": "Title", "label": "Title"},
                           "Amount": {"type": "NUMBER", "code": "Amount", "label": "Amount"}})
    token = make_token(admin, app, **permissions)
    assert admin.post(CONNECTIONS, json={"connector": "kintone", "domain": server.base_url,
                                         "apiToken": token}).status_code == 200
    application = create_connector(server, name="Flows")
    mobile = new_number()
    pending = admin.post(CONNECTIONS, json={"connector": "kaizala", "mobileNumber": mobile,
                                            "applicationId": application["applicationId"],
                                            "applicationSecret": application["applicationSecret"]}).json()
    assert admin.put(CONNECTIONS, json={"id": pending["id"], "pin": pin_from_log(server, mobile)}).status_code == 200
    member = signed_in(server, application, mobile)
    group = member.client.post("/groups", json={"name": "Orders", "welcomeMessage": "Hi"}).json()["groupId"]
    return app, group, member.client


def test_a_record_added_posts_a_message_to_a_group(public_server):
    """The first proof of the issue: kintone's webhook trigger → Kaizala's SendMessage, both through
    connectors and connections, over HTTP, against this same kinflow."""
    import sqlalchemy as sa

    server = public_server
    admin = server.admin()
    try:
        app, group, member = connected(server, admin, view=True, add=True, manage=True)
        member.close()

        flow = deploy(admin, {"triggers": {"When_a_record_is_added": {
            "type": "OpenApiConnectionWebhook",
            "inputs": {"host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kintone",
                                "connectionName": "shared_kintone", "operationId": "webhook-trigger"},
                       "parameters": {"body/app": app}}}},
            "actions": {"Post_a_message": {"type": "OpenApiConnection", "inputs": {
                "host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kaizala",
                         "connectionName": "shared_kaizala", "operationId": "SendMessage"},
                "parameters": {"groupId": group, "body/Message": "New order @{triggerBody()?['record']?['Title']?"
                                                                "['value']}: @{triggerBody()?['record']?['Amount']?"
                                                                "['value']} yen"}}}}})
        added = admin.post("/k/v1/record.json", json={"app": app, "record": {
            "Title": {"value": "Tea"}, "Amount": {"value": "1200"}}})
        assert added.status_code == 200
        deadline = time.monotonic() + 30
        while not (found := admin.get("/kinflow/v1/flow/runs.json", params={"id": flow["id"]}).json()["runs"]):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        run = wait_run(admin, flow["id"], found[0]["id"])
        assert run["status"] == "Succeeded", run
        engine = sa.create_engine(server.database_url)
        try:
            with engine.connect() as conn:
                texts = conn.execute(sa.text("SELECT text FROM kaizala_messages WHERE group_id = :g"),
                                     {"g": group}).scalars().all()
        finally:
            engine.dispose()
        assert "New order Tea: 1200 yen" in texts
    finally:
        admin.close()


def test_calls_beyond_a_connections_limit_wait_for_its_window(server, admin):
    """kintone's connector allows 100 calls per 60 s on a connection: 110 runs each adding a record
    all succeed, the last ones once the window has room, and no 60 s saw more than 100 calls."""
    if server.backend != "sqlite":
        pytest.skip("a minute-long proof: once is enough")
    from datetime import datetime

    from tests.conftest import make_app, make_token

    app = make_app(admin, {"Title": {"type": "SINGLE_LINE_TEXT", "code": "Title", "label": "Title"}})
    token = make_token(admin, app, view=True, add=True)
    connection = admin.post("/kinflow/v1/flows/connections.json", json={
        "connector": "kintone", "name": f"Busy {uuid.uuid4().hex[:6]}", "domain": server.base_url,
        "apiToken": token}).json()["id"]
    flow = deploy(admin, {"triggers": REQUEST, "actions": {"Add": {
        "type": "OpenApiConnection",
        "inputs": {"host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kintone",
                            "connectionName": "busy", "operationId": "AddRecord"},
                   "parameters": {"Request body of record/app": app,
                                  "Request body of record/record/Title/value": "@{triggerBody()?['n']}"}}}},
        "parameters": {"$connections": {"type": "Object", "defaultValue": {"busy": {"connectionId": connection}}}}})
    count = 110
    with server.client() as client:
        started = [client.post(trigger_path(flow), json={"n": n}).json()["run"] for n in range(count)]
    finished = [wait_run(admin, flow["id"], run, timeout=180) for run in started]
    assert [run["status"] for run in finished] == ["Succeeded"] * count
    calls = sorted(datetime.strptime(run["actions"][0]["history"][-1]["startTime"], "%Y-%m-%dT%H:%M:%S.%fZ")
                   for run in finished)
    assert all(run["actions"][0]["attempts"] == 1 for run in finished)  # waiting spent no attempt
    # At most 100 in any 60 s. The times are the attempts' starts, taken a moment before the
    # connection's count is: the tolerance is for that moment.
    gaps = [(calls[index + 100] - calls[index]).total_seconds() for index in range(len(calls) - 100)]
    assert min(gaps) >= 59, gaps
    records = admin.get("/k/v1/records.json", params={"app": app, "totalCount": "true"}).json()
    assert records["totalCount"] == str(count)


def test_a_group_message_adds_a_record_through_the_kaizala_webhook_trigger(public_server):
    """Kaizala's webhook trigger subscribes through its connector (the callback passes the groups
    server's validation handshake), each event starts one run, and the run adds a kintone record."""
    server = public_server
    admin = server.admin()
    try:
        app, group, member = connected(server, admin, view=True, add=True)

        flow = deploy(admin, {"triggers": {"When_a_message_is_posted": {
            "type": "OpenApiConnectionWebhook",
            "inputs": {"host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kaizala",
                                "connectionName": "shared_kaizala", "operationId": "TextMessageCreatedOnGroup"},
                       "parameters": {"objectId": group}}}},
            "actions": {"Add": {"type": "OpenApiConnection", "inputs": {
                "host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kintone",
                         "connectionName": "shared_kintone", "operationId": "AddRecord"},
                "parameters": {"Request body of record/app": app,
                               "Request body of record/record/Title/value": "@{triggerBody()?['eventType']}"}}}}})
        assert flow["subscription"]["location"], flow
        sent = member.post(f"/groups/{group}/messages", json={"message": "Hello flows"})
        assert sent.status_code == 200, sent.text
        deadline = time.monotonic() + 30
        while not (found := admin.get("/kinflow/v1/flow/runs.json", params={"id": flow["id"]}).json()["runs"]):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        run = wait_run(admin, flow["id"], found[0]["id"])
        assert run["status"] == "Succeeded", run
        assert "Hello flows" in json.dumps(run["trigger"]["outputs"]["body"])
        titles = [r["Title"]["value"] for r in admin.get("/k/v1/records.json", params={"app": app}).json()["records"]]
        assert titles == [run["trigger"]["outputs"]["body"]["eventType"]]
        def hooks() -> list:
            return member.get("/webhook", params={"objectId": group, "objectType": "Group"}).json()["webhooks"]

        assert len(hooks()) == 1
        assert admin.delete("/kinflow/v1/flow.json", params={"id": flow["id"]}).status_code == 200
        assert hooks() == []  # deleting the flow unsubscribed it
        member.close()
    finally:
        admin.close()


def test_split_on_starts_a_run_per_item(server, admin):
    trigger = {"manual": {**REQUEST["manual"], "splitOn": "@triggerBody()?['orders']"}}
    flow = deploy(admin, {"triggers": trigger, "actions": {"Note": {"type": "Compose", "inputs": "@triggerBody()?['n']"}}})
    started = server.client().post(trigger_path(flow), json={"orders": [{"n": 1}, {"n": 2}, {"n": 3}]})
    assert started.status_code == 202 and len(started.json()["runs"]) == 3
    notes = sorted(wait_run(admin, flow["id"], run)["actions"][0]["outputs"] for run in started.json()["runs"])
    assert notes == [1, 2, 3]


def test_a_worker_of_another_process_hears_of_new_runs_at_once(server_without_workers):
    """On PostgreSQL a run started by one process wakes the run workers of the others (NOTIFY), long
    before their next look for due runs."""
    server = server_without_workers
    if server.backend != "postgresql":
        pytest.skip("SQLite has one process's workers; PostgreSQL notifies the others")
    admin = server.admin()
    worker = _worker(server, {"KINFLOW_FLOW_POLL": "60"})
    try:
        flow = deploy(admin, {"triggers": REQUEST, "actions": {"Note": {"type": "Compose", "inputs": 1}}})
        with server.client() as client:
            first = client.post(trigger_path(flow), json={}).json()["run"]
            wait_run(admin, flow["id"], first, timeout=60)  # the worker is up (its first look found it)
            time.sleep(0.5)
            started = time.monotonic()
            second = client.post(trigger_path(flow), json={}).json()["run"]
            assert wait_run(admin, flow["id"], second, timeout=20)["status"] == "Succeeded"
        assert time.monotonic() - started < 10  # not the 60 s of its next look
    finally:
        worker.terminate()
        worker.wait(timeout=10)
        admin.close()


def group_messages(server, group: str) -> list[tuple]:
    """The group's messages as stored: (text, the referenceId it replies to)."""
    import sqlalchemy as sa

    engine = sa.create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(
                sa.text("SELECT text, reply_to FROM kaizala_messages WHERE group_id = :g"), {"g": group})]
    finally:
        engine.dispose()


def first_run(admin, flow: dict) -> dict:
    """The flow's first run, once it has finished."""
    deadline = time.monotonic() + 30
    while not (found := admin.get("/kinflow/v1/flow/runs.json", params={"id": flow["id"]}).json()["runs"]):
        assert time.monotonic() < deadline, "no run started"
        time.sleep(0.1)
    return wait_run(admin, flow["id"], found[0]["id"])


def kaizala(operation: str, **parameters) -> dict:
    return {"type": "OpenApiConnection", "inputs": {
        "host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kaizala", "connectionName": "shared_kaizala",
                 "operationId": operation}, "parameters": parameters}}


def kintone_trigger(operation: str, app: str) -> dict:
    return {"type": "OpenApiConnectionWebhook", "inputs": {
        "host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kintone", "connectionName": "shared_kintone",
                 "operationId": operation}, "parameters": {"body/app": app}}}


def test_a_comment_on_a_record_replies_in_the_group(public_server):
    """kintone's comment trigger → Kaizala's SendReply to the message the group was told of the record in."""
    server = public_server
    admin = server.admin()
    try:
        app, group, member = connected(server, admin, view=True, add=True, manage=True)
        told = member.post(f"/groups/{group}/messages", json={"message": "Order Tea is in"})
        assert told.status_code == 200, told.text
        flow = deploy(admin, {"triggers": {"When_a_comment_is_posted": kintone_trigger(
            "AddWebhookForAddingRecordComment", app)}, "actions": {"Reply": kaizala(
                "SendReply", groupId=group, **{"body/replyToReferenceId": told.json()["referenceId"],
                                               "body/message": "Comment on record @{triggerBody()?['recordId']}: "
                                                               "@{triggerBody()?['comment']?['text']}"})}})
        record = admin.post("/k/v1/record.json", json={"app": app, "record": {"Title": {"value": "Tea"}}}).json()["id"]
        commented = admin.post("/k/v1/record/comment.json", json={"app": app, "record": record,
                                                                  "comment": {"text": "Shipped today"}})
        assert commented.status_code == 200, commented.text
        run = first_run(admin, flow)
        assert run["status"] == "Succeeded", run
        member.close()
        assert (f"Comment on record {record}: Shipped today", told.json()["referenceId"]) in group_messages(server, group)
    finally:
        admin.close()


def test_a_status_change_posts_an_announcement(public_server):
    """kintone's status trigger → Kaizala's SendActions posting an Announcement of the record's new status."""
    from tests.conftest import deploy_and_wait

    server = public_server
    admin = server.admin()
    try:
        app, group, member = connected(server, admin, view=True, add=True, manage=True)
        anyone = {"type": "ANY", "entities": []}
        assert admin.put("/k/v1/preview/app/status.json", json={"app": app, "enable": True, "states": {
            "Open": {"name": "Open", "index": "0", "assignee": anyone},
            "Shipped": {"name": "Shipped", "index": "1", "assignee": anyone}}, "actions": [
            {"name": "Ship", "from": "Open", "to": "Shipped", "filterCond": "", "type": "PRIMARY"}]}).status_code == 200
        assert deploy_and_wait(admin, app) == "SUCCESS"
        flow = deploy(admin, {"triggers": {"When_the_status_changes": kintone_trigger(
            "AddWebhookForUpdatingStatus", app)}, "actions": {"Announce": kaizala(
                "SendActions", groupId=group, actionType="Announcement", **{
                    "request/actionBody/title": "Order update",
                    "request/actionBody/message": "@{triggerBody()?['record']?['Title']?['value']} is now "
                                                  "@{triggerBody()?['record']?['Status']?['value']}"})}})
        record = admin.post("/k/v1/record.json", json={"app": app, "record": {"Title": {"value": "Tea"}}}).json()["id"]
        shipped = admin.put("/k/v1/record/status.json", json={"app": app, "id": record, "action": "Ship"})
        assert shipped.status_code == 200, shipped.text
        run = first_run(admin, flow)
        assert run["status"] == "Succeeded", run
        listed = member.get(f"/groups/{group}/actions", params={"actionType": "Announcement"}).json()
        member.close()
        assert [(a["actionBody"]["title"], a["actionBody"]["message"]) for a in listed["actions"]] == [
            ("Order update", "Tea is now Shipped")]
    finally:
        admin.close()


def test_a_survey_response_adds_a_record_with_its_answers(public_server):
    """Kaizala's survey response trigger (on one survey of a group) → kintone's AddRecord of its answers."""
    server = public_server
    admin = server.admin()
    try:
        app, group, member = connected(server, admin, view=True, add=True)
        survey = member.post(f"/groups/{group}/actions", json={"actionType": "Survey", "actionBody": {
            "title": "Orders", "isAnonymous": False, "acceptMultipleResponses": True, "dueDate": 10, "questions": [
                {"title": "What", "type": "Text"}, {"title": "How many", "type": "Numeric"}]}})
        assert survey.status_code == 200, survey.text
        answers = "triggerBody()?['responseDetails']?['responseWithQuestions']"
        flow = deploy(admin, {"triggers": {"When_a_survey_is_answered": {
            "type": "OpenApiConnectionWebhook",
            "inputs": {"host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kaizala",
                                "connectionName": "shared_kaizala", "operationId": "SurveyResponseOnGroup"},
                       "parameters": {"groupId": group, "objectId": survey.json()["actionId"]}}}},
            "actions": {"Add": {"type": "OpenApiConnection", "inputs": {
                "host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kintone",
                         "connectionName": "shared_kintone", "operationId": "AddRecord"},
                "parameters": {"Request body of record/app": app,
                               "Request body of record/record/Title/value": f"@{{{answers}[0]?['answer']}}",
                               "Request body of record/record/Amount/value": f"@{{{answers}[1]?['answer']}}"}}}}})
        assert flow["subscription"]["location"], flow
        answered = member.post(f"/groups/{group}/actions/{survey.json()['actionId']}/responses", json={
            "actionType": "Survey", "actionBody": {"Answers": ["Green tea", 12]}})
        assert answered.status_code == 200, answered.text
        member.close()
        run = first_run(admin, flow)
        assert run["status"] == "Succeeded", run
        records = admin.get("/k/v1/records.json", params={"app": app}).json()["records"]
        assert [(r["Title"]["value"], r["Amount"]["value"]) for r in records] == [("Green tea", "12")]
    finally:
        admin.close()
