"""A request made with an API token never reads, creates, changes or deletes API tokens (kintone's
model: an app's managers make tokens in its settings), whatever the token's own permissions."""

from __future__ import annotations

import pytest

from kinflow.api.admin import ROUTES
from tests.conftest import make_app, make_token

# Every method kinflow serves on apiTokens.json, so one added later is covered the day it lands.
TOKEN_METHODS = sorted(method for method, resource in ROUTES if resource == "apiTokens")
EVERYTHING = {"view": True, "add": True, "edit": True, "delete": True, "manage": True}


@pytest.fixture()
def app_and_token(server, admin) -> tuple[str, str]:
    app = make_app(admin, {})
    return app, make_token(admin, app, **EVERYTHING)


@pytest.mark.parametrize("method", TOKEN_METHODS)
def test_a_token_with_every_permission_cannot_touch_tokens(server, admin, app_and_token, method):
    app, token = app_and_token
    before = admin.get("/kinflow/v1/apiTokens.json", params={"app": app}).json()["tokens"]
    body = {"app": app, "id": before[0].get("id"), "permissions": EVERYTHING}
    with server.client({"X-Cybozu-API-Token": token}) as client:
        response = client.request(method, "/kinflow/v1/apiTokens.json", json=body)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "GAIA_NO01"
    assert admin.get("/kinflow/v1/apiTokens.json", params={"app": app}).json()["tokens"] == before


def test_a_manage_only_token_cannot_mint_a_full_access_token(server, admin):
    app = make_app(admin, {})
    token = make_token(admin, app, manage=True)
    with server.client({"X-Cybozu-API-Token": token}) as client:
        minted = client.post("/kinflow/v1/apiTokens.json", json={"app": app, "permissions": EVERYTHING})
    assert minted.status_code == 403
    assert minted.json()["code"] == "GAIA_NO01"
    assert "token" not in minted.json()


def test_app_managers_still_manage_tokens_by_password(server, admin):
    app = make_app(admin, {})
    created = admin.post("/kinflow/v1/apiTokens.json", json={"app": app, "permissions": {"view": True}})
    assert created.status_code == 200
    assert admin.get("/kinflow/v1/apiTokens.json", params={"app": app}).status_code == 200
