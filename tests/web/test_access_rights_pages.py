"""Record and field permissions set in the browser: the settings APIs' own checks, their messages
beside the rule, row or condition they name, and permissions that go live with the app."""

from __future__ import annotations

import re

import httpx

from tests.conftest import deploy_and_wait, make_app, password_header
from tests.web.conftest import error_beside, new_user, post_form, signed_in

FIELDS = {
    "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
    "secret": {"type": "SINGLE_LINE_TEXT", "code": "secret", "label": "Secret"},
    "notes": {"type": "MULTI_LINE_TEXT", "code": "notes", "label": "Notes"},
    "stage": {"type": "DROP_DOWN", "code": "stage", "label": "Stage",
              "options": {"open": {"label": "open", "index": "0"}, "done": {"label": "done", "index": "1"}}},
}


def _titles(server, login: str, app_id: str) -> set[str]:
    with httpx.Client(base_url=server.base_url, headers=password_header(login, "user-pw")) as client:
        listed = client.get("/k/v1/records.json", params={"app": app_id})
    assert listed.status_code == 200, listed.text
    return {r["title"]["value"] for r in listed.json()["records"] if "title" in r}


def test_a_record_rule_saved_in_the_browser_hides_records(server, admin):
    app_id = make_app(admin, FIELDS, name="Guarded stages")
    watcher, outsider = new_user(server), new_user(server)
    admin.post("/k/v1/records.json", json={"app": app_id, "records": [
        {"title": {"value": "open one"}, "stage": {"value": "open"}},
        {"title": {"value": "done one"}, "stage": {"value": "done"}}]})
    assert _titles(server, outsider, app_id) == {"open one", "done one"}
    path = f"/k/admin/app/{app_id}/acl/records"
    with signed_in(server) as client:
        empty = client.get(path)
        assert empty.status_code == 200 and '<input type="hidden" name="rows" value="1">' in empty.text
        assert 'aria-current="page">Records<' in empty.text
        assert "のレコードのアクセス権" in client.get(path, headers={"Accept-Language": "ja"}).text
        saved = post_form(client, path, rows="3", **{
            "n0.filterCond": 'stage in ("done")', "n0.entries": "2",
            "n0.e0.who": f"USER:{watcher}", "n0.e0.flags": ["viewable", "editable"],
            "n0.e1.who": "", "n0.e1.flags": "viewable",
            "n1.filterCond": "", "n1.entries": "1", "n1.e0.who": "GROUP:everyone", "n1.e0.flags": "viewable",
            "n2.filterCond": "", "n2.entries": "1", "n2.e0.who": "", "n2.e0.flags": "viewable"})
        assert saved.status_code == 303 and saved.headers["location"] == f"{path}?saved=1", saved.text
        shown = client.get(path).text
        assert 'value="stage in (&#34;done&#34;)"' in shown and f'value="USER:{watcher}"' in shown
        assert '<input type="hidden" name="rows" value="3">' in shown  # two rules and a blank one
    preview = admin.get("/k/v1/preview/record/acl.json", params={"app": app_id}).json()["rights"]
    assert preview[0] == {"filterCond": 'stage in ("done")', "entities": [
        {"entity": {"type": "USER", "code": watcher}, "viewable": True, "editable": True, "deletable": False,
         "includeSubs": False}]}
    assert deploy_and_wait(admin, app_id) == "SUCCESS"
    assert _titles(server, outsider, app_id) == {"open one"}
    assert _titles(server, watcher, app_id) == {"open one", "done one"}


def test_a_refused_record_rule_is_shown_with_its_messages_and_nothing_is_written(server, admin):
    app_id = make_app(admin, FIELDS, name="Refused rules")
    path = f"/k/admin/app/{app_id}/acl/records"
    with signed_in(server) as client:
        refused = post_form(client, path, rows="2", **{
            "n0.filterCond": "", "n0.entries": "1", "n0.e0.who": "GROUP:everyone", "n0.e0.flags": "viewable",
            "n1.filterCond": "nowhere = 1", "n1.entries": "2",
            "n1.e0.who": "USER:nobody-at-all", "n1.e0.flags": "viewable",
            "n1.e1.who": "GROUP:everyone", "n1.e1.flags": "editable"})
        assert refused.status_code == 400 and 'id="rights-problem"' in refused.text
        assert "nowhere" in error_beside(refused.text, "n1.filterCond")
        assert "nobody-at-all" in error_beside(refused.text, "n1.e0.who")
        assert "Allow viewing" in error_beside(refused.text, "n1.e1.who")
        assert 'value="nowhere = 1"' in refused.text and 'value="USER:nobody-at-all"' in refused.text
        unsearchable = post_form(client, path, rows="1", **{
            "n0.filterCond": 'notes like "x"', "n0.entries": "1", "n0.e0.who": "GROUP:everyone", "n0.e0.flags": "viewable"})
        assert unsearchable.status_code == 400
        assert "notes" in error_beside(unsearchable.text, "n0.filterCond")
    assert admin.get("/k/v1/preview/record/acl.json", params={"app": app_id}).json()["rights"] == []


def test_field_permissions_saved_in_the_browser_hide_a_field(server, admin):
    app_id = make_app(admin, FIELDS, name="Guarded fields")
    reader, outsider = new_user(server), new_user(server)
    admin.post("/k/v1/record.json", json={"app": app_id, "record": {
        "title": {"value": "hello"}, "secret": {"value": "hush"}}})
    path = f"/k/admin/app/{app_id}/acl/fields"
    with signed_in(server) as client:
        page = client.get(path).text
        assert 'name="n0.code"' in page and 'value="secret"' in page
        index = re.search(r'name="(n\d+)\.code" value="secret"', page).group(1)
        count = re.search(r'name="rows" value="(\d+)"', page).group(1)
        refused = post_form(client, path, rows=count, **{
            f"{index}.code": "secret", f"{index}.entries": "1", f"{index}.e0.who": "ROBOT:r2",
            f"{index}.e0.accessibility": "READ"})
        assert refused.status_code == 400 and 'id="rights-problem"' in refused.text
        assert "USER" in error_beside(refused.text, f"{index}.e0.who")
        assert 'value="ROBOT:r2"' in refused.text
        assert admin.get("/k/v1/preview/field/acl.json", params={"app": app_id}).json()["rights"] == []
        saved = post_form(client, path, rows=count, **{
            f"{index}.code": "secret", f"{index}.entries": "1", f"{index}.e0.who": f"USER:{reader}",
            f"{index}.e0.accessibility": "READ"})
        assert saved.status_code == 303, saved.text
        shown = client.get(path).text
        assert f'value="USER:{reader}"' in shown and '<option value="READ" selected>' in shown
    rights = admin.get("/k/v1/preview/field/acl.json", params={"app": app_id}).json()["rights"]
    assert rights == [{"code": "secret", "entities": [
        {"accessibility": "READ", "entity": {"type": "USER", "code": reader}, "includeSubs": False}]}]
    assert deploy_and_wait(admin, app_id) == "SUCCESS"
    for login, sees in ((reader, True), (outsider, False)):
        with httpx.Client(base_url=server.base_url, headers=password_header(login, "user-pw")) as client:
            record = client.get("/k/v1/records.json", params={"app": app_id}).json()["records"][0]
        assert ("secret" in record) is sees and record["title"]["value"] == "hello"


def test_only_the_apps_managers_change_record_and_field_permissions(server, admin):
    app_id = make_app(admin, FIELDS, name="Managers only rights")
    login = new_user(server)
    with signed_in(server, login, "user-pw") as client:
        for kind in ("records", "fields"):
            assert client.get(f"/k/admin/app/{app_id}/acl/{kind}").status_code == 403
            refused = post_form(client, f"/k/admin/app/{app_id}/acl/{kind}", rows="1", **{
                "n0.filterCond": "", "n0.code": "title", "n0.entries": "1", "n0.e0.who": f"USER:{login}",
                "n0.e0.flags": "viewable", "n0.e0.accessibility": "WRITE"})
            assert refused.status_code == 403
    for kind in ("record", "field"):
        assert admin.get(f"/k/v1/preview/{kind}/acl.json", params={"app": app_id}).json()["rights"] == []
