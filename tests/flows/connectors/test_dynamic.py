"""Dynamic schema and dynamic values of the shipped connectors, fetched through their own operations
from a kinflow server: a record body from the app's live form, the app and group pickers."""

from __future__ import annotations

import pytest

from kinflow.flows.connectors import catalog
from kinflow.flows.connectors.dynamic import dynamic_values, notification_schema, request_schema
from kinflow.flows.connectors.runtime import ConnectorError
from tests.conftest import make_app
from tests.flows.connectors.test_runtime_http import PlainConnection, this_server
from tests.groups.conftest import create_connector, signed_in

BODY = "Request body of record"


@pytest.fixture()
def app_and_admin(server, admin):  # noqa: ANN001, ANN201
    app = make_app(admin, {
        "Customer": {"type": "SINGLE_LINE_TEXT", "code": "Customer", "label": "Customer name", "required": True},
        "Lines": {"type": "SUBTABLE", "code": "Lines", "fields": {
            "Item": {"type": "SINGLE_LINE_TEXT", "code": "Item", "label": "Item"},
            "Qty": {"type": "NUMBER", "code": "Qty", "label": "Quantity"}}},
    }, name="Orders")
    return app, PlainConnection(server.base_url, dict(admin.headers))


def test_a_record_body_is_the_apps_live_form(server, app_and_admin):
    app, connection = app_and_admin
    definition = catalog.load("kintone").definition
    schema = request_schema(definition, connection, "AddRecord", {f"{BODY}/app": app}, this_server(server))
    record = schema["properties"]["record"]
    assert record["required"] == ["Customer"]
    assert record["properties"]["Customer"]["x-ms-summary"] == "Customer name"
    row = record["properties"]["Lines"]["properties"]["value"]["items"]["properties"]["value"]
    assert set(row["properties"]) == {"Item", "Qty"}
    assert schema["properties"]["app"]["x-ms-summary"] == "App ID"  # the fixed part is kept
    with pytest.raises(ConnectorError, match="Give app first"):
        request_schema(definition, connection, "AddRecord", {}, this_server(server))


def test_a_triggers_record_is_the_apps_live_form_and_the_others_their_definitions(server, app_and_admin):
    app, connection = app_and_admin
    definition = catalog.load("kintone").definition
    added = notification_schema(definition, connection, "webhook-trigger", {"body/app": app}, this_server(server))
    assert added["properties"]["record"]["properties"]["Customer"]["properties"]["type"]["enum"] == [
        "SINGLE_LINE_TEXT"]
    deleted = notification_schema(definition, connection, "AddWebhookForDeletingRecord", {"body/app": app},
                                  this_server(server))
    assert set(deleted["properties"]) == {"id", "recordId", "deletedAt", "deletedBy"}
    with pytest.raises(ConnectorError, match="no webhook trigger"):
        notification_schema(definition, connection, "AddRecord", {}, this_server(server))


def test_the_app_picker_lists_the_apps(server, admin, app_and_admin):
    app, connection = app_and_admin
    values = dynamic_values(catalog.load("kintone").definition, connection, "AddRecord", f"{BODY}/app", {},
                            this_server(server))
    # The picker shows kintone's first page of apps (100 at most); the server is shared by other tests.
    listed = admin.get("/k/v1/apps.json", params={"limit": 100}).json()["apps"]
    assert values == [{"value": each["appId"], "title": each["name"]} for each in listed]
    assert {"value": app, "title": "Orders"} in values or len(values) == 100


@pytest.fixture()
def kaizala(server):  # noqa: ANN001, ANN201
    """A group of a signed-in member, and a connection holding their access token."""
    alice = signed_in(server, create_connector(server))
    group = alice.client.post("/groups", json={"name": "Pickers", "welcomeMessage": "Hi"}).json()["groupId"]
    yield group, PlainConnection(server.base_url, {"accessToken": alice.client.headers["accessToken"]})
    alice.client.close()


def test_the_group_picker_lists_the_members_groups(server, kaizala):
    group, connection = kaizala
    definition = catalog.load("kaizala").definition
    for operation, key in (("SendMessage", "groupId"), ("TextMessageCreatedOnGroup", "objectId")):
        values = dynamic_values(definition, connection, operation, key, {}, this_server(server))
        assert {"value": group, "title": "Pickers"} in values
    with pytest.raises(ConnectorError, match="no dynamic values"):
        dynamic_values(definition, connection, "SendMessage", "sendToAll", {}, this_server(server))


def test_kaizala_action_requests_and_response_events_have_their_schemas(server, kaizala):
    group, connection = kaizala
    definition = catalog.load("kaizala").definition
    job = request_schema(definition, connection, "SendActions", {"groupId": group, "actionType": "job"},
                         this_server(server))
    assert set(job["properties"]["actionBody"]["properties"]) == {"title", "assignedTo", "dueDate"}
    reminder = request_schema(definition, connection, "SendActionReminder", {"groupId": group, "actionType": "Job"},
                              this_server(server))
    assert reminder["required"] == ["actionId"]
    survey = notification_schema(definition, connection, "SurveyResponseOnGroup", {"groupId": group, "objectId": "x"},
                                 this_server(server))
    assert "responseWithQuestions" in survey["properties"]["responseDetails"]["properties"]
    with pytest.raises(ConnectorError, match="HTTP 400"):
        request_schema(definition, connection, "SendActions", {"groupId": group, "actionType": "Dance"},
                       this_server(server))
