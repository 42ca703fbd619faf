"""Files: `POST file.json` answers a fileKey usable once for 3 days; FILE fields take files by it,
keep them by their download keys, replace and remove them; `GET file.json` downloads a record's file
to those who may view its app; the files of deleted records go with them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from tests.conftest import deploy_and_wait, make_app, make_token, server_with
from tests.web.conftest import XHR, request_token, signed_in

FIELDS = {
    "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
    "docs": {"type": "FILE", "code": "docs", "label": "Documents"},
    "lines": {"type": "SUBTABLE", "code": "lines", "fields": {
        "scan": {"type": "FILE", "code": "scan", "label": "Scan"}}},
}


def upload(client, name="report.txt", data=b"hello files", content_type="text/plain") -> str:
    response = client.post("/k/v1/file.json", files={"file": (name, data, content_type)})
    assert response.status_code == 200, response.text
    return response.json()["fileKey"]


def add(client, app, record) -> str:
    response = client.post("/k/v1/record.json", json={"app": app, "record": record})
    assert response.status_code == 200, response.text
    return response.json()["id"]


def record(client, app, record_id) -> dict:
    response = client.get("/k/v1/record.json", params={"app": app, "id": record_id})
    assert response.status_code == 200, response.text
    return response.json()["record"]


def update(client, app, record_id, values):
    return client.put("/k/v1/record.json", json={"app": app, "id": record_id, "record": values})


def download(client, key):
    return client.get("/k/v1/file.json", params={"fileKey": key})


@pytest.fixture()
def app(admin):
    return make_app(admin, FIELDS, name="Files")


def test_an_uploaded_file_is_attached_shown_and_downloaded(admin, app):
    key = upload(admin, "report.txt", b"hello files\x00\xff", "text/plain")
    record_id = add(admin, app, {"title": {"value": "one"}, "docs": {"value": [{"fileKey": key}]}})
    (shown,) = record(admin, app, record_id)["docs"]["value"]
    assert shown["name"] == "report.txt" and shown["size"] == "13" and shown["contentType"] == "text/plain"
    # Records show a download key, not the upload key.
    assert shown["fileKey"] != key
    got = download(admin, shown["fileKey"])
    assert got.status_code == 200
    assert got.content == b"hello files\x00\xff"
    assert got.headers["content-type"].startswith("text/plain")
    assert "attachment" in got.headers["content-disposition"] and "report.txt" in got.headers["content-disposition"]
    listed = admin.get("/k/v1/records.json", params={"app": app, "query": 'docs like "report"'}).json()["records"]
    assert [r["$id"]["value"] for r in listed] == [record_id]
    assert admin.get("/k/v1/records.json", params={"app": app, "query": "docs is empty"}).json()["records"] == []


def test_a_file_key_is_usable_once(admin, app):
    key = upload(admin)
    add(admin, app, {"docs": {"value": [{"fileKey": key}]}})
    again = admin.post("/k/v1/record.json", json={"app": app, "record": {"docs": {"value": [{"fileKey": key}]}}})
    assert again.status_code == 404 and again.json()["code"] == "GAIA_BL01"
    twice = upload(admin)
    both = admin.post("/k/v1/records.json", json={"app": app, "records": [
        {"title": {"value": "a"}, "docs": {"value": [{"fileKey": twice}]}},
        {"title": {"value": "b"}, "docs": {"value": [{"fileKey": twice}]}}]})
    assert both.json()["code"] == "GAIA_BL01"
    # The batch wrote nothing, so the key is still unused.
    assert admin.get("/k/v1/records.json", params={"app": app, "query": 'title in ("a", "b")'}).json()["records"] == []
    add(admin, app, {"title": {"value": "a"}, "docs": {"value": [{"fileKey": twice}]}})


def test_unknown_expired_and_upload_keys_are_refused(admin, app, server):
    unknown = admin.post("/k/v1/record.json", json={"app": app, "record": {"docs": {"value": [{"fileKey": "nope"}]}}})
    assert unknown.status_code == 404 and unknown.json()["code"] == "GAIA_BL01"
    key = upload(admin)
    engine = sa.create_engine(server.database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE record_files SET created_at = :old WHERE upload_key = :key"),
                     {"old": "2000-01-01 00:00:00", "key": key})
    engine.dispose()
    expired = admin.post("/k/v1/record.json", json={"app": app, "record": {"docs": {"value": [{"fileKey": key}]}}})
    assert expired.json()["code"] == "GAIA_BL01"
    # An upload key downloads nothing: only records' keys do.
    fresh = upload(admin)
    assert download(admin, fresh).json()["code"] == "GAIA_BL01"
    assert download(admin, "").json()["code"] == "CB_VA01"
    bad = admin.post("/k/v1/record.json", json={"app": app, "record": {"docs": {"value": "x"}}})
    assert bad.status_code == 400 and "record.docs.value" in bad.json()["errors"]


def test_files_are_kept_replaced_and_removed(admin, app):
    first, second = upload(admin, "a.txt", b"A"), upload(admin, "b.txt", b"B")
    record_id = add(admin, app, {"docs": {"value": [{"fileKey": first}, {"fileKey": second}]}})
    a, b = record(admin, app, record_id)["docs"]["value"]
    # Left out: kept.
    assert update(admin, app, record_id, {"title": {"value": "x"}}).status_code == 200
    assert [f["fileKey"] for f in record(admin, app, record_id)["docs"]["value"]] == [a["fileKey"], b["fileKey"]]
    # Sent again by their download keys: kept; one left out of the list: deleted.
    third = upload(admin, "c.txt", b"C")
    assert update(admin, app, record_id, {"docs": {"value": [{"fileKey": a["fileKey"]}, {"fileKey": third}]}}).status_code == 200
    files = record(admin, app, record_id)["docs"]["value"]
    assert [f["name"] for f in files] == ["a.txt", "c.txt"] and files[0]["fileKey"] == a["fileKey"]
    assert download(admin, a["fileKey"]).content == b"A"
    assert download(admin, files[1]["fileKey"]).content == b"C"
    assert download(admin, b["fileKey"]).json()["code"] == "GAIA_BL01"
    # Another record cannot take this record's file by its key.
    stolen = admin.post("/k/v1/record.json", json={"app": app, "record": {"docs": {"value": [{"fileKey": a["fileKey"]}]}}})
    assert stolen.json()["code"] == "GAIA_BL01"
    # An empty list removes them all.
    assert update(admin, app, record_id, {"docs": {"value": []}}).status_code == 200
    assert record(admin, app, record_id)["docs"]["value"] == []
    assert download(admin, a["fileKey"]).json()["code"] == "GAIA_BL01"


def with_top_and_row_files(admin, app) -> tuple[str, dict, dict]:
    """A record with a file in `docs` and one in its table row: its id, and the two files as shown."""
    key, row_key = upload(admin, "top.txt", b"T"), upload(admin, "row.txt", b"R")
    record_id = add(admin, app, {"docs": {"value": [{"fileKey": key}]},
                                 "lines": {"value": [{"value": {"scan": {"value": [{"fileKey": row_key}]}}}]}})
    shown = record(admin, app, record_id)
    (top,) = shown["docs"]["value"]
    (scan,) = shown["lines"]["value"][0]["value"]["scan"]["value"]
    return record_id, top, scan


def test_files_in_table_rows_and_of_deleted_records(admin, app):
    record_id, top, scan = with_top_and_row_files(admin, app)
    assert scan["name"] == "row.txt" and download(admin, scan["fileKey"]).content == b"R"
    deleted = admin.delete("/k/v1/records.json", params={"app": app, "ids[0]": record_id})
    assert deleted.status_code == 200, deleted.text
    assert download(admin, top["fileKey"]).json()["code"] == "GAIA_BL01"
    assert download(admin, scan["fileKey"]).json()["code"] == "GAIA_BL01"


def test_download_needs_view_permission_on_the_records_app(admin, app, server):
    key = upload(admin)
    record_id = add(admin, app, {"docs": {"value": [{"fileKey": key}]}})
    (shown,) = record(admin, app, record_id)["docs"]["value"]
    other = make_app(admin, {"t": {"type": "SINGLE_LINE_TEXT", "code": "t", "label": "T"}}, name="Other")
    outsider = make_token(admin, other, view=True, add=True)
    viewer = make_token(admin, app, view=True)
    with server.client({"X-Cybozu-API-Token": outsider}) as client:
        refused = download(client, shown["fileKey"])
        assert refused.status_code == 403, refused.text
        # Anyone signed in may upload (kintone asks no record permission for it).
        assert upload(client)
    with server.client({"X-Cybozu-API-Token": viewer}) as client:
        assert download(client, shown["fileKey"]).status_code == 200


def test_required_file_field_and_bad_uploads(admin):
    app = make_app(admin, {"must": {"type": "FILE", "code": "must", "label": "Must", "required": True}})
    missing = admin.post("/k/v1/record.json", json={"app": app, "record": {}})
    assert missing.status_code == 400 and "record.must.values" in missing.json()["errors"]
    not_multipart = admin.post("/k/v1/file.json", json={"file": "x"})
    assert not_multipart.status_code == 400 and not_multipart.json()["code"] == "CB_IL02"
    no_file = admin.post("/k/v1/file.json", files={"other": ("a.txt", b"a", "text/plain")})
    assert no_file.status_code == 400 and "file" in no_file.json()["errors"]
    odd = upload(admin, "../../etc/passwd", b"x", "not a type")
    record_id = add(admin, app, {"must": {"value": [{"fileKey": odd}]}})
    (shown,) = record(admin, app, record_id)["must"]["value"]
    assert shown["name"] == "passwd" and shown["contentType"] == "application/octet-stream"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def small_files_server(request, tmp_path_factory):
    yield from server_with(request, tmp_path_factory, {"KINFLOW_FILE_MAX_BYTES": "2048"})


def test_uploads_over_the_size_limit_are_refused(small_files_server):
    with small_files_server.admin() as client:
        assert upload(client, data=b"x" * 2048)
        over = client.post("/k/v1/file.json", files={"file": ("big.bin", b"x" * 2049, "application/octet-stream")})
        assert over.status_code == 413 and "file" in over.json()["errors"]
        huge = client.post("/k/v1/file.json", files={"file": ("huge.bin", b"x" * 200_000, "application/octet-stream")})
        assert huge.status_code == 413


def test_writes_racing_for_one_key_attach_it_once(admin, app, server):
    """On PostgreSQL the writes resolve the key together; the first to attach it wins, the others
    fail whole (their records are not written)."""
    def take(key):
        with server.admin() as client:
            return client.post("/k/v1/record.json", json={"app": app, "record": {
                "title": {"value": "race"}, "docs": {"value": [{"fileKey": key}]}}})

    for _ in range(5):
        key = upload(admin)
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(take, [key] * 4))
        assert sorted(a.status_code for a in answers) == [200, 404, 404, 404], [a.text for a in answers]
        assert {a.json()["code"] for a in answers if a.status_code == 404} == {"GAIA_BL01"}
    races = admin.get("/k/v1/records.json", params={"app": app, "query": 'title = "race"'}).json()["records"]
    assert len(races) == 5


def test_a_browser_session_uploads_with_its_request_token_in_the_form(server):
    with signed_in(server, **XHR) as client:
        token = request_token(client)
        without = client.post("/k/v1/file.json", files={"file": ("a.txt", b"a", "text/plain")})
        assert without.status_code in (400, 403) and "code" in without.json(), without.text
        sent = client.post("/k/v1/file.json", data={"__REQUEST_TOKEN__": token},
                           files={"file": ("a.txt", b"a", "text/plain")})
        assert sent.status_code == 200 and sent.json()["fileKey"], sent.text


def test_a_deploy_that_drops_a_file_field_deletes_its_files(admin, app):
    _, top, scan = with_top_and_row_files(admin, app)

    def drop(code):
        dropped = admin.delete("/k/v1/preview/app/form/fields.json", params={"app": app, "fields[0]": code})
        assert dropped.status_code == 200, dropped.text
        assert deploy_and_wait(admin, app) == "SUCCESS"

    drop("docs")
    assert download(admin, top["fileKey"]).json()["code"] == "GAIA_BL01"
    assert download(admin, scan["fileKey"]).content == b"R"
    drop("lines")
    assert download(admin, scan["fileKey"]).json()["code"] == "GAIA_BL01"
