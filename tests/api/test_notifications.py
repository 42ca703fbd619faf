"""Notification settings: general, per record (shared/seeds/kintone-per-record-notification-settings.txt)
and reminders, in kintone's pre-live / live stages."""

from __future__ import annotations

import pytest

from tests.conftest import deploy_and_wait, make_app, password_header

FIELDS = {
    "User_selection": {"type": "USER_SELECT", "code": "User_selection", "label": "User selection"},
    "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
    "due": {"type": "DATE", "code": "due", "label": "Due"},
    "meeting": {"type": "DATETIME", "code": "meeting", "label": "Meeting"},
    "team": {"type": "ORGANIZATION_SELECT", "code": "team", "label": "Team"},
}
PATHS = ("general", "perRecord", "reminder")


@pytest.fixture(scope="module")
def people(server):
    with server.admin() as admin:
        admin.post("/kinflow/v1/departments.json", json={"code": "nt-dept", "name": "Dept"})
        admin.post("/kinflow/v1/groups.json", json={"code": "nt-group", "name": "Group"})
        for code in ("user1", "nt-off", "nt-reader"):
            assert admin.post("/kinflow/v1/users.json", json={"code": code, "password": "pw"}).status_code == 200
        admin.put("/kinflow/v1/users.json", json={"code": "nt-off", "active": False})
    return password_header("nt-reader", "pw")


@pytest.fixture()
def app(admin, people):
    return make_app(admin, FIELDS, name="Notified")


def read(client, app, kind, preview=True):
    prefix = "/k/v1/preview" if preview else "/k/v1"
    response = client.get(f"{prefix}/app/notifications/{kind}.json", params={"app": app})
    assert response.status_code == 200, response.text
    return response.json()


def change(client, app, kind, **body):
    return client.put(f"/k/v1/preview/app/notifications/{kind}.json", json={"app": app, **body})


def invalid(response):
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "CB_VA01", body
    return set(body["errors"])


def test_defaults(admin, app):
    assert read(admin, app, "general") == {"notifications": [], "notifyToCommenter": False, "revision": "2"}
    assert read(admin, app, "perRecord", preview=False) == {"notifications": [], "revision": "2"}
    assert read(admin, app, "reminder") == {"notifications": [], "timezone": "UTC", "revision": "2"}


def test_seed_example_goes_live_on_deploy(admin, app):
    body = {
        "app": app,
        "notifications": [{
            "filterCond": 'User_selection in ("USER", "user1")',
            "title": "user1 was selected",
            "targets": [{"entity": {"type": "USER", "code": "user1"}, "includeSubs": False}],
        }],
        "revision": "2",
    }
    response = admin.put("/k/v1/preview/app/notifications/perRecord.json", json=body)
    assert response.status_code == 200 and response.json() == {"revision": "3"}
    assert read(admin, app, "perRecord") == {"notifications": body["notifications"], "revision": "3"}
    assert read(admin, app, "perRecord", preview=False)["notifications"] == []
    assert deploy_and_wait(admin, app) == "SUCCESS"
    assert read(admin, app, "perRecord", preview=False) == {"notifications": body["notifications"], "revision": "3"}
    stale = admin.put("/k/v1/preview/app/notifications/perRecord.json", json=body)
    assert (stale.status_code, stale.json()["code"]) == (409, "GAIA_CO02")


def test_per_record_omitted_keeps_empty_deletes_and_title_defaults(admin, app):
    target = {"entity": {"type": "ORGANIZATION", "code": "nt-dept"}, "includeSubs": True}
    user = {"entity": {"type": "USER", "code": "user1"}, "includeSubs": True}
    assert change(admin, app, "perRecord", notifications=[
        {"filterCond": "", "targets": [target, user]}]).status_code == 200
    stored = read(admin, app, "perRecord")["notifications"]
    # Only departments have sub-departments to include.
    assert stored == [{"filterCond": "", "title": "", "targets": [target, {**user, "includeSubs": False}]}]
    assert change(admin, app, "perRecord", revision=-1).json() == {"revision": "4"}
    assert read(admin, app, "perRecord")["notifications"] == stored
    assert change(admin, app, "perRecord", notifications=[]).status_code == 200
    assert read(admin, app, "perRecord")["notifications"] == []


@pytest.mark.parametrize("notification, key", [
    ({"title": "x", "targets": []}, "notifications[0].filterCond"),
    ({"filterCond": ""}, "notifications[0].targets"),
    ({"filterCond": "nope = 1", "targets": []}, "notifications[0].filterCond"),
    ({"filterCond": 'title = "a" and', "targets": []}, "notifications[0].filterCond"),
    ({"filterCond": "", "title": 5, "targets": []}, "notifications[0].title"),
    ({"filterCond": "", "targets": [{"entity": {"type": "CREATOR"}}]}, "notifications[0].targets[0].entity.type"),
    ({"filterCond": "", "targets": [{"entity": {"type": "USER", "code": "nt-off"}}]},
     "notifications[0].targets[0].entity.code"),
    ({"filterCond": "", "targets": [{"entity": {"type": "GROUP", "code": "nt-none"}}]},
     "notifications[0].targets[0].entity.code"),
    ({"filterCond": "", "targets": [{"entity": {"type": "FIELD_ENTITY", "code": "title"}}]},
     "notifications[0].targets[0].entity.code"),
    ({"filterCond": "", "targets": [{"entity": {"type": "USER"}}]}, "notifications[0].targets[0].entity.code"),
    ({"filterCond": "", "targets": [{"entity": {"type": "USER", "code": "user1"}, "includeSubs": "no"}]},
     "notifications[0].targets[0].includeSubs"),
    ("not an object", "notifications[0]"),
])
def test_per_record_problems(admin, app, notification, key):
    assert key in invalid(change(admin, app, "perRecord", notifications=[notification]))
    assert read(admin, app, "perRecord") == {"notifications": [], "revision": "2"}


def test_general_notifications(admin, app):
    entry = {"entity": {"type": "FIELD_ENTITY", "code": "team"}, "includeSubs": True, "recordAdded": True,
             "recordEdited": False, "commentAdded": True, "statusChanged": False, "fileImported": False}
    group = {"entity": {"type": "GROUP", "code": "nt-group"}, "includeSubs": True, "recordEdited": True}
    assert change(admin, app, "general", notifications=[entry, group], notifyToCommenter=True).status_code == 200
    body = read(admin, app, "general")
    assert body["notifyToCommenter"] is True
    assert body["notifications"] == [entry, {**group, "includeSubs": False, "recordAdded": False,
                                             "commentAdded": False, "statusChanged": False, "fileImported": False}]
    assert invalid(change(admin, app, "general", notifyToCommenter="yes")) == {"notifyToCommenter"}
    assert invalid(change(admin, app, "general", notifications=[{**entry, "recordAdded": 1}])) == {
        "notifications[0].recordAdded"}
    assert invalid(change(admin, app, "general", notifications=[{"entity": {"type": "USER", "code": "ghost"}}])) == {
        "notifications[0].entity.code"}
    assert invalid(change(admin, app, "general", notifications={"a": 1})) == {"notifications"}


def test_reminder_notifications(admin, app):
    targets = [{"entity": {"type": "USER", "code": "user1"}, "includeSubs": False}]
    notifications = [
        {"timing": {"code": "due", "daysLater": -1, "time": "09:30"}, "filterCond": "", "title": "due soon",
         "targets": targets},
        {"timing": {"code": "meeting", "daysLater": "0", "hoursLater": "-2"}, "filterCond": 'title = "x"',
         "title": "", "targets": targets},
    ]
    assert change(admin, app, "reminder", notifications=notifications, timezone="Asia/Tokyo").status_code == 200
    body = read(admin, app, "reminder")
    assert body["timezone"] == "Asia/Tokyo"
    assert [n["timing"] for n in body["notifications"]] == [
        {"code": "due", "daysLater": "-1", "time": "09:30"}, {"code": "meeting", "daysLater": "0", "hoursLater": "-2"}]
    assert deploy_and_wait(admin, app) == "SUCCESS"
    assert read(admin, app, "reminder", preview=False)["timezone"] == "Asia/Tokyo"


@pytest.mark.parametrize("timing, key", [
    (None, "notifications[0].timing"),
    ({"code": "title", "daysLater": 0, "time": "09:00"}, "notifications[0].timing.code"),
    ({"code": "due", "daysLater": "x", "time": "09:00"}, "notifications[0].timing.daysLater"),
    ({"code": "due", "daysLater": 0, "hoursLater": 1}, "notifications[0].timing.time"),
    ({"code": "meeting", "daysLater": 0}, "notifications[0].timing.hoursLater"),
    ({"code": "meeting", "daysLater": 0, "hoursLater": 1, "time": "09:00"}, "notifications[0].timing.hoursLater"),
    ({"code": "due", "daysLater": 0, "time": "25:00"}, "notifications[0].timing.time"),
])
def test_reminder_problems(admin, app, timing, key):
    notification = {"timing": timing, "filterCond": "", "targets": []}
    assert key in invalid(change(admin, app, "reminder", notifications=[notification]))
    assert invalid(change(admin, app, "reminder", timezone="Mars/Olympus")) == {"timezone"}


def test_changing_notifications_needs_app_management(server, app, people):
    with server.client(people) as reader:
        for kind in PATHS:
            denied = change(reader, app, kind, notifications=[])
            assert (denied.status_code, denied.json()["code"]) == (403, "CB_NO02")
            # Reading them needs app management too, live as well as preview (kintone.dev).
            read = reader.get(f"/k/v1/app/notifications/{kind}.json", params={"app": app})
            assert (read.status_code, read.json()["code"]) == (403, "CB_NO02")


def test_guest_space_paths(admin, people):
    space = admin.post("/kinflow/v1/spaces.json", json={"name": "Notify guests", "isGuest": True}).json()["id"]
    app = make_app(admin, FIELDS, space=int(space))
    guest = f"/k/guest/{space}/v1"
    response = admin.put(f"{guest}/preview/app/notifications/general.json",
                         json={"app": app, "notifyToCommenter": True})
    assert response.status_code == 200, response.text
    assert admin.get(f"{guest}/preview/app/notifications/general.json",
                     params={"app": app}).json()["notifyToCommenter"] is True
    wrong = admin.get("/k/v1/preview/app/notifications/general.json", params={"app": app})
    assert wrong.json()["code"] == "GAIA_IL23"
