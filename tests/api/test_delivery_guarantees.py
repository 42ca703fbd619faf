"""The delivery guarantees under stress: a server killed with `kill -9` mid-stream loses no
acknowledged event and invents none, and two worker processes on PostgreSQL share the queue without
delivering an event twice, woken by PostgreSQL's notifications."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.api.test_webhooks import subscribe, wait_until
from tests.conftest import WEBHOOK_ENV, database_url, make_app, start_server, stop_server
from tests.receiver import Receiver

FIELDS = {"n": {"type": "NUMBER", "code": "n", "label": "N"}}
# A crashed server's claims are retaken after the lease: short here so the test need not wait a minute.
CRASH_ENV = {**WEBHOOK_ENV, "KINFLOW_DELIVERY_LEASE": "2"}


def all_record_ids(admin: httpx.Client, app: str) -> set[str]:
    ids: set[str] = set()
    last = 0
    while True:
        page = admin.get("/k/v1/records.json", params={
            "app": app, "fields[0]": "$id", "query": f"$id > {last} order by $id asc limit 500"}).json()["records"]
        if not page:
            return ids
        ids.update(r["$id"]["value"] for r in page)
        last = int(page[-1]["$id"]["value"])


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_during_writes_loses_no_acknowledged_event(backend: str, tmp_path: Path) -> None:
    url = database_url(backend, tmp_path)
    receiver = Receiver()
    server = start_server(tmp_path, url, backend, CRASH_ENV)
    try:
        with server.admin() as admin:
            app = make_app(admin, FIELDS)
            subscribe(admin, app, receiver.url, events=["ADD_RECORD"])
        acknowledged: list[str] = []

        def write(first: int) -> None:
            with server.admin() as client:
                for n in range(first, 1000, 4):
                    try:
                        response = client.post("/k/v1/record.json", json={"app": app, "record": {"n": {"value": n}}})
                    except httpx.TransportError:
                        return  # the server is gone
                    assert response.status_code == 200, response.text
                    acknowledged.append(response.json()["id"])

        writers = [threading.Thread(target=write, args=(first,)) for first in range(4)]
        for thread in writers:
            thread.start()
        wait_until(lambda: len(acknowledged) >= 400, what="400 acknowledged writes")
        server.process.kill()
        server.process.wait()
        for thread in writers:
            thread.join()
        assert len(acknowledged) < 1000, "the crash came after the last write"

        server = start_server(tmp_path, url, backend, CRASH_ENV)
        received: set[str] = set()

        def all_acknowledged_arrived() -> bool:
            received.update(e["record"]["$id"]["value"] for e in receiver.events())
            return received.issuperset(acknowledged)

        wait_until(all_acknowledged_arrived, timeout=60, what="every acknowledged write's event")
        with server.admin() as admin:
            stored = all_record_ids(admin, app)
        assert set(acknowledged) <= stored
        assert received <= stored, f"events for changes that are not in the database: {received - stored}"
    finally:
        stop_server(server)
        receiver.close()


def test_two_postgresql_workers_deliver_each_event_once(tmp_path: Path) -> None:
    url = database_url("postgresql", tmp_path)
    receiver = Receiver()
    # Workers would look for work only every ten minutes: PostgreSQL's notifications must wake them.
    env = {**WEBHOOK_ENV, "KINFLOW_DELIVERY_WORKER": "false", "KINFLOW_DELIVERY_POLL": "600"}
    server = start_server(tmp_path, url, "postgresql", env)
    # The server's data folder holds the secret key the webhook secrets are encrypted with.
    worker_env = {**os.environ, **env, "KINFLOW_DATABASE_URL": url, "KINFLOW_DATA_DIR": str(server.data_dir)}
    workers = [subprocess.Popen([sys.executable, "-m", "kinflow.cli", "worker", "--name", name], env=worker_env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT) for name in ("w1", "w2")]
    try:
        with server.admin() as admin:
            app = make_app(admin, FIELDS)
            webhook = subscribe(admin, app, receiver.url, events=["ADD_RECORD"])
            ids: list[str] = []
            for batch in range(50):
                response = admin.post("/k/v1/records.json", json={"app": app, "records": [
                    {"n": {"value": batch * 100 + n}} for n in range(100)]})
                assert response.status_code == 200, response.text
                ids.extend(response.json()["ids"])
            receiver.wait_for(5000, timeout=120)
            time.sleep(1)  # anything delivered twice would arrive now
            events = receiver.events()
            assert len(events) == 5000
            assert len({e["id"] for e in events}) == 5000
            assert sorted(e["record"]["$id"]["value"] for e in events) == sorted(ids)
            workers_seen: set[str] = set()
            for offset in range(0, 5000, 500):
                page = admin.get("/kinflow/v1/webhook/deliveries.json",
                                 params={"app": app, "id": webhook["id"], "limit": 500, "offset": offset})
                for delivery in page.json()["deliveries"]:
                    assert delivery["state"] == "delivered"
                    assert len(delivery["attempts"]) == 1, delivery
                    workers_seen.add(delivery["attempts"][0]["worker"])
            assert workers_seen == {"w1", "w2"}
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(timeout=15)
        stop_server(server)
        receiver.close()
