"""FILE fields on the record page over HTTP: each file a link that downloads it for the signed-in
user, as an attachment that never runs as a page; refused to those who may not view the app."""

from __future__ import annotations

import html
import re

from tests.conftest import deploy_and_wait, make_app
from tests.web.conftest import new_user, signed_in

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
    assert "nosniff" in got.headers["x-content-type-options"]
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
