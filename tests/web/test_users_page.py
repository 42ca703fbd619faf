"""Administering users in the browser: add one with language, time zone and mobile number, change
and deactivate them; refusals shown on the page; administrators only."""

from __future__ import annotations

import re
import uuid

from tests.web.conftest import new_user, request_token, signed_in


def _post(client, **form):
    return client.post("/k/admin/users", data={"__REQUEST_TOKEN__": request_token(client), **form})


def test_add_change_and_deactivate_a_user(server, admin):
    login = f"page-{uuid.uuid4().hex[:8]}"
    with signed_in(server) as client:
        added = _post(client, op="add", code=login, password="pw-1", name="Paged Person", language="ja",
                      timezone="Asia/Tokyo", mobileNumber="+81312345678", email="paged@example.com")
        assert added.status_code == 303, added.text
        listed = client.get("/k/admin/users", params={"search": login}).text
        assert f"<code>{login}</code>" in listed and "Asia/Tokyo" in listed and "+81312345678" in listed
        refused = _post(client, op="update", code=login, mobileNumber="not a number")
        assert refused.status_code == 400 and 'id="users-problem"' in refused.text and "mobileNumber" in refused.text
        assert _post(client, op="update", code=login, name="Renamed", active_shown="1").status_code == 303
    found = admin.get("/kinflow/v1/users.json", params={"codes[0]": login}).json()["users"][0]
    assert (found["name"], found["language"], found["valid"]) == ("Renamed", "ja", False)
    with server.client() as browser:
        refused_login = browser.post("/login", data={"username": login, "password": "pw-1"})
    assert refused_login.status_code == 401  # deactivated


def test_only_administrators_see_the_users_page(server):
    login = new_user(server)
    with signed_in(server, login, "user-pw") as client:
        page = client.get("/k/admin/users")
        portal = client.get("/k/").text
        refused = _post(client, op="add", code="sneaky", password="x")
    assert page.status_code == 403 and refused.status_code == 403
    assert 'href="/k/admin/users"' not in portal
    assert re.search(r'href="/k/personal"', portal)
