"""Field permissions enforced: fields a user may not read are absent from every record they read
(lists, cursors, single records), and a write naming a field they may not write is refused."""

from __future__ import annotations

import pytest

from tests.conftest import deploy_and_wait, make_app, make_token, password_header

FIELDS = {
    "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title", "unique": True},
    "secret": {"type": "SINGLE_LINE_TEXT", "code": "secret", "label": "Secret"},
    "owner": {"type": "USER_SELECT", "code": "owner", "label": "Owner"},
    "notes": {"type": "MULTI_LINE_TEXT", "code": "notes", "label": "Notes"},
    "lines": {"type": "SUBTABLE", "code": "lines", "fields": {
        "item": {"type": "SINGLE_LINE_TEXT", "code": "item", "label": "Item"}}},
}
RIGHTS = [
    # Only fp-ann reads and writes the secret ("everyone" listed first still comes last).
    {"code": "secret", "entities": [{"entity": {"type": "GROUP", "code": "everyone"}, "accessibility": "NONE"},
                                    {"entity": {"type": "USER", "code": "fp-ann"}, "accessibility": "WRITE"}]},
    # A record's owner writes its notes; everyone else reads them.
    {"code": "notes", "entities": [{"entity": {"type": "FIELD_ENTITY", "code": "owner"}, "accessibility": "WRITE"},
                                   {"entity": {"type": "GROUP", "code": "everyone"}, "accessibility": "READ"}]},
    # The table is hidden from fp-bob only.
    {"code": "lines", "entities": [{"entity": {"type": "USER", "code": "fp-bob"}, "accessibility": "NONE"},
                                   {"entity": {"type": "GROUP", "code": "everyone"}, "accessibility": "WRITE"}]},
]


@pytest.fixture(scope="module")
def app(server):
    with server.admin() as admin:
        for code in ("fp-ann", "fp-bob"):
            assert admin.post("/kinflow/v1/users.json", json={"code": code, "password": "pw"}).status_code == 200
        app_id = make_app(admin, FIELDS, name="Guarded fields")
        records = [{"title": {"value": f"r-{owner}"}, "secret": {"value": "s3cret"}, "notes": {"value": "n"},
                    "owner": {"value": [{"code": owner}]},
                    "lines": {"value": [{"value": {"item": {"value": "x"}}}]}} for owner in ("fp-ann", "fp-bob")]
        ids = admin.post("/k/v1/records.json", json={"app": app_id, "records": records}).json()["ids"]
        token = make_token(admin, app_id, view=True, add=True, edit=True)
        assert admin.put("/k/v1/preview/field/acl.json", json={"app": app_id, "rights": RIGHTS}).status_code == 200
        assert deploy_and_wait(admin, app_id) == "SUCCESS"
    return {"id": app_id, "ann": ids[0], "bob": ids[1], "token": token}


def user(server, login):
    return server.client(password_header(login, "pw"))


def refused(response):
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "CB_NO02", response.text


def records(client, app, **params):
    response = client.get("/k/v1/records.json", params={"app": app["id"], "query": "order by $id asc", **params})
    assert response.status_code == 200, response.text
    return response.json()["records"]


def test_fields_a_user_may_not_read_are_absent(server, app):
    with user(server, "fp-ann") as ann:
        for record in records(ann, app):
            assert {"secret", "notes", "lines", "owner"} <= set(record)
    with user(server, "fp-bob") as bob:
        for record in records(bob, app):
            assert "secret" not in record and "lines" not in record
            assert record["notes"]["value"] == "n" and "title" in record and "$id" in record
        single = bob.get("/k/v1/record.json", params={"app": app["id"], "id": app["ann"]}).json()["record"]
        assert "secret" not in single and "lines" not in single and single["title"]["value"] == "r-fp-ann"
        cursor = bob.post("/k/v1/records/cursor.json", json={"app": app["id"]}).json()
        page = bob.get("/k/v1/records/cursor.json", params={"id": cursor["id"]}).json()
        assert page["records"] and all("secret" not in r for r in page["records"])


def test_asking_for_fields_returns_only_those_the_user_may_read(server, app):
    with user(server, "fp-bob") as bob:
        picked = records(bob, app, **{"fields[0]": "title", "fields[1]": "secret", "fields[2]": "notes"})
        assert [set(r) for r in picked] == [{"title", "notes"}] * 2


def test_administrators_are_subject_to_field_permissions_and_tokens_are_not(server, admin, app):
    assert all("secret" not in r and "lines" in r for r in records(admin, app))
    with server.client({"X-Cybozu-API-Token": app["token"]}) as token:
        assert all({"secret", "lines"} <= set(r) for r in records(token, app))


def test_writing_a_field_needs_write_access_in_that_record(server, app):
    with user(server, "fp-bob") as bob:
        own = bob.put("/k/v1/record.json", json={"app": app["id"], "id": app["bob"],
                                                  "record": {"notes": {"value": "mine"}}})
        assert own.status_code == 200, own.text
        refused(bob.put("/k/v1/record.json", json={"app": app["id"], "id": app["ann"],
                                                    "record": {"notes": {"value": "theirs"}}}))
        refused(bob.put("/k/v1/record.json", json={"app": app["id"], "id": app["bob"],
                                                    "record": {"secret": {"value": "guess"}}}))
        refused(bob.post("/k/v1/record.json", json={"app": app["id"], "record": {"secret": {"value": "x"}}}))
        refused(bob.put("/k/v1/records.json", json={"app": app["id"], "upsert": True, "records": [
            {"updateKey": {"field": "title", "value": "new"}, "record": {"lines": {"value": []}}}]}))
        added = bob.post("/k/v1/record.json", json={"app": app["id"], "record": {"title": {"value": "plain"}}})
        assert added.status_code == 200, added.text
    with user(server, "fp-ann") as ann:
        written = ann.put("/k/v1/record.json", json={"app": app["id"], "id": app["bob"],
                                                      "record": {"secret": {"value": "changed"}}})
        assert written.status_code == 200, written.text
        assert ann.get("/k/v1/record.json", params={"app": app["id"], "id": app["bob"]}).json()[
            "record"]["notes"]["value"] == "mine"


def test_evaluate_tells_field_rights_per_record(server, app):
    with user(server, "fp-bob") as bob:
        response = bob.get("/k/v1/records/acl/evaluate.json",
                           params={"app": app["id"], "ids[0]": app["ann"], "ids[1]": app["bob"]})
        assert response.status_code == 200, response.text
        theirs, mine = (r["fields"] for r in response.json()["rights"])
        assert theirs["secret"] == {"viewable": False, "editable": False}
        assert theirs["notes"] == {"viewable": True, "editable": False}
        assert mine["notes"] == {"viewable": True, "editable": True}
        # Fields in a table have the table's permissions.
        assert mine["item"] == {"viewable": False, "editable": False}


def test_permissions_on_a_group_field_hold_for_the_fields_in_the_group(server, admin, app):
    app_id = make_app(admin, {
        "box": {"type": "GROUP", "code": "box", "label": "Box"},
        "inside": {"type": "SINGLE_LINE_TEXT", "code": "inside", "label": "Inside"},
        "own": {"type": "SINGLE_LINE_TEXT", "code": "own", "label": "Own"},
        "outside": {"type": "SINGLE_LINE_TEXT", "code": "outside", "label": "Outside"},
    }, name="Grouped fields")
    row = {"type": "ROW", "fields": [{"type": "SINGLE_LINE_TEXT", "code": "inside"},
                                     {"type": "SINGLE_LINE_TEXT", "code": "own"}]}
    layout = [{"type": "GROUP", "code": "box", "layout": [row]},
              {"type": "ROW", "fields": [{"type": "SINGLE_LINE_TEXT", "code": "outside"}]}]
    assert admin.put("/k/v1/preview/app/form/layout.json", json={"app": app_id, "layout": layout}).status_code == 200
    rights = [{"code": "own", "entities": [{"entity": {"type": "GROUP", "code": "everyone"}, "accessibility": "READ"}]},
              {"code": "box", "entities": [{"entity": {"type": "USER", "code": "fp-ann"}, "accessibility": "WRITE"}]}]
    assert admin.put("/k/v1/preview/field/acl.json", json={"app": app_id, "rights": rights}).status_code == 200
    assert deploy_and_wait(admin, app_id) == "SUCCESS"
    values = {code: {"value": code} for code in ("inside", "own", "outside")}
    with user(server, "fp-ann") as ann:
        added = ann.post("/k/v1/record.json", json={"app": app_id, "record": {"inside": values["inside"]}})
        assert added.status_code == 200, added.text
    with server.client({"X-Cybozu-API-Token": make_token(admin, app_id, edit=True, view=True)}) as token:
        assert token.put("/k/v1/record.json", json={"app": app_id, "id": added.json()["id"],
                                                     "record": values}).status_code == 200
    with user(server, "fp-bob") as bob:
        record = bob.get("/k/v1/record.json", params={"app": app_id, "id": added.json()["id"]}).json()["record"]
        assert "inside" not in record and record["own"]["value"] == "own" and record["outside"]["value"] == "outside"
        refused(bob.put("/k/v1/record.json", json={"app": app_id, "id": added.json()["id"],
                                                    "record": {"inside": {"value": "x"}}}))


def test_a_search_cannot_name_a_field_the_user_may_not_read(server, app):
    with user(server, "fp-bob") as bob:
        for query in ('secret = "s3cret"', "order by secret asc", 'item in ("x")'):
            response = bob.get("/k/v1/records.json", params={"app": app["id"], "query": query})
            assert (response.status_code, response.json()["code"]) == (400, "GAIA_IQ11"), query
        assert len(records(bob, app, query='notes like "n" order by $id asc')) >= 1
    with user(server, "fp-ann") as ann:
        response = ann.get("/k/v1/records.json", params={"app": app["id"], "query": 'secret = "s3cret"'})
        assert response.status_code == 200, response.text


def test_a_file_in_a_field_the_user_may_not_read_is_not_downloaded(server, admin, app):
    app_id = make_app(admin, {"doc": {"type": "FILE", "code": "doc", "label": "Doc"},
                              "rows": {"type": "SUBTABLE", "code": "rows", "fields": {
                                  "att": {"type": "FILE", "code": "att", "label": "Att"}}}}, name="Guarded files")
    keys = [admin.post("/k/v1/file.json", files={"file": (name, b"data", "text/plain")}).json()["fileKey"]
            for name in ("a.txt", "b.txt")]
    added = admin.post("/k/v1/record.json", json={"app": app_id, "record": {
        "doc": {"value": [{"fileKey": keys[0]}]},
        "rows": {"value": [{"value": {"att": {"value": [{"fileKey": keys[1]}]}}}]}}})
    assert added.status_code == 200, added.text
    rights = [{"code": code, "entities": [{"entity": {"type": "USER", "code": "fp-bob"}, "accessibility": "NONE"},
                                          {"entity": {"type": "GROUP", "code": "everyone"}, "accessibility": "READ"}]}
              for code in ("doc", "rows")]
    assert admin.put("/k/v1/preview/field/acl.json", json={"app": app_id, "rights": rights}).status_code == 200
    assert deploy_and_wait(admin, app_id) == "SUCCESS"
    record = admin.get("/k/v1/record.json", params={"app": app_id, "id": added.json()["id"]}).json()["record"]
    stored = [record["doc"]["value"][0]["fileKey"], record["rows"]["value"][0]["value"]["att"]["value"][0]["fileKey"]]
    for key in stored:
        assert admin.get("/k/v1/file.json", params={"fileKey": key}).content == b"data"
        with user(server, "fp-bob") as bob:
            refused(bob.get("/k/v1/file.json", params={"fileKey": key}))
