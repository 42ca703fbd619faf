"""Connections over the API: a kintone connection is checked by a test call before it is kept, its
credentials are encrypted at rest and never shown again, and it belongs to its owner alone."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from kinflow.flows import connections
from kinflow.flows.connectors import catalog
from kinflow.flows.connectors.runtime import ConnectorError, Outgoing, call
from kinflow.secret_key import SecretKey, key_file
from tests.conftest import free_port, make_app, make_token, password_header
from tests.groups.conftest import create_connector, new_number, pin_from_log

PATH = "/kinflow/v1/flows/connections.json"


def _user(admin) -> dict[str, str]:  # noqa: ANN001
    code = f"flow-{uuid.uuid4().hex[:8]}"
    assert admin.post("/kinflow/v1/users.json", json={"code": code, "password": "pw"}).status_code == 200
    return password_header(code, "pw")


@pytest.fixture()
def token(admin):  # noqa: ANN001, ANN201
    app = make_app(admin, {"Title": {"type": "SINGLE_LINE_TEXT", "code": "Title", "label": "Title"}})
    return app, make_token(admin, app, view=True, add=True)


def test_a_kintone_connection_by_api_token_is_tested_kept_encrypted_and_used(server, admin, token):
    app, api_token = token
    created = admin.post(PATH, json={"connector": "kintone", "name": "Sales", "domain": server.base_url,
                                     "apiToken": api_token})
    assert created.status_code == 200, created.text
    connection = created.json()
    assert connection["baseUrl"] == server.base_url and connection["auth"] == "apiToken"
    assert api_token not in created.text
    listed = admin.get(PATH).json()["connections"]
    assert [c["id"] for c in listed if c["id"] == connection["id"]] and api_token not in str(listed)

    engine = sa.create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT secret FROM flow_connections WHERE id = :id"),
                               {"id": connection["id"]}).one()
            assert api_token not in row.secret
            stored = connections.get(conn, _admin_id(conn), connection["id"])
    finally:
        engine.dispose()
    live = connections.live(stored, SecretKey(key_file(server.data_dir).read_text().strip()), Outgoing())
    added = call(catalog.load("kintone").definition, live, "AddRecord", {
        "Request body of record/app": app, "Request body of record/record/Title/value": "via connection"},
        connections.outgoing_for(_settings(server)))
    assert added.status_code == 200, added.text


def _admin_id(conn) -> int:  # noqa: ANN001
    return conn.execute(sa.text("SELECT id FROM users WHERE code = 'Administrator'")).scalar_one()


def _settings(server):  # noqa: ANN001, ANN202
    from kinflow.config import Settings

    return Settings(data_dir=server.data_dir, public_url=server.base_url, port=int(server.base_url.rsplit(":", 1)[1]))


def test_a_login_connection_and_refused_credentials(server, admin):
    user = _user(admin)
    with server.client(user) as client:
        made = client.post(PATH, json={"connector": "kintone", "domain": server.base_url, "login": user_code(user),
                                       "password": "pw"})
        assert made.status_code == 200, made.text
        assert made.json()["account"] == user_code(user) and "pw" not in made.text.replace(user_code(user), "")
        wrong = client.post(PATH, json={"connector": "kintone", "domain": server.base_url, "login": user_code(user),
                                        "password": "nope"})
        assert wrong.status_code == 400 and wrong.json()["errors"] == {
            "password": {"messages": ["The server does not accept these credentials."]}}
        bad_token = client.post(PATH, json={"connector": "kintone", "domain": server.base_url, "apiToken": "x" * 40})
        assert bad_token.status_code == 400 and "apiToken" in bad_token.json()["errors"]


def user_code(headers: dict[str, str]) -> str:
    import base64

    return base64.b64decode(headers["X-Cybozu-Authorization"]).decode().split(":")[0]


def test_unreachable_refused_and_malformed_servers_are_named(server, admin, token):
    _, api_token = token
    cases = {
        f"http://127.0.0.1:{free_port()}": "failed",  # nobody listens there
        "http://10.1.2.3:8080": "private",  # the address guard
        "ftp://example.com": "http or https",
        "https://example.com/some/path": "no path",
        "a..b": "not a valid name",
        "x" * 70 + ".example": "not a valid name",
    }
    for domain, reason in cases.items():
        refused = admin.post(PATH, json={"connector": "kintone", "domain": domain, "apiToken": api_token})
        assert refused.status_code == 400, refused.text
        assert reason in refused.json()["errors"]["domain"]["messages"][0], refused.text
    both = admin.post(PATH, json={"connector": "kintone", "domain": server.base_url, "apiToken": "t", "login": "x"})
    assert both.status_code == 400 and "one of them" in both.json()["errors"]["apiToken"]["messages"][0]
    unknown = admin.post(PATH, json={"connector": "slack", "domain": server.base_url})
    assert unknown.status_code == 400 and "kaizala, kintone" in unknown.json()["errors"]["connector"]["messages"][0]
    too_long = admin.post(PATH, json={"connector": "kintone", "domain": "a" * 3000, "apiToken": api_token})
    assert too_long.status_code == 400


def test_a_connection_is_its_owners_alone(server, admin, token):
    _, api_token = token
    mine = admin.post(PATH, json={"connector": "kintone", "domain": server.base_url, "apiToken": api_token}).json()
    with server.client(_user(admin)) as other:
        assert mine["id"] not in str(other.get(PATH).json())
        gone = other.request("DELETE", PATH, json={"id": mine["id"]})
        assert gone.status_code == 404 and gone.json()["code"] == "KF_CN01"
    with server.client({"X-Cybozu-API-Token": api_token}) as by_token:
        assert by_token.get(PATH).status_code == 403
    assert admin.request("DELETE", PATH, json={"id": mine["id"]}).status_code == 200
    assert mine["id"] not in str(admin.get(PATH).json())
    assert admin.request("DELETE", PATH, json={"id": mine["id"]}).status_code == 404


def _stored(server, owner_code: str, connection_id: str):  # noqa: ANN001, ANN202
    engine = sa.create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            owner = conn.execute(sa.text("SELECT id FROM users WHERE code = :c"), {"c": owner_code}).scalar_one()
            raw = conn.execute(sa.text("SELECT secret FROM flow_connections WHERE id = :id"),
                               {"id": connection_id}).scalar_one()
            return connections.get(conn, owner, connection_id), raw
    finally:
        engine.dispose()


def test_a_kaizala_connection_by_phone_sign_in(server, admin):
    application = create_connector(server, name="Flows")
    mobile = new_number()
    started = admin.post(PATH, json={"connector": "kaizala", "name": "Field team", "mobileNumber": mobile,
                                     "applicationId": application["applicationId"],
                                     "applicationSecret": application["applicationSecret"]})
    assert started.status_code == 200, started.text
    pending = started.json()
    assert (pending["state"], pending["account"], pending["baseUrl"]) == ("pin", mobile, server.base_url)
    assert application["applicationSecret"] not in started.text
    stored, _ = _stored(server, "Administrator", pending["id"])
    key = SecretKey(key_file(server.data_dir).read_text().strip())
    with pytest.raises(ConnectorError, match="not signed in yet"):
        connections.live(stored, key, Outgoing())

    pin = pin_from_log(server, mobile)
    wrong = admin.put(PATH, json={"id": pending["id"], "pin": "1" if pin != "1" else "2"})
    assert wrong.status_code == 400 and "pin" in wrong.json()["errors"], wrong.text
    signed = admin.put(PATH, json={"id": pending["id"], "pin": pin})
    assert signed.status_code == 200, signed.text
    assert signed.json()["state"] == "ready"
    again = admin.put(PATH, json={"id": pending["id"], "pin": pin})
    assert again.status_code == 400 and "signed in already" in again.text

    stored, raw = _stored(server, "Administrator", pending["id"])
    assert application["applicationSecret"] not in raw and mobile not in raw
    live = connections.live(stored, key, connections.outgoing_for(_settings(server)))
    definition = catalog.load("kaizala").definition
    group = call(definition, live, "CreateGroup", {"body/Name": "From a flow", "body/WelcomeMessage": "Hello"},
                 connections.outgoing_for(_settings(server)))
    assert group.status_code == 200, group.text
    sent = call(definition, live, "SendMessage", {"groupId": group.json()["groupId"], "body/Message": "Record 9"},
                connections.outgoing_for(_settings(server)))
    assert sent.status_code == 200, sent.text
    # A refused or lapsed access token is fetched again from the refresh token.
    first = live.auth_headers()["accessToken"]
    live.renew()
    assert live.auth_headers()["accessToken"] != first


def test_a_kaizala_sign_in_refused_by_the_groups_server_is_named(server, admin):
    refused = admin.post(PATH, json={"connector": "kaizala", "mobileNumber": new_number(),
                                     "applicationId": "00000000-0000-0000-0000-000000000000",
                                     "applicationSecret": "nope"})
    assert refused.status_code == 400, refused.text
    assert "refused" in refused.json()["errors"]["mobileNumber"]["messages"][0]


def test_a_body_over_64_kb_is_refused_before_anything_else(admin):
    refused = admin.post(PATH, json={"connector": "kintone", "name": "x" * 70_000})
    assert refused.status_code == 413 and refused.json()["code"] == "CB_IL02"


def test_a_groups_server_answering_html_is_a_clear_sign_in_failure():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from kinflow.flows import phone_signin
    from kinflow.flows.connectors.runtime import origin

    class Proxy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>Sign in to the proxy</html>")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        live = phone_signin.KaizalaLive("c-html", url, "app", "secret", "refresh",
                                        Outgoing(trusted=frozenset({origin(url)})))
        with pytest.raises(phone_signin.SignInFailed, match="refused an access token"):
            live.auth_headers()
    finally:
        server.shutdown()
        server.server_close()
