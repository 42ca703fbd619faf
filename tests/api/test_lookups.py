"""Lookups: set on text and number fields, checked when the form is saved, and on every write the key
is looked up in the related app as the writing user sees it and the mapped fields are copied."""

from __future__ import annotations

import pytest

from tests.conftest import deploy_and_wait, make_app, make_token, password_header

OPTIONS = {"A": {"label": "A", "index": "0"}, "B": {"label": "B", "index": "1"}}
CUSTOMERS = {
    "cid": {"type": "SINGLE_LINE_TEXT", "code": "cid", "label": "Customer ID", "unique": True},
    "name": {"type": "SINGLE_LINE_TEXT", "code": "name", "label": "Name"},
    "rank": {"type": "NUMBER", "code": "rank", "label": "Rank"},
    "kind": {"type": "DROP_DOWN", "code": "kind", "label": "Kind", "options": OPTIONS},
    "plain": {"type": "SINGLE_LINE_TEXT", "code": "plain", "label": "Not unique"},
    "tags": {"type": "CHECK_BOX", "code": "tags", "label": "Tags", "options": OPTIONS},
}


def lookup(app, key, mappings, **extra):
    return {"relatedApp": {"app": app}, "relatedKeyField": key,
            "fieldMappings": [{"field": f, "relatedField": r} for f, r in mappings], **extra}


def orders_fields(customers):
    return {
        "customer": {"type": "SINGLE_LINE_TEXT", "code": "customer", "label": "Customer",
                     "lookup": lookup(customers, "cid", [("cust_name", "name"), ("cust_rank", "rank")],
                                      lookupPickerFields=["cid", "name"], filterCond='rank > 0',
                                      sort="rank desc")},
        "cust_name": {"type": "SINGLE_LINE_TEXT", "code": "cust_name", "label": "Customer name"},
        "cust_rank": {"type": "NUMBER", "code": "cust_rank", "label": "Customer rank"},
        "double_rank": {"type": "CALC", "code": "double_rank", "label": "Twice", "expression": "cust_rank * 2"},
        "lines": {"type": "SUBTABLE", "code": "lines", "fields": {
            "by_number": {"type": "NUMBER", "code": "by_number", "label": "Customer number",
                          "lookup": lookup(customers, "Record_number", [("line_name", "name"), ("line_no", "Record_number")])},
            "line_name": {"type": "SINGLE_LINE_TEXT", "code": "line_name", "label": "Line customer"},
            "line_no": {"type": "NUMBER", "code": "line_no", "label": "Line number"},
        }},
    }


@pytest.fixture(scope="module")
def apps(server):
    with server.admin() as admin:
        customers = make_app(admin, CUSTOMERS, name="Customers")
        ids = {}
        for cid, name, rank in (("C1", "Acme", 3), ("C2", "Globex", 5)):
            created = admin.post("/k/v1/record.json", json={"app": customers, "record": {
                "cid": {"value": cid}, "name": {"value": name}, "rank": {"value": rank}}})
            assert created.status_code == 200, created.text
            ids[cid] = created.json()["id"]
        orders = make_app(admin, orders_fields(customers), name="Orders")
        return {"customers": customers, "orders": orders, "ids": ids}


def get(client, app, record_id):
    response = client.get("/k/v1/record.json", params={"app": app, "id": record_id})
    assert response.status_code == 200, response.text
    return response.json()["record"]


def values(record, *codes):
    return tuple(record[code]["value"] for code in codes)


def add(client, app, record):
    return client.post("/k/v1/record.json", json={"app": app, "record": record})


def test_the_form_shows_lookups_as_kintone_does(admin, apps):
    properties = admin.get("/k/v1/app/form/fields.json", params={"app": apps["orders"]}).json()["properties"]
    assert properties["customer"] == {
        "type": "SINGLE_LINE_TEXT", "code": "customer", "label": "Customer", "noLabel": False, "required": False,
        "lookup": {"relatedApp": {"app": str(apps["customers"]), "code": ""}, "relatedKeyField": "cid",
                   "fieldMappings": [{"field": "cust_name", "relatedField": "name"},
                                     {"field": "cust_rank", "relatedField": "rank"}],
                   "lookupPickerFields": ["cid", "name"], "filterCond": "rank > 0", "sort": "rank desc"}}
    inner = properties["lines"]["fields"]["by_number"]
    assert inner["type"] == "NUMBER" and inner["lookup"]["relatedKeyField"] == "Record_number"


@pytest.mark.parametrize(("change", "key", "code"), [
    ({"relatedApp": {"app": "999999"}}, "properties.bad.lookup.relatedApp.app", "CB_VA01"),
    ({"relatedKeyField": "nowhere"}, "properties.bad.lookup.relatedKeyField", "CB_VA01"),
    ({"relatedKeyField": "rank"}, "properties.bad.lookup.relatedKeyField", "CB_VA01"),
    ({"relatedKeyField": "plain"}, None, "GAIA_LO03"),
    ({"fieldMappings": [{"field": "copy", "relatedField": "tags"}]},
     "properties.bad.lookup.fieldMappings[0].relatedField", "CB_VA01"),
    ({"fieldMappings": [{"field": "copy", "relatedField": "missing"}]},
     "properties.bad.lookup.fieldMappings[0].relatedField", "CB_VA01"),
    ({"fieldMappings": [{"field": "nowhere", "relatedField": "name"}]},
     "properties.bad.lookup.fieldMappings[0].field", "CB_VA01"),
    ({"fieldMappings": [{"field": "bad", "relatedField": "name"}]},
     "properties.bad.lookup.fieldMappings[0].field", "CB_VA01"),
    ({"lookupPickerFields": ["ghost"]}, "properties.bad.lookup.lookupPickerFields[0]", "CB_VA01"),
    ({"filterCond": 'ghost = "x"'}, "properties.bad.lookup.filterCond", "CB_VA01"),
    ({"filterCond": "rank >"}, "properties.bad.lookup.filterCond", "CB_VA01"),
    ({"sort": "rank sideways"}, "properties.bad.lookup.sort", "CB_VA01"),
    ({"sort": "ghost asc"}, "properties.bad.lookup.sort", "CB_VA01"),
])
def test_a_lookup_is_checked_when_the_form_is_saved(admin, apps, change, key, code):
    app = make_app(admin, {"copy": {"type": "SINGLE_LINE_TEXT", "code": "copy", "label": "Copy"}})
    settings = {**lookup(apps["customers"], "cid", [("copy", "name")]), **change}
    response = admin.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
        "bad": {"type": "SINGLE_LINE_TEXT", "code": "bad", "label": "Bad", "lookup": settings}}})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == code
    if key:
        assert list(body["errors"]) == [key]
    fields = admin.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["properties"]
    assert "bad" not in fields


def test_a_lookup_only_on_text_or_number_and_copies_beside_it(admin, apps):
    app = make_app(admin, {"copy": {"type": "SINGLE_LINE_TEXT", "code": "copy", "label": "Copy"},
                           "rows": {"type": "SUBTABLE", "code": "rows", "fields": {
                               "inner": {"type": "SINGLE_LINE_TEXT", "code": "inner", "label": "Inner"}}}})
    on_date = admin.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
        "when": {"type": "DATE", "code": "when", "label": "When", "lookup": lookup(apps["customers"], "cid", [])}}})
    assert list(on_date.json()["errors"]) == ["properties.when.lookup"]
    across = admin.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
        "key": {"type": "SINGLE_LINE_TEXT", "code": "key", "label": "Key",
                "lookup": lookup(apps["customers"], "cid", [("inner", "name")])}}})
    assert list(across.json()["errors"]) == ["properties.key.lookup.fieldMappings[0].field"]


def test_add_copies_the_mapped_fields_and_formulas_see_them(admin, apps):
    created = add(admin, apps["orders"], {"customer": {"value": "C2"}, "cust_name": {"value": "ignored"},
                                          "cust_rank": {"value": "99"}})
    assert created.status_code == 200, created.text
    record = get(admin, apps["orders"], created.json()["id"])
    assert values(record, "customer", "cust_name", "cust_rank", "double_rank") == ("C2", "Globex", "5", "10")
    assert record["customer"]["type"] == "SINGLE_LINE_TEXT"
    # The copies are stored: the query language finds them.
    found = admin.get("/k/v1/records.json", params={"app": apps["orders"], "query": 'cust_name = "Globex"'})
    assert created.json()["id"] in [r["$id"]["value"] for r in found.json()["records"]]


def test_no_match_is_gaia_lo04(admin, apps):
    response = add(admin, apps["orders"], {"customer": {"value": "C404"}})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "GAIA_LO04" and "errors" not in body
    assert "C404" in body["message"] and "customer" in body["message"]


def test_empty_key_clears_changed_key_copies_again_and_left_out_keeps(admin, apps):
    orders, customers = apps["orders"], apps["customers"]
    record_id = add(admin, orders, {"customer": {"value": "C1"}}).json()["id"]
    assert values(get(admin, orders, record_id), "cust_name", "cust_rank") == ("Acme", "3")

    changed = admin.put("/k/v1/record.json", json={"app": orders, "id": record_id,
                                                   "record": {"customer": {"value": "C2"}}})
    assert changed.status_code == 200, changed.text
    assert values(get(admin, orders, record_id), "cust_name", "cust_rank", "double_rank") == ("Globex", "5", "10")

    # The source changes; a record that leaves its key out keeps what it copied.
    admin.put("/k/v1/record.json", json={"app": customers, "id": apps["ids"]["C2"],
                                         "record": {"name": {"value": "Globex Corp"}}})
    admin.put("/k/v1/record.json", json={"app": orders, "id": record_id,
                                         "record": {"cust_name": {"value": "typed by hand"}}})
    assert values(get(admin, orders, record_id), "cust_name") == ("Globex",)
    # Sending the key again copies again.
    admin.put("/k/v1/record.json", json={"app": orders, "id": record_id, "record": {"customer": {"value": "C2"}}})
    assert values(get(admin, orders, record_id), "cust_name") == ("Globex Corp",)

    cleared = admin.put("/k/v1/record.json", json={"app": orders, "id": record_id, "record": {"customer": {"value": ""}}})
    assert cleared.status_code == 200, cleared.text
    assert values(get(admin, orders, record_id), "customer", "cust_name", "cust_rank", "double_rank") == ("", "", "", "0")

    missing = admin.put("/k/v1/record.json", json={"app": orders, "id": record_id,
                                                   "record": {"customer": {"value": "nope"}}})
    assert missing.json()["code"] == "GAIA_LO04"
    assert values(get(admin, orders, record_id), "customer") == ("",)


def test_a_record_without_the_key_has_empty_copies(admin, apps):
    record = get(admin, apps["orders"], add(admin, apps["orders"], {"cust_name": {"value": "x"}}).json()["id"])
    assert values(record, "customer", "cust_name", "cust_rank") == ("", "", "")


def test_lookups_in_a_table_work_row_by_row(admin, apps):
    orders, ids = apps["orders"], apps["ids"]
    created = add(admin, orders, {"lines": {"value": [
        {"value": {"by_number": {"value": ids["C1"]}, "line_name": {"value": "ignored"}}},
        {"value": {"by_number": {"value": ids["C2"]}}},
        {"value": {}},
    ]}})
    assert created.status_code == 200, created.text
    rows = get(admin, orders, created.json()["id"])["lines"]["value"]
    assert [values(row["value"], "by_number", "line_name", "line_no") for row in rows] == [
        (ids["C1"], "Acme", ids["C1"]), (ids["C2"], "Globex Corp", ids["C2"]), ("", "", "")]
    # An update that sends a row's key copies that row again; a row sent without its key keeps its copies.
    update = admin.put("/k/v1/record.json", json={"app": orders, "id": created.json()["id"], "record": {"lines": {
        "value": [{"id": rows[0]["id"], "value": {"by_number": {"value": ids["C2"]}}},
                  {"id": rows[1]["id"], "value": {"line_name": {"value": "typed"}}}]}}})
    assert update.status_code == 200, update.text
    rows = get(admin, orders, created.json()["id"])["lines"]["value"]
    assert [values(row["value"], "line_name") for row in rows] == [("Globex Corp",), ("Globex Corp",)]
    bad = add(admin, orders, {"lines": {"value": [{"value": {"by_number": {"value": "987654"}}}]}})
    assert bad.json()["code"] == "GAIA_LO04"


def test_bulk_writes_are_all_or_nothing(admin, apps):
    orders = apps["orders"]
    count = lambda: admin.get("/k/v1/records.json", params={"app": orders, "totalCount": "true"}).json()["totalCount"]  # noqa: E731
    before = count()
    response = admin.post("/k/v1/records.json", json={"app": orders, "records": [
        {"customer": {"value": "C1"}}, {"customer": {"value": "unknown"}}]})
    assert response.json()["code"] == "GAIA_LO04"
    assert count() == before
    added = admin.post("/k/v1/records.json", json={"app": orders, "records": [
        {"customer": {"value": "C1"}}, {"customer": {"value": "C2"}}, {"customer": {"value": "C1"}}]})
    assert added.status_code == 200, added.text
    ids = added.json()["ids"]
    assert [get(admin, orders, i)["cust_name"]["value"] for i in ids] == ["Acme", "Globex Corp", "Acme"]
    updated = admin.put("/k/v1/records.json", json={"app": orders, "records": [
        {"id": ids[0], "record": {"customer": {"value": "C2"}}}, {"id": ids[1], "record": {"customer": {"value": "?"}}}]})
    assert updated.json()["code"] == "GAIA_LO04"
    assert get(admin, orders, ids[0])["cust_name"]["value"] == "Acme"
    upsert = admin.put("/k/v1/records.json", json={"app": orders, "upsert": True, "records": [
        {"id": ids[0], "record": {"customer": {"value": "C2"}}}, {"id": "99999", "record": {"customer": {"value": "C1"}}}]})
    assert upsert.status_code == 200, upsert.text
    new_id = upsert.json()["records"][1]["id"]
    assert get(admin, orders, ids[0])["cust_name"]["value"] == "Globex Corp"
    assert get(admin, orders, new_id)["cust_name"]["value"] == "Acme"
    batch = admin.post("/k/v1/bulkRequest.json", json={"requests": [
        {"method": "POST", "api": "/k/v1/record.json", "payload": {"app": orders, "record": {"customer": {"value": "C1"}}}},
        {"method": "PUT", "api": "/k/v1/record.json",
         "payload": {"app": orders, "id": ids[2], "record": {"customer": {"value": "gone"}}}}]})
    assert batch.status_code == 400
    assert batch.json()["results"][1]["code"] == "GAIA_LO04"
    assert count() == str(int(before) + 4)


def test_the_key_is_looked_up_as_the_writing_user_sees_it(server, admin, apps):
    customers = make_app(admin, CUSTOMERS, name="Secret customers")
    admin.post("/k/v1/record.json", json={"app": customers, "record": {"cid": {"value": "S1"}, "name": {"value": "Hidden"}}})
    orders = make_app(admin, {
        "customer": {"type": "SINGLE_LINE_TEXT", "code": "customer", "label": "Customer",
                     "lookup": lookup(customers, "cid", [("cust_name", "name")])},
        "cust_name": {"type": "SINGLE_LINE_TEXT", "code": "cust_name", "label": "Name"}})
    rights = [{"entity": {"type": "USER", "code": "Administrator"}, "appEditable": True, "recordViewable": True,
               "recordAddable": True, "recordEditable": True, "recordDeletable": True}]
    assert admin.put("/k/v1/preview/app/acl.json", json={"app": customers, "rights": rights}).status_code == 200
    assert admin.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": customers}]}).status_code == 200
    admin.post("/kinflow/v1/users.json", json={"code": "lookup-clerk", "password": "pw"})
    with server.client(password_header("lookup-clerk", "pw")) as clerk:
        denied = add(clerk, orders, {"customer": {"value": "S1"}})
        assert denied.status_code == 400, denied.text
        assert denied.json()["code"] == "GAIA_LO04"
        assert add(clerk, orders, {"customer": {"value": ""}}).status_code == 200
    assert add(admin, orders, {"customer": {"value": "S1"}}).status_code == 200
    # An API token reaches the related app only when a token of that app comes with it.
    orders_token = make_token(admin, orders, view=True, add=True)
    customers_token = make_token(admin, customers, view=True)
    with server.client({"X-Cybozu-API-Token": orders_token}) as one:
        assert add(one, orders, {"customer": {"value": "S1"}}).json()["code"] == "GAIA_LO04"
    with server.client({"X-Cybozu-API-Token": f"{orders_token},{customers_token}"}) as both:
        created = add(both, orders, {"customer": {"value": "S1"}})
        assert created.status_code == 200, created.text
        assert get(both, orders, created.json()["id"])["cust_name"]["value"] == "Hidden"


def test_renaming_a_copied_field_keeps_the_mapping(admin, apps):
    app = make_app(admin, {"copy": {"type": "SINGLE_LINE_TEXT", "code": "copy", "label": "Copy"},
                           "key": {"type": "SINGLE_LINE_TEXT", "code": "key", "label": "Key",
                                   "lookup": lookup(apps["customers"], "cid", [("copy", "name")])}})
    renamed = admin.put("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
        "copy": {"code": "copied"}}})
    assert renamed.status_code == 200, renamed.text
    fields = admin.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["properties"]
    assert fields["key"]["lookup"]["fieldMappings"] == [{"field": "copied", "relatedField": "name"}]
    dropped = admin.delete("/k/v1/preview/app/form/fields.json", params={"app": app, "fields[0]": "copied"})
    assert dropped.status_code == 400, dropped.text


def test_copies_keep_each_type(admin, apps):
    source = make_app(admin, {
        "sku": {"type": "NUMBER", "code": "sku", "label": "SKU", "unique": True},
        "day": {"type": "DATE", "code": "day", "label": "Day"},
        "tags": {"type": "CHECK_BOX", "code": "tags", "label": "Tags", "options": OPTIONS},
        "site": {"type": "LINK", "code": "site", "label": "Site"},
        "twice": {"type": "CALC", "code": "twice", "label": "Twice", "expression": "sku * 2"}})
    created = admin.post("/k/v1/record.json", json={"app": source, "record": {
        "sku": {"value": "12.50"}, "day": {"value": "2026-03-04"}, "tags": {"value": ["B"]},
        "site": {"value": "https://example.test"}}})
    source_id = created.json()["id"]
    target = make_app(admin, {
        "sku": {"type": "NUMBER", "code": "sku", "label": "SKU", "lookup": lookup(source, "sku", [
            ("day", "day"), ("tags", "tags"), ("text", "site"), ("number", "Record_number"), ("label", "Record_number"),
            ("owner", "Created_by"), ("twice", "twice"), ("at", "Created_datetime")])},
        "day": {"type": "DATE", "code": "day", "label": "Day"},
        "tags": {"type": "CHECK_BOX", "code": "tags", "label": "Tags", "options": OPTIONS},
        "text": {"type": "SINGLE_LINE_TEXT", "code": "text", "label": "Text"},
        "number": {"type": "NUMBER", "code": "number", "label": "Number"},
        "label": {"type": "SINGLE_LINE_TEXT", "code": "label", "label": "Label"},
        "owner": {"type": "USER_SELECT", "code": "owner", "label": "Owner"},
        "twice": {"type": "NUMBER", "code": "twice", "label": "Twice"},
        "at": {"type": "DATETIME", "code": "at", "label": "At"}})
    added = add(admin, target, {"sku": {"value": "12.5"}})
    assert added.status_code == 200, added.text
    record = get(admin, target, added.json()["id"])
    assert values(record, "day", "tags", "text", "number", "label", "twice") == (
        "2026-03-04", ["B"], "https://example.test", source_id, source_id, "25")
    assert record["owner"]["value"] == [{"code": "Administrator", "name": "Administrator"}]
    source_record = get(admin, source, source_id)
    assert record["at"]["value"] == source_record["Created_datetime"]["value"]


def test_an_app_may_look_up_its_own_records(admin):
    created = admin.post("/k/v1/preview/app.json", json={"name": "Tasks"}).json()["app"]
    added = admin.post("/k/v1/preview/app/form/fields.json", json={"app": created, "properties": {
        "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
        "parent": {"type": "NUMBER", "code": "parent", "label": "Parent",
                   "lookup": lookup(created, "Record_number", [("parent_title", "title")])},
        "parent_title": {"type": "SINGLE_LINE_TEXT", "code": "parent_title", "label": "Parent title"}}})
    assert added.status_code == 200, added.text
    assert admin.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": created}]}).status_code == 200
    top = add(admin, created, {"title": {"value": "Top"}}).json()["id"]
    child = add(admin, created, {"title": {"value": "Child"}, "parent": {"value": top}})
    assert child.status_code == 200, child.text
    assert get(admin, created, child.json()["id"])["parent_title"]["value"] == "Top"


def test_fields_another_app_reads_are_kept(admin):
    source = make_app(admin, CUSTOMERS, name="Read by others")
    reader = make_app(admin, {
        "key": {"type": "SINGLE_LINE_TEXT", "code": "key", "label": "Key",
                "lookup": lookup(source, "cid", [("copy", "name")], lookupPickerFields=["kind"])},
        "copy": {"type": "SINGLE_LINE_TEXT", "code": "copy", "label": "Copy"},
        "list": {"type": "REFERENCE_TABLE", "code": "list", "label": "List", "referenceTable": {
            "relatedApp": {"app": source}, "condition": {"field": "key", "relatedField": "plain"},
            "displayFields": ["tags"]}}})
    for code in ("cid", "name", "kind", "plain", "tags"):
        response = admin.delete("/k/v1/preview/app/form/fields.json", params={"app": source, "fields[0]": code})
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "GAIA_LO02" and f"app {reader}" in response.json()["message"]
    not_unique = admin.put("/k/v1/preview/app/form/fields.json", json={"app": source, "properties": {
        "cid": {"unique": False}}})
    assert not_unique.json()["code"] == "GAIA_LO03"
    assert admin.delete("/k/v1/preview/app/form/fields.json",
                        params={"app": source, "fields[0]": "rank"}).status_code == 200
    # The reading fields gone from the reader's pre-live form, its live form still holds them; deployed, neither does.
    assert admin.delete("/k/v1/preview/app/form/fields.json",
                        params={"app": reader, "fields[0]": "key", "fields[1]": "list"}).status_code == 200
    assert admin.delete("/k/v1/preview/app/form/fields.json", params={"app": source, "fields[0]": "cid"}).status_code == 400
    assert deploy_and_wait(admin, reader) == "SUCCESS"
    assert admin.delete("/k/v1/preview/app/form/fields.json", params={"app": source, "fields[0]": "cid"}).status_code == 200
