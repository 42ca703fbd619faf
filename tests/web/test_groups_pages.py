"""The Groups pages over HTTP: a user's groups by their mobile number, a group's conversation with its
messages, replies, reactions and action cards, each answered in place through the groups API's own
rules (what the page writes, the API reads back), and the conversation's live version stream."""

from __future__ import annotations

import re
import threading
import time
from html import unescape

import pytest

from tests.groups.conftest import create_connector, new_number, signed_in as groups_signed_in
from tests.groups.test_actions import sent
from tests.web.conftest import new_user, request_token, signed_in

POLL = {"question": "Lunch at noon?", "choices": [{"title": "Yes"}, {"title": "No"}]}
SURVEY = {"title": "Site check", "acceptMultipleResponses": False, "questions": [
    {"title": "What did you see?", "type": "Text"},
    {"title": "How many trucks?", "type": "Numeric"},
    {"title": "Which gates were open?", "type": "MultiOption",
     "options": [{"title": "North"}, {"title": "South"}, {"title": "East"}]}]}


@pytest.fixture(scope="module")
def world(server):
    """Alice (on the groups API) made a group with Bob, a kinflow user by his mobile number, and posted
    a message, a poll, a survey, a job for Bob and an announcement. Carol is a kinflow user in no group."""
    connector = create_connector(server)
    alice = groups_signed_in(server, connector)
    bob_mobile = new_number()
    bob = new_user(server, name="Bob Builder", mobileNumber=bob_mobile)
    carol_mobile = new_number()
    carol = new_user(server, mobileNumber=carol_mobile)
    created = alice.client.post("/groups", json={"name": "Site crew", "welcomeMessage": "Welcome, crew!",
                                                 "members": [bob_mobile]})
    assert created.status_code == 200, created.text
    group_id = created.json()["groupId"]
    hello = alice.client.post(f"/groups/{group_id}/messages", json={"message": "Trucks arrive at 9"})
    assert hello.status_code == 200, hello.text
    world = {"alice": alice, "bob": bob, "bob_mobile": bob_mobile, "carol": carol, "carol_mobile": carol_mobile, "group": group_id,
             "hello": hello.json()["referenceId"],
             "poll": sent(alice, group_id, "Poll", POLL),
             "survey": sent(alice, group_id, "Survey", SURVEY),
             "job": sent(alice, group_id, "Job", {"title": "Lock the gate", "assignedTo": [bob_mobile]}),
             "announcement": sent(alice, group_id, "Announcement", {"title": "Safety", "message": "Helmets on"})}
    yield world
    alice.client.close()


def _main(html: str) -> str:
    return html[html.index("<main"):]


def _item(html: str, reference: str) -> str:
    """One message of the conversation, as HTML."""
    start = html.index(f'id="m-{reference}"')
    end = html.find('<li id="m-', start + 10)
    return html[start:end if end > 0 else len(html)]


def _details(world, action: dict) -> dict:
    found = world["alice"].client.get(f"/groups/{world['group']}/actions/{action['actionId']}",
                                      params={"getDetails": "true"})
    assert found.status_code == 200, found.text
    return found.json()["actionDetails"]


def test_the_groups_of_a_user_by_their_mobile_number(server, world):
    with signed_in(server, world["bob"], "user-pw") as client:
        listed = client.get("/k/groups")
    assert listed.status_code == 200
    assert f'<a href="/k/groups/{world["group"]}">Site crew</a>' in listed.text
    assert re.search(r"\d+ members", listed.text) and world["bob_mobile"] in listed.text
    with signed_in(server, world["carol"], "user-pw") as client:
        none = client.get("/k/groups")
    assert none.status_code == 200 and 'id="no-groups"' in none.text and "Site crew" not in none.text
    with signed_in(server, new_user(server), "user-pw") as client:
        no_mobile = client.get("/k/groups")
    assert 'id="no-mobile"' in no_mobile.text


def test_the_conversation_shows_every_kind_of_message(server, world):
    with signed_in(server, world["bob"], "user-pw") as client:
        shown = client.get(f"/k/groups/{world['group']}")
    assert shown.status_code == 200, shown.text
    html = _main(shown.text)
    assert "<h1>Site crew</h1>" in html and "Welcome, crew!" in html
    assert "Trucks arrive at 9" in _item(html, world["hello"])
    poll = _item(html, world["poll"]["referenceId"])
    assert "Lunch at noon?" in poll and 'type="radio" name="q0" value="Yes"' in poll and ">Vote<" in poll
    survey = _item(html, world["survey"]["referenceId"])
    assert '<label for="m-' in survey and "How many trucks?" in survey and 'type="checkbox" name="q2"' in survey
    job = _item(html, world["job"]["referenceId"])
    assert "Lock the gate" in job and "Mark as done" in job and "Bob Builder: not done" in job
    assert "Helmets on" in _item(html, world["announcement"]["referenceId"])
    # Oldest first: the message, then the actions in the order they were sent.
    order = [html.index(f'id="m-{ref}"') for ref in (world["hello"], world["poll"]["referenceId"],
                                                    world["survey"]["referenceId"], world["job"]["referenceId"])]
    assert order == sorted(order)


def test_a_person_not_in_the_group_sees_nothing_of_it(server, world):
    group = world["group"]
    with signed_in(server, world["carol"], "user-pw") as client:
        token = request_token(client)
        page = client.get(f"/k/groups/{group}")
        fragment = client.get(f"/k/groups/{group}/messages")
        stream = client.get(f"/k/groups/{group}/stream")
        posted = client.post(f"/k/groups/{group}/messages", data={"__REQUEST_TOKEN__": token, "message": "hi"})
        voted = client.post(f"/k/groups/{group}/actions/{world['poll']['actionId']}/responses",
                            data={"__REQUEST_TOKEN__": token, "q0": "Yes"})
    with signed_in(server, world["bob"], "user-pw") as client:
        missing = client.get("/k/groups/no-such-group")
    assert page.status_code == 403 and "Site crew" not in page.text and "Trucks" not in page.text
    assert fragment.status_code == 403 and "Trucks" not in fragment.text
    assert stream.status_code == 403 and stream.json()["code"] == "Forbidden"
    assert posted.status_code == 403 and voted.status_code == 403
    assert missing.status_code == 404
    assert all(r["responder"] != world["carol_mobile"] for r in _details(world, world["poll"]).get("responses", []))


def test_post_a_message_and_a_reply(server, world):
    with signed_in(server, world["bob"], "user-pw") as client:
        token = request_token(client)
        posted = client.post(f"/k/groups/{world['group']}/messages",
                             data={"__REQUEST_TOKEN__": token, "message": "On my way <now>"})
        assert posted.status_code == 303
        reference = posted.headers["location"].split("#m-")[1]
        replied = client.post(f"/k/groups/{world['group']}/messages", data={
            "__REQUEST_TOKEN__": token, "message": "Thanks", "replyTo": world["hello"]})
        assert replied.status_code == 303
        reply = replied.headers["location"].split("#m-")[1]
        to_poll = client.post(f"/k/groups/{world['group']}/messages", data={
            "__REQUEST_TOKEN__": token, "message": "Count me in", "replyTo": world["poll"]["referenceId"]})
        html = client.get(f"/k/groups/{world['group']}").text
    mine = _item(html, reference)
    assert "On my way &lt;now&gt;" in mine and "Bob Builder" in mine and "message mine" in mine
    answer = _item(html, reply)
    assert f'href="#m-{world["hello"]}"' in answer and "Trucks arrive at 9" in answer and ">Thanks<" in answer
    on_poll = _item(html, to_poll.headers["location"].split("#m-")[1])
    assert f'href="#m-{world["poll"]["referenceId"]}"' in on_poll and "Lunch at noon?" in on_poll


def test_a_refused_message_shows_why_and_keeps_the_text(server, world):
    with signed_in(server, world["bob"], "user-pw") as client:
        token = request_token(client)
        empty = client.post(f"/k/groups/{world['group']}/messages", data={"__REQUEST_TOKEN__": token, "message": ""})
        long = client.post(f"/k/groups/{world['group']}/messages",
                           data={"__REQUEST_TOKEN__": token, "message": "x" * 4001})
        unknown = client.post(f"/k/groups/{world['group']}/messages", data={
            "__REQUEST_TOKEN__": token, "message": "hi", "replyTo": "no-such-message"})
        no_token = client.post(f"/k/groups/{world['group']}/messages", data={"message": "sneaky"})
        html = client.get(f"/k/groups/{world['group']}").text
    assert empty.status_code == 400 and "message: Required field." in unescape(empty.text)
    assert long.status_code == 400 and "Enter at most 4000 characters." in long.text
    assert "x" * 4001 in long.text  # what was typed is kept
    assert unknown.status_code == 400 and "No message (no-such-message)" in unknown.text
    assert no_token.status_code == 403
    assert "sneaky" not in html


def test_vote_in_a_poll_and_change_the_vote(server, world):
    poll = world["poll"]
    url = f"/k/groups/{world['group']}/actions/{poll['actionId']}/responses"
    with signed_in(server, world["bob"], "user-pw") as client:
        token = request_token(client)
        voted = client.post(url, data={"__REQUEST_TOKEN__": token, "referenceId": poll["referenceId"], "q0": "Yes"})
        assert voted.status_code == 303 and voted.headers["location"].endswith(f"#m-{poll['referenceId']}")
        card = _item(client.get(f"/k/groups/{world['group']}").text, poll["referenceId"])
        assert 'data-option="Yes">1 vote' in card and "Your vote: Yes" in card and "Change vote" in card
        response_id = re.search(r'name="responseId" value="([^"]+)"', card).group(1)
        twice = client.post(url, data={"__REQUEST_TOKEN__": token, "referenceId": poll["referenceId"], "q0": "No"})
        assert twice.status_code == 400 and "You responded already" in twice.text
        changed = client.post(url, data={"__REQUEST_TOKEN__": token, "referenceId": poll["referenceId"],
                                         "q0": "No", "responseId": response_id})
        assert changed.status_code == 303
        card = _item(client.get(f"/k/groups/{world['group']}").text, poll["referenceId"])
        assert 'data-option="Yes">0 votes' in card and 'data-option="No">1 vote' in card  # the new count at once
        wrong = client.post(url, data={"__REQUEST_TOKEN__": token, "referenceId": poll["referenceId"],
                                       "q0": "Maybe", "responseId": response_id})
    assert wrong.status_code == 400 and "Enter one of the options: Yes, No." in wrong.text
    assert 'data-problem' in _item(wrong.text, poll["referenceId"])
    details = _details(world, poll)
    assert [(r["responder"], r["responseWithQuestions"][0]["answer"]) for r in details["responses"]] == [
        (world["bob_mobile"], "No")]


def test_answer_a_survey_in_place(server, world):
    survey = world["survey"]
    url = f"/k/groups/{world['group']}/actions/{survey['actionId']}/responses"
    form = {"referenceId": survey["referenceId"], "q0": "All quiet", "q1": "3", "q2": ["South", "North"]}
    with signed_in(server, world["bob"], "user-pw") as client:
        token = request_token(client)
        not_a_number = client.post(url, data={"__REQUEST_TOKEN__": token, **form, "q1": "three"})
        answered = client.post(url, data={"__REQUEST_TOKEN__": token, **form})
        card = _item(client.get(f"/k/groups/{world['group']}").text, survey["referenceId"])
    assert not_a_number.status_code == 400 and "answers[1]: Enter a number." in not_a_number.text
    assert answered.status_code == 303
    assert "You responded." in card and ">All quiet</textarea>" in card and 'value="3"' in card
    details = _details(world, survey)
    assert [q["answer"] for q in details["responses"][0]["responseWithQuestions"]] == ["All quiet", 3,
                                                                                       ["North", "South"]]


def test_mark_a_job_done_and_not_done(server, world):
    job = world["job"]
    url = f"/k/groups/{world['group']}/actions/{job['actionId']}/responses"
    with signed_in(server, world["bob"], "user-pw") as client:
        token = request_token(client)
        done = client.post(url, data={"__REQUEST_TOKEN__": token, "referenceId": job["referenceId"],
                                      "isCompleted": "true"})
        assert done.status_code == 303
        card = _item(client.get(f"/k/groups/{world['group']}").text, job["referenceId"])
        assert "Bob Builder: done" in card and "The job is completed." in card and "Mark as not done" in card
        assert _details(world, job)["isCompleted"] is True
        response_id = re.search(r'name="responseId" value="([^"]+)"', card).group(1)
        undone = client.post(url, data={"__REQUEST_TOKEN__": token, "referenceId": job["referenceId"],
                                        "isCompleted": "false", "responseId": response_id})
    assert undone.status_code == 303
    assert _details(world, job)["isCompleted"] is False


def test_everyone_sees_who_completed_a_job(server, world):
    erin_mobile = new_number()
    erin = new_user(server, name="Erin Electrician", mobileNumber=erin_mobile)
    added = world["alice"].client.put(f"/groups/{world['group']}/members", json={"members": [erin_mobile]})
    assert added.status_code == 200, added.text
    job = sent(world["alice"], world["group"], "Job", {"title": "Check the wiring", "assignedTo": [erin_mobile]})
    with signed_in(server, erin, "user-pw") as client:
        done = client.post(f"/k/groups/{world['group']}/actions/{job['actionId']}/responses", data={
            "__REQUEST_TOKEN__": request_token(client), "referenceId": job["referenceId"], "isCompleted": "true"})
    assert done.status_code == 303
    with signed_in(server, world["bob"], "user-pw") as client:
        card = _item(client.get(f"/k/groups/{world['group']}").text, job["referenceId"])
    assert "Erin Electrician: done" in card and "The job is completed." in card and "Mark as done" not in card


def test_a_job_is_marked_by_its_assignees_only(server, world):
    alice_job = sent(world["alice"], world["group"], "Job", {"title": "Alice's job",
                                                              "assignedTo": [world["alice"].mobile]})
    with signed_in(server, world["bob"], "user-pw") as client:
        token = request_token(client)
        card = _item(client.get(f"/k/groups/{world['group']}").text, alice_job["referenceId"])
        refused = client.post(f"/k/groups/{world['group']}/actions/{alice_job['actionId']}/responses",
                              data={"__REQUEST_TOKEN__": token, "referenceId": alice_job["referenceId"],
                                    "isCompleted": "true"})
    assert "Mark as done" not in card
    assert refused.status_code == 403 and "Only the assignees" in refused.text


def test_like_and_comment_on_a_message(server, world):
    hello = world["hello"]
    with signed_in(server, world["bob"], "user-pw") as client:
        token = request_token(client)
        liked = client.post(f"/k/groups/{world['group']}/reactions", data={
            "__REQUEST_TOKEN__": token, "referenceId": hello, "reactionType": "Like"})
        commented = client.post(f"/k/groups/{world['group']}/reactions", data={
            "__REQUEST_TOKEN__": token, "referenceId": hello, "reactionType": "Comment", "comment": "Noted"})
        item = _item(client.get(f"/k/groups/{world['group']}").text, hello)
    assert liked.status_code == 303 and commented.status_code == 303
    assert liked.headers["location"].endswith(f"#m-{hello}")
    assert 'aria-pressed="true">Like (1)</button>' in item
    assert "Bob Builder</span>: Noted" in item and "comments</p>" not in item
    for number in range(21):
        world["alice"].client.post(f"/groups/{world['group']}/reaction", json={
            "referenceId": world["announcement"]["referenceId"], "reactionType": "Comment", "comment": f"c{number}"})
    with signed_in(server, world["bob"], "user-pw") as client:
        busy = _item(client.get(f"/k/groups/{world['group']}").text, world["announcement"]["referenceId"])
    assert "The newest 20 of 21 comments" in busy
    assert "</span>: c20</li>" in busy and "</span>: c0</li>" not in busy
    summary = world["alice"].client.get(f"/groups/{world['group']}/reaction/{hello}/summary")
    assert summary.json()["summary"][0]["reactionsCountMap"] == {"like": 1, "comment": 1}


def test_the_conversation_version_streams_live(server, world):
    seen: list[str] = []
    with signed_in(server, world["bob"], "user-pw") as client:
        def listen() -> None:
            with client.stream("GET", f"/k/groups/{world['group']}/stream") as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                for line in stream.iter_lines():
                    if line.startswith("event: "):
                        assert line == "event: conversation"
                    if line.startswith("data: "):
                        seen.append(line[6:])
                        if len(seen) == 2:
                            return

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(seen) == 1
        fragment = client.get(f"/k/groups/{world['group']}/messages")
        assert f'data-version="{seen[0]}"' in fragment.text and "<main" not in fragment.text
        started = time.monotonic()
        posted = world["alice"].client.post(f"/groups/{world['group']}/messages", json={"message": "Live one"})
        assert posted.status_code == 200
        listener.join(timeout=10)
        fresh = client.get(f"/k/groups/{world['group']}/messages").text
    assert len(seen) == 2 and seen[0] != seen[1]
    assert time.monotonic() - started < 4.5  # rung at commit, before the 5-second look
    assert f'data-version="{seen[1]}"' in fresh and "Live one" in _item(fresh, posted.json()["referenceId"])


def test_the_stream_needs_a_session(server, world):
    with server.client() as client:
        refused = client.get(f"/k/groups/{world['group']}/stream")
    assert refused.status_code == 401


def test_the_conversation_in_japanese(server, world):
    with signed_in(server, world["bob"], "user-pw", **{"Accept-Language": "ja"}) as client:
        listed = client.get("/k/groups").text
        shown = client.get(f"/k/groups/{world['group']}").text
    assert "<h1>グループチャット</h1>" in listed and re.search(r"メンバー \d+ 人", listed)
    poll = _item(shown, world["poll"]["referenceId"])
    assert '<h2 id="conversation-heading">会話</h2>' in shown and ("投票する" in poll or "投票を変更する" in poll)


def test_a_sub_group_shows_what_flows_down_from_its_parent(server, world):
    """Texts and announcements to a group flow down into its sub-groups (Kaizala's hierarchical groups);
    a like there names the parent as the message's source, and a poll stays in its own group."""
    alice = world["alice"]
    crew = alice.client.post(f"/groups/{world['group']}/subgroups", json={
        "groupName": "Night crew", "welcomeMessage": "Nights", "members": [world["bob_mobile"]]})
    assert crew.status_code == 200, crew.text
    child = crew.json()["groupId"]
    down = alice.client.post(f"/groups/{world['group']}/messages", json={"message": "Everyone: gate closes at 6"})
    notice = sent(alice, world["group"], "Announcement", {"title": "Storm", "message": "Secure the site"})
    poll = sent(alice, world["group"], "Poll", {**POLL, "question": "Parent only?"})
    own = alice.client.post(f"/groups/{child}/messages", json={"message": "Night shift starts at 10"})
    with signed_in(server, world["bob"], "user-pw") as client:
        token = request_token(client)
        liked = client.post(f"/k/groups/{child}/reactions", data={
            "__REQUEST_TOKEN__": token, "referenceId": down.json()["referenceId"], "reactionType": "Like",
            "sourceGroupId": world["group"]})
        html = client.get(f"/k/groups/{child}").text
        version = re.search(r'data-version="([^"]+)"', html).group(1)
        assert alice.client.post(f"/groups/{world['group']}/messages", json={"message": "Later"}).status_code == 200
        later = re.search(r'data-version="([^"]+)"', client.get(f"/k/groups/{child}/messages").text).group(1)
    assert later != version  # what flows down changes the sub-group's conversation too
    assert liked.status_code == 303
    flowed = _item(html, down.json()["referenceId"])
    assert "Everyone: gate closes at 6" in flowed and "from Site crew" in flowed
    assert 'aria-pressed="true">Like (1)</button>' in flowed and 'name="replyTo"' not in flowed
    assert "Secure the site" in _item(html, notice["referenceId"])
    assert "Night shift starts at 10" in _item(html, own.json()["referenceId"])
    assert poll["referenceId"] not in html and "Parent only?" not in html
    summary = alice.client.get(f"/groups/{child}/reaction/{down.json()['referenceId']}/summary",
                               params={"sourceGroupId": world["group"]})
    assert summary.json()["summary"][0]["reactionsCountMap"]["like"] == 1


def test_answer_a_meeting_invitation(server, world):
    meeting = sent(world["alice"], world["group"], "LetsMeet", {
        "title": "Site walk", "startingTime": "2030-01-02T03:00:00Z", "duration": 45, "agenda": "Fences first",
        "place": {"latitude": 35.68, "longitude": 139.76, "name": "North gate"}})
    with signed_in(server, world["bob"], "user-pw") as client:
        card = _item(client.get(f"/k/groups/{world['group']}").text, meeting["referenceId"])
        assert "Site walk" in card and "45 minutes" in card and "North gate" in card and "Fences first" in card
        assert "Are you attending?" in card and 'type="radio" name="q0" value="Maybe"' in card
        answered = client.post(f"/k/groups/{world['group']}/actions/{meeting['actionId']}/responses", data={
            "__REQUEST_TOKEN__": request_token(client), "referenceId": meeting["referenceId"], "q0": "Maybe"})
        card = _item(client.get(f"/k/groups/{world['group']}").text, meeting["referenceId"])
    assert answered.status_code == 303
    assert 'data-option="Maybe">1 vote' in card and "Change response" in card
    answers = [r["responseWithQuestions"][0]["answer"] for r in _details(world, meeting)["responses"]]
    assert answers == ["Maybe"]
