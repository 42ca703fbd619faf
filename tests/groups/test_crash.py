"""A server killed with `kill -9` during a burst of group messages loses no acknowledged message's
event: each one was written with its message, in the same transaction, and is delivered after restart."""

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

        def send(first: int) -> None:
            with httpx.Client(base_url=f"{server.base_url}/kaizala/v1", headers={"accessToken": token}) as client:
                for n in range(first, 1000, 4):
                    try:
                        response = client.post(f"/groups/{group_id}/messages", json={"message": f"message {n}"})
                    except httpx.TransportError:
                        return  # the server is gone
                    assert response.status_code == 200, response.text
                    acknowledged.append(response.json()["referenceId"])

        senders = [threading.Thread(target=send, args=(first,)) for first in range(4)]
        for thread in senders:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 200:
            assert time.monotonic() < deadline, "200 messages were not acknowledged in time"
            time.sleep(0.01)
        server.process.kill()
        server.process.wait()
        for thread in senders:
            thread.join()
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
