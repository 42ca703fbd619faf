"""Groups, members and text messages over HTTP, each answer checked field by field against Kaizala's
documentation (shared/reference/kaizala-docs: groups.md, members.md, messages.md)."""

from __future__ import annotations

from tests.groups.conftest import new_number, signed_in

GROUP_FIELDS = {"groupId", "groupName", "groupImageUrl", "hasSubGroups", "hasParentGroups", "isMappedToTenant",
                "groupType", "userCount", "currentLevelUserCount"}


def make_group(member, **extra) -> str:
    created = member.client.post("/groups", json={"name": "Field team", "welcomeMessage": "Welcome!", **extra})
    assert created.status_code == 200, created.text
    return created.json()["groupId"]


def test_create_a_group_with_members(alice):
    others = [new_number(), new_number()]
    created = alice.client.post("/groups", json={"name": "Field team", "welcomeMessage": "Welcome!",
                                                 "members": others, "groupType": "Group"})
    assert created.status_code == 200, created.text
    body = created.json()
    assert set(body) == {"groupName", "groupId", "membersAdded"}
    assert body["groupName"] == "Field team" and body["membersAdded"] is True
    members = alice.client.get(f"/groups/{body['groupId']}/members").json()["members"]
    assert [(m["mobileNumber"], m["role"], m["isProvisioned"]) for m in members] == [
        (alice.mobile, "Admin", True), (others[0], "Member", False), (others[1], "Member", False)]
    assert all(set(m) == {"id", "role", "mobileNumber", "isProvisioned"} for m in members)


def test_list_and_read_the_callers_groups(alice, server, connector):
    group_id = make_group(alice, members=[new_number()], shortDescription="Short", longDescription="Long")
    listed = alice.client.get("/groups").json()["groups"]
    mine = [g for g in listed if g["groupId"] == group_id]
    assert len(mine) == 1 and set(mine[0]) == GROUP_FIELDS
    assert mine[0]["userCount"] == 2 and mine[0]["groupType"] == "Group" and mine[0]["hasSubGroups"] is False
    detailed = alice.client.get("/groups", params={"showDetail": "true", "fetchAllGroups": "true"}).json()["groups"]
    entry = next(g for g in detailed if g["groupId"] == group_id)
    assert entry["callerRole"] == "Admin" and entry["unProvisionedUserCount"] == 1
    details = alice.client.get(f"/groups/{group_id}")
    assert details.status_code == 200
    (group,) = details.json()["groups"]
    assert group["groupName"] == "Field team" and group["welcomeMessage"] == "Welcome!"
    assert group["shortDescription"] == "Short" and group["longDescription"] == "Long"
    stranger = signed_in(server, connector)
    assert all(g["groupId"] != group_id for g in stranger.client.get("/groups").json()["groups"])
    assert stranger.client.get(f"/groups/{group_id}").status_code == 403
    assert alice.client.get("/groups/00000000-0000-0000-0000-000000000000").status_code == 404


def test_add_list_and_remove_members(alice, server, connector):
    group_id = make_group(alice)
    bob = new_number()
    added = alice.client.put(f"/groups/{group_id}/members", json={"members": [bob, alice.mobile]})
    assert added.status_code == 200 and added.json() == {"result": True}
    members = alice.client.get(f"/groups/{group_id}/members").json()["members"]
    assert [m["mobileNumber"] for m in members] == [alice.mobile, bob]
    bob_id = members[1]["id"]
    removed = alice.client.delete(f"/groups/{group_id}/members/{bob_id}")
    assert removed.status_code == 200 and removed.json() == {"result": True}
    assert [m["mobileNumber"] for m in alice.client.get(f"/groups/{group_id}/members").json()["members"]] == [alice.mobile]
    assert alice.client.delete(f"/groups/{group_id}/members/{bob_id}").status_code == 404
    admin_id = alice.client.get(f"/groups/{group_id}/members").json()["members"][0]["id"]
    assert alice.client.delete(f"/groups/{group_id}/members/{admin_id}").status_code == 400  # the last admin


def test_a_member_added_before_signing_in_is_provisioned_when_they_sign_in(alice, server, connector):
    bob = new_number()
    group_id = make_group(alice, members=[bob])
    signed_in(server, connector, bob)
    members = alice.client.get(f"/groups/{group_id}/members").json()["members"]
    assert [m["isProvisioned"] for m in members if m["mobileNumber"] == bob] == [True]


def test_only_admins_change_membership(alice, server, connector):
    bob = signed_in(server, connector)
    group_id = make_group(alice, members=[bob.mobile])
    assert bob.client.get(f"/groups/{group_id}/members").status_code == 200
    refused = bob.client.put(f"/groups/{group_id}/members", json={"members": [new_number()]})
    assert refused.status_code == 403
    admin_id = alice.client.get(f"/groups/{group_id}/members").json()["members"][0]["id"]
    assert bob.client.delete(f"/groups/{group_id}/members/{admin_id}").status_code == 403


def test_send_a_text_message_and_a_reply(alice):
    group_id = make_group(alice)
    sent = alice.client.post(f"/groups/{group_id}/messages", json={"message": "Hello All! Welcome to Kaizala."})
    assert sent.status_code == 200, sent.text
    assert set(sent.json()) == {"referenceId"}
    reply = alice.client.post(f"/groups/{group_id}/messages",
                              json={"message": "Thanks", "replyToReferenceId": sent.json()["referenceId"]})
    assert reply.status_code == 200 and reply.json()["referenceId"] != sent.json()["referenceId"]
    assert alice.client.post(f"/groups/{group_id}/messages", json={"message": "x" * 4000}).status_code == 200


def test_bad_input_is_a_clear_error_and_changes_nothing(alice, server, connector):
    group_id = make_group(alice)
    too_long = alice.client.post(f"/groups/{group_id}/messages", json={"message": "x" * 4001})
    assert too_long.status_code == 400 and too_long.json()["errors"] == {"message": ["Enter at most 4000 characters."]}
    assert alice.client.post(f"/groups/{group_id}/messages", json={}).status_code == 400
    assert alice.client.post(f"/groups/{group_id}/messages", json={"message": 42}).status_code == 400
    assert alice.client.post(f"/groups/{group_id}/messages",
                             json={"message": "Hi", "replyToReferenceId": "nope"}).status_code == 400
    malformed = alice.client.put(f"/groups/{group_id}/members", json={"members": [new_number(), "+91 12"]})
    assert malformed.status_code == 400 and "+91 12" in malformed.json()["message"]
    assert len(alice.client.get(f"/groups/{group_id}/members").json()["members"]) == 1  # nothing half-written
    assert alice.client.put(f"/groups/{group_id}/members",
                            json={"members": [new_number() for _ in range(101)]}).status_code == 400
    assert alice.client.post("/groups", json={"name": "G"}).status_code == 400  # no welcome message
    assert alice.client.post("/groups", json={"name": "G", "welcomeMessage": "Hi",
                                              "groupType": "Secret"}).status_code == 400
    stranger = signed_in(server, connector)
    refused = stranger.client.post(f"/groups/{group_id}/messages", json={"message": "Hi"})
    assert refused.status_code == 403
    assert alice.client.post("/groups/unknown/messages", json={"message": "Hi"}).status_code == 404
    assert alice.client.request("PATCH", "/groups").status_code in (404, 405)
