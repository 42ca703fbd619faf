"""Flows in the browser, over HTTP: the list, a flow's page with its run history, a run's page with
each action's inputs, outputs, status, attempts and duration; turning a flow off and on, resubmitting
a run, and nobody but the owner (or an administrator) seeing a flow."""

from __future__ import annotations

from markupsafe import escape
import json
import re
import threading
import time
import uuid

import pytest

from tests.conftest import password_header
from tests.flows.sink import Sink
from tests.web.conftest import new_user, post_form, signed_in

REQUEST = {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}}
DEFINITION = {"triggers": REQUEST, "actions": {
    "Compose": {"type": "Compose", "inputs": {"greeting": "Hello @{triggerBody()?['who']}"}},
    "Answer": {"type": "Response", "runAfter": {"Compose": ["Succeeded"]},
               "inputs": {"statusCode": 200, "body": "@outputs('Compose')"}}}}


def calling(url: str) -> dict:
    """The definition above, telling `url` first (again once it fails, after 5 s)."""
    call = {"type": "Http", "inputs": {"method": "POST", "uri": url, "body": "@triggerBody()"},
            "retryPolicy": {"type": "fixed", "count": 1, "interval": "PT5S"}}
    compose = {**DEFINITION["actions"]["Compose"], "runAfter": {"Call": ["Succeeded"]}}
    return {"triggers": REQUEST, "actions": {"Call": call, "Compose": compose, "Answer": DEFINITION["actions"]["Answer"]}}


@pytest.fixture()
def failing_once():
    receiver = Sink([500])
    yield receiver
    receiver.close()


def deploy(client, definition: dict = DEFINITION, name: str | None = None) -> dict:
    answer = client.post("/kinflow/v1/flows.json", json={"name": name or f"flow-{uuid.uuid4().hex[:8]}",
                                                         "definition": definition})
    assert answer.status_code == 200, answer.text
    return answer.json()


def run_once(server, flow: dict, who: str) -> str:
    url = flow["callbackUrl"].split("/kinflow/", 1)[1]
    with server.client() as client:
        answered = client.post(f"/kinflow/{url}", json={"who": who})
    assert answered.status_code == 200, answered.text
    return answered.headers["x-ms-workflow-run-id"]


def finished(client, path: str) -> str:
    for _ in range(100):
        shown = client.get(path)
        assert shown.status_code == 200, shown.text
        if 'data-status="Succeeded"' in shown.text or 'data-status="Failed"' in shown.text:
            return shown.text
        time.sleep(0.1)
    raise AssertionError(f"{path} did not finish")


def test_the_list_a_flow_its_run_history_and_a_run(server, failing_once):
    login = new_user(server, password="pw")
    with server.client(password_header(login, "pw")) as api:
        flow = deploy(api, calling(failing_once.url), name="Greeter")
    run = run_once(server, flow, "Ann")
    with signed_in(server, login, "pw") as client:
        listed = client.get("/k/flows/")
        assert listed.status_code == 200
        assert f'<a href="/k/flows/{flow["id"]}">Greeter</a>' in listed.text

        shown = client.get(f"/k/flows/{flow['id']}")
        assert shown.status_code == 200
        assert '<dd id="flow-state">Enabled</dd>' in shown.text
        assert f'id="run-{run}"' in shown.text and str(escape(flow["callbackUrl"])) in shown.text

        page = finished(client, f"/k/flows/{flow['id']}/runs/{run}")
        actions = re.findall(r'<h3 id="action-\d+-name">(\w+)', page)
        assert actions == ["Call", "Compose", "Answer"]
        call = page[page.find('id="action-1"'):page.find('id="action-2"')]
        assert "Succeeded" in call and "<dt>Attempts</dt><dd>2</dd>" in call  # 500, then 200
        assert re.search(r"<dt>Duration</dt><dd>\d+(\.\d)? m?s</dd>", call)
        assert str(escape('"statusCode": 500')) in call  # the attempts one by one
        compose = page[page.find('id="action-2"'):page.find('id="action-3"')]
        assert "Succeeded" in compose and re.search(r"<dt>Duration</dt><dd>\d+ ms</dd>", compose)
        assert str(escape('"greeting": "Hello Ann"')) in compose  # the outputs
        assert str(escape("Hello @{triggerBody()?['who']}")) not in compose  # inputs are evaluated
        assert str(escape('"who": "Ann"')) in page  # the trigger's outputs


def test_turn_a_flow_off_and_on_resubmit_a_run_and_delete_the_flow(server, admin):
    flow = deploy(admin)
    run = run_once(server, flow, "Bo")
    path = f"/k/flows/{flow['id']}"
    with signed_in(server) as client:
        off = post_form(client, path, op="disable")
        assert off.status_code == 303 and off.headers["location"] == f"{path}?saved=disable"
        assert admin.get("/kinflow/v1/flow.json", params={"id": flow["id"]}).json()["state"] == "Disabled"
        assert '<dd id="flow-state">Disabled</dd>' in client.get(path).text
        assert post_form(client, path, op="enable").status_code == 303
        assert admin.get("/kinflow/v1/flow.json", params={"id": flow["id"]}).json()["state"] == "Enabled"

        finished(client, f"{path}/runs/{run}")
        again = post_form(client, f"{path}/runs/{run}", op="resubmit")
        assert again.status_code == 303, again.text
        new_run = re.search(r"/runs/([\w-]+)\?saved=resubmit$", again.headers["location"]).group(1)
        assert new_run != run
        page = finished(client, f"{path}/runs/{new_run}")
        assert f'href="{path}/runs/{run}"' in page  # resubmitted from
        assert str(escape('"greeting": "Hello Bo"')) in page

        wrong = post_form(client, path, op="explode")
        assert wrong.status_code == 400 and "CB_VA01" in wrong.text
        gone = post_form(client, path, op="delete")
        assert gone.status_code == 303 and gone.headers["location"] == "/k/flows/?saved=delete"
        assert client.get(path).status_code == 404


def test_a_flow_is_its_owners_and_administrators(server, admin):
    owner, other = new_user(server, password="pw"), new_user(server, password="pw")
    with server.client(password_header(owner, "pw")) as api:
        flow = deploy(api, name="Private")
    run = run_once(server, flow, "Cy")
    path = f"/k/flows/{flow['id']}"
    with signed_in(server, other, "pw") as client:
        assert "Private" not in client.get("/k/flows/").text
        for address in (path, f"{path}/runs/{run}"):
            missing = client.get(address)
            assert missing.status_code == 404 and "KF_FL01" in missing.text
        refused = post_form(client, path, op="disable")
        assert refused.status_code == 404
        assert post_form(client, f"{path}/runs/{run}", op="resubmit").status_code == 404
    assert admin.get("/kinflow/v1/flow.json", params={"id": flow["id"]}).json()["state"] == "Enabled"
    with signed_in(server) as client:  # an administrator manages every flow
        assert client.get(path).status_code == 200
        assert f'<a href="{path}">Private</a>' in client.get("/k/flows/").text


def test_create_a_flow_from_a_template(server):
    login = new_user(server, password="pw")
    with signed_in(server, login, "pw") as client:
        page = client.get("/k/flows/new")
        assert page.status_code == 200
        for label in ("When a record is added, post a message to a group",
                      "When a record is added, call an HTTP endpoint"):
            assert label in page.text
        made = post_form(client, "/k/flows/new", op="template", template="request-to-response", name="Echo",
                     message="Thanks")
        assert made.status_code == 303, made.text
        flow_id = re.fullmatch(r"/k/flows/(\d+)\?saved=create", made.headers["location"]).group(1)
    with server.client(password_header(login, "pw")) as api:
        flow = api.get("/kinflow/v1/flow.json", params={"id": flow_id}).json()
    assert flow["name"] == "Echo" and flow["state"] == "Enabled"
    with server.client() as caller:
        answered = caller.post("/kinflow/" + flow["callbackUrl"].split("/kinflow/", 1)[1], json={"n": 1})
    assert answered.json() == {"received": {"n": 1}, "message": "Thanks"}


def test_a_template_whose_trigger_cannot_subscribe_is_saved_turned_off(server):
    """Without a kintone connection the record trigger cannot subscribe: the flow is kept, off, and the
    page says why."""
    login = new_user(server, password="pw")
    with signed_in(server, login, "pw") as client:
        missing = post_form(client, "/k/flows/new", op="template", template="record-to-group", name="Tell", app="")
        assert missing.status_code == 400
        assert "<li>app: Required field.</li>" in missing.text and "<li>group: Required field.</li>" in missing.text
        made = post_form(client, "/k/flows/new", op="template", template="record-to-group", name="Tell", app="12",
                     group="g-1")
        assert made.status_code == 400 and "KF_FL10" in made.text
        found = re.search(r'The flow was saved, turned off: <a href="/k/flows/(\d+)">Tell</a>', made.text)
        assert found, made.text
    with server.client(password_header(login, "pw")) as api:
        flow = api.get("/kinflow/v1/flow.json", params={"id": found.group(1)}).json()
    assert flow["state"] == "Disabled"
    assert flow["definition"]["triggers"]["When_a_record_is_added"]["inputs"]["parameters"] == {"body/app": "12"}
    action = flow["definition"]["actions"]["Post_a_message"]["inputs"]
    assert action["host"]["operationId"] == "SendMessage" and action["parameters"]["groupId"] == "g-1"
    assert "@{triggerBody()?['url']}" in action["parameters"]["body/Message"]
    with signed_in(server, login, "pw") as client:  # turned on, it still cannot subscribe: it stays off
        again = post_form(client, f"/k/flows/{found.group(1)}", op="enable")
        assert again.status_code == 400 and 'id="flow-problem"' in again.text and "KF_FL10" in again.text
        assert '<dd id="flow-state">Disabled</dd>' in again.text


def test_paste_a_definition_and_see_each_problem_with_its_path(server):
    broken = {"triggers": REQUEST, "actions": {
        "A": {"type": "Teleport"}, "B": {"type": "Compose", "inputs": "@concat(", "runAfter": {"Gone": ["Succeeded"]}}}}
    with signed_in(server) as client:
        refused = post_form(client, "/k/flows/new", op="paste", name="Broken", definition=json.dumps(broken))
        assert refused.status_code == 400 and 'id="flow-problem"' in refused.text
        for path in ("definition.actions.A.type", "definition.actions.B.runAfter.Gone", "definition.actions.B.inputs"):
            assert f"<li>{path}: " in refused.text
        assert str(escape('"Teleport"')) in refused.text  # what was pasted is kept
        assert 'aria-describedby="flow-problem"' in refused.text
        not_json = post_form(client, "/k/flows/new", op="paste", name="Broken", definition="{triggers")
        assert not_json.status_code == 400 and "<li>definition: This is not JSON" in not_json.text
        # A Power Automate export's definition file deploys as it is.
        exported = {"properties": {"displayName": "Pasted", "definition": DEFINITION}}
        made = post_form(client, "/k/flows/new", op="paste", name="Pasted", definition=json.dumps(exported))
        assert made.status_code == 303, made.text
        assert "Flow Pasted" in client.get(made.headers["location"]).text


def test_a_flows_run_status_streams_live_to_its_owner_only(server):
    """The stream says where the flow's runs stand: once when it opens, again as soon as a run starts,
    moves on or ends (rung at commit, before the 5-second look); another person's is refused."""
    login = new_user(server, password="pw")
    with server.client(password_header(login, "pw")) as api:
        flow = deploy(api, name="Watched")
    seen: list[str] = []
    with signed_in(server, login, "pw") as client:
        def listen() -> None:
            with client.stream("GET", f"/k/flows/{flow['id']}/stream") as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                event = None
                for line in stream.iter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: ") and event == "runs":
                        seen.append(line[6:])
                        if len(seen) >= 2:
                            return

        page = client.get(f"/k/flows/{flow['id']}").text
        shown = re.search(r'data-progress="(\w+)"', page).group(1)
        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert seen == [shown]  # the page and the stream agree while nothing happens
        started = time.monotonic()
        run_once(server, flow, "Di")
        listener.join(timeout=10)
        assert len(seen) >= 2 and seen[-1] != shown
        assert time.monotonic() - started < 4.5
        page = finished(client, f"/k/flows/{flow['id']}")
        assert re.search(r'data-progress="(\w+)"', page).group(1) != shown

    other = new_user(server, password="pw")
    with signed_in(server, other, "pw") as client:
        refused = client.get(f"/k/flows/{flow['id']}/stream")
        assert refused.status_code == 404 and refused.json()["code"] == "KF_FL01"
    with server.client() as client:
        assert client.get(f"/k/flows/{flow['id']}/stream").status_code == 401


def test_deploy_a_new_version_from_the_flows_page(server):
    owner, other = new_user(server, password="pw"), new_user(server, password="pw")
    with server.client(password_header(owner, "pw")) as api:
        flow = deploy(api, name="Versioned")
    with signed_in(server, owner, "pw") as client:
        assert f'href="/k/flows/new?from={flow["id"]}#paste"' in client.get(f"/k/flows/{flow['id']}").text
        form = client.get("/k/flows/new", params={"from": flow["id"]}).text
        pasted = re.search(r'<textarea id="paste-definition"[^>]*>(.*?)</textarea>', form, re.S).group(1)
        definition = json.loads(pasted.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&"))
        assert definition["actions"]["Compose"] == DEFINITION["actions"]["Compose"]
        assert 'id="paste-name" name="name" maxlength="128" required value="Versioned"' in form
        definition["actions"]["Compose"]["inputs"] = {"greeting": "Hi @{triggerBody()?['who']}"}
        again = post_form(client, "/k/flows/new", op="paste", name="Versioned", definition=json.dumps(definition))
        assert again.status_code == 303 and again.headers["location"] == f"/k/flows/{flow['id']}?saved=create"
        assert "<dt>Version</dt><dd>2</dd>" in client.get(f"/k/flows/{flow['id']}").text
        run = run_once(server, flow, "Eve")
        assert str(escape('"greeting": "Hi Eve"')) in finished(client, f"/k/flows/{flow['id']}/runs/{run}")
    with signed_in(server, other, "pw") as client:
        assert client.get("/k/flows/new", params={"from": flow["id"]}).status_code == 404


def test_the_flows_pages_speak_japanese(server):
    login = new_user(server, password="pw", language="ja")
    with server.client(password_header(login, "pw")) as api:
        flow = deploy(api, name="日本語")
    run = run_once(server, flow, "Jo")
    with signed_in(server, login, "pw") as client:
        assert "マイフロー" in client.get("/k/flows/").text
        assert '<dd id="flow-state">オン</dd>' in client.get(f"/k/flows/{flow['id']}").text
        assert "成功" in finished(client, f"/k/flows/{flow['id']}/runs/{run}")
        assert "レコードが追加されたら、HTTP エンドポイントを呼び出す" in client.get("/k/flows/new").text
        assert "新しい Kaizala 接続（電話番号でサインイン）" in client.get("/k/flows/connections").text


def test_cancel_a_run_and_filter_the_run_history_by_status(server, admin):
    flow = deploy(admin, {"triggers": REQUEST, "actions": {
        "Nap": {"type": "Wait", "inputs": {"interval": {"count": 10, "unit": "Minute"}}}}})
    url = "/kinflow/" + flow["callbackUrl"].split("/kinflow/", 1)[1]
    with server.client() as caller:
        started = [caller.post(url, json={}).json()["run"] for _ in range(2)]
    path = f"/k/flows/{flow['id']}"
    with signed_in(server) as client:
        page = client.get(f"{path}/runs/{started[0]}").text
        assert 'value="cancel"' in page  # a run under way may be cancelled
        cancelled = post_form(client, f"{path}/runs/{started[0]}", op="cancel")
        assert cancelled.status_code == 303 and cancelled.headers["location"].endswith("?saved=cancel")
        page = client.get(cancelled.headers["location"]).text
        for _ in range(100):
            if 'data-status="Cancelled"' in page:
                break
            time.sleep(0.1)
            page = client.get(cancelled.headers["location"]).text
        assert 'data-status="Cancelled"' in page and 'value="cancel"' not in page

        only = client.get(path, params={"status": "Cancelled"}).text
        assert f'id="run-{started[0]}"' in only and f'id="run-{started[1]}"' not in only
        assert '<option value="Cancelled" selected>' in only
        both = client.get(path).text
        assert f'id="run-{started[0]}"' in both and f'id="run-{started[1]}"' in both
        wrong = client.get(path, params={"status": "Sleeping"})
        assert wrong.status_code == 400 and "CB_VA01" in wrong.text
        post_form(client, f"{path}/runs/{started[1]}", op="cancel")


def test_older_runs_are_a_page_away(server, admin):
    flow = deploy(admin, {"triggers": REQUEST, "actions": {}})
    url = "/kinflow/" + flow["callbackUrl"].split("/kinflow/", 1)[1]
    with server.client() as caller:
        started = [caller.post(url, json={}).json()["run"] for _ in range(51)]
    path = f"/k/flows/{flow['id']}"
    with signed_in(server) as client:
        first = client.get(path).text
        assert f'id="run-{started[-1]}"' in first and f'id="run-{started[0]}"' not in first
        older = re.search(r'<a href="([^"]+)">Older runs</a>', first).group(1).replace("&amp;", "&")
        second = client.get(older).text
        assert f'id="run-{started[0]}"' in second and f'id="run-{started[-1]}"' not in second
        assert "Newer runs" in second and "Older runs" not in second


def test_a_templates_pickers_offer_the_apps_and_groups_of_your_connections(server, admin):
    from tests.conftest import make_app
    from tests.groups.conftest import create_connector, new_number, pin_from_log
    from tests.groups.conftest import signed_in as in_groups

    app = make_app(admin, {}, name="Picked app")
    login = new_user(server, password="pw")
    with signed_in(server, login, "pw") as client:
        page = client.get("/k/flows/new").text
        assert "<datalist" not in page  # no connections: the values are typed
    application, mobile = create_connector(server, name="Pickers"), new_number()
    connections = "/kinflow/v1/flows/connections.json"
    with server.client(password_header(login, "pw")) as api:
        assert api.post(connections, json={"connector": "kintone", "domain": server.base_url, "login": login,
                                           "password": "pw"}).status_code == 200
        pending = api.post(connections, json={"connector": "kaizala", "mobileNumber": mobile,
                                              "applicationId": application["applicationId"],
                                              "applicationSecret": application["applicationSecret"]}).json()
        assert api.put(connections, json={"id": pending["id"], "pin": pin_from_log(server, mobile)}).status_code == 200
    member = in_groups(server, application, mobile)
    group = member.client.post("/groups", json={"name": "Picked group", "welcomeMessage": "Hi"}).json()["groupId"]
    member.client.close()
    with signed_in(server, login, "pw") as client:
        page = client.get("/k/flows/new").text
    # The choices are what the connector's list of apps answers: its first page, which on a server of
    # more apps than a page holds may end before the newest.
    with server.client(password_header(login, "pw")) as api:
        listed = api.get("/k/v1/apps.json").json()["apps"]
    assert listed and all(f'<option value="{a["appId"]}">' in page for a in listed)
    if any(a["appId"] == str(app) for a in listed):
        assert f'<option value="{app}">Picked app</option>' in page
    assert f'<option value="{group}">Picked group</option>' in page
    assert 'list="record-to-group-group-choices"' in page and 'list="record-to-http-app-choices"' in page
