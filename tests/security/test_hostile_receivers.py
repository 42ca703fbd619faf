"""Receivers that misbehave hurt only their own deliveries: one answering NUL bytes or invalid UTF-8,
one that never answers, one answering 2 GB, and 200 webhooks of one app pointing at a black hole.
Every other webhook's events still arrive once and on time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.test_webhooks import FIELDS, add, deliveries, subscribe, wait_until
from tests.conftest import WEBHOOK_ENV, Server, make_app
from tests.receiver import BlackHole, Flood, Receiver
from tests.security.delivery_servers import dedicated_server

TIMEOUT = 3.0
LEASE = 8.0  # a lost attempt log would show as a redelivery after this long
ENV = {**WEBHOOK_ENV, "KINFLOW_WEBHOOK_TIMEOUT": str(TIMEOUT), "KINFLOW_DELIVERY_LEASE": str(LEASE),
       "KINFLOW_WEBHOOKS_PER_APP": "200"}
RECORDS = 10


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory) -> Iterator[Server]:
    yield from dedicated_server(request, tmp_path_factory, ENV)


def peak_memory_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


def test_hostile_receivers_do_not_hurt_other_webhooks(server, admin):
    good, other, nul, invalid = Receiver(), Receiver(), Receiver(), Receiver()
    nul.answer = b'{"ok": true}\x00\x00 and more \x00'
    invalid.answer = b"\xff\xfe\xc3( not UTF-8 \xed\xa0\x80"
    hole, flood = BlackHole(), Flood()
    try:
        hostile_app = make_app(admin, FIELDS, name="Hostile receivers")
        quiet_app = make_app(admin, FIELDS, name="Quiet app")
        ids = {name: subscribe(admin, hostile_app, url, events=["ADD_RECORD"])["id"]
               for name, url in (("good", good.url), ("nul", nul.url), ("invalid", invalid.url),
                                 ("hole", hole.url()), ("flood", flood.url))}
        other_id = subscribe(admin, quiet_app, other.url, events=["ADD_RECORD"])["id"]

        for n in range(RECORDS):
            add(admin, hostile_app, Company=f"H{n}")
            add(admin, quiet_app, Company=f"Q{n}")
        written = time.time()
        for receiver in (good, other, nul, invalid):
            arrived = receiver.wait_for(RECORDS, timeout=10)
            assert max(r.at for r in arrived) - written < TIMEOUT, "delivered late"

        # Every attempt is logged: the good ones are settled, none is left to be redelivered when
        # its lease runs out.
        for webhook, app in ((ids["good"], hostile_app), (ids["nul"], hostile_app),
                             (ids["invalid"], hostile_app), (ids["flood"], hostile_app), (other_id, quiet_app)):
            settled = wait_until(lambda: len(deliveries(admin, app, webhook, state="delivered")) == RECORDS,
                                 timeout=10, what=f"{RECORDS} delivered of webhook {webhook}")
            assert settled
        [logged] = deliveries(admin, hostile_app, ids["nul"], limit=1)[0]["attempts"]
        assert logged["status"] == 200 and logged["response"].startswith('{"ok": true}\ufffd')
        [logged] = deliveries(admin, hostile_app, ids["invalid"], limit=1)[0]["attempts"]
        assert logged["status"] == 200 and "not UTF-8" in logged["response"] and "\ufffd" in logged["response"]
        [logged] = deliveries(admin, hostile_app, ids["flood"], limit=1)[0]["attempts"]
        assert logged["status"] == 200 and logged["response"] == "x" * 500

        time.sleep(LEASE + 1)
        for receiver in (good, other, nul, invalid):
            notifications = [r.json["id"] for r in receiver.requests]
            assert len(notifications) == RECORDS == len(set(notifications)), "an event arrived twice"
        # The 2 GB answers were cut short after their first bytes, and never held in memory.
        assert len(flood.sent) == RECORDS and max(flood.sent) < 64 * 1024 * 1024
        assert peak_memory_mb(server.process.pid) < 400
    finally:
        for receiver in (good, other, nul, invalid, hole, flood):
            receiver.close()


def test_two_hundred_black_hole_webhooks_of_one_app_do_not_delay_another_app(server, admin):
    hole, receiver = BlackHole(), Receiver()
    try:
        busy_app = make_app(admin, FIELDS, name="Two hundred black holes")
        for n in range(200):
            subscribe(admin, busy_app, hole.url(f"hole/{n}"), events=["ADD_RECORD"])
        one_more = admin.post("/kinflow/v1/webhooks.json",
                              json={"app": busy_app, "url": hole.url("hole/200"), "events": ["ADD_RECORD"]})
        assert one_more.status_code == 400 and "at most 200 webhooks" in one_more.text  # KINFLOW_WEBHOOKS_PER_APP
        other_app = make_app(admin, FIELDS, name="Served on time")
        subscribe(admin, other_app, receiver.url, events=["ADD_RECORD"])

        add(admin, busy_app, Company="Into the void")
        time.sleep(0.5)  # the black hole's requests are in flight
        written = time.time()
        add(admin, other_app, Company="On time")
        [arrived] = receiver.wait_for(1, timeout=30)
        assert arrived.at - written < 2.0, f"delivered after {arrived.at - written:.1f} s"

        # The black hole kept timing out: its breaker opened and its other deliveries are logged
        # without a request, to be tried after the cool-down.
        def left_alone() -> list[dict]:
            return [a for webhook in admin.get("/kinflow/v1/webhooks.json", params={"app": busy_app}).json()["webhooks"][:40]
                    for d in deliveries(admin, busy_app, webhook["id"])
                    for a in d["attempts"] if a["error"].startswith("Not sent")]

        wait_until(left_alone, timeout=4 * TIMEOUT, what="deliveries left alone by the breaker")
        assert len(hole.connections) <= 40, f"{len(hole.connections)} requests to a receiver that never answers"

        add(admin, other_app, Company="Still on time")
        written = time.time()
        receiver.wait_for(2, timeout=30)
        assert receiver.requests[1].at - written < 2.0
    finally:
        hole.close()
        receiver.close()
