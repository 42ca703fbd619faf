"""Apps and their settings: pre-live changes, revisions, deploy and revert."""

from __future__ import annotations

from tests.conftest import deploy_and_wait, make_app


def test_create_app_and_read_it(admin):
    created = admin.post("/k/v1/preview/app.json", json={"name": "Orders"})
    assert created.status_code == 200
    body = created.json()
    assert set(body) == {"app", "revision"}
    app = admin.get("/k/v1/app.json", params={"id": body["app"]}).json()
    assert app["name"] == "Orders" and app["appId"] == body["app"]
    assert app["creator"]["code"] == "Administrator"


def test_apps_json_filters(admin):
    first = make_app(admin, {}, name="Inventory alpha")
    make_app(admin, {}, name="Inventory beta")
    by_id = admin.get("/k/v1/apps.json", params={"ids[0]": first}).json()["apps"]
    assert [a["appId"] for a in by_id] == [first]
    by_name = admin.get("/k/v1/apps.json", params={"name": "inventory"}).json()["apps"]
    assert {a["name"] for a in by_name} >= {"Inventory alpha", "Inventory beta"}
    limited = admin.get("/k/v1/apps.json", params={"limit": 1, "offset": 1}).json()["apps"]
    assert len(limited) == 1
    assert admin.get("/k/v1/apps.json", params={"limit": 101}).json()["code"] == "CB_VA01"


def test_apps_json_refuses_malformed_filters(admin):
    first = make_app(admin, {}, name="Filtered")
    # One plain value stands for an array of it.
    assert [a["appId"] for a in admin.get("/k/v1/apps.json", params={"ids": first}).json()["apps"]] == [first]
    for params, key in (({"ids[0]": "²"}, "ids[0]"), ({"spaceIds[0]": "x"}, "spaceIds[0]")):
        response = admin.get("/k/v1/apps.json", params=params)
        assert (response.status_code, response.json()["code"]) == (400, "CB_VA01"), (params, response.text)
        assert key in response.json()["errors"]
    body = admin.post("/k/v1/apps.json", headers={"X-HTTP-Method-Override": "GET"}, json={"codes": [1]}).json()
    assert body["code"] == "CB_VA01" and "codes[0]" in body["errors"]


def test_query_string_keys_of_two_shapes_are_not_an_error(admin):
    app = make_app(admin, {}, name="Shapes")
    # `fields[]` first as a list, then as an object: the later shape wins, as in `qs`.
    response = admin.get(f"/k/v1/records.json?app={app}&fields[]=a&fields[][x]=b&fields[0]=$id")
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["code"] == "CB_VA01"


def test_missing_app_is_gaia_ap01(admin):
    response = admin.get("/k/v1/app.json", params={"id": 999999})
    assert (response.status_code, response.json()["code"]) == (404, "GAIA_AP01")


def test_form_fields_preview_then_live(admin):
    app = admin.post("/k/v1/preview/app.json", json={"name": "Stages"}).json()["app"]
    fields = {"price": {"type": "NUMBER", "code": "price", "label": "Price", "minValue": 0}}
    added = admin.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": fields})
    revision = int(added.json()["revision"])
    preview = admin.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()
    assert preview["properties"]["price"]["minValue"] == "0"
    assert preview["revision"] == str(revision)
    live = admin.get("/k/v1/app/form/fields.json", params={"app": app}).json()
    assert "price" not in live["properties"]
    assert deploy_and_wait(admin, app) == "SUCCESS"
    live = admin.get("/k/v1/app/form/fields.json", params={"app": app}).json()
    assert live["properties"]["price"]["type"] == "NUMBER"
    assert live["revision"] == str(revision)


def test_stale_revision_is_refused_and_minus_one_skips(admin):
    app = make_app(admin, {})
    revision = int(admin.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["revision"])
    fields = {"a": {"type": "SINGLE_LINE_TEXT", "code": "a", "label": "A"}}
    stale = admin.post("/k/v1/preview/app/form/fields.json",
                       json={"app": app, "properties": fields, "revision": revision + 5})
    assert (stale.status_code, stale.json()["code"]) == (409, "GAIA_CO02")
    ok = admin.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": fields, "revision": -1})
    assert ok.json()["revision"] == str(revision + 1)


def test_update_and_delete_fields(admin):
    app = make_app(admin, {"a": {"type": "SINGLE_LINE_TEXT", "code": "a", "label": "A"}})
    renamed = admin.put("/k/v1/preview/app/form/fields.json",
                        json={"app": app, "properties": {"a": {"code": "b", "label": "B"}}})
    assert renamed.status_code == 200
    props = admin.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["properties"]
    assert "b" in props and "a" not in props and props["b"]["label"] == "B"
    changed_type = admin.put("/k/v1/preview/app/form/fields.json",
                             json={"app": app, "properties": {"b": {"type": "NUMBER"}}})
    assert changed_type.json()["code"] == "CB_VA01"
    missing = admin.delete("/k/v1/preview/app/form/fields.json", params={"app": app, "fields[0]": "zzz"})
    assert missing.json()["code"] == "GAIA_FC01"
    deleted = admin.delete("/k/v1/preview/app/form/fields.json", params={"app": app, "fields[0]": "b"})
    assert deleted.status_code == 200


def test_field_code_already_used(admin):
    app = make_app(admin, {"a": {"type": "SINGLE_LINE_TEXT", "code": "a", "label": "A"}})
    again = admin.post("/k/v1/preview/app/form/fields.json",
                       json={"app": app, "properties": {"a": {"type": "NUMBER", "code": "a"}}})
    assert again.json()["code"] == "CB_VA01"


def test_file_fields_take_kintones_thumbnail_sizes(admin):
    app = admin.post("/k/v1/preview/app.json", json={"name": "Files"}).json()["app"]
    added = admin.post("/k/v1/preview/app/form/fields.json",
                       json={"app": app, "properties": {"f": {"type": "FILE", "code": "f"}}})
    assert added.status_code == 200, added.text
    props = admin.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["properties"]
    assert props["f"]["thumbnailSize"] == "150"
    odd = admin.post("/k/v1/preview/app/form/fields.json",
                     json={"app": app, "properties": {"g": {"type": "FILE", "code": "g", "thumbnailSize": 77}}})
    assert odd.status_code == 400 and "properties.g.thumbnailSize" in odd.json()["errors"]


def test_revert_discards_pre_live_changes(admin):
    app = make_app(admin, {"a": {"type": "SINGLE_LINE_TEXT", "code": "a", "label": "A"}})
    admin.post("/k/v1/preview/app/form/fields.json",
               json={"app": app, "properties": {"b": {"type": "NUMBER", "code": "b", "label": "B"}}})
    admin.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": app}], "revert": True})
    props = admin.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["properties"]
    assert "a" in props and "b" not in props


def test_deploy_with_stale_revision_fails(admin):
    app = make_app(admin, {})
    response = admin.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": app, "revision": 99}]})
    assert response.json()["code"] == "GAIA_CO02"


def test_deploy_that_records_violate_fails_and_changes_nothing(admin):
    app = make_app(admin, {"sku": {"type": "SINGLE_LINE_TEXT", "code": "sku", "label": "SKU"}})
    for _ in range(2):
        admin.post("/k/v1/record.json", json={"app": app, "record": {"sku": {"value": "same"}}})
    admin.put("/k/v1/preview/app/form/fields.json",
              json={"app": app, "properties": {"sku": {"unique": True}}})
    admin.post("/k/v1/preview/app/form/fields.json",
               json={"app": app, "properties": {"extra": {"type": "NUMBER", "code": "extra"}}})
    assert deploy_and_wait(admin, app) == "FAIL"
    live = admin.get("/k/v1/app/form/fields.json", params={"app": app}).json()["properties"]
    assert live["sku"]["unique"] is False and "extra" not in live
    records = admin.get("/k/v1/records.json", params={"app": app}).json()["records"]
    assert len(records) == 2 and "extra" not in records[0]


def test_deploy_adds_and_drops_columns_keeping_data(admin):
    app = make_app(admin, {"a": {"type": "SINGLE_LINE_TEXT", "code": "a", "label": "A"},
                           "b": {"type": "NUMBER", "code": "b", "label": "B"}})
    record_id = admin.post("/k/v1/record.json", json={"app": app, "record": {
        "a": {"value": "kept"}, "b": {"value": 5}}}).json()["id"]
    admin.delete("/k/v1/preview/app/form/fields.json", params={"app": app, "fields[0]": "b"})
    admin.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
        "when": {"type": "DATE", "code": "when", "label": "When", "defaultValue": "2024-01-02"}}})
    assert deploy_and_wait(admin, app) == "SUCCESS"
    record = admin.get("/k/v1/record.json", params={"app": app, "id": record_id}).json()["record"]
    assert record["a"]["value"] == "kept" and "b" not in record and record["when"]["value"] is None


def test_settings_views_layout(admin):
    app = make_app(admin, {"t": {"type": "SINGLE_LINE_TEXT", "code": "t", "label": "T"}})
    put = admin.put("/k/v1/preview/app/settings.json", json={
        "app": app, "name": "Renamed", "enableComments": False,
        "titleField": {"selectionMode": "MANUAL", "code": "t"}})
    assert put.status_code == 200
    views = admin.put("/k/v1/preview/app/views.json", json={"app": app, "views": {
        "Mine": {"type": "LIST", "index": 0, "fields": ["t"], "filterCond": 't = "x"'}}})
    assert "id" in views.json()["views"]["Mine"]
    layout = [{"type": "ROW", "fields": [{"type": "SINGLE_LINE_TEXT", "code": "t"}]}]
    assert admin.put("/k/v1/preview/app/form/layout.json", json={"app": app, "layout": layout}).status_code == 200
    deploy_and_wait(admin, app)
    settings = admin.get("/k/v1/app/settings.json", params={"app": app}).json()
    assert settings["name"] == "Renamed" and settings["enableComments"] is False
    assert settings["titleField"]["code"] == "t"
    assert admin.get("/k/v1/app/form/layout.json", params={"app": app}).json()["layout"] == layout
    mine = admin.get("/k/v1/app/views.json", params={"app": app}).json()["views"]["Mine"]
    # Saved without a sort, a view lists by the record number field, newest first, as a query can say.
    assert mine["sort"] == "Record_number desc"
    query = f"{mine['filterCond']} order by {mine['sort']}"
    assert admin.get("/k/v1/records.json", params={"app": app, "query": query}).status_code == 200
    assert admin.get("/k/v1/app.json", params={"id": app}).json()["name"] == "Renamed"
