"""The runtime runs the shipped connector definitions against a real kinflow server over HTTP: the host
comes from the connection, the address guard stands between (this kinflow server excepted), and each
connection's calls are throttled as its connector declares."""

from __future__ import annotations

import ipaddress
import time
import uuid
from dataclasses import dataclass, field

import pytest

from kinflow.flows.connectors import catalog
from kinflow.flows.connectors.runtime import CallRefused, Outgoing, Unreachable, call, origin
from kinflow.flows.throttle import ConnectionThrottle, DatabaseStore, MemoryStore, RedisStore, Throttled
from kinflow.storage.database import Database
from kinflow.storage.migrate import upgrade
from tests.conftest import database_url, free_port, make_app, make_token
from tests.groups.callback import Callback
from tests.groups.conftest import create_connector, signed_in

BODY = "Request body of record"


@dataclass
class PlainConnection:
    base_url: str
    headers: dict[str, str]
    id: str = "connection-1"

    def auth_headers(self) -> dict[str, str]:
        return self.headers


@dataclass
class Clock:
    now: float = 1_000.0
    slept: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def this_server(server) -> Outgoing:  # noqa: ANN001
    return Outgoing(trusted=frozenset({origin(server.base_url)}))


@pytest.fixture()
def kintone(server, admin):  # noqa: ANN001, ANN201
    app = make_app(admin, {
        "Title": {"type": "SINGLE_LINE_TEXT", "code": "Title", "label": "Title", "required": True},
        "Count": {"type": "NUMBER", "code": "Count", "label": "Count"},
        "Tags": {"type": "CHECK_BOX", "code": "Tags", "label": "Tags", "options": {
            "a": {"label": "a", "index": "0"}, "b": {"label": "b", "index": "1"}}},
    })
    token = make_token(admin, app, view=True, add=True, edit=True, manage=True)
    return app, PlainConnection(server.base_url, {"X-Cybozu-API-Token": token})


def test_add_and_update_a_record_through_the_kintone_connector(server, admin, kintone):
    app, connection = kintone
    definition = catalog.load("kintone").definition
    added = call(definition, connection, "AddRecord", {
        f"{BODY}/app": app, f"{BODY}/record/Title/value": "From a flow", f"{BODY}/record/Count/value": "3"},
        this_server(server))
    assert added.status_code == 200, added.text
    record_id = added.json()["id"]
    updated = call(definition, connection, "UpdateRecord", {
        f"{BODY}/app": app, f"{BODY}/id": record_id, f"{BODY}/record/Count/value": "4"}, this_server(server))
    assert updated.status_code == 200, updated.text
    record = admin.get("/k/v1/record.json", params={"app": app, "id": record_id}).json()["record"]
    assert (record["Title"]["value"], record["Count"]["value"]) == ("From a flow", "4")


def test_the_record_schema_comes_from_the_apps_live_form(server, kintone):
    app, connection = kintone
    definition = catalog.load("kintone").definition
    answer = call(definition, connection, "GetRecordSchema", {"app": app, "type": "ACTION_POST_RECORD"},
                  this_server(server))
    assert answer.status_code == 200, answer.text
    schema = answer.json()["schema"]
    assert schema["required"] == ["Title"]
    assert schema["properties"]["Title"]["x-ms-summary"] == "Title"
    assert schema["properties"]["Tags"]["properties"]["value"]["items"]["enum"] == ["a", "b"]
    assert "Record_number" not in schema["properties"]  # written by kinflow, not by clients
    trigger = call(definition, connection, "GetRecordSchema", {"app": app, "type": "TRIGGER_WEBHOOK_RECORD"},
                   this_server(server)).json()["schema"]
    assert trigger["properties"]["Record_number"]["properties"]["type"]["enum"] == ["RECORD_NUMBER"]
    refused = call(definition, connection, "GetRecordSchema", {"app": app, "type": "NOPE"}, this_server(server))
    assert refused.status_code == 400 and refused.json()["code"] == "CB_VA01"


def test_a_trigger_subscribes_with_its_hidden_defaults_and_unsubscribes_at_its_location(server, kintone):
    app, connection = kintone
    definition = catalog.load("kintone").definition
    # The callback is some other kinflow's flow endpoint: a public address, checked but not called.
    subscribed = call(definition, connection, "webhook-trigger",
                      {"body/app": app, "body/url": "https://flows.example.com/hook/1"}, this_server(server))
    assert subscribed.status_code == 201, subscribed.text
    assert subscribed.json()["events"] == ["ADD_RECORD"]  # the hidden `type` default
    location = subscribed.headers["Location"]
    with server.client() as client:
        gone = client.delete(location, headers=connection.headers)
    assert gone.status_code == 200, gone.text


def test_send_a_text_message_through_the_kaizala_connector(server):
    connector = create_connector(server)
    alice = signed_in(server, connector)
    try:
        group = alice.client.post("/groups", json={"name": "Flow group", "welcomeMessage": "Hi"}).json()["groupId"]
        token = alice.client.headers["accessToken"]
        connection = PlainConnection(server.base_url, {"accessToken": token})
        definition = catalog.load("kaizala").definition
        sent = call(definition, connection, "SendMessage", {"groupId": group, "body/Message": "Record 7 added"},
                    this_server(server))
        assert sent.status_code == 200, sent.text
        reference = sent.json()["referenceId"]
        replied = call(definition, connection, "SendReply", {
            "groupId": group, "body/replyToReferenceId": reference, "body/message": "Seen"}, this_server(server))
        assert replied.status_code == 200, replied.text
        # `sendToAll=No` is the group itself; a value outside Yes/No is refused in the groups API's shape.
        assert call(definition, connection, "SendMessage", {"groupId": group, "body/Message": "x", "sendToAll": "No"},
                    this_server(server)).status_code == 200
        wrong = call(definition, connection, "SendMessage", {"groupId": group, "body/Message": "x", "sendToAll": "Si"},
                     this_server(server))
        assert wrong.status_code == 400 and wrong.json()["errors"] == {"sendToAll": ["Enter Yes or No."]}
        groups = call(definition, connection, "GetDynamicGroups", {}, this_server(server)).json()["groups"]
        assert group in [g["groupId"] for g in groups]
        job = {"actionBody": {"title": "Check the order", "assignedTo": [alice.mobile]}}
        posted = call(definition, connection, "SendActions_v2", {"groupId": group, "actionType": "Job", "request": job},
                      this_server(server))
        assert posted.status_code == 200, posted.text
        reminded = call(definition, connection, "SendActionReminder", {
            "groupId": group, "actionType": "Job", "request": {"actionId": posted.json()["actionId"]}},
            this_server(server))
        assert reminded.status_code == 200 and reminded.json()["actionId"] == posted.json()["actionId"], reminded.text
    finally:
        alice.client.close()


def test_a_kaizala_trigger_subscribes_with_201_and_unsubscribes_at_its_location(server):
    alice = signed_in(server, create_connector(server))
    callback = Callback()
    try:
        group = alice.client.post("/groups", json={"name": "Triggered", "welcomeMessage": "Hi"}).json()["groupId"]
        connection = PlainConnection(server.base_url, {"accessToken": alice.client.headers["accessToken"]})
        definition = catalog.load("kaizala").definition
        subscribed = call(definition, connection, "TextMessageCreatedOnGroup",
                          {"objectId": group, "body/CallbackUrl": callback.url}, this_server(server))
        assert subscribed.status_code == 201, subscribed.text
        assert len(callback.validations) == 1  # Kaizala's validation handshake came first
        location = subscribed.headers["Location"]
        assert location == f"{server.base_url}/kaizala/v1/webhook/{subscribed.json()['webhookId']}"
        call(definition, connection, "SendMessage", {"groupId": group, "body/Message": "ping"}, this_server(server))
        (_, event), = callback.wait_for(1)
        # Flat, as the connector's TextMessageCreatedSchema says, with the envelope's fields beside.
        assert (event["eventType"], event["textMessage"], event["fromUser"]) == ("TextMessageCreated", "ping",
                                                                                  alice.mobile)
        assert event["eventId"] and "data" not in event
        gone = alice.client.delete(location)
        assert gone.status_code == 200, gone.text

        # An Action trigger subscribes to its action: responses to another action do not reach it.
        survey = {"title": "Lunch", "questions": [{"title": "Where?", "type": "Text"}]}
        ids = [call(definition, connection, "SendActions", {"groupId": group, "actionType": "Survey",
                                                            "request": {"actionBody": survey}},
                    this_server(server)).json()["actionId"] for _ in range(2)]
        responses = call(definition, connection, "SurveyResponseOnGroup",
                         {"groupId": group, "objectId": ids[0], "body/CallbackUrl": callback.url}, this_server(server))
        assert responses.status_code == 201, responses.text
        for action_id, answer in zip(reversed(ids), ("Not this one", "Canteen")):
            answered = alice.client.post(f"/groups/{group}/actions/{action_id}/responses",
                                         json={"actionBody": {"answers": [answer]}})
            assert answered.status_code == 200, answered.text
        (_, event), = callback.wait_for(2)[1:]
        assert (event["eventType"], event["actionId"]) == ("SurveyResponse", ids[0])
        assert "Canteen" in str(event["responseDetails"])
        time.sleep(0.5)
        assert len(callback.events) == 2
        missing = alice.client.post("/webhook/Group/TextMessageCreated", json={"CallbackUrl": callback.url})
        assert missing.status_code == 400 and "objectId" in missing.json()["errors"], missing.text
    finally:
        callback.close()
        alice.client.close()


def test_the_address_guard_refuses_other_hosts_unless_allowed(server, kintone):
    app, connection = kintone
    definition = catalog.load("kintone").definition
    params = {f"{BODY}/app": app, f"{BODY}/record/Title/value": "x"}
    with pytest.raises(CallRefused, match="loopback"):
        call(definition, connection, "AddRecord", params, Outgoing())
    # `localhost` is refused on the address it resolves to, and so is 127.1 (127.0.0.1 spelt short).
    port = server.base_url.rsplit(":", 1)[1]
    for spelling in ("localhost", "127.1", "2130706433"):
        with pytest.raises(CallRefused):
            call(definition, PlainConnection(f"http://{spelling}:{port}", connection.headers), "AddRecord", params,
                 Outgoing())
    # Allowed, a name is called at the address checked, with its own name as `Host`.
    allowed = Outgoing(allow=(ipaddress.ip_network("127.0.0.0/8"),))
    named = PlainConnection(f"http://localhost:{port}", connection.headers)
    assert call(definition, named, "AddRecord", params, allowed).status_code == 200


def test_an_unreachable_host_is_its_own_error():
    connection = PlainConnection(f"http://127.0.0.1:{free_port()}", {})
    with pytest.raises(Unreachable, match="127.0.0.1"):
        call(catalog.load("kintone").definition, connection, "GetApps", {},
             Outgoing(trusted=frozenset({origin(connection.base_url)})))


def test_calls_beyond_the_connections_limit_wait_or_fail_with_429(server, kintone):
    app, connection = kintone
    definition = catalog.load("kintone").definition
    schema = {"app": app, "type": "ACTION_POST_RECORD"}
    clock = Clock()
    throttle = ConnectionThrottle(MemoryStore(), now=lambda: clock.now, sleep=clock.sleep)
    failing = Outgoing(trusted=this_server(server).trusted, throttle=throttle, wait=False)
    for _ in range(100):
        clock.now += 0.1
        assert call(definition, connection, "GetRecordSchema", schema, failing).status_code == 200
    with pytest.raises(Throttled) as refused:
        call(definition, connection, "GetRecordSchema", schema, failing)
    assert refused.value.status == 429
    assert refused.value.retry_after == pytest.approx(60 - 9.9)  # the first call leaves the window then
    other = PlainConnection(connection.base_url, connection.headers, id="connection-2")
    assert call(definition, other, "GetRecordSchema", schema, failing).status_code == 200  # each connection its own
    waiting = Outgoing(trusted=failing.trusted, throttle=throttle, wait=True)
    assert call(definition, connection, "GetRecordSchema", schema, waiting).status_code == 200
    assert clock.slept == [pytest.approx(60 - 9.9)]


def _redis_url() -> str:
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    return url


@pytest.mark.parametrize("where", ["memory", "redis", "sqlite", "postgresql"])
def test_throttling_is_a_sliding_window(where, tmp_path):
    clock = Clock()
    key = f"window-{uuid.uuid4().hex}"
    databases = []
    if where == "redis":
        # Two stores on one Redis (or one database): two processes counting together.
        url = _redis_url()
        stores = [RedisStore(url), RedisStore(url)]
    elif where == "memory":
        stores = [MemoryStore()] * 2
    else:
        url = database_url(where, tmp_path)
        databases = [Database(url), Database(url)]
        upgrade(databases[0])
        stores = [DatabaseStore(db) for db in databases]
    throttles = [ConnectionThrottle(store, now=lambda: clock.now, sleep=clock.sleep) for store in stores]
    granted = []
    for index in range(300):
        throttles[index % 2].acquire(key, 100, 60)
        granted.append(clock.now)
        clock.now += 0.25
    # In any 60 s window at most 100 calls, across a fixed minute's edge too; none waited longer than needed.
    for index, moment in enumerate(granted):
        assert sum(1 for other in granted[index:] if other < moment + 60) <= 100
    assert granted[100] == pytest.approx(granted[0] + 60)
    for db in databases:
        db.dispose()


def test_an_unreachable_redis_does_not_stop_the_calls(caplog):
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0")
    assert store.take("c", 1, 60, 1000.0) == 0.0 and store.take("c", 1, 60, 1000.1) == 0.0
    assert "Redis unavailable" in caplog.text
