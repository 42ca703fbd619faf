"""Concurrent writes that collide on a field with `unique: true` answer kintone's duplicate error.

Each request checks for the value, finds none and inserts: on PostgreSQL two transactions can both
pass the check, and the unique index stops the second. That must be the same `CB_VA01` the
sequential case answers, never a 500.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import make_app

DUPLICATE = ["This value already exists in another record."]
THREADS = 16


@pytest.fixture(scope="module")
def app(server):
    with server.admin() as admin:
        return make_app(admin, {
            "code": {"type": "SINGLE_LINE_TEXT", "code": "code", "label": "Code", "unique": True},
            "number": {"type": "NUMBER", "code": "number", "label": "Number", "unique": True},
            "note": {"type": "SINGLE_LINE_TEXT", "code": "note", "label": "Note"},
        }, name="Unique races")


def _race(server, send) -> list:
    """`send(client, n)` from THREADS threads at once, each on its own connection; the responses."""
    clients = [server.admin() for _ in range(THREADS)]
    try:
        for client in clients:  # connections open before the race starts
            assert client.get("/healthz").status_code == 200
        with ThreadPoolExecutor(THREADS) as pool:
            return list(pool.map(send, clients, range(THREADS)))
    finally:
        for client in clients:
            client.close()


def _one_wins(responses: list, key: str) -> None:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * (THREADS - 1), [r.text for r in responses if r.status_code != 200]
    for response in responses:
        if response.status_code == 400:
            body = response.json()
            assert body["code"] == "CB_VA01", body
            assert body["errors"] == {key: {"messages": DUPLICATE}}, body


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_adds_of_one_value(server, app, round_):
    value = f"race-{round_}"
    responses = _race(server, lambda client, n: client.post(
        "/k/v1/record.json", json={"app": app, "record": {"code": {"value": value}}}))
    _one_wins(responses, "record.code.value")


def test_concurrent_batch_adds_name_the_colliding_record(server, app):
    responses = _race(server, lambda client, n: client.post("/k/v1/records.json", json={"app": app, "records": [
        {"code": {"value": f"own-{n}"}}, {"number": {"value": "42"}}]}))
    _one_wins(responses, "records[1].number.value")


def test_concurrent_upserts_of_one_key(server, app):
    responses = _race(server, lambda client, n: client.put("/k/v1/records.json", json={
        "app": app, "upsert": True, "records": [
            {"updateKey": {"field": "code", "value": "upserted"}, "record": {"note": {"value": str(n)}}}]}))
    # A request that found the record updates it; one that inserted beside another collides.
    assert all(r.status_code in (200, 400) for r in responses), [r.text for r in responses]
    assert [r.json()["records"][0]["operation"] for r in responses if r.status_code == 200].count("INSERT") == 1
    for response in responses:
        if response.status_code == 400:
            assert response.json()["errors"] == {"records[0].code.value": {"messages": DUPLICATE}}


def test_concurrent_updates_to_one_value(server, app):
    with server.admin() as admin:
        ids = [admin.post("/k/v1/record.json", json={"app": app, "record": {"code": {"value": f"upd-{n}"}}}).json()["id"]
               for n in range(THREADS)]
    responses = _race(server, lambda client, n: client.put("/k/v1/record.json", json={
        "app": app, "id": ids[n], "record": {"code": {"value": "taken"}}}))
    _one_wins(responses, "record.code.value")
