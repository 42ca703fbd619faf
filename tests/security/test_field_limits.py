"""kintone's field limits hold on every write path, with kintone's error keys."""

from __future__ import annotations

import pytest

from tests.conftest import make_app

FIELDS = {
    "line": {"type": "SINGLE_LINE_TEXT", "code": "line", "label": "Line"},
    "key": {"type": "SINGLE_LINE_TEXT", "code": "key", "label": "Key", "unique": True},
    "notes": {"type": "MULTI_LINE_TEXT", "code": "notes", "label": "Notes"},
    "body": {"type": "RICH_TEXT", "code": "body", "label": "Body"},
    "site": {"type": "LINK", "code": "site", "label": "Site", "protocol": "WEB"},
    "amount": {"type": "NUMBER", "code": "amount", "label": "Amount"},
    "day": {"type": "DATE", "code": "day", "label": "Day"},
    "items": {"type": "SUBTABLE", "code": "items", "label": "Items", "fields": {
        "memo": {"type": "MULTI_LINE_TEXT", "code": "memo", "label": "Memo"},
        "qty": {"type": "NUMBER", "code": "qty", "label": "Qty"},
    }},
}


@pytest.fixture(scope="module")
def app(server):
    with server.admin() as client:
        return make_app(client, FIELDS)


def _errors(response) -> dict:  # noqa: ANN001
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "CB_VA01", body
    return body["errors"]


# Each: the record fields, and the key (after `record.`) its error has.
TOO_LARGE = [
    ({"line": {"value": "x" * 64_001}}, "line.value"),
    ({"site": {"value": "https://e.example/" + "x" * 64_000}}, "site.value"),
    ({"key": {"value": "k" * 65}}, "key.value"),
    ({"notes": {"value": "x" * 65_536}}, "notes.value"),
    ({"body": {"value": "<p>" + "x" * 65_536 + "</p>"}}, "body.value"),
    ({"amount": {"value": "1" * 31}}, "amount.value"),
    ({"amount": {"value": "1e999999999"}}, "amount.value"),
    ({"day": {"value": "0999-12-31"}}, "day.value"),
    ({"items": {"value": [{"value": {"memo": {"value": "x" * 65_536}}}]}}, "items.value[0].value.memo.value"),
    ({"items": {"value": [{"value": {"qty": {"value": "9" * 31}}}]}}, "items.value[0].value.qty.value"),
    ({"items": {"value": [{"value": {}}] * 5_001}}, "items.value"),
]


@pytest.mark.parametrize(("fields", "key"), TOO_LARGE, ids=[k for _, k in TOO_LARGE])
def test_adding_a_value_beyond_its_limit_is_refused(admin, app, fields, key):
    assert f"record.{key}" in _errors(admin.post("/k/v1/record.json", json={"app": app, "record": fields}))
    bulk = admin.post("/k/v1/records.json", json={"app": app, "records": [{}, fields]})
    assert f"records[1].{key}" in _errors(bulk)


def test_every_write_path_enforces_the_limits(admin, app):
    record = admin.post("/k/v1/record.json", json={"app": app, "record": {"key": {"value": "k1"}}}).json()["id"]
    long_line = {"line": {"value": "x" * 64_001}}
    update = admin.put("/k/v1/record.json", json={"app": app, "id": record, "record": long_line})
    assert "record.line.value" in _errors(update)
    bulk_update = admin.put("/k/v1/records.json", json={"app": app, "records": [{"id": record, "record": long_line}]})
    assert "records[0].line.value" in _errors(bulk_update)
    upsert = admin.put("/k/v1/records.json", json={"app": app, "upsert": True, "records": [
        {"updateKey": {"field": "key", "value": "new-key"}, "record": long_line}]})
    assert "records[0].line.value" in _errors(upsert)
    batch = admin.post("/k/v1/bulkRequest.json", json={"requests": [
        {"method": "PUT", "api": "/k/v1/record.json", "payload": {"app": app, "id": record, "record": long_line}}]})
    assert batch.status_code == 400, batch.text
    assert "line.value" in batch.text
    kept = admin.get("/k/v1/record.json", params={"app": app, "id": record}).json()["record"]
    assert kept["line"]["value"] == ""


def test_values_at_their_limits_are_stored(admin, app):
    fields = {"line": {"value": "x" * 64_000}, "key": {"value": "k" * 64}, "notes": {"value": "n" * 65_535},
              "amount": {"value": "9" * 30}, "day": {"value": "1000-01-01"},
              "items": {"value": [{"value": {"qty": {"value": "0." + "1" * 40}}}]}}
    added = admin.post("/k/v1/record.json", json={"app": app, "record": fields})
    assert added.status_code == 200, added.text
    record = admin.get("/k/v1/record.json", params={"app": app, "id": added.json()["id"]}).json()["record"]
    assert len(record["line"]["value"]) == 64_000 and record["amount"]["value"] == "9" * 30
