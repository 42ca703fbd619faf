"""Record permissions enforced on every read and write: lists, queries, counts, paging, cursors,
single records, comments, lookups, notifications; edits and deletions; API tokens and
administrators as kintone treats them."""

from __future__ import annotations

import pytest

from tests.conftest import deploy_and_wait, make_app, make_token, password_header

FIELDS = {
    "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title", "unique": True},
    "owner": {"type": "USER_SELECT", "code": "owner", "label": "Owner"},
    "stage": {"type": "DROP_DOWN", "code": "stage", "label": "Stage",
              "options": {"open": {"label": "open", "index": "0"}, "done": {"label": "done", "index": "1"}}},
}
# Done records: the sales department (and its sub-departments) may view them, nobody else.
# Every other record: its owner may do everything, rp-cat may view it.
RIGHTS = [
    {"filterCond": 'stage in ("done")', "entities": [
        {"entity": {"type": "ORGANIZATION", "code": "rp-sales"}, "viewable": True, "includeSubs": True}]},
    {"filterCond": "", "entities": [
        {"entity": {"type": "FIELD_ENTITY", "code": "owner"}, "viewable": True, "editable": True, "deletable": True},
        {"entity": {"type": "USER", "code": "rp-cat"}, "viewable": True}]},
]
# title: (stage, owner)
RECORDS = {"one": ("open", "rp-ann"), "two": ("open", "rp-bob"), "three": ("done", "rp-cat"), "four": ("done", None)}
SEES = {"rp-ann": {"one", "three", "four"}, "rp-bob": {"two", "three", "four"}, "rp-cat": {"one", "two"}}


@pytest.fixture(scope="module")
def people(server):
    with server.admin() as admin:
        admin.post("/kinflow/v1/departments.json", json={"code": "rp-sales", "name": "Sales"})
        admin.post("/kinflow/v1/departments.json", json={"code": "rp-east", "name": "East", "parent": "rp-sales"})
        for code, dept in (("rp-ann", "rp-sales"), ("rp-bob", "rp-east"), ("rp-cat", None)):
            body = {"code": code, "password": "pw", **({"departments": [dept]} if dept else {})}
            assert admin.post("/kinflow/v1/users.json", json=body).status_code == 200


def add_records(client, app):
    records = [{"title": {"value": title}, "stage": {"value": stage},
                "owner": {"value": [{"code": owner}] if owner else []}} for title, (stage, owner) in RECORDS.items()]
    added = client.post("/k/v1/records.json", json={"app": app, "records": records})
    assert added.status_code == 200, added.text
    return dict(zip(RECORDS, added.json()["ids"]))


def guard(admin, app, rights=RIGHTS):
    changed = admin.put("/k/v1/preview/record/acl.json", json={"app": app, "rights": rights})
    assert changed.status_code == 200, changed.text
    assert deploy_and_wait(admin, app) == "SUCCESS"


@pytest.fixture(scope="module")
def app(server, people):
    with server.admin() as admin:
        app_id = make_app(admin, FIELDS, name="Guarded records")
        ids = add_records(admin, app_id)
        token = make_token(admin, app_id, view=True, edit=True)
        guard(admin, app_id)
    return {"id": app_id, "ids": ids, "token": token}


def as_user(server, login):
    return server.client(password_header(login, "pw"))


def titles(client, app, query="", **params):
    response = client.get("/k/v1/records.json", params={"app": app["id"], "query": query, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    return [r["title"]["value"] for r in body["records"]], body["totalCount"]


def refused(response):
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["code"] == "CB_NO02" and body["message"] == "No privilege to proceed." and body["id"], body


@pytest.mark.parametrize("login", sorted(SEES))
def test_lists_and_counts_hold_only_the_records_a_user_may_view(server, app, login):
    with as_user(server, login) as client:
        found, total = titles(client, app, "order by $id asc", totalCount="true")
        assert set(found) == SEES[login] and total == str(len(SEES[login]))
        # A query and the permissions narrow together, in the database: paging and counts agree.
        first, total = titles(client, app, "order by $id asc limit 2", totalCount="true")
        rest, _ = titles(client, app, "order by $id asc limit 2 offset 2")
        assert first + rest == found and total == str(len(found))
        done, total = titles(client, app, 'stage in ("done")', totalCount="true")
        assert set(done) == SEES[login] & {"three", "four"} and total == str(len(done))


def test_cursors_hold_only_viewable_records(server, app):
    with as_user(server, "rp-bob") as bob:
        created = bob.post("/k/v1/records/cursor.json", json={"app": app["id"], "size": 2})
        assert created.status_code == 200, created.text
        assert created.json()["totalCount"] == "3"
        seen = []
        while True:
            page = bob.get("/k/v1/records/cursor.json", params={"id": created.json()["id"]}).json()
            seen += [r["title"]["value"] for r in page["records"]]
            if not page["next"]:
                break
        assert set(seen) == SEES["rp-bob"]


def test_a_record_the_user_may_not_view_is_refused(server, app):
    with as_user(server, "rp-cat") as cat:
        # kintone's priority: the "done" condition decides record three, though cat owns it.
        refused(cat.get("/k/v1/record.json", params={"app": app["id"], "id": app["ids"]["three"]}))
        refused(cat.get("/k/v1/record/comments.json", params={"app": app["id"], "record": app["ids"]["three"]}))
        refused(cat.post("/k/v1/record/comment.json", json={"app": app["id"], "record": app["ids"]["three"],
                                                           "comment": {"text": "hi"}}))
        shown = cat.get("/k/v1/record.json", params={"app": app["id"], "id": app["ids"]["one"]})
        assert shown.status_code == 200 and shown.json()["record"]["title"]["value"] == "one"


def test_administrators_are_subject_to_record_permissions_and_tokens_are_not(server, admin, app):
    # kintone: record permissions name users, groups and departments; the administrator is one more user.
    assert titles(admin, app) == ([], None)
    refused(admin.get("/k/v1/record.json", params={"app": app["id"], "id": app["ids"]["one"]}))
    # kintone: "permissions for API tokens take priority over ... permissions for records".
    with server.client({"X-Cybozu-API-Token": app["token"]}) as token:
        assert set(titles(token, app, totalCount="true")[0]) == set(RECORDS)


def test_edits_and_deletions_need_their_permission(server, app):
    ids = app["ids"]
    with as_user(server, "rp-ann") as ann:
        # Viewing is not editing: the done record three is read-only to the sales department.
        refused(ann.put("/k/v1/record.json", json={"app": app["id"], "id": ids["three"],
                                                    "record": {"title": {"value": "three!"}}}))
        # One refused record refuses the whole batch.
        refused(ann.put("/k/v1/records.json", json={"app": app["id"], "records": [
            {"id": ids["one"], "record": {"title": {"value": "one!"}}},
            {"id": ids["three"], "record": {"title": {"value": "three!"}}}]}))
        assert ann.get("/k/v1/record.json", params={"app": app["id"], "id": ids["one"]}).json()[
            "record"]["title"]["value"] == "one"
        refused(ann.delete("/k/v1/records.json", params={"app": app["id"], "ids[0]": ids["three"]}))
        edited = ann.put("/k/v1/record.json", json={"app": app["id"], "id": ids["one"],
                                                     "record": {"title": {"value": "one"}}})
        assert edited.status_code == 200, edited.text
    with as_user(server, "rp-cat") as cat:
        refused(cat.put("/k/v1/record.json", json={"app": app["id"], "id": ids["one"],
                                                    "record": {"title": {"value": "one!"}}}))
        refused(cat.delete("/k/v1/records.json", params={"app": app["id"], "ids[0]": ids["two"]}))
    with server.client({"X-Cybozu-API-Token": app["token"]}) as token:
        for title in ("three", "four"):
            assert token.get("/k/v1/record.json", params={"app": app["id"], "id": ids[title]}).status_code == 200


def test_a_record_that_changes_condition_changes_who_may_view_it(server, admin, people):
    app_id = make_app(admin, FIELDS, name="Moving records")
    ids = add_records(admin, app_id)
    # Not yet deployed: the pre-live permissions change nothing.
    admin.put("/k/v1/preview/record/acl.json", json={"app": app_id, "rights": RIGHTS})
    app = {"id": app_id, "ids": ids}
    with as_user(server, "rp-cat") as cat:
        assert set(titles(cat, app)[0]) == set(RECORDS)
    assert deploy_and_wait(admin, app_id) == "SUCCESS"
    with as_user(server, "rp-bob") as bob:
        # bob owns record two and closes it: it is then governed by the "done" condition.
        closed = bob.put("/k/v1/record.json", json={"app": app_id, "id": ids["two"],
                                                     "record": {"stage": {"value": "done"}}})
        assert closed.status_code == 200, closed.text
    with as_user(server, "rp-cat") as cat:
        assert set(titles(cat, app)[0]) == {"one"}


def test_login_user_in_a_condition_means_the_caller(server, admin, people):
    app_id = make_app(admin, FIELDS, name="Own records")
    ids = add_records(admin, app_id)
    guard(admin, app_id, [
        {"filterCond": "owner in (LOGINUSER())", "entities": [
            {"entity": {"type": "GROUP", "code": "everyone"}, "viewable": True}]},
        {"filterCond": "", "entities": []}])
    app = {"id": app_id, "ids": ids}
    for login, own in (("rp-ann", {"one"}), ("rp-bob", {"two"}), ("rp-cat", {"three"})):
        with as_user(server, login) as client:
            assert set(titles(client, app, totalCount="true")[0]) == own


def test_lookups_find_only_records_the_writer_may_view(server, admin, people):
    source = make_app(admin, FIELDS, name="Lookup source")
    add_records(admin, source)
    guard(admin, source)
    reader = make_app(admin, {"key": {"type": "SINGLE_LINE_TEXT", "code": "key", "label": "Key", "lookup": {
        "relatedApp": {"app": source}, "relatedKeyField": "title",
        "fieldMappings": [{"field": "copied", "relatedField": "title"}], "lookupPickerFields": []}},
        "copied": {"type": "SINGLE_LINE_TEXT", "code": "copied", "label": "Copied"}}, name="Lookup reader")
    with as_user(server, "rp-cat") as cat:
        found = cat.post("/k/v1/record.json", json={"app": reader, "record": {"key": {"value": "two"}}})
        assert found.status_code == 200, found.text
        hidden = cat.post("/k/v1/record.json", json={"app": reader, "record": {"key": {"value": "three"}}})
        assert (hidden.status_code, hidden.json()["code"]) == (400, "GAIA_LO04")


def test_notifications_reach_only_people_who_may_view_the_record(server, admin, app):
    general = [{"entity": {"type": "GROUP", "code": "everyone"}, "recordEdited": True}]
    assert admin.put("/k/v1/preview/app/notifications/general.json",
                     json={"app": app["id"], "notifications": general}).status_code == 200
    assert deploy_and_wait(admin, app["id"]) == "SUCCESS"
    with server.client({"X-Cybozu-API-Token": app["token"]}) as token:
        for title in ("two", "four"):
            edited = token.put("/k/v1/record.json", json={"app": app["id"], "id": app["ids"][title],
                                                          "record": {"title": {"value": title}}})
            assert edited.status_code == 200, edited.text
    for login, sees in SEES.items():
        with as_user(server, login) as client:
            entries = client.get("/kinflow/v1/notifications.json", params={"limit": 100}).json()["notifications"]
        notified = {e["record"] for e in entries if e["app"] == str(app["id"])}
        assert notified == {str(app["ids"][t]) for t in ("two", "four") if t in sees}, login


def test_evaluate_tells_a_user_their_rights_on_records(server, app):
    ids = app["ids"]
    with as_user(server, "rp-ann") as ann:
        response = ann.get("/k/v1/records/acl/evaluate.json",
                           params={"app": app["id"], "ids[0]": ids["one"], "ids[1]": ids["three"]})
        assert response.status_code == 200, response.text
        rights = response.json()["rights"]
        assert [r["id"] for r in rights] == [ids["one"], ids["three"]]
        assert rights[0]["record"] == {"viewable": True, "editable": True, "deletable": True}
        assert rights[1]["record"] == {"viewable": True, "editable": False, "deletable": False}
        assert rights[0]["fields"]["title"] == {"viewable": True, "editable": True}
        missing = ann.get("/k/v1/records/acl/evaluate.json", params={"app": app["id"], "ids[0]": 999999})
        assert (missing.status_code, missing.json()["code"]) == (404, "GAIA_RE01")
    with as_user(server, "rp-cat") as cat:
        rights = cat.get("/k/v1/records/acl/evaluate.json",
                         params={"app": app["id"], "ids[0]": ids["three"]}).json()["rights"]
        assert rights[0]["record"] == {"viewable": False, "editable": False, "deletable": False}
    with server.client({"X-Cybozu-API-Token": app["token"]}) as token:
        denied = token.get("/k/v1/records/acl/evaluate.json", params={"app": app["id"], "ids[0]": ids["one"]})
        assert (denied.status_code, denied.json()["code"]) == (403, "GAIA_NO01")


def test_a_bulk_request_with_a_refused_write_changes_nothing(server, app):
    ids = app["ids"]
    with as_user(server, "rp-bob") as bob:
        response = bob.post("/k/v1/bulkRequest.json", json={"requests": [
            {"method": "PUT", "api": "/k/v1/record.json",
             "payload": {"app": app["id"], "id": ids["two"], "record": {"title": {"value": "two!"}}}},
            {"method": "DELETE", "api": "/k/v1/records.json", "payload": {"app": app["id"], "ids": [ids["four"]]}},
        ]})
        assert response.status_code == 403, response.text
        results = response.json()["results"]
        assert results[0] == {} and results[1]["code"] == "CB_NO02"
        two = bob.get("/k/v1/record.json", params={"app": app["id"], "id": ids["two"]}).json()["record"]
        assert two["title"]["value"] == "two"
