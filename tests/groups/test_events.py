"""Group events delivered to Kaizala webhook subscribers through the outbox and the delivery
workers: Kaizala's envelope (EventSchema.md), each `data` holding every field of the connector's
Definition for the event (shared/seeds/kaizala-connector.txt), the subscriber's context and token."""

from __future__ import annotations


from tests.groups.callback import Callback
from tests.groups.conftest import new_number, signed_in
from tests.groups.test_groups import make_group

ENVELOPE = {"objectId", "objectType", "eventType", "eventId", "data", "context", "fromUser", "fromUserId",
            "fromUserName", "fromUserProfilePic"}
# The seed's Definitions, field by field.
TEXT_MESSAGE_CREATED = {"textMessage", "fromUser", "fromUserName", "fromUserProfilePic", "groupId", "sourceGroupId",
                        "messageId", "isReply", "originalMessageId", "fromUserId"}
MEMBER_CHANGED = {"member", "memberName", "memberProfilePic", "type", "fromUser", "fromUserName", "fromUserProfilePic"}
USER_JOINED = {"fromUser", "fromUserName", "fromUserProfilePic", "fromUserId", "groupId"}
ALL_EVENTS = ["TextMessageCreated", "MemberAdded", "MemberRemoved", "UserJoined"]


def subscribe(member, group_id: str, callback: Callback, events=ALL_EVENTS) -> str:
    created = member.client.post("/webhook", json={
        "objectId": group_id, "objectType": "Group", "eventTypes": events, "callBackUrl": callback.url,
        "callBackToken": "secret-of-the-receiver", "callBackContext": "Any data returned in the callback"})
    assert created.status_code == 200, created.text
    return created.json()["webhookId"]


def check_envelope(headers: dict, event: dict, group_id: str, event_type: str, sender_mobile: str) -> dict:
    assert set(event) == ENVELOPE
    assert event["objectId"] == group_id and event["objectType"] == "Group" and event["eventType"] == event_type
    assert event["context"] == "Any data returned in the callback"
    assert event["fromUser"] == sender_mobile and event["fromUserId"]
    assert headers["kz-callback-token"] == "secret-of-the-receiver"
    return event["data"]


def test_a_text_message_and_a_reply_reach_the_subscriber(alice, callback):
    group_id = make_group(alice)
    subscribe(alice, group_id, callback)
    sent = alice.client.post(f"/groups/{group_id}/messages", json={"message": "Hello All!"}).json()["referenceId"]
    reply = alice.client.post(f"/groups/{group_id}/messages",
                              json={"message": "Re: hello", "replyToReferenceId": sent}).json()["referenceId"]
    # Kaizala promises no order: find each message's event by its id.
    by_message = {event["data"]["messageId"]: (headers, event) for headers, event in callback.wait_for(2)}
    (first_headers, first), (second_headers, second) = by_message[sent], by_message[reply]
    data = check_envelope(first_headers, first, group_id, "TextMessageCreated", alice.mobile)
    assert TEXT_MESSAGE_CREATED <= set(data)
    assert data["text"] == data["textMessage"] == "Hello All!"
    assert data["messageId"] == sent and data["groupId"] == data["sourceGroupId"] == group_id
    assert data["isReply"] is False and data["originalMessageId"] == ""
    assert data["fromUser"] == alice.mobile and data["fromUserId"] == first["fromUserId"]
    replied = check_envelope(second_headers, second, group_id, "TextMessageCreated", alice.mobile)
    assert replied["messageId"] == reply and replied["isReply"] is True and replied["originalMessageId"] == sent
    assert first["eventId"] != second["eventId"]


def test_members_added_and_removed_and_a_member_joining(alice, server, connector, callback):
    group_id = make_group(alice)
    subscribe(alice, group_id, callback)
    bob = new_number()
    assert alice.client.put(f"/groups/{group_id}/members", json={"members": [bob]}).status_code == 200
    headers, added = callback.wait_for(1)[0]
    data = check_envelope(headers, added, group_id, "MemberAdded", alice.mobile)
    assert set(data) == MEMBER_CHANGED
    assert data["member"] == bob and data["type"] == "Member" and data["fromUser"] == alice.mobile

    signed_in(server, connector, bob)  # bob signs in for the first time: UserJoined
    headers, joined = callback.wait_for(2)[1]
    data = check_envelope(headers, joined, group_id, "UserJoined", bob)
    assert set(data) == USER_JOINED and data["groupId"] == group_id and data["fromUser"] == bob

    members = alice.client.get(f"/groups/{group_id}/members").json()["members"]
    bob_id = next(m["id"] for m in members if m["mobileNumber"] == bob)
    assert alice.client.delete(f"/groups/{group_id}/members/{bob_id}").status_code == 200
    headers, removed = callback.wait_for(3)[2]
    data = check_envelope(headers, removed, group_id, "MemberRemoved", alice.mobile)
    assert set(data) == MEMBER_CHANGED and data["member"] == bob and data["type"] == "Member"


def test_only_subscribed_events_of_active_subscriptions_are_sent(alice, callback):
    group_id = make_group(alice)
    webhook_id = subscribe(alice, group_id, callback, events=["MemberAdded"])
    alice.client.post(f"/groups/{group_id}/messages", json={"message": "not subscribed"})
    assert alice.client.put(f"/webhook/{webhook_id}", json={"Active": False}).status_code == 200
    alice.client.put(f"/groups/{group_id}/members", json={"members": [new_number()]})
    assert alice.client.put(f"/webhook/{webhook_id}", json={"Active": True}).status_code == 200
    third = new_number()
    alice.client.put(f"/groups/{group_id}/members", json={"members": [third]})
    ((_, only),) = callback.wait_for(1)
    assert only["eventType"] == "MemberAdded" and only["data"]["member"] == third
    assert len(callback.events) == 1
