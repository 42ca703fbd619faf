"""The directory (every login and e-mail) is read by administrators only, never by a token or a user."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import make_app, make_token, password_header

# Every directory resource kinflow serves; a GET of one that has no read answers 404, never a list.
DIRECTORY = ["users", "departments", "groups", "spaces"]


@pytest.fixture()
def member(server, admin) -> dict[str, str]:
    code = f"reader-{uuid.uuid4().hex[:8]}"
    created = admin.post("/kinflow/v1/users.json", json={"code": code, "password": "pw", "email": f"{code}@x.test"})
    assert created.status_code == 200, created.text
    return password_header(code, "pw")


@pytest.mark.parametrize("resource", DIRECTORY)
def test_a_user_cannot_read_the_directory(server, member, resource):
    with server.client(member) as client:
        response = client.get(f"/kinflow/v1/{resource}.json")
    assert response.status_code in (403, 404), response.text
    if response.status_code == 403:
        assert response.json()["code"] == "CB_NO02"


@pytest.mark.parametrize("resource", DIRECTORY)
def test_a_token_cannot_read_the_directory(server, admin, resource):
    app = make_app(admin, {})
    token = make_token(admin, app, view=True, add=True, edit=True, delete=True, manage=True)
    with server.client({"X-Cybozu-API-Token": token}) as client:
        response = client.get(f"/kinflow/v1/{resource}.json")
    assert response.status_code in (403, 404), response.text
    assert "@x.test" not in response.text


def test_an_administrator_reads_the_users(server, admin, member):
    response = admin.get("/kinflow/v1/users.json")
    assert response.status_code == 200
    assert any(user["code"] == "Administrator" for user in response.json()["users"])
