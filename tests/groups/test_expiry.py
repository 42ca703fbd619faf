"""What expires with time, seen by stopping the server and starting it again on its database later
(KINFLOW_TEST_CLOCK_OFFSET): polls and surveys after their expiry, jobs after their due date,
webhook subscriptions after their validity, and sign-in's PINs, send limits, access tokens and refresh tokens (renewed after 90% of their life)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import GROUPS_ENV, WEBHOOK_ENV, database_url, free_port, start_server, stop_server
from tests.groups.callback import Callback
from tests.groups.conftest import (access_token, create_connector, generate_pin, new_number, pin_from_log, sign_in,
                                   signed_in)
from tests.groups.test_actions import SURVEY, sent
from tests.groups.test_events import subscribe
from tests.groups.test_groups import make_group
from tests.groups.test_reminders import remind
from tests.groups.test_responses import POLL, RESPONSE_EVENTS, respond

HOURS_LATER = 2


def details(member, group_id: str, action_id: str) -> dict:
    answer = member.client.get(f"/groups/{group_id}/actions/{action_id}", params={"getDetails": "true"})
    assert answer.status_code == 200, answer.text
    return answer.json()["actionDetails"]


def expiry(action: dict) -> datetime:
    return datetime.strptime(action["expiryDate"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_expired_polls_and_surveys_refuse_responses_and_reminders_and_keep_their_summaries(
        backend: str, tmp_path: Path) -> None:
    url = database_url(backend, tmp_path)
    env = {**WEBHOOK_ENV, **GROUPS_ENV, "KINFLOW_PORT": str(free_port())}  # one port: the clients outlive a restart
    callback, lapsing = Callback(), Callback()
    server = start_server(tmp_path, url, backend, env)
    try:
        connector = create_connector(server)
        alice, bob = signed_in(server, connector), signed_in(server, connector)
        group_id = make_group(alice, members=[bob.mobile])
        subscribe(alice, group_id, callback, [*RESPONSE_EVENTS, "TextMessageCreated"])
        # A subscription valid for one hour hears what happens before the restart only.
        hour = int((time.time() + 3600) * 1000)
        lapsed = alice.client.post("/webhook", json={
            "objectId": group_id, "objectType": "Group", "eventTypes": [*RESPONSE_EVENTS, "TextMessageCreated"],
            "callBackUrl": lapsing.url, "validity": hour})
        assert lapsed.status_code == 200, lapsed.text
        lapsing_id = lapsed.json()["webhookId"]
        poll = sent(alice, group_id, "Poll", {**POLL, "expiryInHours": 1})
        open_poll = sent(alice, group_id, "Poll", {**POLL, "question": "Dinner?", "expiryInHours": 3})
        survey = sent(alice, group_id, "Survey", {**SURVEY, "dueDate": 1, "acceptMultipleResponses": False})
        job = sent(alice, group_id, "Job", {"title": "Fix the gate", "assignedTo": [bob.mobile], "dueDate": 1})
        assert respond(bob, group_id, poll["actionId"], {"answers": ["Yes"]}).status_code == 200
        answered = respond(bob, group_id, survey["actionId"], {"answers": ["Before", *[None] * 6]})
        assert answered.status_code == 200, answered.text
        callback.wait_for(2)
        lapsing.wait_for(2)
        before = {a: details(alice, group_id, a) for a in (poll["actionId"], survey["actionId"])}
        stop_server(server)

        server = start_server(tmp_path, url, backend, {**env, "KINFLOW_TEST_CLOCK_OFFSET": str(HOURS_LATER * 3600)})
        assert "KINFLOW_TEST_CLOCK_OFFSET" in server.log_path.read_text()  # said loudly
        for action, body in [(poll, {"answers": ["No"]}), (survey, {"answers": ["After", *[None] * 6]})]:
            refused = respond(bob, group_id, action["actionId"], body)
            assert refused.status_code == 400, refused.text
            assert list(refused.json()["errors"]) == ["actionId"] and "expired at" in refused.json()["message"]
        changed = respond(bob, group_id, survey["actionId"], {"answers": ["After", *[None] * 6]},
                          responseId=answered.json()["responseId"])
        assert changed.status_code == 400 and "expired at" in changed.json()["message"]
        for action in (poll, survey):
            refused = remind(alice, group_id, action["actionId"])
            assert refused.status_code == 400 and "expired at" in refused.json()["message"], refused.text

        # Nothing of the refusals was written: each summary is as it was at expiry.
        for action_id, shown in before.items():
            assert details(alice, group_id, action_id) == shown
        assert before[poll["actionId"]]["summary"][0]["options"] == [{"title": "Yes", "count": 1},
                                                                    {"title": "No", "count": 0}]
        assert before[survey["actionId"]]["responses"][0]["responseWithQuestions"][0]["answer"] == "Before"
        listed = alice.client.get(f"/groups/{group_id}/actions", params={"actionType": "Poll"}).json()["actions"]
        assert [a["actionBody"]["responseCount"] for a in listed] == [1, 0]

        # The three-hour poll is still open; a job past its due date may still be done and reminded of.
        assert respond(bob, group_id, open_poll["actionId"], {"answers": ["No"]}).status_code == 200
        assert remind(alice, group_id, open_poll["actionId"]).status_code == 200
        assert respond(bob, group_id, job["actionId"], {"isCompleted": True}).status_code == 200
        assert remind(alice, group_id, job["actionId"]).status_code == 200
        events = [event for _, event in callback.wait_for(6)[2:]]
        assert sorted(e["eventType"] for e in events) == ["ActionResponse", "JobResponse", "TextMessageCreated",
                                                          "TextMessageCreated"]
        assert {e["data"].get("actionId") for e in events if e["eventType"] != "TextMessageCreated"} == {
            open_poll["actionId"], job["actionId"]}
        time.sleep(0.5)
        assert len(lapsing.events) == 2
        hooks = alice.client.get("/webhook", params={"objectId": group_id, "objectType": "Group"}).json()["webhooks"]
        assert [(h["active"], h["validity"]) for h in hooks if h["id"] == lapsing_id] == [(False, hour)]

        # What the server sends now expires counted from its clock, two hours ahead of the real one.
        later = sent(alice, group_id, "Poll", {**POLL, "expiryInHours": 1})
        expected = datetime.now(timezone.utc) + timedelta(hours=HOURS_LATER + 1)
        assert abs(expiry(details(alice, group_id, later["actionId"])) - expected) < timedelta(minutes=1)
    finally:
        stop_server(server)
        callback.close()
        lapsing.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_pins_send_limits_and_tokens_expire_with_time(backend: str, tmp_path: Path) -> None:
    url = database_url(backend, tmp_path)
    env = {**GROUPS_ENV, "KINFLOW_PORT": str(free_port())}
    server = start_server(tmp_path, url, backend, env)

    def later(seconds: float):  # noqa: ANN202
        stop_server(server)
        return start_server(tmp_path, url, backend, {**env, "KINFLOW_TEST_CLOCK_OFFSET": str(seconds)})

    try:
        connector = create_connector(server)
        alice = signed_in(server, connector)
        refresh = sign_in(server, connector, alice.mobile)["refreshToken"]
        waiting, limited = new_number(), new_number()
        with server.client() as client:
            assert generate_pin(client, waiting, connector["applicationId"]).status_code == 200
            for _ in range(5):
                assert generate_pin(client, limited, connector["applicationId"]).status_code == 200
        pin = pin_from_log(server, waiting)

        server = later(11 * 60)  # the PIN's ten minutes are over; the hour of the send limit is not
        with server.client() as client:
            expired = client.post("/kaizala/v1/loginWithPinAndApplicationId", json={
                "mobileNumber": waiting, "applicationId": connector["applicationId"], "pin": int(pin)})
            assert expired.status_code == 401 and "expired" in expired.json()["message"], expired.text
            assert generate_pin(client, limited, connector["applicationId"]).status_code == 429
        assert alice.client.get("/groups").status_code == 200

        server = later(25 * 3600)  # a day: the access token is over, the refresh token is not
        refused = alice.client.get("/groups")
        assert refused.status_code == 401 and "expired" in refused.json()["message"], refused.text
        renewed = access_token(server, connector, refresh)
        assert renewed.status_code == 200, renewed.text
        assert renewed.json()["refreshToken"] == ""  # not renewed before 90% of its life
        assert alice.client.get("/groups", headers={"accessToken": renewed.json()["accessToken"]}).status_code == 200
        with server.client() as client:
            assert generate_pin(client, limited, connector["applicationId"]).status_code == 200

        server = later(330 * 86_400)  # past 90% of the refresh token's year: renewed in the answer
        answer = access_token(server, connector, refresh)
        assert answer.status_code == 200, answer.text
        successor = answer.json()["refreshToken"]
        assert successor and successor != refresh

        server = later(366 * 86_400)  # the first refresh token's year is over, its successor's is not
        gone = access_token(server, connector, refresh)
        assert gone.status_code == 401 and "expired" in gone.json()["message"], gone.text
        assert access_token(server, connector, successor).status_code == 200
    finally:
        stop_server(server)
