"""The query language through `GET records.json`, on both databases."""

from __future__ import annotations

import pytest

from tests.conftest import make_app

OPTIONS = {"red": {"label": "red", "index": "0"}, "blue": {"label": "blue", "index": "1"}}
FIELDS = {
    "name": {"type": "SINGLE_LINE_TEXT", "code": "name", "label": "Name"},
    "size": {"type": "NUMBER", "code": "size", "label": "Size"},
    "colors": {"type": "CHECK_BOX", "code": "colors", "label": "Colors", "options": OPTIONS},
    "due": {"type": "DATE", "code": "due", "label": "Due"},
    "memo": {"type": "MULTI_LINE_TEXT", "code": "memo", "label": "Memo"},
    "lines": {"type": "SUBTABLE", "code": "lines", "fields": {
        "part": {"type": "SINGLE_LINE_TEXT", "code": "part", "label": "Part"},
        "qty": {"type": "NUMBER", "code": "qty", "label": "Qty"},
    }},
}
ROWS = [
    ("alpha", 1, ["red"], "2024-01-10", "first note", [("bolt", 1), ("nut", 5)]),
    ("beta", 5, ["blue"], "2024-02-10", "", [("bolt", 5)]),
    ("gamma", 10, ["red", "blue"], "2024-03-10", "Second NOTE", []),
    ("delta", 20, [], "", "", [("nut", 9), ("nut", 2)]),
]


@pytest.fixture(scope="module")
def app(server):
    with server.admin() as admin:
        app_id = make_app(admin, FIELDS, name="Query")
        records = [
            {"name": {"value": n}, "size": {"value": s}, "colors": {"value": c}, "due": {"value": d},
             "memo": {"value": m},
             "lines": {"value": [{"value": {"part": {"value": p}, "qty": {"value": q}}} for p, q in lines]}}
            for n, s, c, d, m, lines in ROWS
        ]
        assert admin.post("/k/v1/records.json", json={"app": app_id, "records": records}).status_code == 200
        return app_id


def names(admin, app, query):
    response = admin.get("/k/v1/records.json", params={"app": app, "query": query, "fields[0]": "name"})
    assert response.status_code == 200, response.text
    return [r["name"]["value"] for r in response.json()["records"]]


def error(admin, app, query):
    response = admin.get("/k/v1/records.json", params={"app": app, "query": query})
    assert response.status_code == 400, response.text
    return response.json()["code"]


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["delta", "gamma", "beta", "alpha"]),
    ('name = "beta"', ["beta"]),
    ('name != "beta" order by $id asc', ["alpha", "gamma", "delta"]),
    ("size > 1 and size <= 10 order by size asc", ["beta", "gamma"]),
    ('size in (1, "20") order by size desc', ["delta", "alpha"]),
    ('colors in ("red") order by $id asc', ["alpha", "gamma"]),
    ('colors not in ("red") order by $id asc', ["beta", "delta"]),
    ('colors in ("") ', ["delta"]),
    ('due < "2024-02-10" or due is empty order by $id asc', ["alpha", "delta"]),
    ('memo like "note" order by $id asc', ["alpha", "gamma"]),
    ("memo is empty order by $id asc", ["beta", "delta"]),
    ('(name = "alpha" or name = "beta") and size >= 5', ["beta"]),
    ('part in ("nut") order by $id asc', ["alpha", "delta"]),
    ('part not in ("bolt") order by $id asc', ["delta"]),
    ('part in ("bolt") and qty >= 5', ["beta"]),
    ("qty > 4 order by $id asc", ["alpha", "beta", "delta"]),
    ("order by size desc limit 2", ["delta", "gamma"]),
    ("order by size asc limit 2 offset 1", ["beta", "gamma"]),
    ("limit 1", ["delta"]),
    ('name in ("alpha") AND size = 1', ["alpha"]),
])
def test_queries(admin, app, query, expected):
    assert names(admin, app, query) == expected


def test_total_count_ignores_limit(admin, app):
    body = admin.get("/k/v1/records.json", params={"app": app, "query": "size > 1 limit 1", "totalCount": True}).json()
    assert body["totalCount"] == "3" and len(body["records"]) == 1
    assert admin.get("/k/v1/records.json", params={"app": app}).json()["totalCount"] is None


@pytest.mark.parametrize(("query", "expected"), [
    ("$id = 3000000000", []),
    ("$id != 3000000000 order by $id asc", ["alpha", "beta", "gamma", "delta"]),
    ("$id < 3000000000 order by $id asc", ["alpha", "beta", "gamma", "delta"]),
    ("$id <= 99999999999999999999 order by $id asc", ["alpha", "beta", "gamma", "delta"]),
    ("$id > 3000000000", []),
    ("$id >= 2147483648", []),
    ("$id in (3000000000, 1)", ["alpha"]),
    ("$id not in (3000000000) order by $id asc", ["alpha", "beta", "gamma", "delta"]),
    ("$id > 2.5 order by $id asc", ["gamma", "delta"]),
    ("$id = 2.5", []),
    ("$revision < 3000000000 and size > 5 order by $id asc", ["gamma", "delta"]),
    ("Record_number = 3000000000", []),
])
def test_numbers_beyond_the_integer_columns(admin, app, query, expected):
    # Ids and revisions are 32-bit columns: a larger number compares, it does not fail.
    assert names(admin, app, query) == expected


@pytest.mark.parametrize(("query", "code"), [
    ('name = "unterminated', "CB_VA01"),
    ("name = ", "CB_VA01"),
    ('nosuch = "x"', "GAIA_IQ11"),
    ('colors = "red"', "GAIA_IQ03"),
    ('memo = "x"', "GAIA_IQ03"),
    ('part = "bolt"', "GAIA_IQ07"),
    ('colors in ("green")', "GAIA_IQ10"),
    ("order by part asc", "GAIA_IQ03"),
    ("due = THIS_MONTH(32)", "GAIA_IQ23"),
    ("due = FROM_TODAY(1, EONS)", "GAIA_IQ25"),
    ("limit 501", "GAIA_QU01"),
    ("offset 10001", "GAIA_QU02"),
])
def test_query_errors(admin, app, query, code):
    assert error(admin, app, query) == code


def test_functions_on_dates(admin, app):
    assert names(admin, app, "due < TODAY() order by $id asc") == ["alpha", "beta", "gamma"]
    assert names(admin, app, "due > FROM_TODAY(-5, YEARS) and due < THIS_YEAR() order by $id asc") == [
        "alpha", "beta", "gamma"]


def test_login_user_function(admin, server):
    app = make_app(admin, {"owner": {"type": "USER_SELECT", "code": "owner", "label": "Owner"}})
    admin.post("/k/v1/record.json", json={"app": app, "record": {"owner": {"value": [{"code": "Administrator"}]}}})
    admin.post("/k/v1/record.json", json={"app": app, "record": {}})
    found = admin.get("/k/v1/records.json", params={"app": app, "query": "owner in (LOGINUSER())"}).json()
    assert len(found["records"]) == 1
    mine = admin.get("/k/v1/records.json", params={"app": app, "query": "Created_by in (LOGINUSER())"}).json()
    assert len(mine["records"]) == 2
