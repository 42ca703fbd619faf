"""FILE fields on the record page over HTTP: each file a link that downloads it for the signed-in
user, as an attachment that never runs as a page; refused to those who may not view the app."""

from __future__ import annotations

import html
import re

from tests.conftest import deploy_and_wait, make_app
from tests.web.conftest import new_user, request_token, signed_in

FIELDS = {"docs": {"type": "FILE", "code": "docs", "label": "Documents"}}
PAGE = b"<html><script>alert(1)</script></html>"


def _attach(admin, app_id: int) -> str:
    uploaded = admin.post("/k/v1/file.json", files={"file": ("<page>.html", PAGE, "text/html")})
    assert uploaded.status_code == 200, uploaded.text
    added = admin.post("/k/v1/record.json", json={"app": app_id, "record": {
        "docs": {"value": [{"fileKey": uploaded.json()["fileKey"]}]}}})
    assert added.status_code == 200, added.text
    return added.json()["id"]


def test_the_record_page_links_each_file_to_its_download(server):
    with server.admin() as admin:
        app_id = make_app(admin, FIELDS, name="Files page")
        record_id = _attach(admin, app_id)
    with signed_in(server) as client:
        shown = client.get(f"/k/{app_id}/show", params={"record": record_id})
        assert shown.status_code == 200, shown.text
        links = re.findall(r'<a href="(/k/file\?fileKey=[^"]+)" download>([^<]*)</a>', shown.text)
        assert [name for _, name in links] == ["&lt;page&gt;.html"]
        got = client.get(html.unescape(links[0][0]))
        missing = client.get("/k/file", params={"fileKey": "nope"})
        no_key = client.get("/k/file")
    assert got.status_code == 200 and got.content == PAGE
    assert got.headers["content-disposition"].startswith("attachment;") and "page" in got.headers["content-disposition"]
    assert got.headers.get_list("x-content-type-options") == ["nosniff"]
    assert got.headers["content-security-policy"].startswith("sandbox")
    assert missing.status_code == 404 and "GAIA_BL01" in missing.text
    assert no_key.status_code == 400 and "CB_VA01" in no_key.text


def test_a_file_is_refused_to_who_may_not_view_the_app_and_asks_others_to_sign_in(server):
    with server.admin() as admin:
        app_id = make_app(admin, FIELDS, name="Secret files")
        record_id = _attach(admin, app_id)
        key = admin.get("/k/v1/record.json", params={"app": app_id, "id": record_id}).json()["record"]["docs"]["value"][0]["fileKey"]
        admin.put("/k/v1/preview/app/acl.json", json={"app": app_id, "rights": [
            {"entity": {"type": "CREATOR", "code": None}, "appEditable": True, "recordViewable": True}]})
        assert deploy_and_wait(admin, app_id) == "SUCCESS"
    login = new_user(server)
    with signed_in(server, login, "user-pw") as client:
        refused = client.get("/k/file", params={"fileKey": key})
    with server.client() as anonymous:
        away = anonymous.get("/k/file", params={"fileKey": key})
    assert refused.status_code == 403 and PAGE not in refused.content
    assert away.status_code == 303 and away.headers["location"].startswith("/login?next=")


def _files(admin, app_id, record_id) -> list[dict]:
    return admin.get("/k/v1/record.json", params={"app": app_id, "id": record_id}).json()["record"]["docs"]["value"]


def test_the_record_form_uploads_keeps_and_removes_files(server):
    with server.admin() as admin:
        app_id = make_app(admin, {**FIELDS, "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "T"}},
                          name="Files form")
    with signed_in(server) as client:
        token = request_token(client)
        blank = client.get(f"/k/{app_id}/edit")
        assert 'enctype="multipart/form-data"' in blank.text and 'type="file" id="docs" name="docs"' in blank.text
        added = client.post(f"/k/{app_id}/edit", data={"__REQUEST_TOKEN__": token, "title": "one"},
                            files=[("docs", ("a.txt", b"first", "text/plain")), ("docs", ("b.txt", b"second", "text/plain"))])
        assert added.status_code == 303, added.text
        record_id = re.search(r"record=(\d+)", added.headers["location"]).group(1)
        with server.admin() as admin:
            first = _files(admin, app_id, record_id)
        assert [f["name"] for f in first] == ["a.txt", "b.txt"]
        form = client.get(f"/k/{app_id}/edit", params={"record": record_id})
        assert f'name="docs.keep" value="{first[0]["fileKey"]}" checked' in form.text
        revision = re.search(r'name="revision" value="(\d+)"', form.text).group(1)
        # b.txt unticked, a.txt kept, c.txt added; the title stays as typed.
        edited = client.post(f"/k/{app_id}/edit", data={
            "__REQUEST_TOKEN__": token, "record": record_id, "revision": revision, "title": "one",
            "docs.keep": first[0]["fileKey"]}, files=[("docs", ("c.txt", b"third", "text/plain"))])
        assert edited.status_code == 303, edited.text
        with server.admin() as admin:
            kept = [f["fileKey"] for f in _files(admin, app_id, record_id)]
        # An input left empty adds nothing.
        untouched = client.post(f"/k/{app_id}/edit", data={
            "__REQUEST_TOKEN__": token, "record": record_id, "title": "two", "docs.keep": kept},
            files=[("docs", ("", b"", "application/octet-stream"))])
        assert untouched.status_code == 303, untouched.text
        no_token = client.post(f"/k/{app_id}/edit", data={"title": "three"},
                               files=[("docs", ("d.txt", b"x", "text/plain"))])
    with server.admin() as admin:
        final = _files(admin, app_id, record_id)
        removed = admin.get("/k/v1/file.json", params={"fileKey": first[1]["fileKey"]})
    assert [f["name"] for f in final] == ["a.txt", "c.txt"]
    assert final[0]["fileKey"] == first[0]["fileKey"]
    assert removed.status_code == 404
    assert no_token.status_code == 403


TABLE = {"items": {"type": "SUBTABLE", "code": "items", "label": "Items", "fields": {
    "item": {"type": "SINGLE_LINE_TEXT", "code": "item", "label": "Item"},
    "scan": {"type": "FILE", "code": "scan", "label": "Scan"}}}}


def _rows(admin, app_id, record_id) -> list[dict]:
    record = admin.get("/k/v1/record.json", params={"app": app_id, "id": record_id}).json()["record"]
    return record["items"]["value"]


def test_a_subtable_rows_files_are_added_kept_and_removed_in_the_form(server):
    with server.admin() as admin:
        app_id = make_app(admin, TABLE, name="Table files")
    with signed_in(server) as client:
        token = request_token(client)
        blank = client.get(f"/k/{app_id}/edit")
        assert 'enctype="multipart/form-data"' in blank.text
        assert 'type="file" id="items.0.scan" name="items.0.scan"' in blank.text
        assert re.search(r'<label class="sr" for="items.0.scan">Scan, row 1</label>', blank.text)
        added = client.post(f"/k/{app_id}/edit", data={
            "__REQUEST_TOKEN__": token, "items.rows": "3", "items.0.item": "first", "items.1.item": ""},
            files=[("items.0.scan", ("a.txt", b"first", "text/plain")),
                   ("items.1.scan", ("b.txt", b"second", "text/plain"))])  # a row with only a file is kept
        assert added.status_code == 303, added.text
        record_id = re.search(r"record=(\d+)", added.headers["location"]).group(1)
        with server.admin() as admin:
            rows = _rows(admin, app_id, record_id)
        assert [(r["value"]["item"]["value"], [f["name"] for f in r["value"]["scan"]["value"]]) for r in rows] == [
            ("first", ["a.txt"]), ("", ["b.txt"])]
        a_key, b_key = (r["value"]["scan"]["value"][0]["fileKey"] for r in rows)
        form = client.get(f"/k/{app_id}/edit", params={"record": record_id}).text
        assert f'name="items.0.scan.keep" value="{a_key}" checked' in form
        assert f'name="items.1.scan.keep" value="{b_key}" checked' in form
        revision = re.search(r'name="revision" value="(\d+)"', form).group(1)
        # The first row keeps a.txt and gains c.txt; the second row's b.txt is unticked.
        edited = client.post(f"/k/{app_id}/edit", data={
            "__REQUEST_TOKEN__": token, "record": record_id, "revision": revision, "items.rows": "2",
            "items.0.id": rows[0]["id"], "items.0.item": "first", "items.0.scan.keep": a_key,
            "items.1.id": rows[1]["id"], "items.1.item": "second"},
            files=[("items.0.scan", ("c.txt", b"third", "text/plain"))])
        assert edited.status_code == 303, edited.text
        shown = client.get(f"/k/{app_id}/show", params={"record": record_id}).text
    with server.admin() as admin:
        final = _rows(admin, app_id, record_id)
        removed = admin.get("/k/v1/file.json", params={"fileKey": b_key})
    assert [(r["value"]["item"]["value"], [f["name"] for f in r["value"]["scan"]["value"]]) for r in final] == [
        ("first", ["a.txt", "c.txt"]), ("second", [])]
    assert final[0]["value"]["scan"]["value"][0]["fileKey"] == a_key
    assert removed.status_code == 404
    assert re.search(r'<a href="/k/file\?fileKey=[^"]+" download>c.txt</a>', shown)


def test_the_record_list_links_a_file_column_to_its_downloads(server):
    with server.admin() as admin:
        app_id = make_app(admin, {**FIELDS, "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "T"}},
                          name="Listed files")
        _attach(admin, app_id)
    with signed_in(server) as client:
        listed = client.get(f"/k/{app_id}/")
        links = re.findall(r'<a href="(/k/file\?fileKey=[^"]+)" download>([^<]*)</a>', listed.text)
        assert [name for _, name in links] == ["&lt;page&gt;.html"], listed.text
        got = client.get(html.unescape(links[0][0]))
    assert got.status_code == 200 and got.content == PAGE
