"""Connectors and phone sign-in, as Kaizala's token service: PIN → refresh token → access token, and
the connector's scopes checked on every call."""

from __future__ import annotations

import time

from tests.groups.conftest import (access_token, create_connector, generate_pin, new_number, pin_from_log,
                                   sign_in, signed_in)


def test_an_administrator_creates_a_connector_whose_secret_is_shown_once(server, admin):
    created = admin.post("/kinflow/v1/groups/connectors.json",
                         json={"name": "Field sales", "scopes": ["groupinfo.read", "webhook.write"]})
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["name"] == "Field sales" and body["scopes"] == ["groupinfo.read", "webhook.write"]
    assert len(body["applicationSecret"]) >= 40
    listed = admin.get("/kinflow/v1/groups/connectors.json").json()["connectors"]
    mine = [c for c in listed if c["applicationId"] == body["applicationId"]]
    assert mine and "applicationSecret" not in mine[0]


def test_only_administrators_manage_connectors(server):
    with server.client() as anonymous:
        refused = anonymous.post("/kinflow/v1/groups/connectors.json", json={"name": "x", "scopes": ["groupinfo.read"]})
    assert refused.status_code == 401
    with server.admin() as admin:
        unknown_scope = admin.post("/kinflow/v1/groups/connectors.json", json={"name": "x", "scopes": ["all.powers"]})
    assert unknown_scope.status_code == 400 and "all.powers" in unknown_scope.json()["message"]


def test_pin_sign_in_gives_a_refresh_token_then_an_access_token_for_the_endpoint(server, connector):
    answer = sign_in(server, connector, new_number())
    assert set(answer) == {"refreshToken", "grantedScope", "refreshTokenExpiry"}
    assert answer["grantedScope"].split(",") == connector["scopes"]
    assert answer["refreshTokenExpiry"] > (time.time() + 364 * 86400) * 1000
    token = access_token(server, connector, answer["refreshToken"])
    assert token.status_code == 200, token.text
    body = token.json()
    assert set(body) == {"accessToken", "endpointUrl", "accessTokenExpiry", "refreshToken", "scope"}
    assert body["endpointUrl"] == f"{server.base_url}/kaizala/"
    assert (time.time() + 23.9 * 3600) * 1000 < body["accessTokenExpiry"] < (time.time() + 24.1 * 3600) * 1000
    assert body["refreshToken"] == ""  # renewed only after 90% of its life
    assert body["scope"] == answer["grantedScope"]


def test_the_access_token_call_checks_the_connector_secret_and_the_refresh_token(server, connector):
    refresh = sign_in(server, connector, new_number())["refreshToken"]
    wrong_secret = access_token(server, {**connector, "applicationSecret": "guess"}, refresh)
    assert wrong_secret.status_code == 401
    other = create_connector(server, name="Other")
    assert access_token(server, other, refresh).status_code == 401  # another connector's token
    assert access_token(server, connector, "not-a-token").status_code == 401


def test_a_wrong_pin_counts_and_five_wrong_tries_spend_the_pin(server, connector):
    mobile = new_number()
    with server.client() as client:
        assert generate_pin(client, mobile, connector["applicationId"]).status_code == 200
        pin = pin_from_log(server, mobile)
        wrong = "000000" if pin != "000000" else "111111"
        login = {"mobileNumber": mobile, "applicationId": connector["applicationId"]}
        for _ in range(5):
            refused = client.post("/kaizala/v1/loginWithPinAndApplicationId", json={**login, "pin": wrong})
            assert refused.status_code == 401 and refused.json()["code"] == "Unauthorized"
        spent = client.post("/kaizala/v1/loginWithPinAndApplicationId", json={**login, "pin": pin})
        assert spent.status_code == 401 and "5 times" in spent.json()["message"]


def test_a_pin_is_used_once(server, connector):
    mobile = new_number()
    sign_in(server, connector, mobile)
    with server.client() as client:
        again = client.post("/kaizala/v1/loginWithPinAndApplicationId", json={
            "mobileNumber": mobile, "applicationId": connector["applicationId"], "pin": pin_from_log(server, mobile)})
    assert again.status_code == 401


def test_pins_sent_to_one_number_are_limited_per_hour(server, connector):
    mobile = new_number()
    with server.client() as client:
        for _ in range(5):
            assert generate_pin(client, mobile, connector["applicationId"]).status_code == 200
        limited = generate_pin(client, mobile, connector["applicationId"])
    assert limited.status_code == 429 and limited.headers["Retry-After"]


def test_sign_in_input_is_checked(server, connector):
    with server.client() as client:
        malformed = generate_pin(client, "0911 2345", connector["applicationId"])
        assert malformed.status_code == 400 and "0911 2345" in malformed.json()["message"]
        assert generate_pin(client, new_number(), "no-such-connector").status_code == 404
        bad_pin = client.post("/kaizala/v1/loginWithPinAndApplicationId", json={
            "mobileNumber": new_number(), "applicationId": connector["applicationId"], "pin": "12ab"})
        assert bad_pin.status_code == 400
        assert client.post("/kaizala/v1/generatePin", content=b"[1, 2]",
                           headers={"Content-Type": "application/json"}).status_code == 400
        huge = client.post("/kaizala/v1/generatePin", content=b"{" + b" " * 400_000 + b"}",
                           headers={"Content-Type": "application/json"})
        assert huge.status_code == 413


def test_calls_need_an_access_token_and_the_scope_for_them(server):
    with server.client() as client:
        assert client.get("/kaizala/v1/groups").status_code == 401
        assert client.get("/kaizala/v1/groups", headers={"accessToken": "made-up"}).status_code == 401
    reader = signed_in(server, create_connector(server, ["groupinfo.read"], name="Reader"))
    assert reader.client.get("/groups").status_code == 200
    refused = reader.client.post("/groups", json={"name": "G", "welcomeMessage": "Hi"})
    assert refused.status_code == 403 and "groupinfo.write" in refused.json()["message"]


def test_deleting_a_connector_stops_its_tokens(server):
    connector = create_connector(server, name="Short-lived")
    member = signed_in(server, connector)
    assert member.client.get("/groups").status_code == 200
    with server.admin() as admin:
        assert admin.request("DELETE", "/kinflow/v1/groups/connectors.json",
                             json={"applicationId": connector["applicationId"]}).status_code == 200
    assert member.client.get("/groups").status_code == 401


def test_the_cli_creates_a_connector_that_signs_in(server):
    import os
    import re
    import subprocess
    import sys

    from tests.groups.conftest import signed_in

    env = {**os.environ, "KINFLOW_DATA_DIR": str(server.data_dir), "KINFLOW_DATABASE_URL": server.database_url}
    done = subprocess.run([sys.executable, "-m", "kinflow.cli", "groups", "connector", "create", "From the CLI",
                           "--scope", "groupinfo.read", "--scope", "groupinfo.write"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    application_id = re.search(r"applicationId: (\S+)", done.stdout).group(1)
    secret = re.search(r"applicationSecret: (\S+)", done.stdout).group(1)
    member = signed_in(server, {"applicationId": application_id, "applicationSecret": secret})
    assert member.client.post("/groups", json={"name": "G", "welcomeMessage": "Hi"}).status_code == 200
    refused = subprocess.run([sys.executable, "-m", "kinflow.cli", "groups", "connector", "create", "Bad",
                              "--scope", "everything"], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "everything" in refused.stderr


def test_kinflow_users_set_mobile_gives_a_user_a_number(server, admin):
    import os
    import subprocess
    import sys

    from tests.groups.conftest import new_number

    env = {**os.environ, "KINFLOW_DATA_DIR": str(server.data_dir), "KINFLOW_DATABASE_URL": server.database_url}
    assert admin.post("/kinflow/v1/users.json", json={"code": "cli-mobile", "password": "pw"}).status_code == 200
    number = new_number()

    def set_mobile(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kinflow.cli", "users", "set-mobile", *args],
                              env=env, capture_output=True, text=True, timeout=60)

    done = set_mobile("cli-mobile", number)
    assert done.returncode == 0, done.stderr

    def mobile_of(code: str) -> str:
        found = admin.get("/kinflow/v1/users.json", params={"search": code}).json()["users"]
        return next(u for u in found if u["code"] == code)["mobileNumber"]

    assert mobile_of("cli-mobile") == number
    refused = set_mobile("cli-mobile", "0123")
    assert refused.returncode == 1 and "country code" in refused.stderr
    assert set_mobile("no-such-login", number).returncode == 1
    assert set_mobile("cli-mobile", "").returncode == 0 and mobile_of("cli-mobile") == ""
