"""Related records (REFERENCE_TABLE): the field definition is stored and shown as kintone does, checked
against the related app when the form is saved, and has no value in records."""

from __future__ import annotations

import pytest

from tests.conftest import make_app

CUSTOMERS = {
    "cid": {"type": "SINGLE_LINE_TEXT", "code": "cid", "label": "Customer ID", "unique": True},
    "name": {"type": "SINGLE_LINE_TEXT", "code": "name", "label": "Name"},
}


def related(app, **extra):
    return {"type": "REFERENCE_TABLE", "code": "orders", "label": "Orders",
            "referenceTable": {"relatedApp": {"app": app}, "condition": {"field": "cid", "relatedField": "customer"},
                               "displayFields": ["customer", "amount"], **extra}}


@pytest.fixture(scope="module")
def orders_app(server):
    with server.admin() as admin:
        return make_app(admin, {
            "customer": {"type": "SINGLE_LINE_TEXT", "code": "customer", "label": "Customer"},
            "amount": {"type": "NUMBER", "code": "amount", "label": "Amount"},
        }, name="Orders")


def test_the_definition_is_stored_and_shown_as_kintone_does(admin, orders_app):
    app = make_app(admin, {**CUSTOMERS, "orders": related(orders_app, filterCond='amount > 10', sort="amount desc",
                                                          size=10)})
    for path in ("/k/v1/app/form/fields.json", "/k/v1/preview/app/form/fields.json"):
        shown = admin.get(path, params={"app": app}).json()["properties"]["orders"]
        assert shown == {
            "type": "REFERENCE_TABLE", "code": "orders", "label": "Orders", "noLabel": False,
            "referenceTable": {"relatedApp": {"app": str(orders_app), "code": ""},
                               "condition": {"field": "cid", "relatedField": "customer"},
                               "filterCond": "amount > 10", "displayFields": ["customer", "amount"],
                               "sort": "amount desc", "size": "10"}}
    created = admin.post("/k/v1/record.json", json={"app": app, "record": {
        "cid": {"value": "C1"}, "orders": {"value": "ignored"}}})
    assert created.status_code == 200, created.text
    record = admin.get("/k/v1/record.json", params={"app": app, "id": created.json()["id"]}).json()["record"]
    assert "orders" not in record and record["cid"]["value"] == "C1"
    listed = admin.get("/k/v1/records.json", params={"app": app}).json()["records"]
    assert all("orders" not in r for r in listed)


def test_renaming_the_condition_field_keeps_the_condition(admin, orders_app):
    app = make_app(admin, {**CUSTOMERS, "orders": related(orders_app)})
    renamed = admin.put("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
        "cid": {"code": "customer_id"}}})
    assert renamed.status_code == 200, renamed.text
    shown = admin.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["properties"]["orders"]
    assert shown["referenceTable"]["condition"]["field"] == "customer_id"
    changed = admin.put("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
        "orders": {"label": "Their orders", "referenceTable": {**shown["referenceTable"], "size": "20"}}}})
    assert changed.status_code == 200, changed.text
    shown = admin.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["properties"]["orders"]
    assert (shown["label"], shown["referenceTable"]["size"]) == ("Their orders", "20")
    assert admin.delete("/k/v1/preview/app/form/fields.json",
                        params={"app": app, "fields[0]": "customer_id"}).status_code == 400
    assert admin.delete("/k/v1/preview/app/form/fields.json", params={"app": app, "fields[0]": "orders"}).status_code == 200


@pytest.mark.parametrize(("change", "key"), [
    ({"relatedApp": {"app": "999999"}}, "properties.orders.referenceTable.relatedApp.app"),
    ({"relatedApp": {}}, "properties.orders.referenceTable.relatedApp.app"),
    ({"condition": {"field": "nowhere", "relatedField": "customer"}}, "properties.orders.referenceTable.condition.field"),
    ({"condition": {"field": "cid", "relatedField": "nowhere"}},
     "properties.orders.referenceTable.condition.relatedField"),
    ({"condition": {"field": "cid"}}, "properties.orders.referenceTable.condition.relatedField"),
    ({"displayFields": ["ghost"]}, "properties.orders.referenceTable.displayFields[0]"),
    ({"displayFields": "customer"}, "properties.orders.referenceTable.displayFields"),
    ({"size": "7"}, "properties.orders.referenceTable.size"),
    ({"filterCond": ["x"]}, "properties.orders.referenceTable.filterCond"),
    ({"filterCond": 'nowhere = "x"'}, "properties.orders.referenceTable.filterCond"),
    ({"sort": "amount desc, ghost asc"}, "properties.orders.referenceTable.sort"),
])
def test_a_bad_definition_is_refused_when_saved(admin, orders_app, change, key):
    app = make_app(admin, CUSTOMERS)
    prop = related(orders_app)
    prop["referenceTable"].update(change)
    response = admin.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {"orders": prop}})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "CB_VA01"
    assert list(response.json()["errors"]) == [key]


def test_related_records_cannot_sit_in_a_table(admin, orders_app):
    app = make_app(admin, CUSTOMERS)
    response = admin.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
        "rows": {"type": "SUBTABLE", "code": "rows", "fields": {"orders": related(orders_app)}}}})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["properties.orders.type"]
