"""Per-record notifications and reminders set in the browser: the settings APIs' own checks, their
messages beside the rule's field, and rules that go live with the app."""

from __future__ import annotations

import re

from tests.conftest import deploy_and_wait, make_app
from tests.web.conftest import error_beside, new_user, post_form, signed_in

FIELDS = {
    "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
    "amount": {"type": "NUMBER", "code": "amount", "label": "Amount"},
    "due": {"type": "DATE", "code": "due", "label": "Due"},
    "meeting": {"type": "DATETIME", "code": "meeting", "label": "Meeting"},
}


def test_per_record_notifications_set_in_the_browser_reach_the_inbox(server, admin):
    app_id = make_app(admin, FIELDS, name="Watched amounts")
    listener = new_user(server)
    path = f"/k/admin/app/{app_id}/notifications/perRecord"
    with signed_in(server) as client:
        empty = client.get(path)
        assert empty.status_code == 200 and '<input type="hidden" name="rows" value="1">' in empty.text
        assert 'aria-current="page">Per record<' in empty.text
        assert "レコードの条件通知" in client.get(path, headers={"Accept-Language": "ja"}).text
        refused = post_form(client, path, rows="2", **{
            "n0.filterCond": "amount > 100", "n0.title": "Big", "n0.targets": f"USER:{listener}",
            "n1.filterCond": "nowhere = 1", "n1.title": "Broken", "n1.targets": "USER:nobody-at-all"})
        assert refused.status_code == 400 and 'id="rules-problem"' in refused.text
        assert "nowhere" in error_beside(refused.text, "n1.filterCond")
        assert "nobody-at-all" in error_beside(refused.text, "n1.targets")
        assert 'value="Broken"' in refused.text  # what was typed stays
        assert admin.get("/k/v1/preview/app/notifications/perRecord.json",
                         params={"app": app_id}).json()["notifications"] == []
        saved = post_form(client, path, rows="2", **{
            "n0.filterCond": "amount > 100", "n0.title": "Big amount", "n0.targets": f"USER:{listener}",
            "n1.filterCond": "", "n1.title": "", "n1.targets": ""})
        assert saved.status_code == 303 and saved.headers["location"] == f"{path}?saved=1", saved.text
        shown = client.get(path).text
        assert 'value="amount &gt; 100"' in shown and f'value="USER:{listener}"' in shown
    assert deploy_and_wait(admin, app_id) == "SUCCESS"
    live = admin.get("/k/v1/app/notifications/perRecord.json", params={"app": app_id}).json()
    assert live["notifications"] == [{"filterCond": "amount > 100", "title": "Big amount", "targets": [
        {"entity": {"type": "USER", "code": listener}, "includeSubs": False}]}]
    admin.post("/k/v1/record.json", json={"app": app_id, "record": {"title": {"value": "small"}, "amount": {"value": "5"}}})
    admin.post("/k/v1/record.json", json={"app": app_id, "record": {"title": {"value": "large"}, "amount": {"value": "500"}}})
    with signed_in(server, listener, "user-pw") as client:
        inbox = client.get("/k/notifications").text
    assert "Big amount" in inbox


def test_a_rule_is_removed_by_its_check_box(server, admin):
    app_id = make_app(admin, FIELDS, name="Removed rules")
    path = f"/k/admin/app/{app_id}/notifications/perRecord"
    with signed_in(server) as client:
        first = post_form(client, path, rows="1", **{"n0.filterCond": "", "n0.title": "Everything", "n0.targets": "GROUP:everyone"})
        assert first.status_code == 303, first.text
        gone = post_form(client, path, rows="2", **{"n0.filterCond": "", "n0.title": "Everything", "n0.targets": "GROUP:everyone",
                                                "n0.remove": "1"})
        assert gone.status_code == 303, gone.text
    document = admin.get("/k/v1/preview/app/notifications/perRecord.json", params={"app": app_id}).json()
    assert document["notifications"] == []


def test_reminders_set_in_the_browser_with_their_timing_and_time_zone(server, admin):
    app_id = make_app(admin, FIELDS, name="Reminded")
    path = f"/k/admin/app/{app_id}/notifications/reminder"
    with signed_in(server) as client:
        page = client.get(path).text
        assert '<option value="due">Due</option>' in page and '<option value="meeting">Meeting</option>' in page
        assert 'name="timezone" value="UTC"' in page
        refused = post_form(client, path, rows="1", timezone="Mars/Olympus", **{
            "n0.code": "due", "n0.daysLater": "-1", "n0.hoursLater": "3", "n0.title": "Due soon",
            "n0.targets": "FIELD_ENTITY:nowhere"})
        assert refused.status_code == 400
        assert "time zone" in re.search(r'id="timezone-error">(.*?)</ul>', refused.text, re.S).group(1)
        assert "hoursLater" in error_beside(refused.text, "n0.time")
        assert "nowhere" in error_beside(refused.text, "n0.targets")
        saved = post_form(client, path, rows="2", timezone="Asia/Tokyo", **{
            "n0.code": "due", "n0.daysLater": "-1", "n0.time": "09:00", "n0.title": "Due tomorrow",
            "n0.targets": "FIELD_ENTITY:Created_by",
            "n1.code": "meeting", "n1.daysLater": "0", "n1.hoursLater": "-2", "n1.title": "Meeting soon",
            "n1.targets": "GROUP:everyone"})
        assert saved.status_code == 303, saved.text
        shown = client.get(path).text
        assert 'value="Asia/Tokyo"' in shown and 'value="09:00"' in shown and 'value="-2"' in shown
    document = admin.get("/k/v1/preview/app/notifications/reminder.json", params={"app": app_id}).json()
    assert document["timezone"] == "Asia/Tokyo"
    assert [n["timing"] for n in document["notifications"]] == [
        {"code": "due", "daysLater": "-1", "time": "09:00"}, {"code": "meeting", "daysLater": "0", "hoursLater": "-2"}]


def test_only_the_apps_managers_see_its_notification_rules(server, admin):
    app_id = make_app(admin, FIELDS, name="Managers only")
    login = new_user(server)
    with signed_in(server, login, "user-pw") as client:
        for kind in ("perRecord", "reminder"):
            assert client.get(f"/k/admin/app/{app_id}/notifications/{kind}").status_code == 403
            refused = post_form(client, f"/k/admin/app/{app_id}/notifications/{kind}", rows="1",
                            **{"n0.title": "sneaky", "n0.targets": f"USER:{login}"})
            assert refused.status_code == 403
    document = admin.get("/k/v1/preview/app/notifications/perRecord.json", params={"app": app_id}).json()
    assert document["notifications"] == []


def test_a_japanese_reader_sees_the_messages_beside_the_fields_in_japanese(server, admin):
    app_id = make_app(admin, FIELDS, name="Japanese reminders")
    path = f"/k/admin/app/{app_id}/notifications/reminder"
    with signed_in(server, **{"Accept-Language": "ja"}) as client:
        refused = post_form(client, path, rows="1", timezone="Mars/Olympus", **{
            "n0.code": "meeting", "n0.daysLater": "1", "n0.hoursLater": "2", "n0.time": "09:00",
            "n0.targets": "GROUP:everyone"})
    assert refused.status_code == 400
    assert "リマインダーの条件通知" in refused.text
    assert "hoursLaterとtimeのどちらか一方を指定してください。" in error_beside(refused.text, "n0.hoursLater")
    assert "Asia/TokyoやUTCのようなタイムゾーンを指定してください。" in re.search(
        r'id="timezone-error">(.*?)</ul>', refused.text, re.S).group(1)
