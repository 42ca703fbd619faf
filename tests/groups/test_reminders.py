"""Reminders of actions (the Power Automate connector's SendActionReminder,
`POST /groups/{groupId}/actions/{actionId}/reminder`): a text message replying to the action's message."""

from __future__ import annotations

from tests.groups.conftest import signed_in
from tests.groups.test_actions import sent
from tests.groups.test_events import subscribe
from tests.groups.test_groups import make_group
from tests.groups.test_responses import POLL, respond


def remind(member, group_id: str, action_id: str, **params):
    return member.client.post(f"/groups/{group_id}/actions/{action_id}/reminder", params=params, json={})


def test_a_reminder_is_a_reply_to_the_action_for_those_yet_to_respond(server, connector, alice, callback):
    bob = signed_in(server, connector)
    group_id = make_group(alice, members=[bob.mobile])
    job = sent(alice, group_id, "Job", {"title": "Fix the gate", "assignedTo": [alice.mobile, bob.mobile]})
    assert respond(alice, group_id, job["actionId"], {"isCompleted": True}).status_code == 200
    subscribe(alice, group_id, callback, ["TextMessageCreated"])
    reminded = remind(alice, group_id, job["actionId"], actionType="job")
    assert reminded.status_code == 200, reminded.text
    assert reminded.json()["actionId"] == job["actionId"]
    ((_, event),) = callback.wait_for(1)
    data = event["data"]
    assert data["messageId"] == reminded.json()["referenceId"] and data["isReply"] is True
    assert data["originalMessageId"] == job["referenceId"]
    assert data["textMessage"] == "Reminder: Fix the gate (1 yet to respond)"


def test_only_the_sender_or_an_admin_reminds_of_an_action_that_takes_responses(server, connector, alice):
    bob = signed_in(server, connector)
    group_id = make_group(alice, members=[bob.mobile])
    poll = sent(bob, group_id, "Poll", POLL)["actionId"]
    notice = sent(alice, group_id, "Announcement", {"message": "Closed"})["actionId"]
    alices = sent(alice, group_id, "Poll", POLL)["actionId"]
    assert remind(bob, group_id, poll).status_code == 200  # its sender
    assert remind(alice, group_id, poll).status_code == 200  # an admin
    assert remind(bob, group_id, alices).status_code == 403
    assert remind(alice, group_id, notice).status_code == 400
    wrong = remind(alice, group_id, poll, actionType="Survey")
    assert wrong.status_code == 400 and "actionType" in wrong.json()["errors"]
    assert remind(alice, group_id, "no-such-action").status_code == 404
