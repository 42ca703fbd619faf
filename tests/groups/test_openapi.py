"""schemathesis against the groups API's OpenAPI document: no input, however odd, is a server error,
and every refusal is in the groups API's error shape."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from kinflow.api.kaizala.openapi import OPERATIONS
from kinflow.api.kaizala.routes import KAIZALA, TABLE
from tests.groups.conftest import create_connector, signed_in

EXAMPLES_PER_OPERATION = 25


def test_the_document_lists_every_route_of_the_groups_api(server):
    with server.client() as client:
        document = client.get("/kaizala/openapi.json").json()
    assert document["openapi"].startswith("3.") and document["servers"] == [{"url": "/kaizala/v1"}]
    listed = {(path, method.upper()) for path, methods in document["paths"].items() for method in methods}
    served = {(path[len(KAIZALA):], method) for path, handlers in TABLE.items() if path.startswith(KAIZALA)
              for method in handlers}
    assert listed == served
    assert len(OPERATIONS) == len(served)


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_no_server_errors(server, mode):
    member = signed_in(server, create_connector(server, name="Fuzzer"))
    group_id = member.client.post("/groups", json={"name": "Fuzzed", "welcomeMessage": "Hi"}).json()["groupId"]
    survey = member.client.post(f"/groups/{group_id}/actions", json={"actionType": "Survey", "actionBody": {
        "title": "Fuzzed", "acceptMultipleResponses": True, "questions": [
            {"title": "Text", "type": "Text"}, {"title": "Pick", "type": "MultiOption", "options": [
                {"title": "A"}, {"title": "B"}]}, {"title": "Where", "type": "Location"}]}})
    action_id = survey.json()["actionId"]
    headers = {"accessToken": member.client.headers["accessToken"]}
    schema = schemathesis.openapi.from_url(f"{server.base_url}/kaizala/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    failures = []
    for operation in operations:
        strategy = operation.as_strategy(generation_mode=mode)

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy, use_group=st.booleans())
        def check(case, use_group):
            # Point half of the cases at a real group, so handlers go past the group and action lookups.
            if use_group and isinstance(case.path_parameters, dict) and "groupId" in case.path_parameters:
                case.path_parameters["groupId"] = group_id
                if "actionId" in case.path_parameters:  # and at a real action of it
                    case.path_parameters["actionId"] = action_id
            if use_group and isinstance(case.body, dict) and "objectId" in case.body:
                case.body["objectId"] = group_id
            response = case.call(base_url=f"{server.base_url}/kaizala/v1", headers=headers, timeout=30)
            if response.status_code >= 500:
                failures.append(f"{operation.method.upper()} {operation.path}: {response.status_code} "
                                f"{response.text[:300]} for query={case.query} body={case.body!r:.300}")
                return
            if response.status_code >= 400:
                assert {"code", "message"} <= set(response.json()), response.text

        check()
    assert not failures, "\n".join(failures[:20])
