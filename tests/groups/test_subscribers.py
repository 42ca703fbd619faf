"""Subscribers of public groups (subscribers.md): add and remove by number with a result per number,
list a page at a time with a cursor, and admins' messages to all or chosen subscribers."""

from __future__ import annotations

from tests.groups.conftest import new_number, signed_in
from tests.groups.test_groups import make_group


def test_add_list_and_remove_subscribers(alice):
    group_id = make_group(alice, groupType="ConnectGroup")
    numbers = [new_number() for _ in range(55)]
    added = alice.client.put(f"/groups/{group_id}/subscribers/add", json={"subscribers": numbers})
    assert added.status_code == 200, added.text
    assert added.json() == {"result": {n: {"isAdded": True} for n in numbers}}
    again = alice.client.put(f"/groups/{group_id}/subscribers/add", json={"subscribers": numbers[:1]}).json()
    assert again["result"][numbers[0]]["isAdded"] is False

    first = alice.client.post(f"/groups/{group_id}/subscribers", json={}).json()
    assert len(first["subscribers"]) == 50 and first["cursor"]
    assert set(first["subscribers"][0]) == {"id", "mobileNumber", "name", "profilePic", "isProvisioned"}
    rest = alice.client.post(f"/groups/{group_id}/subscribers", json={"cursor": first["cursor"], "count": 50}).json()
    assert "cursor" not in rest
    assert [s["mobileNumber"] for s in first["subscribers"] + rest["subscribers"]] == numbers

    removed = alice.client.put(f"/groups/{group_id}/subscribers/remove", json={"subscribers": [numbers[0], new_number()]})
    result = removed.json()["result"]
    assert result[numbers[0]] == {"isRemoved": True} and result[next(n for n in result if n != numbers[0])]["isRemoved"] is False
    assert len(alice.client.post(f"/groups/{group_id}/subscribers", json={"count": 50}).json()["subscribers"]) == 50


def test_admins_write_to_all_or_chosen_subscribers(alice):
    group_id = make_group(alice, groupType="ConnectGroup")
    subscriber = new_number()
    alice.client.put(f"/groups/{group_id}/subscribers/add", json={"subscribers": [subscriber]})
    assert alice.client.post(f"/groups/{group_id}/messages",
                             json={"message": "To all", "sendToAllSubscribers": True}).status_code == 200
    assert alice.client.post(f"/groups/{group_id}/messages",
                             json={"message": "To you", "subscribers": [subscriber]}).status_code == 200
    stranger = alice.client.post(f"/groups/{group_id}/messages", json={"message": "Hi", "subscribers": [new_number()]})
    assert stranger.status_code == 400 and "not a subscriber" in stranger.json()["message"]
    too_long = alice.client.post(f"/groups/{group_id}/messages", json={"message": "x" * 1001, "subscribers": [subscriber]})
    assert too_long.status_code == 400


def test_only_public_groups_have_subscribers_and_only_admins_manage_them(alice, server, connector):
    private = make_group(alice)
    refused = alice.client.put(f"/groups/{private}/subscribers/add", json={"subscribers": [new_number()]})
    assert refused.status_code == 400 and "ConnectGroup" in refused.json()["message"]
    assert alice.client.post(f"/groups/{private}/messages",
                             json={"message": "Hi", "sendToAllSubscribers": True}).status_code == 400
    public = make_group(alice, groupType="ConnectGroup")
    bob = signed_in(server, connector)
    alice.client.put(f"/groups/{public}/members", json={"members": [bob.mobile]})
    assert bob.client.put(f"/groups/{public}/subscribers/add", json={"subscribers": [new_number()]}).status_code == 403
    assert bob.client.post(f"/groups/{public}/subscribers", json={}).status_code == 403
    assert alice.client.post(f"/groups/{public}/subscribers", json={"count": 51}).status_code == 400
    assert alice.client.post(f"/groups/{public}/subscribers", json={"cursor": "abc"}).status_code == 400
    assert alice.client.put(f"/groups/{public}/subscribers/add", json={"subscribers": []}).status_code == 400
