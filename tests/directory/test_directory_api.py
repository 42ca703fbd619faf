"""The directory over HTTP, on both databases: users, departments, groups and spaces administered
through /kinflow/v1/."""

from __future__ import annotations

import uuid

from tests.conftest import make_app, password_header


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def add_user(admin, code: str, **fields) -> None:
    created = admin.post("/kinflow/v1/users.json", json={"code": code, "password": "pw", **fields})
    assert created.status_code == 200, created.text


def user(admin, code: str) -> dict:
    found = admin.get("/kinflow/v1/users.json", params={"codes[0]": code}).json()["users"]
    assert len(found) == 1
    return found[0]


def test_users_are_listed_a_page_at_a_time_and_searched(admin):
    tag = uuid.uuid4().hex[:8]
    for number in range(5):
        add_user(admin, f"pager-{tag}-{number}", name=f"Pager {number}", email=f"p{number}@{tag}.test")
    page = admin.get("/kinflow/v1/users.json", params={"search": tag, "size": 2, "offset": 1}).json()["users"]
    assert [u["code"] for u in page] == [f"pager-{tag}-1", f"pager-{tag}-2"]
    by_mail = admin.get("/kinflow/v1/users.json", params={"search": f"P3@{tag.upper()}"}).json()["users"]
    assert [u["code"] for u in by_mail] == [f"pager-{tag}-3"]
    # LIKE's wildcards are matched as themselves.
    assert admin.get("/kinflow/v1/users.json", params={"search": f"pager_{tag}"}).json()["users"] == []
    too_big = admin.get("/kinflow/v1/users.json", params={"size": 101})
    assert too_big.status_code == 400 and too_big.json()["code"] == "CB_VA01"


def test_a_profile_changes_field_by_field(admin):
    code = unique("profile")
    dept = unique("dept")
    assert admin.post("/kinflow/v1/departments.json", json={"code": dept, "name": "Sales"}).status_code == 200
    add_user(admin, code, name="Before")
    changed = admin.put("/kinflow/v1/users.json", json={
        "code": code, "name": "After", "email": "after@x.test", "language": "ja", "timezone": "Asia/Tokyo",
        "mobileNumber": "+1 415 555 0123", "departments": [dept]})
    assert changed.status_code == 200, changed.text
    got = user(admin, code)
    assert {k: got[k] for k in ("name", "email", "language", "timezone", "mobileNumber", "departments",
                                "primaryDepartment")} == {
        "name": "After", "email": "after@x.test", "language": "ja", "timezone": "Asia/Tokyo",
        "mobileNumber": "+14155550123", "departments": [dept], "primaryDepartment": dept}
    # A field not named keeps its value.
    assert admin.put("/kinflow/v1/users.json", json={"code": code, "language": "en"}).status_code == 200
    assert user(admin, code)["name"] == "After" and user(admin, code)["language"] == "en"


def test_bad_profile_values_are_refused_and_nothing_changes(admin):
    code, other = unique("bad"), unique("other")
    add_user(admin, code, name="Kept")
    add_user(admin, other, mobileNumber="+442079460000")
    for body, key in [({"mobileNumber": "0123"}, "mobileNumber"), ({"mobileNumber": "+1 000"}, "mobileNumber"),
                      ({"language": "klingon"}, "language"), ({"name": "x" * 129}, "name"),
                      ({"mobileNumber": "+44 20 7946 0000"}, "mobileNumber"),
                      ({"departments": ["no-such-dept"]}, None)]:
        response = admin.put("/kinflow/v1/users.json", json={"code": code, "name": "Changed", **body})
        assert response.status_code == 400, (body, response.text)
        if key:
            assert key in response.json()["errors"], response.text
    assert user(admin, code)["name"] == "Kept"
    missing = admin.put("/kinflow/v1/users.json", json={"code": unique("ghost"), "name": "x"})
    assert missing.status_code == 404 and missing.json()["code"] == "GAIA_US01"


def test_a_deactivated_user_cannot_log_in_and_comes_back(server, admin):
    code = unique("sleeper")
    add_user(admin, code)
    with server.client(password_header(code, "pw")) as client:
        assert client.get("/k/v1/apps.json").status_code == 200
        assert admin.put("/kinflow/v1/users.json", json={"code": code, "active": False}).status_code == 200
        assert client.get("/k/v1/apps.json").status_code == 401
        assert user(admin, code)["valid"] is False
        assert admin.put("/kinflow/v1/users.json", json={"code": code, "active": True}).status_code == 200
        assert client.get("/k/v1/apps.json").status_code == 200


def test_a_deleted_users_records_keep_their_code(server, admin):
    code = unique("leaver")
    add_user(admin, code)
    app_id = make_app(admin, {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}})
    with server.client(password_header(code, "pw")) as client:
        added = client.post("/k/v1/record.json", json={"app": app_id, "record": {"title": {"value": "mine"}}})
    assert added.status_code == 200, added.text
    assert admin.delete("/kinflow/v1/users.json", params={"code": code}).status_code == 200
    assert admin.get("/kinflow/v1/users.json", params={"codes[0]": code}).json()["users"] == []
    record = admin.get("/k/v1/record.json", params={"app": app_id, "id": added.json()["id"]})
    assert record.status_code == 200
    creators = [f["value"] for f in record.json()["record"].values() if f["type"] == "CREATOR"]
    assert creators and creators[0]["code"] == code
    with server.client(password_header(code, "pw")) as client:
        assert client.get("/k/v1/apps.json").status_code == 401
    again = admin.delete("/kinflow/v1/users.json", params={"code": code})
    assert again.status_code == 404


def test_the_last_administrator_stays(admin):
    for call in (admin.delete, admin.put):
        body = {"code": "Administrator", **({"active": False} if call == admin.put else {})}
        refused = admin.request(call.__name__.upper(), "/kinflow/v1/users.json", json=body)
        assert refused.status_code == 400, refused.text
    assert user(admin, "Administrator")["valid"] is True


def test_departments_are_renamed_moved_given_members_and_deleted(admin):
    top, child, other = unique("top"), unique("child"), unique("other")
    member = unique("member")
    add_user(admin, member)
    for code, parent in ((top, None), (child, top), (other, None)):
        assert admin.post("/kinflow/v1/departments.json", json={"code": code, "parent": parent}).status_code == 200
    assert admin.put("/kinflow/v1/departments.json", json={"code": child, "name": "Renamed", "parent": other,
                                                           "members": [member]}).status_code == 200
    listed = {d["code"]: d for d in admin.get("/kinflow/v1/departments.json").json()["departments"]}
    assert listed[child]["name"] == "Renamed" and listed[child]["parentCode"] == other
    members = admin.get("/kinflow/v1/department/users.json", params={"code": child}).json()["users"]
    assert members == [{"code": member}]
    assert user(admin, member)["departments"] == [child]
    # A department cannot move below itself; one with sub-departments is not deleted.
    cycle = admin.put("/kinflow/v1/departments.json", json={"code": other, "parent": child})
    assert cycle.status_code == 400 and "parent" in cycle.json()["errors"]
    assert admin.delete("/kinflow/v1/departments.json", params={"code": other}).status_code == 400
    assert admin.put("/kinflow/v1/departments.json", json={"code": child, "parent": None}).status_code == 200
    assert admin.delete("/kinflow/v1/departments.json", params={"code": child}).status_code == 200
    assert user(admin, member)["departments"] == [] and user(admin, member)["primaryDepartment"] is None
    codes = {d["code"] for d in admin.get("/kinflow/v1/departments.json").json()["departments"]}
    assert child not in codes and top in codes


def test_groups_are_renamed_given_members_and_deleted(admin):
    group, first, second = unique("group"), unique("first"), unique("second")
    add_user(admin, first)
    add_user(admin, second)
    assert admin.post("/kinflow/v1/groups.json", json={"code": group, "members": [first]}).status_code == 200
    assert admin.put("/kinflow/v1/groups.json", json={"code": group, "name": "Team",
                                                      "members": [second, first]}).status_code == 200
    listed = {g["code"]: g for g in admin.get("/kinflow/v1/groups.json").json()["groups"]}
    assert listed[group]["name"] == "Team"
    members = admin.get("/kinflow/v1/group/users.json", params={"code": group}).json()["users"]
    assert sorted(m["code"] for m in members) == sorted([first, second])
    unknown = admin.put("/kinflow/v1/groups.json", json={"code": group, "members": [first, unique("ghost")]})
    assert unknown.status_code == 400
    assert len(admin.get("/kinflow/v1/group/users.json", params={"code": group}).json()["users"]) == 2
    assert admin.delete("/kinflow/v1/groups.json", params={"code": group}).status_code == 200
    gone = admin.get("/kinflow/v1/group/users.json", params={"code": group})
    assert gone.status_code == 404 and gone.json()["code"] == "GAIA_GR01"


def test_spaces_are_listed_given_members_and_deleted(admin):
    member = unique("spacer")
    add_user(admin, member)
    space = admin.post("/kinflow/v1/spaces.json", json={"name": "Project X"}).json()["id"]
    with_app = admin.post("/kinflow/v1/spaces.json", json={"name": "Busy", "isGuest": True}).json()["id"]
    make_app(admin, {}, space=int(with_app))
    listed = {s["id"]: s for s in admin.get("/kinflow/v1/spaces.json").json()["spaces"]}
    assert listed[space]["name"] == "Project X" and listed[with_app]["apps"] == 1
    members = [{"entity": {"type": "USER", "code": member}, "isAdmin": True}]
    assert admin.put("/kinflow/v1/space/members.json", json={"id": space, "members": members}).status_code == 200
    got = admin.get("/kinflow/v1/space/members.json", params={"id": space}).json()["members"]
    assert got == [{"entity": {"type": "USER", "code": member}, "isAdmin": True, "includeSubs": False}]
    no_admin = admin.put("/kinflow/v1/space/members.json", json={
        "id": space, "members": [{"entity": {"type": "USER", "code": member}}]})
    assert no_admin.status_code == 400
    assert admin.delete("/kinflow/v1/spaces.json", params={"id": with_app}).status_code == 400
    assert admin.delete("/kinflow/v1/spaces.json", params={"id": space}).status_code == 200
    assert admin.get("/kinflow/v1/space/members.json", params={"id": space}).status_code == 404
