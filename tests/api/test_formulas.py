"""Calculated fields over HTTP: CALC and auto-calculated text in forms, values computed on every
write path and stored where queries search and sort them, and recalculated by a deploy."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import deploy_and_wait, make_app, password_header

FIELDS = {
    "sku": {"type": "SINGLE_LINE_TEXT", "code": "sku", "label": "SKU", "unique": True},
    "price": {"type": "NUMBER", "code": "price", "label": "Price"},
    "rate": {"type": "NUMBER", "code": "rate", "label": "Rate"},
    "start": {"type": "DATE", "code": "start", "label": "Start"},
    "tags": {"type": "CHECK_BOX", "code": "tags", "label": "Tags",
             "options": {"A": {"label": "A", "index": "0"}, "B": {"label": "B", "index": "1"}}},
    "items": {"type": "SUBTABLE", "code": "items", "fields": {
        "qty": {"type": "NUMBER", "code": "qty", "label": "Qty"},
        "name": {"type": "SINGLE_LINE_TEXT", "code": "name", "label": "Name"},
        # a row's formula sees its row (qty) and the record (price)
        "line": {"type": "CALC", "code": "line", "label": "Line", "expression": "qty * price"},
        "label": {"type": "SINGLE_LINE_TEXT", "code": "label", "label": "Label", "expression": 'name & " x" & qty'},
    }},
    # CALC using CALC, declared before the ones it uses
    "total": {"type": "CALC", "code": "total", "label": "Total", "expression": "subtotal + tax",
              "format": "NUMBER_DIGIT", "displayScale": "2", "unit": "$", "unitPosition": "BEFORE",
              "hideExpression": True},
    "tax": {"type": "CALC", "code": "tax", "label": "Tax", "expression": "ROUND(subtotal * rate / 100, 0)"},
    "subtotal": {"type": "CALC", "code": "subtotal", "label": "Subtotal", "expression": "SUM(line)"},
    "ratio": {"type": "CALC", "code": "ratio", "label": "Ratio", "expression": "price / rate"},
    "due": {"type": "CALC", "code": "due", "label": "Due", "expression": "start + 60*60*24*30", "format": "DATE"},
    "summary": {"type": "SINGLE_LINE_TEXT", "code": "summary", "label": "Summary",
                "expression": 'IF(CONTAINS(tags, "A"), "A: ", "") & YEN(total, 0) & " by " & '
                              'DATE_FORMAT(start, "YYYY/MM/dd", "Etc/GMT")'},
}


@pytest.fixture(scope="module")
def app(server):
    with server.admin() as admin:
        return make_app(admin, FIELDS, name="Formulas")


def record(**values) -> dict:
    out = {code: {"value": value} for code, value in values.items() if code != "items"}
    if "items" in values:
        out["items"] = {"value": [{"value": {k: {"value": v} for k, v in row.items()}} for row in values["items"]]}
    return out


def get(admin, app, record_id) -> dict:
    response = admin.get("/k/v1/record.json", params={"app": app, "id": record_id})
    assert response.status_code == 200, response.text
    return response.json()["record"]


def values(rec: dict, *codes: str) -> dict:
    return {code: rec[code]["value"] for code in codes}


ORDER = dict(sku="O-1", price=120, rate=10, start="2024-01-31", tags=["A"],
             items=[{"qty": 2, "name": "bolt"}, {"qty": 3, "name": "nut"}])


def test_form_returns_calc_fields_as_kintone_does(admin, app):
    props = admin.get("/k/v1/app/form/fields.json", params={"app": app}).json()["properties"]
    assert props["total"] == {
        "type": "CALC", "code": "total", "label": "Total", "noLabel": False, "required": False,
        "expression": "subtotal + tax", "hideExpression": True, "format": "NUMBER_DIGIT", "displayScale": "2",
        "unit": "$", "unitPosition": "BEFORE"}
    assert props["tax"]["format"] == "NUMBER" and props["tax"]["displayScale"] == ""
    assert props["summary"]["expression"].startswith("IF(") and props["summary"]["hideExpression"] is False
    assert props["items"]["fields"]["line"]["type"] == "CALC"


def test_values_are_computed_on_add(admin, app):
    created = admin.post("/k/v1/record.json", json={"app": app, "record": record(**ORDER)})
    assert created.status_code == 200, created.text
    rec = get(admin, app, created.json()["id"])
    assert values(rec, "subtotal", "tax", "total", "ratio", "due", "summary") == {
        "subtotal": "600", "tax": "60", "total": "660", "ratio": "12", "due": "2024-03-01",
        "summary": "A: ¥660 by 2024/01/31"}
    assert rec["total"]["type"] == "CALC"
    rows = [values(row["value"], "line", "label") for row in rec["items"]["value"]]
    assert rows == [{"line": "240", "label": "bolt x2"}, {"line": "360", "label": "nut x3"}]


def test_a_clients_values_for_calculated_fields_are_ignored(admin, app):
    sent = record(sku="O-2", price=10, rate=0, items=[{"qty": 1, "line": 999, "label": "mine"}])
    sent.update(total={"value": "12345"}, summary={"value": "mine"}, ratio={"value": "1"})
    created = admin.post("/k/v1/record.json", json={"app": app, "record": sent})
    assert created.status_code == 200, created.text
    rec = get(admin, app, created.json()["id"])
    # price / 0 cannot be calculated: "" as kintone answers; empty numbers count as 0; DATE_FORMAT of nothing is ""
    assert values(rec, "total", "ratio", "due", "summary") == {
        "total": "10", "ratio": "", "due": "1970-01-31", "summary": "¥10 by "}
    assert values(rec["items"]["value"][0]["value"], "line", "label") == {"line": "10", "label": " x1"}


def test_update_recomputes_and_keeps_what_was_not_sent(admin, app):
    created = admin.post("/k/v1/record.json", json={"app": app, "record": record(**{**ORDER, "sku": "O-3"})}).json()
    changed = admin.put("/k/v1/record.json", json={"app": app, "id": created["id"], "record": record(rate=50)})
    assert changed.status_code == 200, changed.text
    rec = get(admin, app, created["id"])
    assert values(rec, "tax", "total", "ratio") == {"tax": "300", "total": "900", "ratio": "2.4"}
    row = rec["items"]["value"][0]
    admin.put("/k/v1/record.json", json={"app": app, "id": created["id"], "record": {
        "price": {"value": 1}, "items": {"value": [{"id": row["id"], "value": {"qty": {"value": 10}}}]}}})
    rec = get(admin, app, created["id"])
    assert values(rec, "subtotal", "total") == {"subtotal": "10", "total": "15"}
    assert values(rec["items"]["value"][0]["value"], "line", "label") == {"line": "10", "label": "bolt x10"}


def test_every_write_path_computes(admin, app):
    bulk = admin.post("/k/v1/records.json", json={"app": app, "records": [
        record(sku="B-1", price=5, rate=100, items=[{"qty": 1}]), record(sku="B-2", price=7, rate=100, items=[])]})
    assert bulk.status_code == 200, bulk.text
    first, second = bulk.json()["ids"]
    assert get(admin, app, first)["total"]["value"] == "10"
    # SUM of a table without rows cannot be calculated; a CALC using that empty CALC counts it as 0
    assert values(get(admin, app, second), "subtotal", "total") == {"subtotal": "", "total": "0"}
    upsert = admin.put("/k/v1/records.json", json={"app": app, "upsert": True, "records": [
        {"updateKey": {"field": "sku", "value": "B-1"}, "record": record(price=6)},
        {"updateKey": {"field": "sku", "value": "U-1"}, "record": record(price=3, rate=100, items=[{"qty": 2}])}]})
    assert upsert.status_code == 200, upsert.text
    updated, inserted = upsert.json()["records"]
    assert get(admin, app, updated["id"])["total"]["value"] == "12"
    assert get(admin, app, inserted["id"])["total"]["value"] == "12"
    many = admin.put("/k/v1/records.json", json={"app": app, "records": [
        {"id": second, "record": record(items=[{"qty": 4}])}]})
    assert many.status_code == 200, many.text
    assert get(admin, app, second)["total"]["value"] == "56"
    batch = admin.post("/k/v1/bulkRequest.json", json={"requests": [
        {"method": "POST", "api": "/k/v1/record.json",
         "payload": {"app": app, "record": record(sku="R-1", price=2, rate=50, items=[{"qty": 2}])}},
        {"method": "PUT", "api": "/k/v1/record.json",
         "payload": {"app": app, "updateKey": {"field": "sku", "value": "R-1"}, "record": record(price=4)}}]})
    assert batch.status_code == 200, batch.text
    assert get(admin, app, batch.json()["results"][0]["id"])["total"]["value"] == "12"


def test_queries_search_and_sort_calculated_values(admin, app):
    for sku, price in (("Q-1", 1000), ("Q-2", 3000), ("Q-3", 2000)):
        admin.post("/k/v1/record.json", json={"app": app, "record": record(
            sku=sku, price=price, rate=10, tags=["B"], items=[{"qty": 1}])})
    found = admin.get("/k/v1/records.json", params={
        "app": app, "query": 'total >= 1100 and summary like "¥" order by total desc', "fields[0]": "sku"})
    assert found.status_code == 200, found.text
    assert [r["sku"]["value"] for r in found.json()["records"]] == ["Q-2", "Q-3", "Q-1"]
    rows = admin.get("/k/v1/records.json", params={"app": app, "query": "line in (3000)", "fields[0]": "sku"})
    assert [r["sku"]["value"] for r in rows.json()["records"]] == ["Q-2"]


def test_deploying_a_changed_formula_recalculates_existing_records(admin):
    app = make_app(admin, {
        "n": {"type": "NUMBER", "code": "n", "label": "N"},
        "double": {"type": "CALC", "code": "double", "label": "Double", "expression": "n * 2"}}, name="Redeploy")
    added = admin.post("/k/v1/records.json", json={"app": app, "records": [record(n=i) for i in range(1, 4)]})
    ids = added.json()["ids"]
    revisions = [get(admin, app, i)["$revision"]["value"] for i in ids]
    changed = admin.put("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
        "double": {"expression": "n * 3"},
        "n": {"code": "number"}}})  # renaming a field rewrites the formulas that use it
    assert changed.status_code == 200, changed.text
    props = admin.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["properties"]
    assert props["double"]["expression"] == "number * 3"
    admin.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
        "label": {"type": "SINGLE_LINE_TEXT", "code": "label", "label": "L", "expression": 'double & "!"'}}})
    assert deploy_and_wait(admin, app) == "SUCCESS"
    recs = [get(admin, app, i) for i in ids]
    assert [r["double"]["value"] for r in recs] == ["3", "6", "9"]
    assert [r["label"]["value"] for r in recs] == ["3!", "6!", "9!"]
    assert [r["$revision"]["value"] for r in recs] == revisions
    assert admin.put("/k/v1/preview/app/settings.json", json={"app": app, "numberPrecision": {
        "digits": "16", "decimalPlaces": "0", "roundingMode": "HALF_EVEN"}}).status_code == 200
    admin.put("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
        "double": {"expression": "number / 4"}}})
    assert deploy_and_wait(admin, app) == "SUCCESS"
    assert [get(admin, app, i)["double"]["value"] for i in ids] == ["0", "0", "1"]  # 0.25, 0.5, 0.75 to 0 places


@pytest.mark.parametrize(("properties", "message"), [
    ({"c": {"type": "CALC", "code": "c", "label": "Cost", "expression": "missing + 1"}},
     'The formula of the field "Cost" is not correct. (The field code (missing) in the formula does not exist.'),
    ({"c": {"type": "CALC", "code": "c", "label": "C", "expression": "FOOBAR(1)"}},
     "The function FOOBAR cannot be used."),
    ({"c": {"type": "CALC", "code": "c", "label": "C", "expression": "IF(1)"}},
     "The function IF requires 3 arguments."),
    ({"c": {"type": "CALC", "code": "c", "label": "C", "expression": "1 +"}}, "The formula syntax is not correct."),
    ({"c": {"type": "CALC", "code": "c", "label": "C", "expression": "1 ＋ 1"}}, "full-width symbol"),
    ({"a": {"type": "CALC", "code": "a", "label": "A", "expression": "b + 1"},
      "b": {"type": "CALC", "code": "b", "label": "B", "expression": "a + 1"}}, "The field references are circular."),
    ({"m": {"type": "MULTI_LINE_TEXT", "code": "m", "label": "M"},
      "c": {"type": "CALC", "code": "c", "label": "C", "expression": "m & 1"}},
     "cannot be used in formulas (MULTI_LINE_TEXT)"),
    ({"t": {"type": "SINGLE_LINE_TEXT", "code": "t", "label": "T", "expression": "NOSUCH(1)"}},
     "NOSUCH cannot be used"),
])
def test_formula_errors_are_refused_when_the_form_is_saved(admin, properties, message):
    app = admin.post("/k/v1/preview/app.json", json={"name": "Bad formulas"}).json()["app"]
    response = admin.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": properties})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "GAIA_IL01"
    assert message in response.json()["message"]
    props = admin.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["properties"]
    assert not set(properties) & set(props)  # nothing of the refused change was saved


def test_formula_properties_are_checked(admin):
    app = admin.post("/k/v1/preview/app.json", json={"name": "Bad properties"}).json()["app"]
    for prop, key in (({"format": "CURRENCY", "expression": "1"}, "properties.c.format"),
                      ({"expression": ""}, "properties.c.expression"),
                      ({"expression": "1", "unitPosition": "MIDDLE"}, "properties.c.unitPosition"),
                      ({"expression": "1", "displayScale": "x"}, "properties.c.displayScale")):
        response = admin.post("/k/v1/preview/app/form/fields.json", json={
            "app": app, "properties": {"c": {"type": "CALC", "code": "c", **prop}}})
        assert response.status_code == 400 and response.json()["code"] == "CB_VA01", response.text
        assert key in response.json()["errors"]


def test_number_precision_is_checked(admin):
    app = admin.post("/k/v1/preview/app.json", json={"name": "Precision"}).json()["app"]
    for given, key in (({"digits": "31"}, "numberPrecision.digits"),
                       ({"decimalPlaces": "-1"}, "numberPrecision.decimalPlaces"),
                       ({"digits": "3", "decimalPlaces": "4"}, "numberPrecision.decimalPlaces"),
                       ({"digits": "²"}, "numberPrecision.digits"),
                       ({"roundingMode": "CEILING"}, "numberPrecision.roundingMode"), ("16", "numberPrecision")):
        response = admin.put("/k/v1/preview/app/settings.json", json={"app": app, "numberPrecision": given})
        assert response.status_code == 400 and key in response.json()["errors"], response.text
    assert admin.put("/k/v1/preview/app/settings.json", json={"app": app, "numberPrecision": {
        "decimalPlaces": 2, "roundingMode": "UP"}}).status_code == 200
    settings = admin.get("/k/v1/preview/app/settings.json", params={"app": app}).json()
    assert settings["numberPrecision"] == {"digits": "16", "decimalPlaces": "2", "roundingMode": "UP"}


def test_deleting_a_field_a_formula_uses_is_refused(admin):
    app = make_app(admin, {"n": {"type": "NUMBER", "code": "n", "label": "N"},
                           "c": {"type": "CALC", "code": "c", "label": "C", "expression": "n"}}, name="Keep n")
    response = admin.delete("/k/v1/preview/app/form/fields.json", params={"app": app, "fields[0]": "n"})
    assert response.status_code == 400 and response.json()["code"] == "GAIA_IL01"


def test_time_formats(admin):
    app = make_app(admin, {
        "n": {"type": "NUMBER", "code": "n", "label": "N"},
        "when": {"type": "DATETIME", "code": "when", "label": "When"},
        **{f"f_{fmt.lower()}": {"type": "CALC", "code": f"f_{fmt.lower()}", "label": fmt, "expression": "n",
                                "format": fmt}
           for fmt in ("DATETIME", "DATE", "TIME", "HOUR_MINUTE", "DAY_HOUR_MINUTE", "NUMBER_DIGIT")},
        "later": {"type": "CALC", "code": "later", "label": "Later", "expression": "when + 3600", "format": "DATETIME"},
        "age": {"type": "CALC", "code": "age", "label": "Age", "expression": "Updated_datetime - Created_datetime"},
    }, name="Times")
    created = admin.post("/k/v1/record.json", json={"app": app, "record": record(
        n=90061, when="2026-04-25T10:00:00Z")}).json()
    rec = get(admin, app, created["id"])
    assert values(rec, "f_datetime", "f_date", "f_time", "f_hour_minute", "f_day_hour_minute", "f_number_digit",
                  "later", "age") == {
        "f_datetime": "1970-01-02T01:01:01Z", "f_date": "1970-01-02", "f_time": "01:01", "f_hour_minute": "25:01",
        "f_day_hour_minute": "25:01", "f_number_digit": "90061", "later": "2026-04-25T11:00:00Z", "age": "0"}
    listed = admin.get("/k/v1/records.json", params={"app": app, "query": "f_time = 90061"}).json()["records"]
    assert [r["f_time"]["value"] for r in listed] == ["01:01"]


def test_a_status_change_recalculates_what_follows_the_modification(admin):
    admin.post("/kinflow/v1/users.json", json={"code": "fx-ann", "name": "Ann", "password": "pw"})
    app = make_app(admin, {
        "who": {"type": "SINGLE_LINE_TEXT", "code": "who", "label": "Who", "expression": 'Updated_by & "!"'},
        "n": {"type": "NUMBER", "code": "n", "label": "N"},
        "plain": {"type": "CALC", "code": "plain", "label": "Plain", "expression": "n + 1"}}, name="Process formulas")
    any_one = {"type": "ANY", "entities": []}
    response = admin.put("/k/v1/preview/app/status.json", json={"app": app, "enable": True, "states": {
        "Draft": {"name": "Draft", "index": "0", "assignee": any_one},
        "Done": {"name": "Done", "index": "1", "assignee": any_one}},
        "actions": [{"name": "Finish", "from": "Draft", "to": "Done", "filterCond": ""}]})
    assert response.status_code == 200, response.text
    assert deploy_and_wait(admin, app) == "SUCCESS"
    created = admin.post("/k/v1/record.json", json={"app": app, "record": record(n=1)}).json()
    assert get(admin, app, created["id"])["who"]["value"] == "Administrator!"
    with httpx.Client(base_url=admin.base_url, headers=password_header("fx-ann", "pw"), timeout=60) as ann:
        acted = ann.put("/k/v1/record/status.json", json={"app": app, "id": created["id"], "action": "Finish"})
        assert acted.status_code == 200, acted.text
    rec = get(admin, app, created["id"])
    assert values(rec, "Status", "who", "plain") == {"Status": "Done", "who": "fx-ann!", "plain": "2"}
    found = admin.get("/k/v1/records.json", params={"app": app, "query": 'who = "fx-ann!"'}).json()["records"]
    assert [r["$id"]["value"] for r in found] == [created["id"]]
