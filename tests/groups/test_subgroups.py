"""Sub-groups over HTTP (Kaizala's Swagger: CreateSubgroup, AddSubgroup, FetchSubgroup,
RemoveGroupAsSubgroup) and their events, checked against the seed's GroupAddedSchema and
GroupRemovedSchema."""

from __future__ import annotations

import pytest

from tests.groups.callback import Callback
from tests.groups.conftest import signed_in
from tests.groups.test_events import check_envelope
from tests.groups.test_groups import make_group

SUBGROUP = {"groupName", "groupId", "groupImageUrl", "hasSubGroups", "hasParentGroups", "isMappedToTenant",
            "groupType", "isDuplicate", "welcomeMessage"}
GROUP_CHANGED = {"groupId", "groupName", "groupPicUrl", "groupType", "fromUser", "fromUserName", "fromUserProfilePic"}


@pytest.fixture()
def callback():
    receiver = Callback()
    yield receiver
    receiver.close()


def test_create_list_and_remove_sub_groups(alice, callback):
    parent = make_group(alice)
    assert alice.client.post("/webhook", json={"objectId": parent, "objectType": "Group", "callBackUrl": callback.url,
                                               "eventTypes": ["GroupAdded", "GroupRemoved"], "callBackToken": "secret-of-the-receiver",
                                               "callBackContext": "Any data returned in the callback"}).status_code == 200
    created = alice.client.post(f"/groups/{parent}/subgroups", json={"groupName": "North", "welcomeMessage": "Hi"})
    assert created.status_code == 200, created.text
    assert set(created.json()) == {"groupId", "groupName"} and created.json()["groupName"] == "North"
    north = created.json()["groupId"]
    existing = make_group(alice)
    assert alice.client.put(f"/groups/{parent}/subGroups", json={"subGroups": [existing]}).json() == {"result": True}
    grandchild = alice.client.post(f"/groups/{north}/subgroups",
                                   json={"groupName": "North-East", "welcomeMessage": "Hi"}).json()["groupId"]

    listed = alice.client.get(f"/groups/{parent}/subGroups").json()
    assert listed["groupId"] == parent and listed["hasSubGroups"] is True and listed["hasParentGroups"] is False
    assert [g["groupId"] for g in listed["subGroups"]] == [north, existing]
    assert all(set(g) == SUBGROUP for g in listed["subGroups"])
    assert listed["subGroups"][0]["hasSubGroups"] is True and listed["subGroups"][0]["hasParentGroups"] is True
    everything = alice.client.get(f"/groups/{parent}/subGroups", params={"fetchAllGroups": "true"}).json()
    assert [g["groupId"] for g in everything["subGroups"]] == [north, existing, grandchild]
    mine = {g["groupId"]: g for g in alice.client.get("/groups").json()["groups"]}
    assert mine[north]["hasParentGroups"] is True and mine[parent]["hasSubGroups"] is True

    assert alice.client.delete(f"/groups/{parent}/subGroups/{existing}").json() == {"result": True}
    assert [g["groupId"] for g in alice.client.get(f"/groups/{parent}/subGroups").json()["subGroups"]] == [north]
    assert alice.client.delete(f"/groups/{parent}/subGroups/{existing}").status_code == 404

    # Kaizala promises no order between events.
    events = sorted(callback.wait_for(3), key=lambda item: (item[1]["eventType"], item[1]["data"]["groupName"]))
    assert [e["eventType"] for _, e in events] == ["GroupAdded", "GroupAdded", "GroupRemoved"]
    for (headers, event), (group_id, name) in zip(events, [(existing, "Field team"), (north, "North"),
                                                           (existing, "Field team")]):
        data = check_envelope(headers, event, parent, event["eventType"], alice.mobile)
        assert set(data) == GROUP_CHANGED
        assert data["groupId"] == group_id and data["groupName"] == name and data["groupType"] == "Group"
        assert data["fromUser"] == alice.mobile


def test_no_cycles_and_only_admins_change_sub_groups(alice, server, connector):
    parent = make_group(alice)
    child = alice.client.post(f"/groups/{parent}/subgroups", json={"groupName": "Child", "welcomeMessage": "Hi"}).json()["groupId"]
    cycle = alice.client.put(f"/groups/{child}/subGroups", json={"subGroups": [parent]})
    assert cycle.status_code == 400 and "no cycles" in cycle.json()["message"]
    assert alice.client.put(f"/groups/{parent}/subGroups", json={"subGroups": [parent]}).status_code == 400
    bob = signed_in(server, connector)
    assert alice.client.put(f"/groups/{parent}/members", json={"members": [bob.mobile]}).status_code == 200
    assert bob.client.get(f"/groups/{parent}/subGroups").status_code == 200
    assert bob.client.post(f"/groups/{parent}/subgroups", json={"groupName": "X", "welcomeMessage": "Hi"}).status_code == 403
    bobs = make_group(bob)
    assert alice.client.put(f"/groups/{parent}/subGroups", json={"subGroups": [bobs]}).status_code == 403  # not hers
    assert alice.client.put(f"/groups/{parent}/subGroups", json={"subGroups": []}).status_code == 400
    assert alice.client.put(f"/groups/{parent}/subGroups", json={"subGroups": ["nope"]}).status_code == 404
    assert alice.client.post(f"/groups/{parent}/subgroups", json={"welcomeMessage": "Hi"}).status_code == 400


def test_a_message_flows_down_to_the_sub_groups(alice, callback):
    parent = make_group(alice)
    child = alice.client.post(f"/groups/{parent}/subgroups", json={"groupName": "Child", "welcomeMessage": "Hi"}).json()["groupId"]
    grandchild = alice.client.post(f"/groups/{child}/subgroups",
                                   json={"groupName": "Grandchild", "welcomeMessage": "Hi"}).json()["groupId"]
    assert alice.client.post("/webhook", json={"objectId": grandchild, "objectType": "Group", "callBackUrl": callback.url,
                                               "eventTypes": ["TextMessageCreated"]}).status_code == 200
    sent = alice.client.post(f"/groups/{parent}/messages", json={"message": "To everyone below"}).json()["referenceId"]
    ((_, event),) = callback.wait_for(1)
    assert event["objectId"] == grandchild
    assert event["data"]["groupId"] == grandchild and event["data"]["sourceGroupId"] == parent
    assert event["data"]["messageId"] == sent and event["data"]["text"] == "To everyone below"
    alice.client.post(f"/groups/{grandchild}/messages", json={"message": "Only here"})
    events = callback.wait_for(2)
    assert events[1][1]["data"]["sourceGroupId"] == grandchild
    alice.client.post(f"/groups/{child}/messages", json={"message": "Down one level"})
    assert callback.wait_for(3)[2][1]["data"]["sourceGroupId"] == child
