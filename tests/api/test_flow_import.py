"""Flows exported from Power Automate, imported with `kinflow flows import`: their connection references
mapped to the importer's connections, and the flows then run against this kinflow."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid

import pytest

from tests.api.test_workflows import (REQUEST, connected, first_run, group_messages, kaizala, kintone_trigger,  # noqa: F401
                                      public_server, trigger_path, wait_run)
from tests.conftest import WEBHOOK_ENV, make_app, make_token, password_header
from tests.flows.power_automate import export_package, solution

CONNECTIONS = "/kinflow/v1/flows/connections.json"


def kinflow_import(server, path, *args: str) -> subprocess.CompletedProcess:
    """`kinflow flows import` on the server's own database and data folder (its secret key)."""
    env = {**os.environ, **WEBHOOK_ENV, "KINFLOW_DATA_DIR": str(server.data_dir),
           "KINFLOW_DATABASE_URL": server.database_url, "KINFLOW_PUBLIC_URL": server.base_url, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "kinflow.cli", "flows", "import", str(path), *args],
                          capture_output=True, text=True, timeout=120, env=env)


def api_import(client, data: bytes, file_name: str, **extra):  # noqa: ANN001, ANN201
    return client.post("/kinflow/v1/flows/import.json", json={
        "package": base64.b64encode(data).decode(), "fileName": file_name, **extra})


@pytest.mark.parametrize("via", ["cli", "api"])
def test_an_exported_package_runs_with_its_references_mapped_to_the_importers_connections(public_server, tmp_path,
                                                                                          via):
    """A record added → a message in the group, by a flow built in Power Automate with the kintone and
    Kaizala connectors and exported as a package, imported from the command line or through the API."""
    server = public_server
    admin = server.admin()
    try:
        app, group, member = connected(server, admin, view=True, add=True, manage=True)
        member.close()
        mine = {c["connector"]: c["id"] for c in admin.get(CONNECTIONS).json()["connections"]}
        definition = {"triggers": {"When_a_record_is_added": kintone_trigger("webhook-trigger", app)},
                      "actions": {"Post_message": kaizala(
                          "SendMessage", groupId=group,
                          **{"body/Message": "New order @{triggerBody()?['record']?['Title']?['value']}"})}}
        package = tmp_path / "NewOrders_20261102081502.zip"
        package.write_bytes(export_package("New orders", ("Tell the group about new orders", definition, {
            "shared_kintone": "shared_kintone", "shared_kaizala": "shared_kaizala"})))

        if via == "cli":
            imported = kinflow_import(server, package)
            assert imported.returncode == 0, imported.stderr
            assert "'Tell the group about new orders' version 1 (Enabled)" in imported.stdout
            assert "Its trigger is subscribed" in imported.stdout
        else:
            answer = api_import(admin, package.read_bytes(), package.name)
            assert answer.status_code == 200, answer.text
            [made] = answer.json()["flows"]
            assert made["name"] == "Tell the group about new orders" and made["created"] is True
            assert made["state"] == "Enabled" and made["subscription"]["location"]
        [flow] = [f for f in admin.get("/kinflow/v1/flows.json").json()["flows"]
                  if f["name"] == "Tell the group about new orders"]
        shown = admin.get("/kinflow/v1/flow.json", params={"id": flow["id"]}).json()["definition"]
        assert {name: value["connectionId"] for name, value in
                shown["parameters"]["$connections"]["defaultValue"].items()} == {
            "shared_kintone": mine["kintone"], "shared_kaizala": mine["kaizala"]}

        added = admin.post("/k/v1/record.json", json={"app": app, "record": {"Title": {"value": "Green tea"}}})
        assert added.status_code == 200, added.text
        run = first_run(admin, flow)
        assert run["status"] == "Succeeded", run
        assert ("New order Green tea", None) in group_messages(server, group)
    finally:
        admin.close()


def _add_record(app: str) -> dict:
    return {"type": "OpenApiConnection", "inputs": {
        "host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kintone", "connectionName": "shared_kintone_1",
                 "operationId": "AddRecord"},
        "parameters": {"Request body of record/app": app,
                       "Request body of record/record/Title/value": "@{triggerBody()?['title']}"}}}


def test_a_reference_takes_the_only_connection_or_the_one_named_for_it(server, admin, tmp_path):
    """A solution's flow whose reference could take either of two kintone connections is refused,
    naming the reference, until one is named with --connection; the flow then adds its record with it."""
    login = f"importer-{uuid.uuid4().hex[:6]}"
    assert admin.post("/kinflow/v1/users.json", json={"code": login, "password": "pw"}).status_code == 200
    app = make_app(admin, {"Title": {"type": "SINGLE_LINE_TEXT", "code": "Title", "label": "Title"}})
    reader, writer = make_token(admin, app, view=True), make_token(admin, app, view=True, add=True)
    package = tmp_path / "OrdersSolution_1_0_0_0.zip"
    package.write_bytes(solution("OrdersSolution", [("Add an order", {"triggers": REQUEST, "actions": {
        "Add_a_record": _add_record(app)}}, {"shared_kintone_1": "shared_kintone"})]))

    with server.client(password_header(login, "pw")) as user:
        none = kinflow_import(server, package, "--owner", login)
        assert none.returncode == 1
        assert (f"connections.shared_kintone_1: The flow's connection reference 'shared_kintone_1' needs a kintone "
                f"connection, and {login} has none") in none.stderr
        made = [user.post(CONNECTIONS, json={"connector": "kintone", "name": name, "domain": server.base_url,
                                             "apiToken": token}).json()
                for name, token in (("Reading", reader), ("Writing", writer))]
        two = kinflow_import(server, package, "--owner", login)
        assert two.returncode == 1
        assert "reference 'shared_kintone_1' could use any of" in two.stderr and made[1]["id"] in two.stderr
        assert user.get("/kinflow/v1/flows.json").json()["flows"] == []  # nothing half imported

        wrong = kinflow_import(server, package, "--owner", login, "--connection", "shared_kintone=Writing")
        assert wrong.returncode == 1
        assert "The file has no connection reference 'shared_kintone'; its references are shared_kintone_1" \
            in wrong.stderr
        imported = kinflow_import(server, package, "--owner", login, "--connection", "shared_kintone_1=Writing")
        assert imported.returncode == 0, imported.stderr
        assert "Imported flow" in imported.stdout and "'Add an order' version 1 (Enabled)" in imported.stdout

        [flow] = user.get("/kinflow/v1/flows.json").json()["flows"]
        shown = user.get("/kinflow/v1/flow.json", params={"id": flow["id"]}).json()

        # The same through the API: the same refusal in kintone's format, then a new version.
        data = package.read_bytes()
        refused = api_import(user, data, package.name)
        assert refused.status_code == 400 and refused.json()["code"] == "CB_VA01"
        assert "could use any of" in refused.json()["errors"]["connections.shared_kintone_1"]["messages"][0]
        assert api_import(user, data, package.name, connections={"shared_kintone_1": "Nobody"}).json()["errors"][
            "connections.shared_kintone_1"]["messages"] == [
            f"The connection 'Nobody' named for the reference 'shared_kintone_1' is not one of {login}'s connections."]
        assert api_import(user, "not base64".encode(), "x", connections=[]).status_code == 400
        assert user.post("/kinflow/v1/flows/import.json", json={"package": "\U000e0f1ac"}).json()["errors"] == {
            "package": {"messages": ["The file is not valid base64."]}}
        again = api_import(user, data, package.name, connections={"shared_kintone_1": made[1]["id"]})
        assert again.status_code == 200, again.text
        assert [(f["id"], f["version"], f["created"]) for f in again.json()["flows"]] == [(flow["id"], "2", False)]
        shown = user.get("/kinflow/v1/flow.json", params={"id": flow["id"]}).json()
        assert shown["callbackUrl"] == again.json()["flows"][0]["callbackUrl"]
        assert shown["definition"]["parameters"]["$connections"]["defaultValue"]["shared_kintone_1"][
            "connectionId"] == made[1]["id"]
        run = server.client().post(trigger_path(shown), json={"title": "Imported order"}).json()["run"]
        finished = wait_run(user, flow["id"], run)
        assert finished["status"] == "Succeeded", finished
    records = admin.get("/k/v1/records.json", params={"app": app}).json()["records"]
    assert [r["Title"]["value"] for r in records] == ["Imported order"]
