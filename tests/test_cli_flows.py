"""`kinflow flows deploy|list|enable|disable|runs|show-run|resubmit` on a data folder's SQLite database."""

from __future__ import annotations

import json
import os
import subprocess
import sys


from kinflow.config import load_settings
from kinflow.flows import manage, runs
from kinflow.storage.database import Database
from tests.flows.test_engine import finish


def kinflow(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KINFLOW_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    env.pop("KINFLOW_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "kinflow.cli", "flows", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_flows_from_the_command_line(tmp_path):
    definition = tmp_path / "greet.json"
    definition.write_text(json.dumps({"definition": {
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"Hello": {"type": "Compose", "inputs": "@concat('Hello ', triggerBody()?['name'])"},
                    "Check": {"type": "Compose", "inputs": "@int('x')", "runAfter": {"Hello": ["Succeeded"]}}}}}))
    deployed = kinflow(tmp_path, "deploy", str(definition))
    assert deployed.returncode == 0, deployed.stderr
    assert "Created flow 1 'greet' version 1 (Enabled)" in deployed.stdout
    again = kinflow(tmp_path, "deploy", str(definition), "--disabled")
    assert "Deployed flow 1 'greet' version 2 (Disabled)" in again.stdout
    assert kinflow(tmp_path, "list").stdout.splitlines() == ["1\tgreet\tAdministrator\tDisabled\t2\tRequest"]
    assert "is Enabled" in kinflow(tmp_path, "enable", "greet").stdout

    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"triggers": {"manual": {"type": "Request"}},
                                  "actions": {"A": {"type": "Compose", "inputs": 1, "runAfter": {"Z": ["Failed"]}}}}))
    refused = kinflow(tmp_path, "deploy", str(broken))
    assert refused.returncode == 1 and "definition.actions.A.runAfter.Z: There is no action 'Z'" in refused.stderr

    settings = load_settings({"KINFLOW_DATA_DIR": str(tmp_path / "data"), "KINFLOW_FLOW_POLL": "0.05"})
    db = Database(settings.url)
    try:
        with db.write() as conn:
            run = runs.start_run(conn, manage.get_flow(conn, "", 1, admin=True), {"body": {"name": "Ann"}})
        finish(db, settings, run)
    finally:
        db.dispose()
    listed = kinflow(tmp_path, "runs", "greet")
    assert run in listed.stdout and "Failed" in listed.stdout
    shown = kinflow(tmp_path, "show-run", "1", run)
    assert shown.returncode == 0, shown.stderr
    assert "Hello" in shown.stdout and "Succeeded" in shown.stdout and "InvalidTemplate" in shown.stdout
    as_json = json.loads(kinflow(tmp_path, "show-run", "greet", run, "--json").stdout)
    assert as_json["actions"][0]["outputs"] == "Hello Ann"
    resubmitted = kinflow(tmp_path, "resubmit", "greet", run)
    assert resubmitted.returncode == 0 and "Started run" in resubmitted.stdout
    missing = kinflow(tmp_path, "runs", "nosuch")
    assert missing.returncode == 1 and "is not found" in missing.stderr


def test_import_a_power_automate_export_package(tmp_path):
    import zipfile

    definition = {"name": "0a1b", "properties": {
        "displayName": "Welcome new records", "connectionReferences": {"shared_kintone": {
            "connectionName": "shared-kintone-1", "id": "/providers/Microsoft.PowerApps/apis/shared_kintone"}},
        "definition": {"$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/"
                                  "workflowdefinition.json#", "contentVersion": "1.0.0.0",
                       "parameters": {"$connections": {"defaultValue": {}, "type": "Object"}},
                       "triggers": {"manual": {"type": "Request", "kind": "Button", "inputs": {"schema": {}}}},
                       "actions": {"Add": {"type": "OpenApiConnection", "inputs": {
                           "host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kintone",
                                    "connectionName": "shared_kintone", "operationId": "AddRecord"},
                           "parameters": {"Request body of record/app": "1"}}}}}}}
    package = tmp_path / "export.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"schema": "1.0"}))
        archive.writestr("Microsoft.Flow/flows/0a1b/definition.json", json.dumps(definition))
    refused = kinflow(tmp_path, "import", str(package))
    assert refused.returncode == 1
    assert "connections.shared_kintone: The flow's connection reference 'shared_kintone' needs a kintone " \
           "connection, and Administrator has none: make one first." in refused.stderr
    assert kinflow(tmp_path, "list").stdout == ""

    definition["properties"]["connectionReferences"] = {}
    definition["properties"]["definition"]["actions"] = {"Hello": {"type": "Compose", "inputs": "hello"}}
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"schema": "1.0"}))
        archive.writestr("Microsoft.Flow/flows/0a1b/definition.json", json.dumps(definition))
    imported = kinflow(tmp_path, "import", str(package))
    assert imported.returncode == 0, imported.stderr
    assert "Imported flow 1 'Welcome new records' version 1 (Enabled)" in imported.stdout
    assert kinflow(tmp_path, "list").stdout.splitlines() == [
        "1\tWelcome new records\tAdministrator\tEnabled\t1\tRequest"]
    bare = tmp_path / "hello.json"
    bare.write_text(json.dumps(definition["properties"]["definition"]))
    assert "Imported flow 2 'hello' version 1" in kinflow(tmp_path, "import", str(bare)).stdout
    not_a_flow = tmp_path / "other.zip"
    with zipfile.ZipFile(not_a_flow, "w") as archive:
        archive.writestr("readme.txt", "hello")
    refused = kinflow(tmp_path, "import", str(not_a_flow))
    assert refused.returncode == 1 and "is it a flow's export package or a solution?" in refused.stderr
