"""Authentication and permissions, with kintone's codes and statuses."""

from __future__ import annotations

import base64

from tests.conftest import ADMIN_PASSWORD, make_app, make_token, password_header

FIELDS = {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}}


def test_no_credentials_is_cb_au01(server):
    with server.client() as client:
        response = client.get("/k/v1/record.json", params={"app": 1, "id": 1})
    assert response.status_code == 401
    assert response.json()["code"] == "CB_AU01"


def test_wrong_password_is_cb_wa01(server):
    with server.client(password_header("Administrator", "wrong")) as client:
        response = client.get("/k/v1/apps.json")
    assert response.status_code == 401
    assert response.json()["code"] == "CB_WA01"


def test_malformed_password_header_is_cb_wa01(server):
    with server.client({"X-Cybozu-Authorization": "%%%not-base64"}) as client:
        assert client.get("/k/v1/apps.json").json()["code"] == "CB_WA01"


def test_basic_authorization_logs_in(server):
    encoded = base64.b64encode(f"Administrator:{ADMIN_PASSWORD}".encode()).decode()
    with server.client({"Authorization": f"Basic {encoded}"}) as client:
        assert client.get("/k/v1/apps.json").status_code == 200


def test_unknown_token_is_gaia_ia02(server):
    with server.client({"X-Cybozu-API-Token": "no-such-token"}) as client:
        response = client.get("/k/v1/record.json", params={"app": 1, "id": 1})
    assert response.status_code == 400
    assert response.json()["code"] == "GAIA_IA02"


def test_token_works_only_after_deploy(server, admin):
    app = make_app(admin, FIELDS)
    created = admin.post("/kinflow/v1/apiTokens.json", json={"app": app, "permissions": {"view": True}})
    token = created.json()["token"]
    with server.client({"X-Cybozu-API-Token": token}) as client:
        assert client.get("/k/v1/records.json", params={"app": app}).json()["code"] == "GAIA_IA02"
        admin.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": app}]})
        assert client.get("/k/v1/records.json", params={"app": app}).status_code == 200


def test_password_wins_over_a_bad_token(server):
    headers = {**password_header("Administrator", ADMIN_PASSWORD), "X-Cybozu-API-Token": "bogus"}
    with server.client(headers) as client:
        assert client.get("/k/v1/apps.json").status_code == 200


def test_token_permissions_and_other_apps_are_gaia_no01(server, admin):
    app = make_app(admin, FIELDS)
    other = make_app(admin, FIELDS)
    token = make_token(admin, app, view=True, add=False)
    with server.client({"X-Cybozu-API-Token": token}) as client:
        assert client.get("/k/v1/records.json", params={"app": app}).status_code == 200
        denied = client.post("/k/v1/record.json", json={"app": app, "record": {}})
        assert (denied.status_code, denied.json()["code"]) == (403, "GAIA_NO01")
        foreign = client.get("/k/v1/records.json", params={"app": other})
        assert (foreign.status_code, foreign.json()["code"]) == (403, "GAIA_NO01")


def test_records_written_with_a_token_are_by_administrator(server, admin):
    app = make_app(admin, FIELDS)
    token = make_token(admin, app, view=True, add=True)
    with server.client({"X-Cybozu-API-Token": token}) as client:
        record_id = client.post("/k/v1/record.json", json={"app": app, "record": {}}).json()["id"]
        record = client.get("/k/v1/record.json", params={"app": app, "id": record_id}).json()["record"]
    assert record["Created_by"]["value"]["code"] == "Administrator"


def test_several_tokens_one_per_app(server, admin):
    first, second = make_app(admin, FIELDS), make_app(admin, FIELDS)
    t1, t2 = make_token(admin, first, view=True), make_token(admin, second, view=True)
    with server.client({"X-Cybozu-API-Token": f"{t1},{t2}"}) as client:
        assert client.get("/k/v1/records.json", params={"app": first}).status_code == 200
        assert client.get("/k/v1/records.json", params={"app": second}).status_code == 200


def test_duplicate_token_for_one_app_is_gaia_da03(server, admin):
    app = make_app(admin, FIELDS)
    t1 = make_token(admin, app, view=True)
    t2 = make_token(admin, app, view=True)
    with server.client({"X-Cybozu-API-Token": f"{t1},{t2}"}) as client:
        response = client.get("/k/v1/records.json", params={"app": app})
    assert (response.status_code, response.json()["code"]) == (400, "GAIA_DA03")


def test_at_most_twenty_tokens_per_app(server, admin):
    app = make_app(admin, FIELDS)
    for _ in range(20):
        assert admin.post("/kinflow/v1/apiTokens.json", json={"app": app}).status_code == 200
    response = admin.post("/kinflow/v1/apiTokens.json", json={"app": app})
    assert response.status_code == 400 and response.json()["code"] == "CB_VA01"


def test_user_permissions_follow_the_app_acl(server, admin):
    admin.post("/kinflow/v1/departments.json", json={"code": "sales", "name": "Sales"})
    admin.post("/kinflow/v1/departments.json", json={"code": "sales-east", "parent": "sales"})
    for code, dept in (("reader", "sales-east"), ("outsider", None)):
        body = {"code": code, "password": "pw", **({"departments": [dept]} if dept else {})}
        assert admin.post("/kinflow/v1/users.json", json=body).status_code == 200
    app = make_app(admin, FIELDS)
    rights = [
        {"entity": {"type": "ORGANIZATION", "code": "sales"}, "includeSubs": True, "recordViewable": True},
        {"entity": {"type": "CREATOR"}, "appEditable": True, "recordViewable": True, "recordAddable": True,
         "recordEditable": True, "recordDeletable": True},
    ]
    assert admin.put("/k/v1/preview/app/acl.json", json={"app": app, "rights": rights}).status_code == 200
    admin.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": app}]})
    with server.client(password_header("reader", "pw")) as reader:
        assert reader.get("/k/v1/records.json", params={"app": app}).status_code == 200
        denied = reader.post("/k/v1/record.json", json={"app": app, "record": {}})
        assert (denied.status_code, denied.json()["code"]) == (403, "CB_NO02")
    with server.client(password_header("outsider", "pw")) as outsider:
        assert outsider.get("/k/v1/records.json", params={"app": app}).json()["code"] == "CB_NO02"


def test_inactive_user_cannot_log_in(server, admin):
    admin.post("/kinflow/v1/users.json", json={"code": "leaver", "password": "pw"})
    admin.put("/kinflow/v1/users.json", json={"code": "leaver", "active": False})
    with server.client(password_header("leaver", "pw")) as client:
        assert client.get("/k/v1/apps.json").json()["code"] == "CB_WA01"


def test_directory_api_refuses_values_of_the_wrong_type(admin):
    for path, body, key in (
        ("/kinflow/v1/users.json", {"code": "typed", "name": 5}, "name"),
        ("/kinflow/v1/users.json", {"code": "typed", "password": ["x"]}, "password"),
        ("/kinflow/v1/users.json", {"code": "typed", "admin": "yes"}, "admin"),
        ("/kinflow/v1/users.json", {"code": "typed", "departments": [{"code": "x"}]}, "departments[0]"),
        ("/kinflow/v1/departments.json", {"code": "typed", "parent": {}}, "parent"),
        ("/kinflow/v1/groups.json", {"code": "typed", "members": "someone"}, "members"),
        ("/kinflow/v1/spaces.json", {"name": "Typed", "isGuest": 1}, "isGuest"),
    ):
        response = admin.post(path, json=body)
        assert (response.status_code, response.json()["code"]) == (400, "CB_VA01"), (body, response.text)
        assert key in response.json()["errors"], (body, response.text)
    assert admin.post("/kinflow/v1/users.json", json={"code": "typed", "name": "", "email": ""}).status_code == 200
