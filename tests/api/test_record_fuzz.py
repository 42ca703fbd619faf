"""Random values for every field type: a record is either stored or refused in kintone's format,
never a server error and never a partial write."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_app

OPTIONS = {"A": {"label": "A", "index": "0"}, "B": {"label": "B", "index": "1"}}
FIELDS = {
    "text": {"type": "SINGLE_LINE_TEXT", "code": "text", "label": "Text", "unique": True, "maxLength": "20"},
    "number": {"type": "NUMBER", "code": "number", "label": "Number", "maxValue": "1000000"},
    "choice": {"type": "DROP_DOWN", "code": "choice", "label": "Choice", "options": OPTIONS},
    "checks": {"type": "CHECK_BOX", "code": "checks", "label": "Checks", "options": OPTIONS},
    "day": {"type": "DATE", "code": "day", "label": "Day"},
    "time": {"type": "TIME", "code": "time", "label": "Time"},
    "moment": {"type": "DATETIME", "code": "moment", "label": "Moment"},
    "users": {"type": "USER_SELECT", "code": "users", "label": "Users"},
    "rows": {"type": "SUBTABLE", "code": "rows", "fields": {
        "cell": {"type": "NUMBER", "code": "cell", "label": "Cell"}}},
}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
    st.sampled_from(["A", "B", "", "2024-02-30", "2024-1-5", "25:61", "12:30", "2024-01-01T00:00:00Z",
                     "1e400", "-0", "NaN", "Administrator", " "]),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["code", "value", "id", "x"]), inner, max_size=3), max_leaves=8)
records = st.dictionaries(
    st.sampled_from([*FIELDS, "unknown", "$id", "Record_number", "Created_by"]),
    st.one_of(json_values, st.builds(lambda v: {"value": v}, json_values)),
    max_size=6,
)


@pytest.fixture(scope="module")
def app(server):
    with server.admin() as admin:
        return make_app(admin, FIELDS, name="Fuzz")


def test_random_records_are_stored_or_refused_cleanly(server, app):
    with server.admin() as admin:
        def count() -> int:
            return int(admin.get("/k/v1/records.json", params={"app": app, "totalCount": "true",
                                                               "query": "limit 1"}).json()["totalCount"])

        @settings(max_examples=150, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
        @given(batch=st.lists(records, min_size=1, max_size=3))
        def check(batch):
            before = count()
            response = admin.post("/k/v1/records.json", json={"app": app, "records": batch})
            assert response.status_code in (200, 400), response.text
            body = response.json()
            if response.status_code == 400:
                assert body["code"] == "CB_VA01" and isinstance(body.get("errors"), dict)
                assert count() == before
            else:
                assert len(body["ids"]) == len(batch)
                assert count() == before + len(batch)
                for record_id in body["ids"]:
                    got = admin.get("/k/v1/record.json", params={"app": app, "id": record_id})
                    assert got.status_code == 200

        check()
