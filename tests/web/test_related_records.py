"""A record page lists its related records (REFERENCE_TABLE) as kintone's does: the related app's
matching records, filtered, sorted and cut to the field's size, as the signed-in user may see them."""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_app
from tests.web.conftest import new_user, signed_in


@pytest.fixture(scope="module")
def world(server):
    with server.admin() as admin:
        orders = make_app(admin, {
            "customer": {"type": "SINGLE_LINE_TEXT", "code": "customer", "label": "Customer"},
            "amount": {"type": "NUMBER", "code": "amount", "label": "Amount"},
            "item": {"type": "SINGLE_LINE_TEXT", "code": "item", "label": "Item"},
        }, name="Orders")
        rows = [("C1", 5, "small"), ("C1", 20, "pens"), ("C1", 30, "desk"), ("C1", 40, "chair"), ("C2", 50, "lamp"),
                ('C"3', 60, "quoted")]
        added = admin.post("/k/v1/records.json", json={"app": orders, "records": [
            {"customer": {"value": c}, "amount": {"value": a}, "item": {"value": i}} for c, a, i in rows]})
        assert added.status_code == 200, added.text
        customers = make_app(admin, {
            "cid": {"type": "SINGLE_LINE_TEXT", "code": "cid", "label": "Customer ID"},
            "orders": {"type": "REFERENCE_TABLE", "code": "orders", "label": "Their orders", "referenceTable": {
                "relatedApp": {"app": orders}, "condition": {"field": "cid", "relatedField": "customer"},
                "filterCond": "amount > 10", "displayFields": ["item", "amount"], "sort": "amount desc", "size": "1"}},
        }, name="Customers")
        # Size 1 is kintone's smallest; a second field shows more at once.
        more = admin.post("/k/v1/preview/app/form/fields.json", json={"app": customers, "properties": {
            "all_orders": {"type": "REFERENCE_TABLE", "code": "all_orders", "label": "All orders", "referenceTable": {
                "relatedApp": {"app": orders}, "condition": {"field": "cid", "relatedField": "customer"},
                "displayFields": ["item"], "sort": "amount asc", "size": "10"}}}})
        assert more.status_code == 200, more.text
        assert admin.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": customers}]}).status_code == 200
        ids = {}
        for cid in ("C1", 'C"3', ""):
            created = admin.post("/k/v1/record.json", json={"app": customers, "record": {"cid": {"value": cid}}})
            ids[cid] = created.json()["id"]
    return {"orders": orders, "customers": customers, "ids": ids}


def _section(html: str, code: str) -> str:
    start = html.index(f'id="related-{code}"')
    return html[start:html.index("</dd>", start)]


def _cells(section: str) -> list[str]:
    return re.findall(r"<td>(?:<a [^>]*>)?([^<]*)", section)


def test_a_record_page_lists_its_related_records(server, world):
    with signed_in(server) as client:
        page = client.get(f"/k/{world['customers']}/show", params={"record": world["ids"]["C1"]})
    assert page.status_code == 200, page.text
    top = _section(page.text, "orders")
    assert "Their orders" in page.text and "1 of 3 related records" in top
    assert [c for c in _cells(top) if not c.isdigit()] == ["chair"]
    assert f'href="/k/{world["orders"]}/show?record=' in top
    every = _section(page.text, "all_orders")
    assert "4 of 4 related records" in every
    assert [c for c in _cells(every) if not c.isdigit()] == ["small", "pens", "desk", "chair"]


def test_quotes_in_the_value_and_an_empty_value(server, world):
    with signed_in(server) as client:
        quoted = client.get(f"/k/{world['customers']}/show", params={"record": world["ids"]['C"3']})
        empty = client.get(f"/k/{world['customers']}/show", params={"record": world["ids"][""]})
    assert "quoted" in _section(quoted.text, "all_orders")
    assert "0 of 0 related records" in _section(empty.text, "all_orders")


def test_a_user_who_may_not_see_the_related_app_is_told_so(server, world):
    with server.admin() as admin:
        rights = [{"entity": {"type": "USER", "code": "Administrator"}, "appEditable": True, "recordViewable": True}]
        assert admin.put("/k/v1/preview/app/acl.json", json={"app": world["orders"], "rights": rights}).status_code == 200
        assert admin.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": world["orders"]}]}).status_code == 200
    login = new_user(server, language="ja")
    with signed_in(server, login, "user-pw") as client:
        page = client.get(f"/k/{world['customers']}/show", params={"record": world["ids"]["C1"]})
    assert page.status_code == 200, page.text
    section = _section(page.text, "orders")
    assert "関連付けるアプリのレコードを閲覧する権限がありません。" in section and "chair" not in section
