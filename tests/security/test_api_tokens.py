"""An API token's life as in kintone: shown once, listed by its last characters only, and changed or
revoked by the app's next deploy (until then it works as before)."""

from __future__ import annotations

from tests.conftest import deploy_and_wait, make_app

FIELDS = {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}}
TOKENS = "/kinflow/v1/apiTokens.json"


def _create(admin, app: str, **permissions: bool) -> dict:
    created = admin.post(TOKENS, json={"app": app, "permissions": permissions})
    assert created.status_code == 200, created.text
    return created.json()


def _listed(admin, app: str) -> list[dict]:
    response = admin.get(TOKENS, params={"app": app})
    assert response.status_code == 200, response.text
    return response.json()["tokens"]


def test_the_token_is_shown_on_creation_and_listed_by_its_last_four_characters(admin):
    app = make_app(admin, FIELDS)
    created = _create(admin, app, view=True)
    assert set(created) >= {"id", "token"} and len(created["token"]) >= 32
    response = admin.get(TOKENS, params={"app": app})
    assert created["token"] not in response.text
    [listed] = response.json()["tokens"]
    assert listed["id"] == created["id"]
    assert listed["tokenTail"] == created["token"][-4:]
    assert (listed["view"], listed["add"]) == (True, False)
    assert "token" not in listed


def test_a_permission_change_goes_live_at_the_next_deploy(server, admin):
    app = make_app(admin, FIELDS)
    created = _create(admin, app, view=True)
    deploy_and_wait(admin, app)
    changed = admin.put(TOKENS, json={"app": app, "id": created["id"], "permissions": {"add": True}})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["view"], changed.json()["add"], changed.json()["pending"]) == (True, True, True)
    with server.client({"X-Cybozu-API-Token": created["token"]}) as client:
        before = client.post("/k/v1/record.json", json={"app": app, "record": {}})
        assert (before.status_code, before.json()["code"]) == (403, "GAIA_NO01")
        assert deploy_and_wait(admin, app) == "SUCCESS"
        assert client.post("/k/v1/record.json", json={"app": app, "record": {}}).status_code == 200
        assert client.get("/k/v1/records.json", params={"app": app}).status_code == 200
    [listed] = _listed(admin, app)
    assert (listed["add"], listed["pending"], listed["live"]) == (True, False, True)


def test_a_revoked_token_works_until_the_next_deploy(server, admin):
    app = make_app(admin, FIELDS)
    created = _create(admin, app, view=True)
    deploy_and_wait(admin, app)
    revoked = admin.request("DELETE", TOKENS, json={"app": app, "id": created["id"]})
    assert revoked.status_code == 200, revoked.text
    assert _listed(admin, app)[0]["revoked"] is True
    with server.client({"X-Cybozu-API-Token": created["token"]}) as client:
        assert client.get("/k/v1/records.json", params={"app": app}).status_code == 200
        assert deploy_and_wait(admin, app) == "SUCCESS"
        gone = client.get("/k/v1/records.json", params={"app": app})
    assert (gone.status_code, gone.json()["code"]) == (400, "GAIA_IA02")
    assert _listed(admin, app) == []


def test_an_unknown_token_id_is_not_found(admin):
    app, other = make_app(admin, FIELDS), make_app(admin, FIELDS)
    of_other = _create(admin, other, view=True)
    for token_id in ("999999", "not-a-number", of_other["id"], "99999999999999999999"):
        for method, body in (("PUT", {"permissions": {"add": True}}), ("DELETE", {})):
            response = admin.request(method, TOKENS, json={"app": app, "id": token_id, **body})
            assert (response.status_code, response.json()["code"]) == (404, "KF_TK01"), (method, token_id)
    assert _listed(admin, other)[0]["add"] is False


def test_an_unknown_permission_is_refused(admin):
    app = make_app(admin, FIELDS)
    created = _create(admin, app, view=True)
    response = admin.put(TOKENS, json={"app": app, "id": created["id"], "permissions": {"root": True}})
    assert (response.status_code, response.json()["code"]) == (400, "CB_VA01")
    assert "root" in response.json()["errors"]
