"""How the runtime turns Power Automate's parameter keys into a request."""

import pytest

from kinflow.flows.connectors.runtime import ConnectorError, prepare

DEFINITION = {
    "swagger": "2.0", "basePath": "/k",
    "paths": {
        "/v1/record.json": {"post": {"operationId": "AddRecord", "parameters": [
            {"name": "body", "in": "body", "required": True, "schema": {"type": "object"}}]}},
        "/v1/groups/{groupId}/messages": {"post": {"operationId": "SendMessage", "parameters": [
            {"name": "groupId", "in": "path", "required": True, "type": "string"},
            {"name": "sendToAll", "in": "query", "type": "string"}]}},
    },
}


def test_body_keys_build_the_nested_body():
    call = prepare(DEFINITION, "AddRecord", {"body/app": "7", "body/record/Title/value": "Hello"})
    assert (call.method, call.path) == ("POST", "/k/v1/record.json")
    assert call.body == {"app": "7", "record": {"Title": {"value": "Hello"}}}


def test_plain_names_go_to_path_and_query():
    call = prepare(DEFINITION, "SendMessage", {"groupId": "a/b", "sendToAll": "Yes"})
    assert call.path == "/k/v1/groups/a%2Fb/messages"
    assert call.query == {"sendToAll": "Yes"}


def test_missing_required_and_unknown_operation_are_refused():
    with pytest.raises(ConnectorError, match="groupId"):
        prepare(DEFINITION, "SendMessage", {})
    with pytest.raises(ConnectorError, match="Nope"):
        prepare(DEFINITION, "Nope", {})
