"""kintone webhooks: exact payloads to a real receiver, subscriptions through the API and the
integration endpoints, signatures, the address guard, the payload limit, retries, the attempt log and
redelivery."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from kinflow.webhooks.signing import verify
from tests.conftest import make_app
from tests.receiver import Receiver

FIELDS = {
    "Company": {"type": "SINGLE_LINE_TEXT", "code": "Company", "label": "Company"},
    "Amount": {"type": "NUMBER", "code": "Amount", "label": "Amount"},
    "Notes": {"type": "MULTI_LINE_TEXT", "code": "Notes", "label": "Notes"},
}
ALL_EVENTS = ["ADD_RECORD", "UPDATE_RECORD", "DELETE_RECORD", "UPDATE_STATUS", "ADD_RECORD_COMMENT"]


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture()
def app(admin) -> str:
    return make_app(admin, FIELDS, name="Lead Management")


def subscribe(admin, app, url, events=ALL_EVENTS, **extra) -> dict:
    response = admin.post("/kinflow/v1/webhooks.json", json={"app": app, "url": url, "events": events, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def deliveries(admin, app, webhook, **params) -> list[dict]:
    response = admin.get("/kinflow/v1/webhook/deliveries.json", params={"app": app, "id": webhook, **params})
    assert response.status_code == 200, response.text
    return response.json()["deliveries"]


def wait_until(condition: Callable[[], object], timeout: float = 30, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def add(admin, app, **values) -> str:
    record = {code: {"value": value} for code, value in values.items()}
    response = admin.post("/k/v1/record.json", json={"app": app, "record": record})
    assert response.status_code == 200, response.text
    return response.json()["id"]


def get_record(admin, app, record_id) -> dict:
    return admin.get("/k/v1/record.json", params={"app": app, "id": record_id}).json()["record"]


def is_uuid(text: str) -> bool:
    return str(uuid.UUID(text)) == text


def test_add_update_delete_payloads_are_kintones(server, admin, app, receiver):
    subscribe(admin, app, receiver.url)
    record_id = add(admin, app, Company="Cybozu, Inc.", Amount="100")
    added = receiver.wait_for(1)[0].json
    assert set(added) == {"id", "type", "app", "record", "recordTitle", "url"}
    assert is_uuid(added["id"])
    assert added["type"] == "ADD_RECORD"
    assert added["app"] == {"id": app, "name": "Lead Management"}
    assert added["record"] == get_record(admin, app, record_id)
    assert added["recordTitle"] == "Cybozu, Inc."
    assert added["url"] == f"{server.base_url}/k/{app}/show#record={record_id}"

    admin.put("/k/v1/record.json", json={"app": app, "id": record_id, "record": {"Amount": {"value": "250"}}})
    updated = receiver.wait_for(2)[1].json
    assert updated["type"] == "UPDATE_RECORD"
    assert updated["record"] == get_record(admin, app, record_id)
    assert updated["record"]["Amount"]["value"] == "250"
    assert updated["id"] != added["id"]

    admin.delete("/k/v1/records.json", params={"app": app, "ids[0]": record_id})
    deleted = receiver.wait_for(3)[2].json
    assert set(deleted) == {"id", "type", "app", "recordId", "deletedBy", "deletedAt"}
    assert deleted["type"] == "DELETE_RECORD"
    assert deleted["app"] == {"id": app, "name": "Lead Management"}
    assert deleted["recordId"] == record_id
    assert deleted["deletedBy"]["code"] == "Administrator"
    assert deleted["deletedBy"]["name"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", deleted["deletedAt"])


def test_only_subscribed_events_are_sent(admin, app, receiver):
    subscribe(admin, app, receiver.url, events=["DELETE_RECORD"])
    record_id = add(admin, app, Company="Quiet")
    admin.put("/k/v1/record.json", json={"app": app, "id": record_id, "record": {"Amount": {"value": "1"}}})
    admin.delete("/k/v1/records.json", params={"app": app, "ids[0]": record_id})
    receiver.wait_for(1)
    time.sleep(0.5)
    assert [e["type"] for e in receiver.events()] == ["DELETE_RECORD"]


def test_bulk_apis_send_one_event_per_record(admin, app, receiver):
    subscribe(admin, app, receiver.url)
    ids = admin.post("/k/v1/records.json", json={"app": app, "records": [
        {"Company": {"value": f"c{i}"}} for i in range(5)]}).json()["ids"]
    admin.put("/k/v1/records.json", json={"app": app, "records": [
        {"id": i, "record": {"Amount": {"value": "7"}}} for i in ids]})
    admin.delete("/k/v1/records.json", params={"app": app, **{f"ids[{n}]": i for n, i in enumerate(ids)}})
    receiver.wait_for(15)
    by_type: dict[str, list[str]] = {}
    for event in receiver.events():
        by_type.setdefault(event["type"], []).append(event.get("recordId") or event["record"]["$id"]["value"])
    assert {t: sorted(v) for t, v in by_type.items()} == {
        "ADD_RECORD": sorted(ids), "UPDATE_RECORD": sorted(ids), "DELETE_RECORD": sorted(ids)}


def test_events_of_one_record_arrive_in_order(admin, app, receiver):
    subscribe(admin, app, receiver.url, events=["UPDATE_RECORD"])
    record_id = add(admin, app, Company="Ordered")
    for n in range(20):
        admin.put("/k/v1/record.json", json={"app": app, "id": record_id, "record": {"Amount": {"value": str(n)}}})
    receiver.wait_for(20)
    amounts = [e["record"]["Amount"]["value"] for e in receiver.events()]
    assert amounts == [str(n) for n in range(20)]


def test_requests_are_signed_with_the_webhook_secret(admin, app, receiver):
    webhook = subscribe(admin, app, receiver.url, events=["ADD_RECORD"])
    assert len(webhook["secret"]) >= 32
    add(admin, app, Company="Signed")
    request = receiver.wait_for(1)[0]
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["x-kinflow-event"] == "ADD_RECORD"
    assert headers["x-kinflow-notification-id"] == request.json["id"]
    assert abs(int(headers["x-kinflow-timestamp"]) - time.time()) < 60
    assert verify(webhook["secret"], headers["x-kinflow-timestamp"], request.body, headers["x-kinflow-signature"])
    assert not verify("another secret", headers["x-kinflow-timestamp"], request.body,
                      headers["x-kinflow-signature"])


def test_inactive_webhooks_get_nothing(admin, app, receiver):
    webhook = subscribe(admin, app, receiver.url, events=["ADD_RECORD"], active=False)
    add(admin, app, Company="Nobody hears")
    other = Receiver()
    try:
        subscribe(admin, app, other.url, events=["ADD_RECORD"])
        add(admin, app, Company="Someone hears")
        other.wait_for(2 - 1)
        time.sleep(0.3)
        assert receiver.requests == []
        switched = admin.put("/kinflow/v1/webhooks.json", json={"app": app, "id": webhook["id"], "active": True})
        assert switched.json()["active"] is True
        add(admin, app, Company="Now it hears")
        assert receiver.wait_for(1)[0].json["record"]["Company"]["value"] == "Now it hears"
    finally:
        other.close()


def test_subscription_api_lists_updates_deletes_and_dedupes(admin, app, receiver):
    first = subscribe(admin, app, receiver.url, events=["ADD_RECORD", "UPDATE_RECORD"], description="CRM")
    again = subscribe(admin, app, receiver.url, events=["UPDATE_RECORD", "ADD_RECORD"])
    assert first["created"] is True and again["created"] is False and again["id"] == first["id"]
    listed = admin.get("/kinflow/v1/webhooks.json", params={"app": app}).json()["webhooks"]
    assert [(w["id"], w["url"], w["events"], w["description"], w["active"]) for w in listed] == [
        (first["id"], receiver.url, ["ADD_RECORD", "UPDATE_RECORD"], "CRM", True)]
    assert "secret" not in listed[0]
    assert admin.delete("/kinflow/v1/webhooks.json", params={"app": app, "id": first["id"]}).status_code == 200
    assert admin.get("/kinflow/v1/webhooks.json", params={"app": app}).json()["webhooks"] == []
    missing = admin.delete("/kinflow/v1/webhooks.json", params={"app": app, "id": first["id"]})
    assert missing.status_code == 404 and missing.json()["code"] == "KF_WH01"


@pytest.mark.parametrize("url, problem", [
    ("http://10.1.2.3/hook", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[::1]:9/hook", "loopback"),
    ("ftp://example.com/hook", "http or https"),
    ("not a url", "http or https"),
])
def test_address_guard_and_url_form(admin, app, url, problem):
    response = admin.post("/kinflow/v1/webhooks.json", json={"app": app, "url": url, "events": ["ADD_RECORD"]})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "CB_VA01" and body["id"] and body["message"]
    assert problem in body["errors"]["url"]["messages"][0]


def test_bad_subscriptions_are_refused_in_kintones_format(admin, app, receiver):
    for body in ({"url": receiver.url, "events": ["NOPE"]}, {"url": receiver.url, "events": []},
                 {"url": receiver.url}, {"events": ["ADD_RECORD"]},
                 {"url": receiver.url, "events": ["ADD_RECORD"], "active": "maybe"}):
        response = admin.post("/kinflow/v1/webhooks.json", json={"app": app, **body})
        assert response.status_code == 400, (body, response.text)
        assert response.json()["code"] == "CB_VA01"
    assert admin.get("/kinflow/v1/webhooks.json", params={"app": app}).json()["webhooks"] == []


def test_integration_endpoints_subscribe_and_unsubscribe(server, admin, app, receiver):
    created = admin.post("/k/integration/v1/preview/app/webhook.json",
                         json={"app": app, "url": receiver.url, "type": "ADD_RECORD"})
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    assert location.startswith(f"{server.base_url}/k/integration/v1/preview/app/webhook.json?")
    same = admin.post("/k/integration/v1/preview/app/webhook.json",
                      json={"app": app, "url": receiver.url, "type": "ADD_RECORD"})
    assert same.status_code == 201 and same.headers["Location"] == location

    per_event = {}
    for path, event in [("update_record", "UPDATE_RECORD"), ("delete_record", "DELETE_RECORD"),
                        ("add_record_comment", "ADD_RECORD_COMMENT"), ("update_status", "UPDATE_STATUS")]:
        response = admin.post(f"/k/integration/v1/preview/app/webhook/{path}.json",
                              json={"app": app, "url": receiver.url})
        assert response.status_code == 201, response.text
        assert response.json()["events"] == [event]
        per_event[event] = response.headers["Location"]
    listed = admin.get("/kinflow/v1/webhooks.json", params={"app": app}).json()["webhooks"]
    assert sorted(w["events"][0] for w in listed) == sorted(ALL_EVENTS)

    record_id = add(admin, app, Company="Via connector")
    assert receiver.wait_for(1)[0].json["type"] == "ADD_RECORD"
    assert admin.delete(location).status_code == 200
    assert admin.delete(per_event["UPDATE_RECORD"]).status_code == 200
    add(admin, app, Company="After unsubscribing")
    admin.put("/k/v1/record.json", json={"app": app, "id": record_id, "record": {"Amount": {"value": "3"}}})
    admin.delete("/k/v1/records.json", params={"app": app, "ids[0]": record_id})
    receiver.wait_for(2)
    time.sleep(0.5)
    assert [e["type"] for e in receiver.events()] == ["ADD_RECORD", "DELETE_RECORD"]
    gone = admin.delete(location)
    assert gone.status_code == 404 and gone.json()["code"] == "KF_WH01"
    for webhook_id in ("349646796551", "-1", "x"):
        unknown = admin.delete("/k/integration/v1/preview/app/webhook.json", params={"app": app, "id": webhook_id})
        assert unknown.status_code == 404 and unknown.json()["code"] == "KF_WH01", unknown.text


def test_integration_endpoints_need_app_management(server, admin, app, receiver):
    viewer = admin.post("/kinflow/v1/users.json", json={"code": f"viewer-{uuid.uuid4().hex[:6]}",
                                                         "name": "Viewer", "password": "viewer-pass"})
    assert viewer.status_code == 200, viewer.text
    from tests.conftest import password_header

    with server.client(password_header(viewer.json()["code"], "viewer-pass")) as client:
        response = client.post("/k/integration/v1/preview/app/webhook.json",
                               json={"app": app, "url": receiver.url, "type": "ADD_RECORD"})
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "CB_NO02"


def test_payload_over_one_megabyte_is_a_failed_delivery(admin, receiver):
    # No one field may hold a megabyte (kintone's text limits), so the record carries it in table rows.
    line = {"type": "MULTI_LINE_TEXT", "code": "Line", "label": "Line"}
    app = make_app(admin, {"Lines": {"type": "SUBTABLE", "code": "Lines", "fields": {"Line": line}}})
    webhook = subscribe(admin, app, receiver.url, events=["ADD_RECORD"])
    rows = [{"value": {"Line": {"value": "x" * 60_000}}} for _ in range(18)]
    response = admin.post("/k/v1/record.json", json={"app": app, "record": {"Lines": {"value": rows}}})
    assert response.status_code == 200, response.text
    failed = wait_until(lambda: deliveries(admin, app, webhook["id"], state="failed"), what="a failed delivery")
    [delivery] = failed
    assert len(delivery["attempts"]) == 1
    assert "over the limit" in delivery["attempts"][0]["error"]
    assert receiver.requests == []


def test_outage_retries_until_the_receiver_recovers_and_logs_each_attempt(admin, app, receiver):
    webhook = subscribe(admin, app, receiver.url, events=["ADD_RECORD"])
    receiver.status = 500
    add(admin, app, Company="Patience")

    def attempts() -> list[dict]:
        return deliveries(admin, app, webhook["id"])[0]["attempts"]

    wait_until(lambda: len(attempts()) >= 2, what="two failed attempts")
    receiver.stop()
    down_from = len(attempts())
    wait_until(lambda: len(attempts()) >= down_from + 2, what="attempts while the receiver is down")
    receiver.status = 200
    receiver.start()
    event = receiver.wait_for(1)[0].json
    assert event["record"]["Company"]["value"] == "Patience"

    [delivery] = wait_until(lambda: deliveries(admin, app, webhook["id"], state="delivered"), what="delivered")
    log = delivery["attempts"]
    assert delivery["notificationId"] == event["id"]
    assert [a["number"] for a in log] == list(range(1, len(log) + 1))
    assert log[0]["status"] == 500 and log[0]["response"] == "receiver is failing"
    assert any(a["status"] is None and a["error"] for a in log), log
    assert log[-1]["status"] == 200 and log[-1]["response"] == '{"ok": true}'
    assert all(a["at"] and a["latencyMs"] >= 0 for a in log)
    assert [a["at"] for a in log] == sorted(a["at"] for a in log)


def test_last_attempt_fails_for_good_and_redelivery_keeps_the_notification_id(admin, app, receiver):
    webhook = subscribe(admin, app, receiver.url, events=["ADD_RECORD"])
    receiver.status = 503
    add(admin, app, Company="Stubborn")
    [failed] = wait_until(lambda: deliveries(admin, app, webhook["id"], state="failed"), what="failure")
    assert len(failed["attempts"]) == 9  # the first try and the eight retries of the test schedule
    assert failed["finishedAt"] and failed["nextAttemptAt"] is None

    receiver.status = 200
    queued = admin.post("/kinflow/v1/webhook/redeliver.json", json={"app": app, "id": webhook["id"]})
    assert queued.json() == {"queued": 1}
    assert receiver.wait_for(1)[0].json["id"] == failed["notificationId"]
    wait_until(lambda: deliveries(admin, app, webhook["id"], state="delivered"), what="delivered")

    one = admin.post("/kinflow/v1/webhook/redeliver.json",
                     json={"app": app, "id": webhook["id"], "delivery": failed["id"]})
    assert one.json() == {"queued": 1}
    assert receiver.wait_for(2)[1].json["id"] == failed["notificationId"]
    bad = admin.get("/kinflow/v1/webhook/deliveries.json", params={"app": app, "id": webhook["id"], "state": "x"})
    assert bad.status_code == 400 and bad.json()["code"] == "CB_VA01"


def test_names_resolving_to_refused_addresses_are_not_called():
    """The guard checks the address a name resolves to, at connection time."""
    import asyncio

    from kinflow.config import Settings
    from kinflow.webhooks.guard import AddressRefused, GuardedResolver
    from kinflow.webhooks.sender import Sender

    async def attempt() -> None:
        with pytest.raises(AddressRefused, match="loopback"):
            await GuardedResolver(()).resolve("localhost", 80)
        allowed = await GuardedResolver(Settings(webhook_allow="127.0.0.0/8").webhook_networks).resolve("localhost", 80)
        assert {r["host"] for r in allowed} == {"127.0.0.1"}
        sender = Sender(timeout=5, allow=(), max_connections=1)
        try:
            outcome = await sender.send("http://localhost:9/hook", b"{}", "secret", {})
        finally:
            await sender.close()
        assert outcome.permanent and outcome.status_code is None and "loopback" in outcome.error

    asyncio.run(attempt())


def test_fuzzed_subscription_calls_are_kintone_errors_never_server_errors(admin, app):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=30)
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
    fields = st.sampled_from(["url", "events", "active", "description", "secret", "id", "delivery", "state",
                              "limit", "offset", "type"])
    calls = st.sampled_from([("POST", "webhooks"), ("PUT", "webhooks"), ("DELETE", "webhooks"),
                             ("GET", "webhook/deliveries"), ("POST", "webhook/redeliver")])

    @settings(max_examples=150, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(call=calls, body=st.dictionaries(fields, values, max_size=5), use_app=st.booleans())
    def check(call, body, use_app):
        method, resource = call
        if use_app:
            body["app"] = app
        if method in ("GET", "DELETE"):
            response = admin.request(method, f"/kinflow/v1/{resource}.json",
                                     params={k: str(v) for k, v in body.items()})
        else:
            response = admin.request(method, f"/kinflow/v1/{resource}.json", json=body)
        assert response.status_code < 500, (call, body, response.text)
        if response.status_code >= 400:
            assert {"code", "id", "message"} <= set(response.json()), response.text

    check()


def test_events_past_retention_are_forgotten_unless_still_due(server, admin, app, receiver):
    from datetime import datetime, timedelta

    from kinflow.events.queue import purge
    from kinflow.storage.database import Database

    webhook = subscribe(admin, app, receiver.url, events=["ADD_RECORD"])
    add(admin, app, Company="Old news")
    wait_until(lambda: deliveries(admin, app, webhook["id"], state="delivered"), what="delivered")
    receiver.status = 500
    add(admin, app, Company="Still trying")
    db = Database(server.database_url)
    try:
        with db.write() as conn:
            while purge(conn, datetime.now() + timedelta(days=1)):
                pass
    finally:
        db.dispose()
    left = deliveries(admin, app, webhook["id"])
    assert [d["state"] for d in left] in (["pending"], ["failed"])  # the delivered one is gone


def test_writes_ask_for_an_apps_subscribers_again_only_when_its_webhooks_change(server, admin, app, receiver,
                                                                                    monkeypatch):
    """Each write reads its app's webhooks revision with the app, and asks for the subscribers only
    when it has moved: here in a process of its own while the server changes the webhooks."""
    from kinflow.apps.app import load_live
    from kinflow.events import outbox
    from kinflow.storage.database import Database

    asked: list[str] = []
    subscribers = outbox._SUBSCRIBERS.all
    monkeypatch.setattr(outbox._SUBSCRIBERS, "all", lambda conn, **params: asked.append(params["scope"])
                        or subscribers(conn, **params))
    db = Database(server.database_url)

    def write() -> list[str]:
        asked.clear()
        with db.write() as conn:
            live = load_live(conn, app)
            return outbox.publish(conn, "kintone", str(live.app.id), "ADD_RECORD", ["1"],
                                  lambda: [{"type": "ADD_RECORD", "record": {}}], revision=live.app.webhooks_revision)

    try:
        assert write() == [] and asked == [app]  # nobody listens, and this process now knows it
        assert write() == [] and asked == []
        webhook = subscribe(admin, app, receiver.url, events=["ADD_RECORD"])
        assert len(write()) == 1 and asked == [app]
        assert len(write()) == 1 and asked == []
        admin.put("/kinflow/v1/webhooks.json", json={"app": app, "id": webhook["id"], "active": False})
        assert write() == [] and asked == [app]
        admin.put("/kinflow/v1/webhooks.json", json={"app": app, "id": webhook["id"], "active": True})
        assert len(write()) == 1 and asked == [app]
        admin.delete("/kinflow/v1/webhooks.json", params={"app": app, "id": webhook["id"]})
        assert write() == [] and asked == [app]
        assert write() == [] and asked == []
    finally:
        db.dispose()
