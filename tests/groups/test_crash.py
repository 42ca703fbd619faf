"""A server killed with `kill -9` during a burst of group messages, or of polls and surveys being sent
and answered, loses no acknowledged message's, action's or response's event: each one was written
with its change, in the same transaction, and reaches every subscriber after restart."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import GROUPS_ENV, WEBHOOK_ENV, database_url, start_server, stop_server
from tests.groups.callback import Callback
from tests.groups.conftest import create_connector, signed_in

# A crashed server's claims are retaken after the lease: short here so the test need not wait a minute.
CRASH_ENV = {**WEBHOOK_ENV, **GROUPS_ENV, "KINFLOW_DELIVERY_LEASE": "2"}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_during_a_burst_of_messages_loses_no_acknowledged_event(backend: str, tmp_path: Path) -> None:
    url = database_url(backend, tmp_path)
    callback = Callback()
    server = start_server(tmp_path, url, backend, CRASH_ENV)
    try:
        alice = signed_in(server, create_connector(server))
        token = alice.client.headers["accessToken"]
        group_id = alice.client.post("/groups", json={"name": "Burst", "welcomeMessage": "Hi"}).json()["groupId"]
        assert alice.client.post("/webhook", json={
            "objectId": group_id, "objectType": "Group", "eventTypes": ["TextMessageCreated"],
            "callBackUrl": callback.url}).status_code == 200
        acknowledged: list[str] = []
        failures: list[str] = []  # an assert in a thread could not fail the test: what a sender saw instead

        def send(first: int) -> None:
            with httpx.Client(base_url=f"{server.base_url}/kaizala/v1", headers={"accessToken": token}) as client:
                for n in range(first, 1000, 4):
                    try:
                        response = client.post(f"/groups/{group_id}/messages", json={"message": f"message {n}"})
                    except httpx.TransportError:
                        return  # the server is gone
                    if response.status_code != 200:
                        failures.append(response.text)
                        return
                    acknowledged.append(response.json()["referenceId"])

        senders = [threading.Thread(target=send, args=(first,)) for first in range(4)]
        for thread in senders:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 200:
            assert time.monotonic() < deadline and not failures, failures or "200 messages were not acknowledged"
            time.sleep(0.01)
        server.process.kill()
        server.process.wait()
        for thread in senders:
            thread.join()
        assert not failures, failures
        assert len(acknowledged) < 1000, "the crash came after the last message"

        server = start_server(tmp_path, url, backend, CRASH_ENV)
        deadline = time.monotonic() + 60
        while True:
            received = {event["data"]["messageId"] for _, event in list(callback.events)}
            if received.issuperset(acknowledged):
                break
            assert time.monotonic() < deadline, f"{len(set(acknowledged) - received)} acknowledged messages lost"
            time.sleep(0.1)
    finally:
        stop_server(server)
        callback.close()


def received(callback: Callback, suffix: str, key: str) -> set[str]:
    """The `key` of each event delivered whose type ends with `suffix` (Created, Response)."""
    return {event["data"][key] for _, event in list(callback.events) if event["eventType"].endswith(suffix)}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_while_polls_and_surveys_are_sent_and_answered_loses_no_acknowledged_event(
        backend: str, tmp_path: Path) -> None:
    url = database_url(backend, tmp_path)
    subscribers = [Callback(), Callback()]
    for callback in subscribers:
        callback.delay = 0.02
    # Slow receivers, taken one request at a time: many acknowledged events are still to be delivered
    # (or on their way) when the server dies.
    env = {**CRASH_ENV, "KINFLOW_WEBHOOK_DESTINATION_CONCURRENCY": "1"}
    server = start_server(tmp_path, url, backend, env)
    try:
        connector = create_connector(server)
        alice, bob, carol = (signed_in(server, connector) for _ in range(3))
        group_id = alice.client.post("/groups", json={"name": "Burst", "welcomeMessage": "Hi",
                                                      "members": [bob.mobile, carol.mobile]}).json()["groupId"]
        for callback in subscribers:
            assert alice.client.post("/webhook", json={
                "objectId": group_id, "objectType": "Group", "callBackUrl": callback.url,
                "eventTypes": ["ActionCreated", "SurveyCreated", "ActionResponse", "SurveyResponse"]}
            ).status_code == 200
        actions: list[tuple[str, str]] = []  # (actionId, actionType) of each acknowledged action
        responses: list[str] = []  # responseId of each acknowledged response
        failures: list[str] = []  # what a thread saw other than an answer or the server's end

        def send(first: int) -> None:
            for n in range(first, 1000, 2):
                kind, body = (("Poll", {"question": f"Poll {n}?", "choices": [{"title": "Yes"}, {"title": "No"}]})
                              if n % 4 < 2 else
                              ("Survey", {"title": f"Survey {n}", "questions": [{"title": "Why?", "type": "Text"}]}))
                try:
                    answer = alice.client.post(f"/groups/{group_id}/actions",
                                               json={"actionType": kind, "actionBody": body})
                except httpx.TransportError:
                    return  # the server is gone
                if answer.status_code != 200:
                    failures.append(answer.text)
                    return
                actions.append((answer.json()["actionId"], kind))

        def answer_each(member) -> None:  # noqa: ANN001
            done = 0
            while done < 1000:
                if done == len(actions):
                    time.sleep(0.005)
                    continue
                action_id, kind = actions[done]
                try:
                    answer = member.client.post(f"/groups/{group_id}/actions/{action_id}/responses", json={
                        "actionBody": {"answers": ["Yes" if kind == "Poll" else f"From {member.mobile}"]}})
                except httpx.TransportError:
                    return
                if answer.status_code != 200:
                    failures.append(answer.text)
                    return
                responses.append(answer.json()["responseId"])
                done += 1

        workers = [threading.Thread(target=send, args=(first,)) for first in range(2)]
        workers += [threading.Thread(target=answer_each, args=(member,)) for member in (bob, carol)]
        for thread in workers:
            thread.start()
        deadline = time.monotonic() + 60
        while len(actions) < 60 or len(responses) < 60:
            assert time.monotonic() < deadline, f"{len(actions)} actions, {len(responses)} responses in a minute"
            assert not failures, failures
            time.sleep(0.01)
        server.process.kill()
        server.process.wait()
        for thread in workers:
            thread.join(timeout=30)
        assert not failures, failures
        assert len(actions) < 1000, "the crash came after the last action"

        server = start_server(tmp_path, url, backend, env)
        deadline = time.monotonic() + 60
        for callback in subscribers:
            while True:
                lost = ({a for a, _ in actions} - received(callback, "Created", "actionId"),
                        set(responses) - received(callback, "Response", "responseId"))
                if not any(lost):
                    break
                assert time.monotonic() < deadline, f"{len(lost[0])} actions, {len(lost[1])} responses lost"
                time.sleep(0.1)
            kinds = {event["data"]["actionId"]: event["eventType"] for _, event in list(callback.events)
                     if event["eventType"].endswith("Created")}
            assert all(kinds[a] == ("SurveyCreated" if kind == "Survey" else "ActionCreated") for a, kind in actions)
    finally:
        stop_server(server)
        for callback in subscribers:
            callback.close()
