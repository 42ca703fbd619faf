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


def test_the_app_picker_lists_the_apps(server, app_and_admin):
    app, connection = app_and_admin
    values = dynamic_values(catalog.load("kintone").definition, connection, "AddRecord", f"{BODY}/app", {},
                            this_server(server))
    assert {"value": app, "title": "Orders"} in values


def test_the_group_picker_lists_the_members_groups(server):
    alice = signed_in(server, create_connector(server))
    try:
        group = alice.client.post("/groups", json={"name": "Pickers", "welcomeMessage": "Hi"}).json()["groupId"]
        connection = PlainConnection(server.base_url, {"accessToken": alice.client.headers["accessToken"]})
        definition = catalog.load("kaizala").definition
        for operation, key in (("SendMessage", "groupId"), ("TextMessageCreatedOnGroup", "objectId")):
            values = dynamic_values(definition, connection, operation, key, {}, this_server(server))
            assert {"value": group, "title": "Pickers"} in values
        with pytest.raises(ConnectorError, match="no dynamic values"):
            dynamic_values(definition, connection, "SendMessage", "sendToAll", {}, this_server(server))
    finally:
        alice.client.close()
