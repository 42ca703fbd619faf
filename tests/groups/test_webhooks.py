"""Kaizala webhook subscriptions over HTTP: the validation handshake (echo, wrong echo, slow echo),
listing, updating, deleting, and what the connector's scopes and group membership allow."""

from __future__ import annotations

import time

import pytest

from tests.groups.callback import Callback
from tests.groups.conftest import create_connector, new_number, signed_in
from tests.groups.test_groups import make_group


@pytest.fixture()
def callback():
    receiver = Callback()
    yield receiver
    receiver.close()


def subscription(group_id: str, url: str, **extra) -> dict:
    return {"objectId": group_id, "objectType": "Group", "eventTypes": ["TextMessageCreated", "MemberAdded"],
            "callBackUrl": url, **extra}


def test_subscribing_validates_the_callback_url_first(alice, callback):
    group_id = make_group(alice)
    created = alice.client.post("/webhook", json=subscription(group_id, callback.url, callBackToken="t0k",
                                                              callBackContext="ctx"))
    assert created.status_code == 200, created.text
    assert set(created.json()) == {"webhookId"}
    assert len(callback.validations) == 1 and len(callback.validations[0]) >= 20
    listed = alice.client.get("/webhook", params={"objectId": group_id, "objectType": "Group"}).json()["webhooks"]
    (hook,) = listed
    assert set(hook) == {"id", "objectId", "objectType", "events", "filters", "callbackUrl", "callbackToken",
                         "callbackContext", "ts", "validity", "active", "disabledReason"}
    assert hook["id"] == created.json()["webhookId"] and hook["objectId"] == group_id
    assert hook["events"] == ["TextMessageCreated", "MemberAdded"] and hook["active"] is True
    assert hook["callbackUrl"] == callback.url and hook["callbackToken"] == "t0k" and hook["callbackContext"] == "ctx"
    two_years = (time.time() + 729 * 86400) * 1000
    assert hook["validity"] > two_years


def test_a_wrong_echo_refuses_the_subscription_with_the_reason(alice, callback):
    group_id = make_group(alice)
    callback.handshake = "wrong"
    refused = alice.client.post("/webhook", json=subscription(group_id, callback.url))
    assert refused.status_code == 400 and "did not echo the validationToken" in refused.json()["message"]
    assert alice.client.get("/webhook", params={"objectId": group_id, "objectType": "Group"}).json() == {"webhooks": []}


def test_a_slow_echo_refuses_the_subscription(alice, callback):
    group_id = make_group(alice)
    callback.handshake = "slow"
    started = time.monotonic()
    refused = alice.client.post("/webhook", json=subscription(group_id, callback.url))
    assert refused.status_code == 400 and "within 5 seconds" in refused.json()["message"]
    assert time.monotonic() - started < 8


def test_an_unreachable_or_private_callback_is_refused(alice):
    group_id = make_group(alice)
    closed = alice.client.post("/webhook", json=subscription(group_id, "http://127.0.0.1:9/hook"))
    assert closed.status_code == 400 and "could not be reached" in closed.json()["message"]
    private = alice.client.post("/webhook", json=subscription(group_id, "http://10.1.2.3/hook"))
    assert private.status_code == 400 and "KINFLOW_WEBHOOK_ALLOW" in private.json()["message"]


def test_update_and_delete_a_subscription(alice, callback):
    group_id = make_group(alice)
    webhook_id = alice.client.post("/webhook", json=subscription(group_id, callback.url)).json()["webhookId"]
    updated = alice.client.put(f"/webhook/{webhook_id}", json={"Active": "false", "eventTypes": ["MemberRemoved"],
                                                               "callBackContext": "new"})
    assert updated.status_code == 200, updated.text
    (hook,) = alice.client.get("/webhook", params={"objectId": group_id, "objectType": "Group"}).json()["webhooks"]
    assert hook["active"] is False and hook["events"] == ["MemberRemoved"] and hook["callbackContext"] == "new"
    assert alice.client.put(f"/webhook/{webhook_id}", json={"Active": True}).status_code == 200
    (hook,) = alice.client.get("/webhook", params={"objectId": group_id, "objectType": "Group"}).json()["webhooks"]
    assert hook["active"] is True
    assert alice.client.delete(f"/webhook/{webhook_id}").status_code == 200
    assert alice.client.get("/webhook", params={"objectId": group_id, "objectType": "Group"}).json() == {"webhooks": []}
    assert alice.client.delete(f"/webhook/{webhook_id}").status_code == 404


def test_subscriptions_need_the_scopes_membership_and_good_input(alice, server, callback):
    group_id = make_group(alice)
    stranger = signed_in(server, create_connector(server))
    assert stranger.client.post("/webhook", json=subscription(group_id, callback.url)).status_code == 403
    reader = signed_in(server, create_connector(server, ["groupinfo.read", "groupinfo.write"], name="No hooks"))
    assert reader.client.post("/webhook", json=subscription(group_id, callback.url)).status_code == 403
    for bad in ({"eventTypes": ["Everything"]}, {"eventTypes": []}, {"objectType": "Planet"},
                {"callBackUrl": "ftp://example.com/x"}, {"validity": "yesterday"}, {"validity": 1000},
                {"callBackContext": "x" * 5000}):
        refused = alice.client.post("/webhook", json={**subscription(group_id, callback.url), **bad})
        assert refused.status_code == 400, (bad, refused.text)
    assert callback.validations == []  # nothing called before the request was found good
    assert alice.client.get("/webhook", params={"objectId": group_id}).status_code == 400
    assert alice.client.put("/webhook/unknown", json={"Active": True}).status_code == 404


def test_a_subscription_whose_delivery_fails_after_the_last_retry_is_disabled_until_enabled(alice, callback):
    group_id = make_group(alice)
    webhook_id = alice.client.post("/webhook", json=subscription(group_id, callback.url)).json()["webhookId"]
    callback.status = 500
    alice.client.post(f"/groups/{group_id}/messages", json={"message": "lost"})
    deadline = time.monotonic() + 30  # Kaizala's 6 retries; the test server makes them 0.3 s apart
    while True:
        (hook,) = alice.client.get("/webhook", params={"objectId": group_id, "objectType": "Group"}).json()["webhooks"]
        if not hook["active"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert hook["active"] is False and "after the last retry (6 retries)" in hook["disabledReason"]
    assert callback.posts == 7  # the first try and 6 retries (KINFLOW_GROUPS_WEBHOOK_RETRY_DELAYS), no more
    callback.status = 200
    alice.client.post(f"/groups/{group_id}/messages", json={"message": "while disabled"})
    assert alice.client.put(f"/webhook/{webhook_id}", json={"Active": "true"}).status_code == 200
    (hook,) = alice.client.get("/webhook", params={"objectId": group_id, "objectType": "Group"}).json()["webhooks"]
    assert hook["active"] is True and hook["disabledReason"] == ""
    alice.client.post(f"/groups/{group_id}/messages", json={"message": "back"})
    ((_, event),) = callback.wait_for(1)
    assert event["data"]["text"] == "back"
