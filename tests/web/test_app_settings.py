"""An app's webhooks (with their delivery log and redelivery) and API tokens in the browser: the
webhooks and token APIs' own rules, for the app's managers."""

from __future__ import annotations

import re
import time

import httpx

from tests.conftest import deploy_and_wait, make_app
from tests.receiver import Receiver
from tests.web.conftest import new_user, post_form, signed_in

FIELDS = {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}}


def test_add_a_webhook_read_its_delivery_log_and_redeliver(server, admin):
    app_id = make_app(admin, FIELDS, name="Hooked")
    receiver = Receiver()
    path = f"/k/admin/app/{app_id}/webhooks"
    try:
        with signed_in(server) as client:
            refused = post_form(client, path, op="add", url="ftp://example.com/", events="ADD_RECORD")
            assert refused.status_code == 400 and 'id="webhooks-problem"' in refused.text
            added = post_form(client, path, op="add", url=receiver.url, events=["ADD_RECORD"], description="to the receiver")
            assert added.status_code == 303, added.text
            webhook_id = re.search(r'<tr id="webhook-(\d+)">', client.get(path).text).group(1)
            admin.post("/k/v1/record.json", json={"app": app_id, "record": {"title": {"value": "hello"}}})
            receiver.wait_for(1)
            for _ in range(100):
                log = client.get(path, params={"log": webhook_id}).text
                if re.search(r"<li>[^<]*: 200, [\d.]+ ms</li>", log):  # the attempt is logged
                    break
                time.sleep(0.1)
            delivery = re.search(r'<tr id="delivery-(\d+)">', log).group(1)
            assert "ADD_RECORD" in log, log[log.find('id="log"'):][:1500]
            assert re.search(r"<li>[^<]*: 200, [\d.]+ ms</li>", log)
            again = post_form(client, path, op="redeliver", id=webhook_id, delivery=delivery)
            assert again.status_code == 303 and again.headers["location"].endswith(f"&log={webhook_id}")
            receiver.wait_for(2)
            assert [r.json["type"] for r in receiver.requests] == ["ADD_RECORD", "ADD_RECORD"]
            assert post_form(client, path, op="delete", id=webhook_id).status_code == 303
            assert "The app has no webhooks." in client.get(path).text
    finally:
        receiver.close()


def test_generate_a_token_once_and_use_it_after_update(server, admin):
    app_id = make_app(admin, FIELDS, name="Tokened")
    path = f"/k/admin/app/{app_id}/tokens"
    with signed_in(server) as client:
        made = post_form(client, path, op="add", permissions=["view", "add"])
        assert made.status_code == 200 and 'id="new-token"' in made.text
        value = re.search(r'<div role="status" class="saved" id="new-token">.*?<code>([^<]+)</code>', made.text, re.S).group(1)
        listed = client.get(path).text
        assert value not in listed and f"…{value[-4:]}" in listed and "waits for Update app" in listed
    assert deploy_and_wait(admin, app_id) == "SUCCESS"
    with httpx.Client(base_url=server.base_url, headers={"X-Cybozu-API-Token": value}) as token_client:
        assert token_client.post("/k/v1/record.json", json={"app": app_id, "record": {}}).status_code == 200
        assert token_client.delete("/k/v1/records.json", params={"app": app_id, "ids[0]": 1}).status_code == 403


def test_app_settings_pages_are_for_the_apps_managers(server, admin):
    app_id = make_app(admin, FIELDS, name="Managed")
    admin.put("/k/v1/preview/app/acl.json", json={"app": app_id, "rights": [
        {"entity": {"type": "CREATOR", "code": None}, "appEditable": True, "recordViewable": True}]})
    assert deploy_and_wait(admin, app_id) == "SUCCESS"
    login = new_user(server)
    with signed_in(server, login, "user-pw") as client:
        for page in ("webhooks", "tokens", "views", "form"):
            assert client.get(f"/k/admin/app/{app_id}/{page}").status_code == 403, page
        assert post_form(client, f"/k/admin/app/{app_id}/tokens", op="add", permissions="view").status_code == 403


def test_permissions_set_in_the_browser_decide_who_sees_records(server, admin):
    app_id = make_app(admin, FIELDS, name="Guarded")
    watcher, outsider = new_user(server), new_user(server)
    path = f"/k/admin/app/{app_id}/acl"
    with signed_in(server) as client:
        page = client.get(path).text
        assert '<input type="hidden" name="rows" value="3">' in page  # the creator, everyone, a blank row
        saved = post_form(client, path, rows="3", **{
            "r0.type": "CREATOR", "r0.flags": ["recordViewable", "appEditable"],
            "r1.type": "GROUP", "r1.code": "everyone", "r1.remove": "1",
            "r2.type": "USER", "r2.code": watcher, "r2.flags": "recordViewable"})
        assert saved.status_code == 303, saved.text
        refused = post_form(client, path, rows="1", **{"r0.type": "ROBOT"})
        assert refused.status_code == 400 and 'id="acl-problem"' in refused.text
    assert deploy_and_wait(admin, app_id) == "SUCCESS"
    rights = admin.get("/k/v1/app/acl.json", params={"app": app_id}).json()["rights"]
    assert [(r["entity"]["type"], r["entity"]["code"]) for r in rights] == [("CREATOR", None), ("USER", watcher)]
    with signed_in(server, watcher, "user-pw") as client:
        assert client.get(f"/k/{app_id}/").status_code == 200
    with signed_in(server, outsider, "user-pw") as client:
        assert client.get(f"/k/{app_id}/").status_code == 403


def test_general_notifications_set_in_the_browser_fill_the_inbox(server, admin):
    app_id = make_app(admin, FIELDS, name="Announced")
    listener = new_user(server)
    path = f"/k/admin/app/{app_id}/notifications"
    with signed_in(server) as client:
        assert '<input type="hidden" name="rows" value="1">' in client.get(path).text
        saved = post_form(client, path, rows="1", notifyToCommenter="true", **{
            "r0.type": "USER", "r0.code": listener, "r0.flags": ["recordAdded", "commentAdded"]})
        assert saved.status_code == 303, saved.text
        refused = post_form(client, path, rows="1", **{"r0.type": "USER", "r0.code": "nobody-at-all", "r0.flags": "recordAdded"})
        assert refused.status_code == 400 and 'id="notifications-problem"' in refused.text
    assert deploy_and_wait(admin, app_id) == "SUCCESS"
    general = admin.get("/k/v1/app/notifications/general.json", params={"app": app_id}).json()
    assert general["notifyToCommenter"] is True
    assert [(n["entity"]["code"], n["recordAdded"], n["recordEdited"]) for n in general["notifications"]] == [
        (listener, True, False)]
    admin.post("/k/v1/record.json", json={"app": app_id, "record": {"title": {"value": "news"}}})
    with signed_in(server, listener, "user-pw") as client:
        assert "added the record" in client.get("/k/notifications").text


def test_process_management_set_in_the_browser_runs_on_records(server, admin):
    app_id = make_app(admin, FIELDS, name="Processed")
    path = f"/k/admin/app/{app_id}/process"
    with signed_in(server) as client:
        page = client.get(path).text
        assert '<input type="hidden" name="s.rows" value="4">' in page  # kintone's three default statuses
        assert 'value="FIELD_ENTITY:Created_by"' in page
        broken = post_form(client, path, enable="true", **{"s.rows": "1", "s0.name": "Open", "a.rows": "1",
                                                      "a0.name": "Go", "a0.from": "Open", "a0.to": "Nowhere"})
        assert broken.status_code == 400 and 'id="process-problem"' in broken.text
        saved = post_form(client, path, enable="true", **{
            "s.rows": "2", "s0.name": "Open", "s0.type": "ONE", "s0.entities": "CREATOR",
            "s1.name": "Done", "s1.type": "ANY", "s1.entities": "",
            "a.rows": "1", "a0.name": "Close", "a0.from": "Open", "a0.to": "Done", "a0.type": "PRIMARY"})
        assert saved.status_code == 303, saved.text
        assert deploy_and_wait(admin, app_id) == "SUCCESS"
        record_id = admin.post("/k/v1/record.json", json={"app": app_id, "record": {}}).json()["id"]
        shown = client.get(f"/k/{app_id}/show", params={"record": record_id}).text
        assert 'id="record-status">Open<' in shown and '<button type="submit">Close</button>' in shown
