"""Announcements, jobs, polls, surveys and meetings posted to a group (actions_post.md) over HTTP, and
the events they fire, each `data` checked field by field against the seed's Definitions
(AnnouncementSchema, SurveyCreatedSchema, ActionCreatedSchema) and the event-schema page (JobCreated)."""

from __future__ import annotations

import base64

import httpx

from tests.groups.conftest import ALL_SCOPES, create_connector, new_number, signed_in
from tests.groups.test_attachments import resource
from tests.groups.test_events import check_envelope, subscribe
from tests.groups.test_groups import make_group
from tests.groups.test_media import PNG

# shared/seeds/kaizala-connector.txt, field by field.
ANNOUNCEMENT_SCHEMA = {"text", "title", "media", "mediaContent", "fromUser", "fromUserName", "fromUserProfilePic",
                       "groupId", "sourceGroupId", "messageId", "fromUserId"}
SURVEY_CREATED_SCHEMA = {"surveyTitle", "fromUser", "fromUserName", "fromUserProfilePic", "groupId", "actionId",
                         "fromUserId"}
ACTION_CREATED_SCHEMA = {"actionTitle", "fromUser", "fromUserName", "fromUserProfilePic", "groupId", "actionId",
                         "fromUserId"}
# shared/reference/kaizala-docs/EventSchema.md, JobCreated.
JOB_CREATED = {"title", "actionId", "groupId", "dueDate", "assignedTo"}
ACTION_EVENTS = ["Announcement", "SurveyCreated", "JobCreated", "ActionCreated"]

SURVEY = {"isAnonymous": False, "isSenderOnly": False, "acceptMultipleResponses": True, "dueDate": 10,
          "title": "A test survey!!", "questions": [
              {"title": "a test question written here", "type": "Text"},
              {"title": "Single select question", "type": "SingleOption", "options": [{"title": "Opt1"},
                                                                                     {"title": "Opt2"}]},
              {"title": "Multi select question", "type": "MultiOption",
               "options": [{"title": "MOpt1"}, {"title": "MOpt2"}, {"title": "MOpt3"}]},
              {"title": "Numeric question", "type": "Numeric"},
              {"title": "Location question", "type": "Location"},
              {"title": "DateTime question", "type": "DateTime"},
              {"title": "Image question", "type": "Image"}]}


def post_action(member, group_id: str, action_type: str, body: dict, **extra) -> httpx.Response:
    return member.client.post(f"/groups/{group_id}/actions", json={"actionType": action_type, "actionBody": body,
                                                                  **extra})


def sent(member, group_id: str, action_type: str, body: dict) -> dict:
    answer = post_action(member, group_id, action_type, body)
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"referenceId", "actionId"}
    return answer.json()


def test_an_announcement_as_the_swagger_sends_it_reaches_the_group_and_its_sub_groups(alice, callback):
    group_id = make_group(alice)
    child = alice.client.post(f"/groups/{group_id}/subgroups", json={"groupName": "Crew", "welcomeMessage": "Hi"})
    child_id = child.json()["groupId"]
    subscribe(alice, group_id, callback, ["Announcement"])
    subscribe(alice, child_id, callback, ["Announcement"])
    image = resource(alice, "notice.png", PNG, "image/png")
    # The Swagger's sample: `actiontype`, `Message` and `MediaResources` spelled so.
    answer = alice.client.post(f"/groups/{group_id}/actions", json={
        "actiontype": "Announcement", "actionBody": {"Message": "Office closed on Friday", "Title": "Notice",
                                                     "MediaResources": [image]}})
    assert answer.status_code == 200, answer.text
    by_group = {event["objectId"]: (headers, event) for headers, event in callback.wait_for(2)}
    headers, event = by_group[group_id]
    data = check_envelope(headers, event, group_id, "Announcement", alice.mobile)
    assert set(data) == ANNOUNCEMENT_SCHEMA
    assert data["text"] == "Office closed on Friday" and data["title"] == "Notice"
    assert data["messageId"] == answer.json()["referenceId"] and data["groupId"] == data["sourceGroupId"] == group_id
    assert data["fromUser"] == alice.mobile and data["fromUserId"] == event["fromUserId"]
    (item,) = data["media"]
    assert item["mediaFileName"] == "notice.png" and httpx.get(item["mediaUrl"]).content == PNG
    assert data["mediaContent"] == [{"$content-type": "image/png", "$content": base64.b64encode(PNG).decode()}]
    _, below = by_group[child_id]
    assert below["data"]["groupId"] == child_id and below["data"]["sourceGroupId"] == group_id


def test_a_parents_member_sends_only_announcements_into_a_sub_group(alice, server, connector):
    bob = signed_in(server, connector)
    parent = make_group(alice, members=[bob.mobile])
    child_id = alice.client.post(f"/groups/{parent}/subgroups", json={"groupName": "Crew", "welcomeMessage": "Hi"}
                                 ).json()["groupId"]
    assert post_action(bob, child_id, "Announcement", {"message": "From above"}).status_code == 200
    refused = post_action(bob, child_id, "Poll", {"question": "Lunch?", "choices": [{"title": "Yes"}, {"title": "No"}]})
    assert refused.status_code == 403 and refused.json()["code"] == "Forbidden"
    stranger = signed_in(server, connector)
    assert post_action(stranger, child_id, "Announcement", {"message": "Hi"}).status_code == 403


def test_a_survey_fires_survey_created_with_its_questions(alice, callback):
    group_id = make_group(alice)
    subscribe(alice, group_id, callback, ACTION_EVENTS)
    ids = sent(alice, group_id, "Survey", SURVEY)
    ((headers, event),) = callback.wait_for(1)
    data = check_envelope(headers, event, group_id, "SurveyCreated", alice.mobile)
    assert SURVEY_CREATED_SCHEMA <= set(data)
    assert data["surveyTitle"] == "A test survey!!" and data["actionId"] == ids["actionId"]
    assert data["messageId"] == ids["referenceId"] and data["groupId"] == group_id and data["isAnonymous"] is False
    assert [(q["title"], q["type"], [o["title"] for o in q["options"]]) for q in data["questions"]] == [
        (q["title"], q["type"], [o["title"] for o in q.get("options", [])]) for q in SURVEY["questions"]]
    assert data["expiryDate"].endswith("Z")


def test_a_job_fires_job_created_for_members_only(alice, server, connector, callback):
    bob = new_number()
    group_id = make_group(alice, members=[bob])
    subscribe(alice, group_id, callback, ACTION_EVENTS)
    refused = post_action(alice, group_id, "Job", {"title": "Fix the gate", "assignedTo": [new_number()]})
    assert refused.status_code == 400 and "assignedTo" in refused.json()["errors"]
    ids = sent(alice, group_id, "Job", {"title": "Fix the gate", "assignedTo": [bob], "dueDate": 10})
    ((headers, event),) = callback.wait_for(1)
    data = check_envelope(headers, event, group_id, "JobCreated", alice.mobile)
    assert JOB_CREATED <= set(data)
    assert data["title"] == "Fix the gate" and data["assignedTo"] == [bob] and data["actionId"] == ids["actionId"]
    assert data["dueDate"].endswith("Z")


def test_a_poll_and_a_meeting_fire_action_created(alice, callback):
    group_id = make_group(alice)
    subscribe(alice, group_id, callback, ACTION_EVENTS)
    image = resource(alice, "yes.png", PNG, "image/png")
    poll = sent(alice, group_id, "Poll", {"question": "Do you find Kaizala extensibility easy to use?", "choices": [
        {"title": "Yes", "image": image}, {"title": "No"}, {"title": "Not at all"}], "expiryInHours": 10})
    meeting = sent(alice, group_id, "LetsMeet", {
        "title": "lets catch up?", "startingTime": "2030-01-01T00:00:00Z", "duration": 45,
        "place": {"latitude": 15.0, "longitude": 96.0, "name": "MS Building 3"}, "agenda": "no agenda"})
    by_action = {event["data"]["actionId"]: (headers, event) for headers, event in callback.wait_for(2)}
    headers, event = by_action[poll["actionId"]]
    data = check_envelope(headers, event, group_id, "ActionCreated", alice.mobile)
    assert ACTION_CREATED_SCHEMA <= set(data)
    assert data["actionTitle"] == "Do you find Kaizala extensibility easy to use?" and data["actionType"] == "Poll"
    (question,) = data["questions"]
    assert question["type"] == "SingleOption" and [o["title"] for o in question["options"]] == ["Yes", "No",
                                                                                                "Not at all"]
    _, event = by_action[meeting["actionId"]]
    assert event["data"]["actionTitle"] == "lets catch up?" and event["data"]["actionType"] == "LetsMeet"


def test_wrong_action_bodies_are_refused_and_leave_nothing(alice, server, connector, callback):
    group_id = make_group(alice)
    subscribe(alice, group_id, callback, ACTION_EVENTS)
    two = [{"title": "A"}, {"title": "B"}]
    for action_type, body, field in [
        ("Announcement", {"title": "No message"}, "message"),
        ("Announcement", {"message": "x" * 4001}, "message"),
        ("Announcement", {"message": "Hi", "mediaResources": ["not a resource"]}, "mediaResources[0]"),
        ("Job", {"title": "No one"}, "assignedTo"),
        ("Job", {"title": "Bad number", "assignedTo": ["12345"]}, "assignedTo[0]"),
        ("Job", {"title": "Too late", "assignedTo": [alice.mobile], "dueDate": -1}, "dueDate"),
        ("Poll", {"question": "One choice", "choices": [{"title": "Only"}]}, "choices"),
        ("Poll", {"question": "Same", "choices": [{"title": "A"}, {"title": "A"}]}, "choices"),
        ("Poll", {"choices": two}, "question"),
        ("Poll", {"question": "Image", "choices": [{"title": "A", "image": "x"}, {"title": "B"}]}, "choices[0].image"),
        ("Survey", {"title": "No questions", "questions": []}, "questions"),
        ("Survey", {"title": "Bad type", "questions": [{"title": "Q", "type": "Essay"}]}, "questions[0].type"),
        ("Survey", {"title": "No options", "questions": [{"title": "Q", "type": "MultiOption"}]},
         "questions[0].options"),
        ("Survey", {"title": "Flag", "isAnonymous": "perhaps", "questions": [{"title": "Q", "type": "Text"}]},
         "isAnonymous"),
        ("LetsMeet", {"title": "When?", "startingTime": "next week"}, "startingTime"),
        ("LetsMeet", {"title": "Where?", "startingTime": "2030-01-01T00:00:00Z",
                      "place": {"latitude": 300, "longitude": 0}}, "place"),
        ("Meeting", {"title": "x"}, "actionType"),
    ]:
        refused = post_action(alice, group_id, action_type, body)
        assert refused.status_code == 400, (action_type, body, refused.text)
        assert {"code", "message", "errors"} <= set(refused.json()) and field in refused.json()["errors"], refused.text
    assert alice.client.post(f"/groups/{group_id}/actions", json={"actionType": "Survey", "actionBody": [1]}
                             ).status_code == 400
    sent(alice, group_id, "Announcement", {"message": "the only one"})
    ((_, event),) = callback.wait_for(1)
    assert event["data"]["text"] == "the only one" and len(callback.events) == 1


def test_sending_an_action_needs_the_action_write_scope(server):
    limited = create_connector(server, [s for s in ALL_SCOPES if s != "action.write"], name="No actions")
    member = signed_in(server, limited)
    group_id = make_group(member)
    refused = post_action(member, group_id, "Announcement", {"message": "Hi"})
    assert refused.status_code == 403 and "action.write" in refused.json()["message"]


def test_the_power_automate_connector_names_the_kind_in_the_query(alice, callback):
    group_id = make_group(alice)
    subscribe(alice, group_id, callback, ACTION_EVENTS)
    answer = alice.client.post(f"/groups/{group_id}/actions", params={"actionType": "job", "sendToAll": "No"},
                               json={"actionBody": {"Title": "Lock up", "AssignedTo": alice.mobile}})
    assert answer.status_code == 200, answer.text
    ((_, event),) = callback.wait_for(1)
    assert event["eventType"] == "JobCreated" and event["data"]["assignedTo"] == [alice.mobile]
    refused = alice.client.post(f"/groups/{group_id}/actions", params={"sendToAll": "Maybe"},
                                json={"actionType": "Poll", "actionBody": {}})
    assert refused.status_code == 400 and "sendToAll" in refused.json()["errors"]
