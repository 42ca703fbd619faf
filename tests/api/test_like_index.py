"""`like` / `not like` on text fields read a trigram index (SQLite FTS5, PostgreSQL pg_trgm) and
find exactly the records the plain scan finds: a field inside a table is still scanned, so a table
row holding the same text as the record is the scan to compare with."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import deploy_and_wait, make_app

FIELDS = {
    "text": {"type": "SINGLE_LINE_TEXT", "code": "text", "label": "Text"},
    "memo": {"type": "MULTI_LINE_TEXT", "code": "memo", "label": "Memo"},
    "rows": {"type": "SUBTABLE", "code": "rows", "fields": {
        "cell": {"type": "SINGLE_LINE_TEXT", "code": "cell", "label": "Cell"},
        "note": {"type": "MULTI_LINE_TEXT", "code": "note", "label": "Note"}}},
}
# Letters whose case folding is unusual (sharp s, dotted and dotless i, the Kelvin sign, final
# sigma), the characters LIKE and FTS5 treat specially, and text of other scripts.
ALPHABET = ["a", "A", "b", "é", "É", "ß", "ẞ", "İ", "i", "ı", "K", "k", "Σ", "σ", "ς", " ", "%", "_", "/",
            '"', "\\", "*", "日", "本"]
texts = st.text(st.sampled_from(ALPHABET), max_size=8)


@pytest.fixture(scope="module")
def app(server):
    with server.admin() as admin:
        return make_app(admin, FIELDS, name="Like index")


def literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def ids(admin, app, query: str, page: str = "order by $id asc limit 500") -> list[str]:
    response = admin.get("/k/v1/records.json", params={"app": app, "query": f"{query} {page}", "fields[0]": "$id"})
    assert response.status_code == 200, response.text
    return [r["$id"]["value"] for r in response.json()["records"]]


def record(text: str | None, memo: str | None) -> dict:
    values = {k: {"value": v} for k, v in (("text", text), ("memo", memo)) if v is not None}
    cells = {k: {"value": v} for k, v in (("cell", text), ("note", memo)) if v is not None}
    return {**values, "rows": {"value": [{"value": cells}]}}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.tuples(st.none() | texts, st.none() | texts), min_size=1, max_size=6), data=st.data())
def test_indexed_like_finds_what_the_scan_finds(server, admin, app, values, data):
    added = admin.post("/k/v1/records.json", json={"app": app, "records": [record(t, m) for t, m in values]})
    assert added.status_code == 200, added.text
    first = added.json()["ids"][0]
    stored = [v for pair in values for v in pair if v]
    # Texts found in the records (long enough for the index, or not), in another case, or any.
    needle = data.draw(st.one_of(
        st.sampled_from(stored or [""]).flatmap(
            lambda v: st.tuples(st.integers(0, len(v)), st.integers(0, len(v))).map(lambda ij: v[min(ij):max(ij)])),
        st.sampled_from(stored or [""]).map(str.swapcase),
        texts))
    for indexed, scanned in (("text", "cell"), ("memo", "note")):
        for op in ("like", "not like"):
            got = ids(admin, app, f"$id >= {first} and {indexed} {op} {literal(needle)}")
            assert got == ids(admin, app, f"$id >= {first} and {scanned} {op} {literal(needle)}"), (op, needle)
            # A query of one `like` pages through the index in record-number order.
            for page in ("order by $id asc limit 500", "limit 3 offset 1", "order by Record_number asc limit 2"):
                assert ids(admin, app, f"{indexed} {op} {literal(needle)}", page) == \
                    ids(admin, app, f"{scanned} {op} {literal(needle)}", page), (op, needle, page)
            if server.backend == "sqlite":  # the folding is Python's there: the same as `str.lower`
                position = 0 if indexed == "text" else 1
                holds = [needle.lower() in (pair[position] or "").lower() for pair in values]
                assert got == [str(int(first) + i) for i, held in enumerate(holds) if held == (op == "like")]


def test_the_index_follows_updates_deletes_and_deploys(admin):
    app = make_app(admin, FIELDS, name="Like index kept")
    created = admin.post("/k/v1/records.json", json={"app": app, "records": [
        record("Tokyo branch", "first floor"), record("Osaka branch", None)]}).json()["ids"]
    mark = f"$id >= {created[0]} and "
    assert ids(admin, app, mark + 'text like "BRANCH"') == created
    assert ids(admin, app, mark + 'text not like "tokyo"') == created[1:]
    # A page of one `like` read from the index in order, and its count of every match.
    page = admin.get("/k/v1/records.json", params={"app": app, "query": 'text like "branch" limit 1',
                                                   "totalCount": "true"}).json()
    assert [r["$id"]["value"] for r in page["records"]] == created[1:] and page["totalCount"] == "2"
    assert admin.put("/k/v1/record.json", json={"app": app, "id": created[0], "record": {
        "text": {"value": "Nagoya office"}}}).status_code == 200
    assert ids(admin, app, mark + 'text like "branch"') == created[1:]
    assert ids(admin, app, mark + 'text like "nagoya"') == created[:1]
    assert ids(admin, app, mark + 'memo like "first"') == created[:1]  # another field kept its text
    assert admin.delete("/k/v1/records.json", params={"app": app, "ids[0]": created[1]}).status_code == 200
    assert ids(admin, app, mark + 'text like "branch"') == []
    # A new text field and a field dropped: the index is built again, with the records' values.
    added = admin.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
        "extra": {"type": "LINK", "code": "extra", "label": "Extra"}}})
    assert added.status_code == 200, added.text
    assert admin.delete("/k/v1/preview/app/form/fields.json",
                        params={"app": app, "fields[0]": "memo"}).status_code == 200
    assert deploy_and_wait(admin, app) == "SUCCESS"
    assert ids(admin, app, mark + 'text like "nagoya"') == created[:1]
    later = admin.post("/k/v1/record.json", json={"app": app, "record": {
        "text": {"value": "Sapporo"}, "extra": {"value": "https://sapporo.example"}}}).json()["id"]
    assert ids(admin, app, mark + 'extra like "SAPPORO.ex"') == [later]
    assert ids(admin, app, mark + 'extra not like "sapporo"') == created[:1]


def test_a_large_load_gathers_planner_statistics_at_once(server, admin):
    """PostgreSQL plans a search of a common text well only with statistics, which autovacuum
    gathers a minute or more after a load: kinflow gathers them once the load has committed."""
    if server.backend != "postgresql":
        pytest.skip("SQLite plans these searches without statistics")
    import time

    import psycopg

    app = make_app(admin, FIELDS, name="Statistics")
    for start in range(0, 6000, 2000):
        response = admin.post("/k/v1/bulkRequest.json", json={"requests": [
            {"method": "POST", "api": "/k/v1/records.json", "payload": {"app": app, "records": [
                {"text": {"value": f"Customer {i}"}} for i in range(s, s + 100)]}}
            for s in range(start, start + 2000, 100)]})
        assert response.status_code == 200, response.text
    url = server.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(100):
            analysed = conn.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s",
                                    (f"app{app}_records",)).fetchone()[0]
            if analysed is not None:
                break
            time.sleep(0.1)
    assert analysed is not None
