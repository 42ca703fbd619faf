"""Instances of custom action packages posted to a group (`{id, actionBody}`, actions_post.md), their
responses answering the questions of the package's app model, and the `ActionCreated` and
`ActionResponse` events that reach the group's subscribers and the package's."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.groups.callback import Callback
from tests.groups.conftest import signed_in
from tests.groups.test_actions import ACTION_CREATED_SCHEMA
from tests.groups.test_events import check_envelope, subscribe
from tests.groups.test_groups import make_group
from tests.groups.test_packages import FILES, MANIFEST, import_package, package_zip
from tests.groups.test_responses import SURVEY_RESPONSE, respond

APP_MODEL = {"title": "Rate the lunch", "questions": [{"title": "Rating", "type": "Numeric"},
                                                      {"title": "Comment", "type": "Text"}]}


@pytest.fixture()
def package_id(admin) -> str:
    package = f"com.example.kinflow.lunch{uuid.uuid4().hex[:8]}"
    archive = package_zip({**MANIFEST, "id": package}, {**FILES, "appModel.json": json.dumps(APP_MODEL).encode()})
    imported = import_package(admin, archive)
    assert imported.status_code == 200, imported.text
    return package


def subscribe_to_package(member, package: str, callback: Callback) -> None:
    created = member.client.post("/webhook", json={
        "objectId": package, "objectType": "ActionPackage", "eventTypes": ["ActionCreated", "ActionResponse"],
        "callBackUrl": callback.url, "callBackToken": "secret-of-the-receiver",
        "callBackContext": "Any data returned in the callback"})
    assert created.status_code == 200, created.text


def test_an_instance_and_its_response_reach_the_group_and_the_package(server, connector, alice, package_id, callback):
    bob = signed_in(server, connector)
    group_id = make_group(alice, members=[bob.mobile])
    subscribe(alice, group_id, callback, ["ActionCreated", "ActionResponse"])
    subscribe_to_package(alice, package_id, callback)
    outsider = Callback()  # subscribed to the package, but not a member of the group
    try:
        subscribe_to_package(signed_in(server, connector), package_id, outsider)
        posted = alice.client.post(f"/groups/{group_id}/actions", json={"id": package_id, "actionBody": {
            "properties": [{"name": "occasion", "type": "Text", "value": "Friday lunch"}]}})
        assert posted.status_code == 200, posted.text
        action_id = posted.json()["actionId"]
        by_object = {event["objectType"]: (headers, event) for headers, event in callback.wait_for(2)}
        headers, event = by_object["Group"]
        data = check_envelope(headers, event, group_id, "ActionCreated", alice.mobile)
        assert ACTION_CREATED_SCHEMA <= set(data)
        assert data["actionTitle"] == "Rate the lunch" and data["actionId"] == action_id
        assert data["actionPackageId"] == package_id and data["actionType"] == package_id
        assert [q["title"] for q in data["questions"]] == ["Rating", "Comment"]
        _, from_package = by_object["ActionPackage"]
        assert from_package["objectId"] == package_id and from_package["data"]["actionId"] == action_id

        answered = respond(bob, group_id, action_id, {"answers": [4, "Tasty"]}, id=package_id)
        assert answered.status_code == 200, answered.text
        responses = [event for _, event in callback.wait_for(4)[2:]]
        assert sorted(event["objectType"] for event in responses) == ["ActionPackage", "Group"]
        for event in responses:
            assert event["eventType"] == "ActionResponse" and set(event["data"]) == SURVEY_RESPONSE
            assert [q["answer"] for q in event["data"]["responseDetails"]["responseWithQuestions"]] == [4, "Tasty"]
        assert outsider.posts == 0
    finally:
        outsider.close()
    listed = alice.client.get(f"/groups/{group_id}/actions", params={"actionType": package_id}).json()["actions"]
    assert [a["actionId"] for a in listed] == [action_id]
    body = listed[0]["actionBody"]
    assert body["actionPackageId"] == package_id and body["responseCount"] == 1
    assert body["properties"] == [{"name": "occasion", "type": "Text", "value": "Friday lunch"}]


def test_wrong_instances_are_refused(alice, package_id):
    group_id = make_group(alice)
    for body, field in [
        ({"id": "com.example.no-such-package", "actionBody": {}}, "id"),
        ({"id": package_id, "actionBody": {"properties": [{"name": "x", "type": "Blob", "value": "y"}]}},
         "properties[0].type"),
        ({"id": package_id, "actionBody": {"properties": "x"}}, "properties"),
        ({"id": package_id, "actionBody": {"validity": 0}}, "validity"),
        ({"actionBody": {}}, "actionType"),
    ]:
        refused = alice.client.post(f"/groups/{group_id}/actions", json=body)
        assert refused.status_code == 400 and field in refused.json()["errors"], refused.text
