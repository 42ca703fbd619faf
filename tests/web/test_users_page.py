"""Administering users in the browser: add one with language, time zone and mobile number, change
and deactivate them; refusals shown on the page; administrators only."""

from __future__ import annotations

import re
import uuid

from tests.web.conftest import new_user, post_form, request_token, signed_in


def _post(client, **form):
    return post_form(client, "/k/admin/users", **form)


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


def test_departments_and_groups_with_their_members(server, admin):
    member = new_user(server)
    top, sub, team = (f"t-{uuid.uuid4().hex[:6]}" for _ in range(3))
    with signed_in(server) as client:
        post = lambda path, **form: client.post(path, data={"__REQUEST_TOKEN__": request_token(client), **form})  # noqa: E731
        assert post("/k/admin/departments", op="add", code=top, name="Top").status_code == 303
        assert post("/k/admin/departments", op="add", code=sub, name="Sub", parent=top, parent_shown="1",
                    members=member, members_shown="1").status_code == 303
        looped = post("/k/admin/departments", op="update", code=top, parent=sub, parent_shown="1")
        assert looped.status_code == 400 and "cannot move below itself" in looped.text
        assert post("/k/admin/groups", op="add", code=team, name="Team", members=f"{member}, Administrator",
                    members_shown="1").status_code == 303
        departments = client.get("/k/admin/departments").text
        groups = client.get("/k/admin/groups").text
        assert re.search(rf"<td><code>{sub}</code></td><td>Sub</td><td>{top}</td>\s*<td>{member}</td>", departments)
        assert re.search(rf"<td><code>{team}</code></td><td>Team</td>\s*<td>[^<]*{member}", groups)
        assert post("/k/admin/groups", op="delete", code=team).status_code == 303
        assert f"<code>{team}</code>" not in client.get("/k/admin/groups").text
    found = admin.get("/kinflow/v1/department/users.json", params={"code": sub}).json()["users"]
    assert found == [{"code": member}]


def test_spaces_with_their_administrators_and_members(server, admin):
    member = new_user(server)
    name = f"space-{uuid.uuid4().hex[:6]}"
    with signed_in(server) as client:
        post = lambda **form: client.post("/k/admin/spaces", data={"__REQUEST_TOKEN__": request_token(client), **form})  # noqa: E731
        assert post(op="add", name=name, guest="true").status_code == 303
        space_id = re.search(rf'<tr id="space-(\d+)">\s*<td>{name}</td><td>yes</td>', client.get("/k/admin/spaces").text).group(1)
        nobody = post(op="members", id=space_id, admins="", members=member)
        assert nobody.status_code == 400 and "at least one administrator" in nobody.text
        assert post(op="members", id=space_id, admins="Administrator", members=f"{member}, Administrator").status_code == 303
        row = re.search(rf'<tr id="space-{space_id}">.*?</tr>', client.get("/k/admin/spaces").text, re.S).group(0)
        assert f"<td>Administrator</td><td>{member}</td>" in row
        assert post(op="delete", id=space_id).status_code == 303
        assert f'id="space-{space_id}"' not in client.get("/k/admin/spaces").text
    with signed_in(server, member, "user-pw") as client:
        assert client.get("/k/admin/spaces").status_code == 403
