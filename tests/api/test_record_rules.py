"""kintone's record rules where they are easy to get wrong: empty batches, the error keys of a bulk
update, tables left out, `minLength` on empty text, and a non-numeric number."""

from __future__ import annotations

import pytest

from tests.conftest import make_app

FIELDS = {
    "name": {"type": "SINGLE_LINE_TEXT", "code": "name", "label": "Name", "minLength": "3"},
    "note": {"type": "SINGLE_LINE_TEXT", "code": "note", "label": "Note"},
    "qty": {"type": "NUMBER", "code": "qty", "label": "Qty"},
    "price": {"type": "NUMBER", "code": "price", "label": "Price", "required": True},
    "lines": {"type": "SUBTABLE", "code": "lines", "fields": {
        "item": {"type": "SINGLE_LINE_TEXT", "code": "item", "label": "Item", "required": True},
    }},
}


@pytest.fixture(scope="module")
def app(server):
    with server.admin() as admin:
        return make_app(admin, FIELDS, name="Record rules")


def valid(**extra):
    return {"name": {"value": "long enough"}, "price": {"value": "1"}, **extra}


def test_empty_batches_succeed_with_empty_results(admin, app):
    added = admin.post("/k/v1/records.json", json={"app": app, "records": []})
    assert added.status_code == 200, added.text
    assert added.json() == {"ids": [], "revisions": []}
    updated = admin.put("/k/v1/records.json", json={"app": app, "records": []})
    assert updated.status_code == 200, updated.text
    assert updated.json() == {"records": []}
    missing = admin.post("/k/v1/records.json", json={"app": app})
    assert missing.json()["errors"] == {"records": {"messages": ["Required field."]}}


def test_bulk_update_errors_have_no_record_segment(admin, app):
    first, record_id = (admin.post("/k/v1/record.json", json={"app": app, "record": valid()}).json()["id"]
                        for _ in range(2))
    response = admin.put("/k/v1/records.json", json={"app": app, "records": [
        {"id": first, "record": {"note": {"value": "fine"}}},
        {"id": record_id, "record": {"name": {"value": "ab"}, "price": {"value": ""}}}]})
    assert response.status_code == 400, response.text
    assert response.json()["errors"] == {
        "records[1].name.value": {"messages": ["Enter more than 2 characters."]},
        "records[1].price.value": {"messages": ["Required."]},
    }
    single = admin.put("/k/v1/record.json", json={"app": app, "id": record_id, "record": {"name": {"value": "ab"}}})
    assert list(single.json()["errors"]) == ["record.name.value"]


def test_a_record_added_without_its_table_is_valid_and_has_no_rows(admin, app):
    created = admin.post("/k/v1/record.json", json={"app": app, "record": valid()})
    assert created.status_code == 200, created.text
    got = admin.get("/k/v1/record.json", params={"app": app, "id": created.json()["id"]}).json()["record"]
    assert got["lines"] == {"type": "SUBTABLE", "value": []}
    # A row that is sent is still checked.
    with_row = admin.post("/k/v1/record.json", json={"app": app, "record": valid(lines={"value": [{"value": {}}]})})
    assert with_row.json()["errors"] == {"record.lines.value[0].value.item.value": {"messages": ["Required."]}}


def test_min_length_applies_to_empty_text(admin, app):
    for name in ("", None):
        response = admin.post("/k/v1/record.json", json={"app": app, "record": valid(name={"value": name})})
        assert response.status_code == 400, response.text
        assert response.json()["errors"] == {"record.name.value": {"messages": ["Enter more than 2 characters."]}}
    left_out = admin.post("/k/v1/record.json", json={"app": app, "record": {"price": {"value": "1"}}})
    assert "record.name.value" in left_out.json()["errors"]
    # A field without minLength stays free to be empty.
    assert admin.post("/k/v1/record.json", json={"app": app, "record": valid(note={"value": ""})}).status_code == 200


def test_a_non_numeric_number_reports_only_the_number_error_unless_required(admin, app):
    optional = admin.post("/k/v1/record.json", json={"app": app, "record": valid(qty={"value": "abc"})})
    assert optional.json()["errors"] == {"record[qty].value": {"messages": ["Only numbers are allowed."]}}
    required = admin.post("/k/v1/record.json", json={"app": app, "record": valid(price={"value": "abc"})})
    assert required.json()["errors"] == {
        "record[price].value": {"messages": ["Only numbers are allowed."]},
        "record.price.value": {"messages": ["Required."]},
    }
    bulk = admin.post("/k/v1/records.json", json={"app": app, "records": [valid(), valid(qty={"value": "x"})]})
    assert bulk.json()["errors"] == {"records[1][qty].value": {"messages": ["Only numbers are allowed."]}}
