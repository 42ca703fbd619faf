"""Numbers sent as text to the groups API: digits other than ASCII ("²" passes `str.isdigit` but not
`int`), and instants past the year 9999, are each a 400 naming the field, never a server error."""

from __future__ import annotations

from tests.groups.test_actions import post_action
from tests.groups.test_groups import make_group
from tests.groups.test_responses import POLL


def test_odd_digits_and_far_instants_are_refused(alice, callback):
    group_id = make_group(alice)
    public_id = make_group(alice, groupType="ConnectGroup")
    calls = [
        (alice.client.get(f"/groups/{group_id}/reaction/summary", params={"cursor": "²"}), "cursor"),
        (alice.client.get(f"/groups/{group_id}/reaction/summary", params={"cursor": "9" * 18}), "cursor"),
        (alice.client.get(f"/groups/{group_id}/actions", params={"actionType": "Poll", "fromDate": "9" * 15}),
         "fromDate"),
        (alice.client.get(f"/groups/{group_id}/actions", params={"actionType": "Poll", "count": "²"}), "count"),
        (post_action(alice, group_id, "Poll", {**POLL, "expiryInHours": "²"}), "expiryInHours"),
        (post_action(alice, group_id, "Poll", {**POLL, "expiryInHours": "9" * 5000}), "expiryInHours"),
        (alice.client.post(f"/groups/{public_id}/subscribers", json={"cursor": "²"}), "cursor"),
        (post_action(alice, group_id, "LetsMeet", {"title": "Late", "startingTime": "9999-12-31T23:59:59Z"}),
         "startingTime"),
        (post_action(alice, group_id, "LetsMeet", {"title": "Early", "startingTime": "0001-01-01T00:00:00+05:00"}),
         "startingTime"),
        (alice.client.post("/webhook", json={
            "objectId": group_id, "objectType": "Group", "eventTypes": ["TextMessageCreated"],
            "callBackUrl": callback.url, "validity": "9" * 15}), "validity"),
    ]
    for answer, field in calls:
        assert answer.status_code == 400, (answer.request.url, answer.text)
        assert field in answer.json()["errors"], answer.text
