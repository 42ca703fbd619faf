"""Records: every data type, kintone's rules and error keys, updates, upsert, tables, bulk, cursors."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import make_app

OPTIONS = {"A": {"label": "A", "index": "0"}, "B": {"label": "B", "index": "1"}}
FIELDS = {
    "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title", "required": True,
              "maxLength": "10", "minLength": "2"},
    "sku": {"type": "SINGLE_LINE_TEXT", "code": "sku", "label": "SKU", "unique": True},
    "qty": {"type": "NUMBER", "code": "qty", "label": "Qty", "minValue": "0", "maxValue": "1000",
            "defaultValue": "1"},
    "notes": {"type": "MULTI_LINE_TEXT", "code": "notes", "label": "Notes"},
    "rich": {"type": "RICH_TEXT", "code": "rich", "label": "Rich"},
    "site": {"type": "LINK", "code": "site", "label": "Site", "protocol": "WEB"},
    "tags": {"type": "CHECK_BOX", "code": "tags", "label": "Tags", "options": OPTIONS, "defaultValue": ["A"]},
    "kind": {"type": "RADIO_BUTTON", "code": "kind", "label": "Kind", "options": OPTIONS, "defaultValue": "A"},
    "level": {"type": "DROP_DOWN", "code": "level", "label": "Level", "options": OPTIONS},
    "multi": {"type": "MULTI_SELECT", "code": "multi", "label": "Multi", "options": OPTIONS},
    "day": {"type": "DATE", "code": "day", "label": "Day"},
    "at": {"type": "TIME", "code": "at", "label": "At"},
    "when": {"type": "DATETIME", "code": "when", "label": "When"},
    "owner": {"type": "USER_SELECT", "code": "owner", "label": "Owner"},
    "items": {"type": "SUBTABLE", "code": "items", "fields": {
        "item": {"type": "SINGLE_LINE_TEXT", "code": "item", "label": "Item"},
        "count": {"type": "NUMBER", "code": "count", "label": "Count"},
    }},
}


@pytest.fixture(scope="module")
def app(server):
    with server.admin() as admin:
        return make_app(admin, FIELDS, name="Records")


def add(admin, app, record):
    return admin.post("/k/v1/record.json", json={"app": app, "record": record})


def get(admin, app, record_id):
    response = admin.get("/k/v1/record.json", params={"app": app, "id": record_id})
    assert response.status_code == 200, response.text
    return response.json()["record"]


def test_every_type_round_trips(admin, app):
    record = {
        "title": {"value": "Widget"}, "sku": {"value": "W-1"}, "qty": {"value": "1.50e1"},
        "notes": {"value": "line1\nline2"}, "rich": {"value": "<b>x</b>"}, "site": {"value": "https://x.test"},
        "tags": {"value": ["A", "B"]}, "kind": {"value": "B"}, "level": {"value": "A"},
        "multi": {"value": ["B"]}, "day": {"value": "2024-7"}, "at": {"value": "09:30"},
        "when": {"value": "2024-01-02T03:04:59+09:00"}, "owner": {"value": [{"code": "Administrator"}]},
        "items": {"value": [{"value": {"item": {"value": "bolt"}, "count": {"value": 3}}}]},
    }
    created = add(admin, app, record)
    assert created.status_code == 200, created.text
    assert created.json()["revision"] == "1"
    got = get(admin, app, created.json()["id"])
    assert got["qty"] == {"type": "NUMBER", "value": "15"}
    assert got["day"]["value"] == "2024-07-01"
    assert got["at"]["value"] == "09:30"
    assert got["when"]["value"] == "2024-01-01T18:04:00Z"
    assert got["tags"]["value"] == ["A", "B"]
    assert got["owner"]["value"] == [{"code": "Administrator", "name": "Administrator"}]
    assert got["items"]["value"][0]["value"]["count"]["value"] == "3"
    assert got["items"]["value"][0]["id"].isdigit()
    assert got["$id"]["value"] == created.json()["id"]
    assert got["$revision"] == {"type": "__REVISION__", "value": "1"}
    assert got["Record_number"]["value"] == created.json()["id"]


def test_pages_show_each_record_as_record_json_does(admin, server):
    """records.json and cursors render whole pages at once (from the stored text of dates and times
    on SQLite, with entries shared between records): each record must come out as record.json
    shows it on its own."""
    times = {"day": {"type": "DATE", "code": "day", "label": "Day"},
             "at": {"type": "TIME", "code": "at", "label": "At"},
             "when": {"type": "DATETIME", "code": "when", "label": "When"}}
    fields = {**FIELDS, "lines": {"type": "SUBTABLE", "code": "lines", "fields": {
        f"row_{code}": {**field, "code": f"row_{code}"} for code, field in times.items()}}}
    app = make_app(admin, fields, name="Pages")
    full = {
        "title": {"value": "Widget"}, "sku": {"value": "P-1"}, "qty": {"value": "0.50"},
        "notes": {"value": "line1\nline2"}, "rich": {"value": "<b>\u00e9</b>"}, "site": {"value": "https://x.test"},
        "tags": {"value": ["A", "B"]}, "kind": {"value": "B"}, "level": {"value": "A"},
        "multi": {"value": ["B"]}, "day": {"value": "2024-02-29"}, "at": {"value": "00:05"},
        "when": {"value": "2024-01-02T03:04:59+09:00"}, "owner": {"value": [{"code": "Administrator"}]},
        "items": {"value": [{"value": {"item": {"value": "bolt"}, "count": {"value": 3}}}]},
        "lines": {"value": [{"value": {"row_day": {"value": "1999-12-31"}, "row_at": {"value": "23:59"},
                                       "row_when": {"value": "2030-06-01T00:00:00Z"}}},
                            {"value": {}}]},
    }
    added = admin.post("/k/v1/records.json", json={"app": app, "records": [
        full, {"title": {"value": "Empty"}, "tags": {"value": []}, "kind": {"value": "A"}},
        {**full, "sku": {"value": "P-2"}, "when": {"value": "2024-01-02T03:05:00Z"}}]})
    assert added.status_code == 200, added.text
    ids = added.json()["ids"]
    one_by_one = [get(admin, app, record_id) for record_id in ids]
    page = admin.get("/k/v1/records.json", params={"app": app, "query": "order by $id asc"}).json()["records"]
    assert page == one_by_one
    cursor = admin.post("/k/v1/records/cursor.json", json={"app": app, "query": "order by $id asc"}).json()
    assert admin.get("/k/v1/records/cursor.json", params={"id": cursor["id"]}).json()["records"] == one_by_one
    chosen = admin.post("/k/v1/records.json", headers={"X-HTTP-Method-Override": "GET"}, json={
        "app": app, "fields": ["lines", "Created_by", "$id"], "query": "order by $id asc"}).json()["records"]
    assert chosen == [{k: r[k] for k in ("lines", "Created_by", "$id")} for r in one_by_one]
    assert one_by_one[0]["lines"]["value"][0]["value"] == {
        "row_day": {"type": "DATE", "value": "1999-12-31"}, "row_at": {"type": "TIME", "value": "23:59"},
        "row_when": {"type": "DATETIME", "value": "2030-06-01T00:00:00Z"}}
    assert one_by_one[1]["day"]["value"] is None and one_by_one[1]["at"]["value"] is None
    assert one_by_one[1]["when"]["value"] == ""


def test_defaults_apply_on_add_only_when_absent(admin, app):
    created = add(admin, app, {"title": {"value": "Defaults"}, "tags": {"value": []}}).json()
    got = get(admin, app, created["id"])
    assert got["qty"]["value"] == "1" and got["kind"]["value"] == "A"
    assert got["tags"]["value"] == []  # an explicit empty value is respected
    assert got["level"]["value"] is None and got["day"]["value"] is None and got["when"]["value"] == ""


def test_rule_errors_use_kintone_keys(admin, app):
    response = add(admin, app, {
        "title": {"value": "x"}, "qty": {"value": "5000"}, "level": {"value": "Z"},
        "tags": {"value": ["A", "Q"]},
    })
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "CB_VA01" and len(body["id"]) == 20
    errors = body["errors"]
    assert errors["record.title.value"]["messages"] == ["Enter more than 1 characters."]
    assert errors["record.qty.value"]["messages"] == ["The value must be 1000 or less."]
    assert errors["record.level.value"]["messages"] == ['The value, "Z", is not in options.']
    assert errors["record.tags.values[1].value"]["messages"] == ['The value, "Q", is not in options.']


def test_required_and_non_numeric(admin, app):
    errors = add(admin, app, {"qty": {"value": "abc"}}).json()["errors"]
    assert errors["record.title.value"]["messages"] == ["Required."]
    assert errors["record[qty].value"]["messages"] == ["Only numbers are allowed."]


def test_unknown_user_in_selection(admin, app):
    errors = add(admin, app, {"title": {"value": "ok"}, "owner": {"value": [{"code": "ghost"}]}}).json()["errors"]
    assert "record.owner.values[0].value" in errors


def test_an_edit_checks_only_the_selections_it_changes(admin, app):
    """A user who left stays in the records naming them: editing another field of such a record
    works, naming someone unknown does not."""
    leaver = f"leaver-{uuid.uuid4().hex[:8]}"
    admin.post("/kinflow/v1/users.json", json={"code": leaver, "password": "pw"}).raise_for_status()
    added = add(admin, app, {"title": {"value": "kept"}, "owner": {"value": [{"code": leaver}]}})
    assert added.status_code == 200, added.text
    record_id = added.json()["id"]
    admin.delete("/kinflow/v1/users.json", params={"code": leaver}).raise_for_status()
    edited = admin.put("/k/v1/record.json", json={"app": app, "id": record_id, "record": {"title": {"value": "new"}}})
    assert edited.status_code == 200, edited.text
    same = admin.put("/k/v1/record.json", json={"app": app, "id": record_id,
                                                 "record": {"owner": {"value": [{"code": leaver}]}}})
    assert same.status_code == 200, same.text
    assert get(admin, app, record_id)["owner"]["value"] == [{"code": leaver, "name": leaver}]
    ghost = admin.put("/k/v1/record.json", json={"app": app, "id": record_id, "record": {
        "owner": {"value": [{"code": leaver}, {"code": "ghost"}]}}})
    assert ghost.status_code == 400
    assert list(ghost.json()["errors"]) == ["record.owner.values[0].value", "record.owner.values[1].value"]


def test_unique_values(admin, app):
    assert add(admin, app, {"title": {"value": "u1"}, "sku": {"value": "DUP"}}).status_code == 200
    dup = add(admin, app, {"title": {"value": "u2"}, "sku": {"value": "DUP"}})
    assert dup.json()["errors"]["record.sku.value"]["messages"] == ["This value already exists in another record."]
    batch = admin.post("/k/v1/records.json", json={"app": app, "records": [
        {"title": {"value": "b1"}, "sku": {"value": "NEW"}}, {"title": {"value": "b2"}, "sku": {"value": "NEW"}}]})
    assert "records[1].sku.value" in batch.json()["errors"]
    empty = [add(admin, app, {"title": {"value": "empty"}, "sku": {"value": ""}}) for _ in range(2)]
    assert all(r.status_code == 200 for r in empty)


def test_update_by_id_and_revision(admin, app):
    record_id = add(admin, app, {"title": {"value": "rev"}}).json()["id"]
    updated = admin.put("/k/v1/record.json", json={"app": app, "id": record_id, "revision": 1,
                                                   "record": {"notes": {"value": "n"}}})
    assert updated.json() == {"revision": "2"}
    stale = admin.put("/k/v1/record.json", json={"app": app, "id": record_id, "revision": 1, "record": {}})
    assert (stale.status_code, stale.json()["code"]) == (409, "GAIA_CO02")
    got = get(admin, app, record_id)
    assert got["title"]["value"] == "rev" and got["notes"]["value"] == "n"  # partial update


def test_update_by_update_key(admin, app):
    add(admin, app, {"title": {"value": "keyed"}, "sku": {"value": "K-9"}})
    response = admin.put("/k/v1/record.json", json={
        "app": app, "updateKey": {"field": "sku", "value": "K-9"}, "record": {"notes": {"value": "via key"}}})
    assert response.status_code == 200
    bad_field = admin.put("/k/v1/record.json", json={
        "app": app, "updateKey": {"field": "title", "value": "keyed"}, "record": {}})
    assert bad_field.json()["code"] == "CB_VA01"
    missing = admin.put("/k/v1/record.json", json={
        "app": app, "updateKey": {"field": "sku", "value": "nope"}, "record": {}})
    assert missing.status_code == 404


def test_update_must_keep_required_fields(admin, app):
    record_id = add(admin, app, {"title": {"value": "keep"}}).json()["id"]
    cleared = admin.put("/k/v1/record.json", json={"app": app, "id": record_id, "record": {"title": {"value": ""}}})
    assert cleared.json()["errors"]["record.title.value"]["messages"] == ["Required."]


def test_upsert(admin, app):
    response = admin.put("/k/v1/records.json", json={"app": app, "upsert": True, "records": [
        {"updateKey": {"field": "sku", "value": "UP-1"}, "record": {"title": {"value": "upserted"}}},
    ]})
    assert response.status_code == 200, response.text
    first = response.json()["records"][0]
    assert first["operation"] == "INSERT"
    again = admin.put("/k/v1/records.json", json={"app": app, "upsert": True, "records": [
        {"updateKey": {"field": "sku", "value": "UP-1"}, "record": {"notes": {"value": "second"}}},
    ]}).json()["records"][0]
    assert again == {"id": first["id"], "revision": "2", "operation": "UPDATE"}
    assert get(admin, app, first["id"])["sku"]["value"] == "UP-1"


def test_subtable_row_semantics(admin, app):
    record_id = add(admin, app, {"title": {"value": "rows"}, "items": {"value": [
        {"value": {"item": {"value": "a"}, "count": {"value": 1}}},
        {"value": {"item": {"value": "b"}, "count": {"value": 2}}}]}}).json()["id"]
    rows = get(admin, app, record_id)["items"]["value"]
    first_id = rows[0]["id"]
    # A kept row keeps its unsent inner fields; rows not sent are deleted; a row without id is new.
    admin.put("/k/v1/record.json", json={"app": app, "id": record_id, "record": {"items": {"value": [
        {"id": first_id, "value": {"count": {"value": 10}}}, {"value": {"item": {"value": "c"}}}]}}})
    rows = get(admin, app, record_id)["items"]["value"]
    assert [r["value"]["item"]["value"] for r in rows] == ["a", "c"]
    assert rows[0]["id"] == first_id and rows[0]["value"]["count"]["value"] == "10"
    # Omitting the table keeps it; an empty list clears it.
    admin.put("/k/v1/record.json", json={"app": app, "id": record_id, "record": {"notes": {"value": "x"}}})
    assert len(get(admin, app, record_id)["items"]["value"]) == 2
    admin.put("/k/v1/record.json", json={"app": app, "id": record_id, "record": {"items": {"value": []}}})
    assert get(admin, app, record_id)["items"]["value"] == []


def test_missing_record_is_gaia_re01(admin, app):
    response = admin.get("/k/v1/record.json", params={"app": app, "id": 987654})
    assert (response.status_code, response.json()["code"]) == (404, "GAIA_RE01")


def test_batch_limits(admin, app):
    too_many = admin.post("/k/v1/records.json", json={"app": app, "records": [{"title": {"value": "x1"}}] * 101})
    assert too_many.json()["errors"]["records"]["messages"] == ["A maximum of 100 records can be added at one time."]
    ids = [str(i) for i in range(1, 102)]
    assert admin.delete("/k/v1/records.json", params={"app": app, **{f"ids[{i}]": v for i, v in enumerate(ids)}}
                        ).json()["code"] == "CB_VA01"


def test_add_many_is_all_or_nothing(admin, app):
    before = admin.get("/k/v1/records.json", params={"app": app, "totalCount": "true"}).json()["totalCount"]
    response = admin.post("/k/v1/records.json", json={"app": app, "records": [
        {"title": {"value": "good"}}, {"title": {"value": ""}}]})
    assert "records[1].title.value" in response.json()["errors"]
    after = admin.get("/k/v1/records.json", params={"app": app, "totalCount": "true"}).json()["totalCount"]
    assert before == after


def test_delete_with_revisions(admin, app):
    ids = admin.post("/k/v1/records.json", json={"app": app, "records": [
        {"title": {"value": "d1"}}, {"title": {"value": "d2"}}]}).json()["ids"]
    stale = admin.delete("/k/v1/records.json", params={"app": app, "ids[0]": ids[0], "ids[1]": ids[1],
                                                       "revisions[0]": 1, "revisions[1]": 7})
    assert stale.json()["code"] == "GAIA_CO02"
    assert get(admin, app, ids[0])  # nothing deleted
    assert admin.delete("/k/v1/records.json", params={"app": app, "ids[0]": ids[0], "ids[1]": ids[1],
                                                      "revisions[0]": 1, "revisions[1]": -1}).json() == {}
    assert admin.get("/k/v1/record.json", params={"app": app, "id": ids[0]}).json()["code"] == "GAIA_RE01"


def test_bulk_request_is_atomic_and_reports_the_failing_index(admin, app):
    before = admin.get("/k/v1/records.json", params={"app": app, "totalCount": "true"}).json()["totalCount"]
    response = admin.post("/k/v1/bulkRequest.json", json={"requests": [
        {"method": "POST", "api": "/k/v1/record.json", "payload": {"app": app, "record": {"title": {"value": "bulk"}}}},
        {"method": "POST", "api": "/k/v1/records.json", "payload": {"app": app, "records": [{"title": {"value": ""}}]}},
        {"method": "DELETE", "api": "/k/v1/records.json", "payload": {"app": app, "ids": [1]}},
    ]})
    assert response.status_code == 400
    results = response.json()["results"]
    assert results[0] == {} and results[2] == {} and results[1]["code"] == "CB_VA01"
    after = admin.get("/k/v1/records.json", params={"app": app, "totalCount": "true"}).json()["totalCount"]
    assert before == after
    ok = admin.post("/k/v1/bulkRequest.json", json={"requests": [
        {"method": "POST", "api": "/k/v1/record.json", "payload": {"app": app, "record": {"title": {"value": "b1"}}}},
        {"method": "PUT", "api": "/k/v1/records.json", "payload": {"app": app, "records": []}},
    ]})
    assert ok.json()["results"][1] == {"records": []}
    good = admin.post("/k/v1/bulkRequest.json", json={"requests": [
        {"method": "POST", "api": "/k/v1/record.json", "payload": {"app": app, "record": {"title": {"value": "b1"}}}},
    ]}).json()
    assert set(good["results"][0]) == {"id", "revision"}
    over = admin.post("/k/v1/bulkRequest.json", json={"requests": [
        {"method": "POST", "api": "/k/v1/record.json", "payload": {"app": app}}] * 21})
    assert over.json()["code"] == "CB_VA01"


def test_method_override_and_json_body_on_get(admin, app):
    record_id = add(admin, app, {"title": {"value": "override"}}).json()["id"]
    response = admin.post("/k/v1/record.json", json={"app": app, "id": record_id},
                          headers={"X-HTTP-Method-Override": "GET"})
    assert response.json()["record"]["title"]["value"] == "override"
    by_body = admin.request("GET", "/k/v1/records.json", json={"app": app, "fields": ["title"], "query": "limit 1"})
    assert set(by_body.json()["records"][0]) == {"title"}


def test_fields_parameter_in_the_query_string(admin, app):
    records = admin.get("/k/v1/records.json", params={"app": app, "fields[0]": "title", "fields[1]": "$id"}).json()
    assert set(records["records"][0]) == {"title", "$id"}


def test_malformed_json_and_wrong_types(admin, app):
    bad = admin.post("/k/v1/record.json", content=b'{"app": 1,', headers={"Content-Type": "application/json"})
    assert (bad.status_code, bad.json()["code"]) == (400, "CB_IJ01")
    assert admin.post("/k/v1/record.json", json={"app": "abc"}).json()["code"] == "CB_VA01"
    assert admin.post("/k/v1/record.json", json={"app": app, "record": []}).json()["code"] == "CB_VA01"
    assert admin.post("/k/v1/records.json", json={"app": app, "records": "x"}).json()["code"] == "CB_VA01"
    assert admin.get("/k/v1/apps.JSON").status_code == 404


def test_cursor_pages_and_limits(admin, app):
    admin.post("/k/v1/records.json", json={"app": app, "records": [{"title": {"value": f"c{i}"}} for i in range(7)]})
    cursor = admin.post("/k/v1/records/cursor.json", json={"app": app, "size": 3, "fields": ["title"],
                                                            "query": 'title like "c" order by $id asc'}).json()
    total = int(cursor["totalCount"])
    seen = []
    while True:
        page = admin.get("/k/v1/records/cursor.json", params={"id": cursor["id"]}).json()
        seen.extend(r["title"]["value"] for r in page["records"])
        if not page["next"]:
            break
    assert len(seen) == total >= 7
    gone = admin.get("/k/v1/records/cursor.json", params={"id": cursor["id"]})
    assert gone.status_code == 400  # a fully read cursor is freed
    assert admin.post("/k/v1/records/cursor.json", json={"app": app, "size": 501}).json()["code"] == "CB_VA01"
    opened = [admin.post("/k/v1/records/cursor.json", json={"app": app}).json()["id"] for _ in range(10)]
    eleventh = admin.post("/k/v1/records/cursor.json", json={"app": app})
    assert eleventh.status_code == 400
    for cursor_id in opened:
        assert admin.delete("/k/v1/records/cursor.json", params={"id": cursor_id}).json() == {}


def test_guest_space_paths(server, admin):
    space = admin.post("/kinflow/v1/spaces.json", json={"name": "Partners", "isGuest": True}).json()["id"]
    app = make_app(admin, {"t": {"type": "SINGLE_LINE_TEXT", "code": "t", "label": "T"}}, space=int(space))
    guest = f"/k/guest/{space}/v1"
    added = admin.post(f"{guest}/record.json", json={"app": app, "record": {"t": {"value": "g"}}})
    assert added.status_code == 200, added.text
    wrong_path = admin.get("/k/v1/records.json", params={"app": app})
    assert (wrong_path.status_code, wrong_path.json()["code"]) == (400, "GAIA_IL23")
    other = admin.get("/k/guest/999/v1/records.json", params={"app": app})
    assert (other.status_code, other.json()["code"]) == (403, "CB_NO02")
    normal = make_app(admin, {})
    assert admin.get(f"{guest}/records.json", params={"app": normal}).json()["code"] == "CB_NO02"


def test_nul_characters_are_refused_on_every_database(admin, app):
    response = admin.post("/k/v1/record.json", json={"app": app, "record": {"title": {"value": "a\u0000b"}}})
    assert (response.status_code, response.json()["code"]) == (400, "CB_VA01")
    query = admin.get("/k/v1/records.json", params={"app": app, "query": 'title = "\u0000"'})
    assert (query.status_code, query.json()["code"]) == (400, "CB_VA01")
