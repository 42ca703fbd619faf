"""Record and field permission settings (record/acl.json, field/acl.json) in kintone's pre-live and
live stages: shapes, kintone's rules and its validation errors."""

from __future__ import annotations

import pytest

from tests.conftest import deploy_and_wait, make_app, password_header

FIELDS = {
    "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
    "notes": {"type": "MULTI_LINE_TEXT", "code": "notes", "label": "Notes"},
    "owner": {"type": "USER_SELECT", "code": "owner", "label": "Owner"},
    "team": {"type": "ORGANIZATION_SELECT", "code": "team", "label": "Team"},
    "stage": {"type": "DROP_DOWN", "code": "stage", "label": "Stage",
              "options": {"open": {"label": "open", "index": "0"}, "done": {"label": "done", "index": "1"}}},
    "lines": {"type": "SUBTABLE", "code": "lines", "fields": {
        "item": {"type": "SINGLE_LINE_TEXT", "code": "item", "label": "Item"}}},
}


@pytest.fixture(scope="module")
def people(server):
    with server.admin() as admin:
        admin.post("/kinflow/v1/departments.json", json={"code": "as-sales", "name": "Sales"})
        admin.post("/kinflow/v1/groups.json", json={"code": "as-crew", "name": "Crew"})
        for code in ("as-ann", "as-off"):
            assert admin.post("/kinflow/v1/users.json", json={"code": code, "password": "pw"}).status_code == 200
        admin.put("/kinflow/v1/users.json", json={"code": "as-off", "active": False})
    return password_header("as-ann", "pw")


@pytest.fixture()
def app(admin, people):
    return make_app(admin, FIELDS, name="Guarded")


def read(client, app, kind, preview=True):
    prefix = "/k/v1/preview" if preview else "/k/v1"
    response = client.get(f"{prefix}/{kind}/acl.json", params={"app": app})
    assert response.status_code == 200, response.text
    return response.json()


def change(client, app, kind, rights, **extra):
    return client.put(f"/k/v1/preview/{kind}/acl.json", json={"app": app, "rights": rights, **extra})


def invalid(response) -> dict:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "CB_VA01" and body["id"] and body["message"], body
    return body["errors"]


RECORD_RIGHTS = [
    {"filterCond": 'stage in ("done")', "entities": [
        {"entity": {"type": "GROUP", "code": "everyone"}, "viewable": True},
        {"entity": {"type": "FIELD_ENTITY", "code": "owner"}, "viewable": True, "editable": "true",
         "deletable": True},
        {"entity": {"type": "ORGANIZATION", "code": "as-sales"}, "viewable": "true", "includeSubs": True},
    ]},
    {"entities": [{"entity": {"type": "USER", "code": "as-ann"}, "viewable": True, "editable": True}]},
]


def test_new_app_has_no_record_or_field_permissions(admin, app):
    for kind in ("record", "field"):
        assert read(admin, app, kind) == {"rights": [], "revision": "2"}
        assert read(admin, app, kind, preview=False) == {"rights": [], "revision": "2"}


def test_record_permissions_are_stored_in_kintone_shape_and_go_live_on_deploy(admin, app):
    changed = change(admin, app, "record", RECORD_RIGHTS, revision="2")
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"revision": "3"}
    expected = [
        {"filterCond": 'stage in ("done")', "entities": [
            {"entity": {"type": "FIELD_ENTITY", "code": "owner"}, "viewable": True, "editable": True,
             "deletable": True, "includeSubs": False},
            {"entity": {"type": "ORGANIZATION", "code": "as-sales"}, "viewable": True, "editable": False,
             "deletable": False, "includeSubs": True},
            # kintone: "everyone" has the lowest priority wherever it is listed.
            {"entity": {"type": "GROUP", "code": "everyone"}, "viewable": True, "editable": False,
             "deletable": False, "includeSubs": False},
        ]},
        {"filterCond": "", "entities": [
            {"entity": {"type": "USER", "code": "as-ann"}, "viewable": True, "editable": True,
             "deletable": False, "includeSubs": False}]},
    ]
    assert read(admin, app, "record") == {"rights": expected, "revision": "3"}
    assert read(admin, app, "record", preview=False)["rights"] == []
    assert deploy_and_wait(admin, app) == "SUCCESS"
    assert read(admin, app, "record", preview=False) == {"rights": expected, "revision": "3"}


def test_field_permissions_are_stored_and_go_live_on_deploy(admin, app):
    rights = [{"code": "notes", "entities": [
        {"entity": {"type": "GROUP", "code": "as-crew"}, "accessibility": "WRITE"},
        {"entity": {"type": "GROUP", "code": "everyone"}, "accessibility": "READ"}]},
        {"code": "lines", "entities": [{"entity": {"type": "FIELD_ENTITY", "code": "team"}, "accessibility": "NONE",
                                        "includeSubs": True}]}]
    # kintone.dev: the app may be named by `id` as well.
    changed = admin.put("/k/v1/preview/field/acl.json", json={"id": app, "rights": rights})
    assert changed.status_code == 200, changed.text
    stored = read(admin, app, "field")["rights"]
    assert stored == [
        {"code": "notes", "entities": [
            {"accessibility": "WRITE", "entity": {"type": "GROUP", "code": "as-crew"}, "includeSubs": False},
            {"accessibility": "READ", "entity": {"type": "GROUP", "code": "everyone"}, "includeSubs": False}]},
        {"code": "lines", "entities": [
            {"accessibility": "NONE", "entity": {"type": "FIELD_ENTITY", "code": "team"}, "includeSubs": True}]},
    ]
    assert deploy_and_wait(admin, app) == "SUCCESS"
    assert read(admin, app, "field", preview=False)["rights"] == stored


@pytest.mark.parametrize(("rights", "key"), [
    (None, "rights"),
    ("all", "rights"),
    ([{"filterCond": "nope = 1", "entities": []}], "rights[0].filterCond"),
    ([{"filterCond": 'notes like "x"', "entities": []}], "rights[0].filterCond"),
    ([{"filterCond": 'title = "x" order by title', "entities": []}], "rights[0].filterCond"),
    ([{"filterCond": ""}], "rights[0].entities"),
    ([{"entities": [{"entity": {"type": "CREATOR"}}]}], "rights[0].entities[0].entity.type"),
    ([{"entities": [{"entity": {"type": "USER", "code": "nobody"}}]}], "rights[0].entities[0].entity.code"),
    ([{"entities": [{"entity": {"type": "USER", "code": "as-off"}}]}], "rights[0].entities[0].entity.code"),
    ([{"entities": [{"entity": {"type": "FIELD_ENTITY", "code": "title"}}]}], "rights[0].entities[0].entity.code"),
    ([{"entities": [{"entity": {"type": "USER", "code": "as-ann"}, "editable": True}]}],
     "rights[0].entities[0].viewable"),
    ([{"entities": [{"entity": {"type": "USER", "code": "as-ann"}, "viewable": "yes"}]}],
     "rights[0].entities[0].viewable"),
    ([{"entities": [{"entity": {"type": "USER", "code": "as-ann"}}]}] * 101, "rights"),
])
def test_record_permission_problems(admin, app, rights, key):
    errors = invalid(change(admin, app, "record", rights))
    assert key in errors, errors
    assert read(admin, app, "record")["rights"] == []


@pytest.mark.parametrize(("rights", "key"), [
    ([{"code": "nope", "entities": []}], "rights[0].code"),
    ([{"code": "item", "entities": []}], "rights[0].code"),
    ([{"code": "title", "entities": []}, {"code": "title", "entities": []}], "rights[1].code"),
    ([{"code": "title", "entities": [{"entity": {"type": "USER", "code": "as-ann"}}]}],
     "rights[0].entities[0].accessibility"),
    ([{"code": "title", "entities": [{"entity": {"type": "USER", "code": "as-ann"}, "accessibility": "ALL"}]}],
     "rights[0].entities[0].accessibility"),
    ([{"code": "title", "entities": [{"entity": {"type": "GROUP", "code": "no-group"}, "accessibility": "READ"}]}],
     "rights[0].entities[0].entity.code"),
    ([{"code": "title"}], "rights[0].entities"),
])
def test_field_permission_problems(admin, app, rights, key):
    errors = invalid(change(admin, app, "field", rights))
    assert key in errors, errors


def test_stale_revision_is_refused(admin, app):
    response = change(admin, app, "record", [], revision="1")
    assert (response.status_code, response.json()["code"]) == (409, "GAIA_CO02")


def test_permissions_are_for_app_managers(server, app, people):
    with server.client(people) as ann:
        for path in ("/k/v1/record/acl.json", "/k/v1/preview/field/acl.json"):
            denied = ann.get(path, params={"app": app})
            assert (denied.status_code, denied.json()["code"]) == (403, "CB_NO02")
        denied = change(ann, app, "record", [])
        assert (denied.status_code, denied.json()["code"]) == (403, "CB_NO02")


def test_deploy_refuses_permissions_naming_a_dropped_field(admin, app):
    rights = [{"filterCond": 'stage in ("done")', "entities": [
        {"entity": {"type": "GROUP", "code": "everyone"}, "viewable": True}]}]
    assert change(admin, app, "record", rights).status_code == 200
    dropped = admin.delete("/k/v1/preview/app/form/fields.json", params={"app": app, "fields[0]": "stage"})
    assert dropped.status_code == 200, dropped.text
    refused = admin.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": app}]})
    assert refused.status_code == 400, refused.text
    assert "recordAcl.rights[0].filterCond" in refused.json()["errors"]
    assert read(admin, app, "record", preview=False)["rights"] == []
