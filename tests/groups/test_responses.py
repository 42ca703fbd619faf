"""Responses to actions over HTTP (action_responses.md), the events they fire (JobResponse,
SurveyResponse, ActionResponse, field by field against the event-schema page), reading a group's
actions and one action's details with its responses (actions_get.md, actionDetails.md), and webhook
subscriptions to one action (objectType Action)."""

from __future__ import annotations

import httpx
import pytest

from tests.groups.conftest import ALL_SCOPES, create_connector, signed_in
from tests.groups.test_actions import SURVEY, post_action, sent
from tests.groups.test_attachments import resource
from tests.groups.test_events import check_envelope, subscribe
from tests.groups.test_groups import make_group
from tests.groups.test_media import PNG

# shared/reference/kaizala-docs/EventSchema.md, field by field.
SURVEY_RESPONSE = {"actionId", "groupId", "responseId", "isUpdateResponse", "responder", "responderName",
                   "responderProfilePic", "isAnonymous", "responseDetails"}
JOB_RESPONSE = {"actionId", "groupId", "responseId", "responseDetails"}
ASSIGNEE = {"assignee", "assigneeName", "assigneeProfilePic", "isCompleted"}
LISTED = {"referenceId", "actionId", "actionType", "sender", "sentAt", "creationTime", "actionBody"}
RESPONSE_EVENTS = ["SurveyResponse", "JobResponse", "ActionResponse"]
POLL = {"question": "Lunch at noon?", "choices": [{"title": "Yes"}, {"title": "No"}]}


@pytest.fixture()
def bob(server, connector):
    member = signed_in(server, connector)
    yield member
    member.client.close()


def respond(member, group_id: str, action_id: str, body: dict, **extra) -> httpx.Response:
    return member.client.post(f"/groups/{group_id}/actions/{action_id}/responses", json={"actionBody": body, **extra})


def answers(member) -> list:
    image = resource(member, "site.png", PNG, "image/png")
    return ["Response from API", "Opt1", ["MOpt2", "MOpt1"], 123, {"lt": 1, "lg": 1, "n": "cool"}, 1500377471000, image]


def test_a_survey_response_and_its_update_reach_the_subscriber(alice, bob, callback):
    group_id = make_group(alice, members=[bob.mobile])
    subscribe(alice, group_id, callback, RESPONSE_EVENTS)
    survey = sent(alice, group_id, "Survey", {**SURVEY, "acceptMultipleResponses": False})
    answered = respond(bob, group_id, survey["actionId"], {
        "responseName": "API response", "responseLocation": {"latitude": 1, "longitude": 1, "name": "here"},
        "Answers": answers(bob)}, actionType="Survey")
    assert answered.status_code == 200, answered.text
    response_id = answered.json()["responseId"]
    ((headers, event),) = callback.wait_for(1)
    data = check_envelope(headers, event, group_id, "SurveyResponse", bob.mobile)
    assert set(data) == SURVEY_RESPONSE
    assert data["actionId"] == survey["actionId"] and data["responseId"] == response_id
    assert data["responder"] == bob.mobile and data["isUpdateResponse"] is False and data["isAnonymous"] is False
    shown = data["responseDetails"]["responseWithQuestions"]
    assert [(q["title"], q["type"]) for q in shown] == [(q["title"], q["type"]) for q in SURVEY["questions"]]
    assert [q["answer"] for q in shown[:6]] == ["Response from API", "Opt1", ["MOpt1", "MOpt2"], 123,
                                                {"lt": 1, "lg": 1, "n": "cool"}, 1500377471000]
    image = shown[6]["answer"]
    assert image["mediaFileName"] == "site.png" and httpx.get(image["mediaUrl"]).content == PNG

    again = respond(bob, group_id, survey["actionId"], {"answers": [None] * 7})
    assert again.status_code == 400 and "responseId" in again.json()["errors"]
    changed = respond(bob, group_id, survey["actionId"], {"answers": ["Changed", None, None, None, None, None, None]},
                      responseId=response_id)
    assert changed.status_code == 200 and changed.json() == {"responseId": response_id}
    (_, update) = callback.wait_for(2)[1]
    assert update["data"]["isUpdateResponse"] is True and update["data"]["responseId"] == response_id
    assert respond(alice, group_id, survey["actionId"], {"answers": [None] * 7},
                   responseId=response_id).status_code == 404  # not hers to change


def test_wrong_responses_are_refused_and_leave_nothing(alice, bob, server, connector, callback):
    group_id = make_group(alice, members=[bob.mobile])
    subscribe(alice, group_id, callback, RESPONSE_EVENTS)
    survey = sent(alice, group_id, "Survey", SURVEY)["actionId"]
    good = answers(bob)
    for body, extra, field in [
        ({"answers": good[:3]}, {}, "answers"),
        ({"answers": [1, *good[1:]]}, {}, "answers[0]"),
        ({"answers": [good[0], "Opt9", *good[2:]]}, {}, "answers[1]"),
        ({"answers": [*good[:2], "MOpt1", *good[3:]]}, {}, "answers[2]"),
        ({"answers": [*good[:3], "many", *good[4:]]}, {}, "answers[3]"),
        ({"answers": [*good[:4], {"lt": 100, "lg": 0}, *good[5:]]}, {}, "answers[4]"),
        ({"answers": [*good[:6], "not a resource"]}, {}, "answers[6]"),
        ({"answers": good}, {"actionType": "Job"}, "actionType"),
        ({"answers": good, "responseLocation": {"latitude": "north"}}, {}, "responseLocation.latitude"),
    ]:
        refused = respond(bob, group_id, survey, body, **extra)
        assert refused.status_code == 400, (body, extra, refused.text)
        assert field in refused.json()["errors"], refused.text
    assert bob.client.post(f"/groups/{group_id}/actions/{survey}/responses", json={"actionBody": "yes"}
                           ).status_code == 400
    assert respond(bob, group_id, "no-such-action", {"answers": good}).status_code == 404
    stranger = signed_in(server, connector)
    assert respond(stranger, group_id, survey, {"answers": good}).status_code == 403
    notice = sent(alice, group_id, "Announcement", {"message": "No answers"})["actionId"]
    assert respond(bob, group_id, notice, {"answers": []}).status_code == 400
    past = sent(alice, group_id, "LetsMeet", {"title": "Yesterday", "startingTime": "2020-01-01T00:00:00Z"})
    expired = respond(bob, group_id, past["actionId"], {"answers": ["Yes"]})
    assert expired.status_code == 400 and "expired" in expired.json()["message"]
    assert respond(bob, group_id, survey, {"answers": good}).status_code == 200
    ((_, event),) = callback.wait_for(1)
    assert event["data"]["actionId"] == survey and len(callback.events) == 1


def test_a_job_is_marked_done_by_its_assignees_only(alice, bob, callback):
    group_id = make_group(alice, members=[bob.mobile])
    subscribe(alice, group_id, callback, RESPONSE_EVENTS)
    job = sent(alice, group_id, "Job", {"title": "Fix the gate", "assignedTo": [bob.mobile]})["actionId"]
    refused = respond(alice, group_id, job, {"isCompleted": True}, actionType="Job")
    assert refused.status_code == 403
    assert respond(bob, group_id, job, {"isCompleted": "yes"}).status_code == 400
    done = respond(bob, group_id, job, {"isCompleted": True}, actionType="Job")
    assert done.status_code == 200, done.text
    ((headers, event),) = callback.wait_for(1)
    data = check_envelope(headers, event, group_id, "JobResponse", bob.mobile)
    assert set(data) == JOB_RESPONSE and set(data["responseDetails"]["response"]) == ASSIGNEE
    assert data["responseDetails"]["response"]["assignee"] == bob.mobile
    assert data["responseDetails"]["response"]["isCompleted"] is True
    assert data["responseId"] == done.json()["responseId"]
    details = alice.client.get(f"/groups/{group_id}/actions/{job}", params={"getDetails": "true"})
    assert details.status_code == 200, details.text
    body = details.json()
    assert body["actionType"] == "Job" and body["sender"] == alice.mobile
    job_details = body["actionDetails"]
    assert job_details["status"] is True and job_details["responseCount"] == 1 and job_details["assigneeCount"] == 1
    assert [(r["assignee"], r["isCompleted"]) for r in job_details["responses"]] == [(bob.mobile, True)]


def test_a_group_s_actions_are_listed_a_page_at_a_time(alice, bob):
    group_id = make_group(alice, members=[bob.mobile])
    first = sent(alice, group_id, "Poll", POLL)
    second = sent(alice, group_id, "Poll", {**POLL, "question": "Dinner?"})
    sent(alice, group_id, "Survey", SURVEY)
    assert respond(bob, group_id, first["actionId"], {"answers": ["Yes"]}).status_code == 200
    listed = bob.client.get(f"/groups/{group_id}/actions", params={"actionType": "Poll"})
    assert listed.status_code == 200, listed.text
    polls = listed.json()
    assert polls["hasMore"] is False and [a["actionId"] for a in polls["actions"]] == [first["actionId"],
                                                                                   second["actionId"]]
    item = polls["actions"][0]
    assert set(item) == LISTED and item["referenceId"] == first["referenceId"] and item["sender"] == alice.mobile
    assert item["actionBody"]["question"] == "Lunch at noon?" and item["actionBody"]["responseCount"] == 1
    assert [c["title"] for c in item["actionBody"]["choices"]] == ["Yes", "No"]
    page = bob.client.get(f"/groups/{group_id}/actions", params={"actionType": "Poll", "count": "1"}).json()
    assert [a["actionId"] for a in page["actions"]] == [first["actionId"]] and page["hasMore"] is True
    later = bob.client.get(f"/groups/{group_id}/actions", params={"actionType": "Poll", "fromDate": "99999999999999"})
    assert later.json() == {"actions": [], "hasMore": False}
    surveys = bob.client.get(f"/groups/{group_id}/actions", params={"actionType": "Survey"}).json()["actions"]
    assert len(surveys) == 1 and surveys[0]["actionBody"]["title"] == "A test survey!!"
    for params, field in [({}, "actionType"), ({"actionType": "Essay"}, "actionType"),
                          ({"actionType": "Poll", "count": "500"}, "count"),
                          ({"actionType": "Poll", "fromDate": "yesterday"}, "fromDate")]:
        refused = bob.client.get(f"/groups/{group_id}/actions", params=params)
        assert refused.status_code == 400 and field in refused.json()["errors"], refused.text


def test_details_summarise_answers_and_respect_anonymity_and_sender_only(alice, bob):
    group_id = make_group(alice, members=[bob.mobile])
    poll = sent(alice, group_id, "Poll", {**POLL, "isSenderOnly": True})["actionId"]
    anonymous = sent(alice, group_id, "Survey", {"title": "Honest feedback", "isAnonymous": True, "questions": [
        {"title": "Mood", "type": "SingleOption", "options": [{"title": "Good"}, {"title": "Bad"}]}]})["actionId"]
    for member, choice in ((alice, "No"), (bob, "Yes")):
        assert respond(member, group_id, poll, {"answers": [choice]}).status_code == 200
    assert respond(bob, group_id, anonymous, {"answers": ["Good"]}).status_code == 200
    mine = alice.client.get(f"/groups/{group_id}/actions/{poll}", params={"getDetails": "true"}).json()["actionDetails"]
    assert mine["summary"] == [{"title": "Lunch at noon?", "type": "SingleOption", "answerCount": 2,
                                "options": [{"title": "Yes", "count": 1}, {"title": "No", "count": 1}]}]
    assert sorted(r["responder"] for r in mine["responses"]) == sorted([alice.mobile, bob.mobile])
    theirs = bob.client.get(f"/groups/{group_id}/actions/{poll}", params={"getDetails": "true"}).json()["actionDetails"]
    assert "responses" not in theirs and "summary" not in theirs and theirs["responseCount"] == 2
    brief = alice.client.get(f"/groups/{group_id}/actions/{poll}").json()["actionDetails"]
    assert "responses" not in brief and brief["questions"][0]["title"] == "Lunch at noon?"
    hidden = alice.client.get(f"/groups/{group_id}/actions/{anonymous}", params={"getDetails": "true"}).json()
    (response,) = hidden["actionDetails"]["responses"]
    assert response["responder"] == "" and response["responderName"] == ""
    assert response["responseWithQuestions"][0]["answer"] == "Good"


def test_a_subscription_to_one_action_hears_its_responses_only(alice, bob, callback):
    group_id = make_group(alice, members=[bob.mobile])
    watched = sent(alice, group_id, "Survey", {**SURVEY, "isAnonymous": True})["actionId"]
    other = sent(alice, group_id, "Poll", POLL)["actionId"]
    created = alice.client.post("/webhook", json={
        "objectId": watched, "objectType": "Action", "eventTypes": ["ActionCreated", "SurveyResponse"],
        "callBackUrl": callback.url, "callBackToken": "secret-of-the-receiver", "callBackContext": "one action"})
    assert created.status_code == 200, created.text
    listed = alice.client.get("/webhook", params={"objectId": watched, "objectType": "Action"}).json()["webhooks"]
    assert [w["id"] for w in listed] == [created.json()["webhookId"]]
    assert respond(bob, group_id, other, {"answers": ["Yes"]}).status_code == 200
    assert respond(bob, group_id, watched, {"answers": answers(bob)}).status_code == 200
    ((headers, event),) = callback.wait_for(1)
    assert event["objectId"] == watched and event["objectType"] == "Action" and event["eventType"] == "SurveyResponse"
    assert event["context"] == "one action" and headers["kz-callback-token"] == "secret-of-the-receiver"
    # An anonymous survey's response names no responder, in its data or its envelope.
    assert event["data"]["isAnonymous"] is True and event["data"]["responder"] == "" and event["fromUser"] == ""
    for body, status in [({"objectId": "no-such-action", "eventTypes": ["SurveyResponse"]}, 404),
                         ({"objectId": watched, "eventTypes": ["TextMessageCreated"]}, 400)]:
        refused = alice.client.post("/webhook", json={"objectType": "Action", "callBackUrl": callback.url, **body})
        assert refused.status_code == status, refused.text
    assert len(callback.events) == 1


def test_reading_and_responding_need_their_scopes(server, alice):
    limited = create_connector(server, [s for s in ALL_SCOPES if s not in ("action.read", "action.update")],
                               name="Writes only")
    member = signed_in(server, limited)
    group_id = make_group(member)
    survey = sent(member, group_id, "Survey", SURVEY)["actionId"]
    assert member.client.get(f"/groups/{group_id}/actions", params={"actionType": "Survey"}).status_code == 403
    assert member.client.get(f"/groups/{group_id}/actions/{survey}").status_code == 403
    answered = respond(member, group_id, survey, {"answers": [None] * 7})
    assert answered.status_code == 200
    refused = respond(member, group_id, survey, {"answers": [None] * 7}, responseId=answered.json()["responseId"])
    assert refused.status_code == 403 and "action.update" in refused.json()["message"]
    assert post_action(member, group_id, "Poll", POLL).status_code == 200


def test_subscribers_of_a_public_group_respond_to_the_actions_sent_to_them(alice, bob, server, connector):
    chosen, other = signed_in(server, connector), signed_in(server, connector)
    group_id = make_group(alice, groupType="ConnectGroup", members=[bob.mobile])
    added = alice.client.put(f"/groups/{group_id}/subscribers/add", json={"subscribers": [chosen.mobile, other.mobile]})
    assert added.status_code == 200, added.text
    to_one = post_action(alice, group_id, "Poll", POLL, subscribers=[chosen.mobile])
    assert to_one.status_code == 200, to_one.text
    assert respond(chosen, group_id, to_one.json()["actionId"], {"answers": ["Yes"]}).status_code == 200
    assert respond(other, group_id, to_one.json()["actionId"], {"answers": ["Yes"]}).status_code == 403
    to_all = post_action(alice, group_id, "Poll", POLL, sendToAllSubscribers=True).json()["actionId"]
    assert respond(other, group_id, to_all, {"answers": ["No"]}).status_code == 200
    assert post_action(bob, group_id, "Poll", POLL, sendToAllSubscribers=True).status_code == 403  # admins only
    private = make_group(alice)
    refused = post_action(alice, private, "Poll", POLL, sendToAllSubscribers=True)
    assert refused.status_code == 400 and "groupId" in refused.json()["errors"]


def test_an_action_s_message_takes_replies_and_reactions(alice, bob):
    group_id = make_group(alice, members=[bob.mobile])
    poll = sent(alice, group_id, "Poll", POLL)
    liked = bob.client.post(f"/groups/{group_id}/reaction", json={"referenceId": poll["referenceId"],
                                                                  "reactionType": "Like"})
    assert liked.status_code == 200, liked.text
    summary = alice.client.get(f"/groups/{group_id}/reaction/{poll['referenceId']}/summary").json()["summary"]
    assert summary[0]["reactionsCountMap"] == {"like": 1, "comment": 0}
    reply = bob.client.post(f"/groups/{group_id}/messages", json={"message": "Yes from me",
                                                                  "replyToReferenceId": poll["referenceId"]})
    assert reply.status_code == 200, reply.text


def test_attachment_messages_are_listed_as_actions(alice):
    group_id = make_group(alice)
    image = resource(alice, "site.png", PNG, "image/png")
    sent_image = alice.client.post(f"/groups/{group_id}/actions", json={
        "actionType": "Image", "actionBody": {"mediaResource": image, "caption": "The site"}})
    assert sent_image.status_code == 200, sent_image.text
    (item,) = alice.client.get(f"/groups/{group_id}/actions", params={"actionType": "Image"}).json()["actions"]
    assert item["referenceId"] == sent_image.json()["referenceId"] and item["sender"] == alice.mobile
    assert item["actionBody"]["caption"] == "The site" and httpx.get(item["actionBody"]["imageUrl"]).content == PNG
    assert alice.client.get(f"/groups/{group_id}/actions", params={"actionType": "Document"}).json() == {
        "actions": [], "hasMore": False}


def test_a_survey_that_accepts_several_responses_keeps_each(alice, bob):
    group_id = make_group(alice, members=[bob.mobile])
    survey = sent(alice, group_id, "Survey", {"title": "Daily check", "acceptMultipleResponses": True, "questions": [
        {"title": "Temperature", "type": "Numeric"}]})["actionId"]
    first = respond(bob, group_id, survey, {"answers": [21.5]})
    second = respond(bob, group_id, survey, {"answers": [23]})
    assert first.status_code == second.status_code == 200 and first.json() != second.json()
    details = alice.client.get(f"/groups/{group_id}/actions/{survey}", params={"getDetails": "true"}).json()
    assert [r["responseWithQuestions"][0]["answer"] for r in details["actionDetails"]["responses"]] == [21.5, 23]
    assert details["actionDetails"]["responseCount"] == 2 and details["actionDetails"]["summary"][0]["answerCount"] == 2
