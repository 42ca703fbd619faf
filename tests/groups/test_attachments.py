"""Image, Audio, Document and Album messages (media.md): `POST /groups/{groupId}/actions` with a
`mediaResource`, and the `AttachmentCreated` event, its `data` holding every field of the seed's
AttachmentSchema and the event-schema page's `media` items."""

from __future__ import annotations

import base64

import httpx

from tests.groups.conftest import signed_in
from tests.groups.test_events import check_envelope, subscribe
from tests.groups.test_groups import make_group
from tests.groups.test_media import JPEG, PDF, PNG, upload

# shared/seeds/kaizala-connector.txt, AttachmentSchema, field by field.
ATTACHMENT_SCHEMA = {"caption", "actionType", "media", "mediaContent", "fromUser", "fromUserName", "fromUserProfilePic",
                     "groupId", "sourceGroupId", "messageId", "fromUserId"}


def resource(member, name: str, data: bytes, kind: str) -> str:
    answer = upload(member, name, data, kind)
    assert answer.status_code == 200, answer.text
    return answer.json()["mediaResource"]


def send(member, group_id: str, action_type: str, **body) -> httpx.Response:
    return member.client.post(f"/groups/{group_id}/actions", json={"actionType": action_type, "actionBody": body})


def test_an_image_reaches_the_subscriber_with_every_field_of_the_attachment_schema(alice, callback):
    group_id = make_group(alice)
    subscribe(alice, group_id, callback, ["AttachmentCreated"])
    sent = send(alice, group_id, "Image", mediaResource=resource(alice, "site.png", PNG, "image/png"),
                caption="Sample test caption")
    assert sent.status_code == 200, sent.text
    ((headers, event),) = callback.wait_for(1)
    data = check_envelope(headers, event, group_id, "AttachmentCreated", alice.mobile)
    assert set(data) == ATTACHMENT_SCHEMA
    assert data["actionType"] == "Image" and data["caption"] == "Sample test caption"
    assert data["messageId"] == sent.json()["referenceId"]
    assert data["groupId"] == data["sourceGroupId"] == group_id
    assert data["fromUser"] == alice.mobile and data["fromUserId"] == event["fromUserId"]
    (item,) = data["media"]
    assert item["mediaFileName"] == "site.png" and httpx.get(item["mediaUrl"]).content == PNG
    assert data["mediaContent"] == [{"$content-type": "image/png", "$content": base64.b64encode(PNG).decode()}]


def test_an_album_of_two_uploads_and_a_document(alice, callback):
    group_id = make_group(alice)
    subscribe(alice, group_id, callback, ["AttachmentCreated"])
    album = send(alice, group_id, "Album", caption="Site visit", mediaResources=[
        resource(alice, "one.png", PNG, "image/png"), resource(alice, "two.jpg", JPEG, "image/jpeg")])
    assert album.status_code == 200, album.text
    document = send(alice, group_id, "Document", mediaResource=resource(alice, "minutes.pdf", PDF, "application/pdf"))
    assert document.status_code == 200, document.text
    by_type = {event["data"]["actionType"]: event["data"] for _, event in callback.wait_for(2)}
    assert [m["mediaFileName"] for m in by_type["Album"]["media"]] == ["one.png", "two.jpg"]
    assert by_type["Document"]["caption"] == "" and by_type["Document"]["media"][0]["mediaFileName"] == "minutes.pdf"


def test_an_attachment_flows_down_to_sub_groups(alice, callback):
    parent = make_group(alice)
    child = alice.client.post(f"/groups/{parent}/subgroups", json={"groupName": "Crew", "welcomeMessage": "Hi"})
    assert child.status_code == 200, child.text
    child_id = child.json()["groupId"]
    subscribe(alice, child_id, callback, ["AttachmentCreated"])
    sent = send(alice, parent, "Image", mediaResource=resource(alice, "a.png", PNG, "image/png"))
    ((_, event),) = callback.wait_for(1)
    assert event["objectId"] == child_id and event["data"]["groupId"] == child_id
    assert event["data"]["sourceGroupId"] == parent and event["data"]["messageId"] == sent.json()["referenceId"]


def test_wrong_attachments_are_refused_and_leave_nothing(server, alice, connector, callback):
    group_id = make_group(alice)
    subscribe(alice, group_id, callback, ["AttachmentCreated"])
    image = resource(alice, "a.png", PNG, "image/png")
    forged = base64.b64encode(b'{"Files": [{"Id": "00000000-0000-0000-0000-000000000000"}]}').decode()
    for action_type, body, field in [
        ("Document", {"mediaResource": image}, "mediaResource"),
        ("Image", {"mediaResource": forged}, "mediaResource"),
        ("Image", {"mediaResource": "not base64 at all"}, "mediaResource"),
        ("Image", {}, "mediaResource"),
        ("Image", {"mediaResource": image, "caption": "x" * 4001}, "caption"),
        ("Video", {"mediaResource": image}, "actionType"),
    ]:
        refused = send(alice, group_id, action_type, **body)
        assert refused.status_code == 400, (action_type, body, refused.text)
        assert field in refused.json()["errors"], refused.text
    stranger = signed_in(server, connector)
    assert send(stranger, group_id, "Image", mediaResource=image).status_code == 403
    assert send(alice, "no-such-group", "Image", mediaResource=image).status_code == 404
    assert alice.client.post(f"/groups/{group_id}/actions", json={"actionType": "Image", "actionBody": "x"}
                             ).status_code == 400
    send(alice, group_id, "Image", mediaResource=image, caption="the only one")
    ((_, event),) = callback.wait_for(1)
    assert event["data"]["caption"] == "the only one"
    assert len(callback.events) == 1
