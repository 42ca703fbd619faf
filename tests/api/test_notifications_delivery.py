"""Notifications that reach people: who receives which change, the inbox API, e-mails over a real
SMTP server and reminders at their time. Settings are made with kintone's own API and deployed."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import (
    WEBHOOK_ENV,
    database_url,
    deploy_and_wait,
    free_port,
    make_app,
    make_token,
    password_header,
    start_server,
    stop_server,
)

FIELDS = {
    "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
    "amount": {"type": "NUMBER", "code": "amount", "label": "Amount"},
    "owner": {"type": "USER_SELECT", "code": "owner", "label": "Owner"},
    "dept": {"type": "ORGANIZATION_SELECT", "code": "dept", "label": "Department"},
    "team": {"type": "GROUP_SELECT", "code": "team", "label": "Team"},
    "due": {"type": "DATETIME", "code": "due", "label": "Due"},
}
PEOPLE = ("nd-ann", "nd-bob", "nd-cat", "nd-dan", "nd-eve", "nd-fay")


class Mailbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802 - aiosmtpd's hook name
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, subject: str, timeout: float = 15) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in list(self.messages):
                if message["To"] == to and message["Subject"] == subject:
                    return message
            time.sleep(0.05)
        raise AssertionError(f"no mail to {to}; got {[m['To'] for m in self.messages]}")


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory, mailbox):
    _, port = mailbox
    tmp = tmp_path_factory.mktemp(f"notify-{request.param}")
    env = {**WEBHOOK_ENV, "KINFLOW_SMTP_HOST": "127.0.0.1", "KINFLOW_SMTP_PORT": str(port),
           "KINFLOW_SMTP_FROM": "kinflow@example.test", "KINFLOW_REMINDER_POLL": "0.3",
           "KINFLOW_PUBLIC_URL": "https://kinflow.example.test"}
    srv = start_server(tmp, database_url(request.param, tmp), request.param, env)
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def people(server):
    with server.admin() as admin:
        admin.post("/kinflow/v1/departments.json", json={"code": "nd-sales", "name": "Sales"})
        admin.post("/kinflow/v1/departments.json", json={"code": "nd-east", "name": "East", "parent": "nd-sales"})
        departments = {"nd-cat": ["nd-sales"], "nd-dan": ["nd-east"], "nd-fay": ["nd-east"]}
        for code in PEOPLE:
            body = {"code": code, "name": code.upper(), "password": "pw", "email": f"{code}@example.test",
                    "departments": departments.get(code, [])}
            assert admin.post("/kinflow/v1/users.json", json=body).status_code == 200, code
        admin.post("/kinflow/v1/groups.json", json={"code": "nd-team", "members": ["nd-bob", "nd-eve"]})
    return {code: password_header(code, "pw") for code in PEOPLE}


def entity(kind, code, subs=False):
    return {"entity": {"type": kind, "code": code}, "includeSubs": subs}


def deployed_app(admin, general=(), per_record=(), reminders=(), name="Deals", commenters=False, acl=None):
    app = make_app(admin, FIELDS, name=name)
    body = {"app": app, "notifications": list(general), "notifyToCommenter": commenters}
    assert admin.put("/k/v1/preview/app/notifications/general.json", json=body).status_code == 200
    body = {"app": app, "notifications": list(per_record)}
    assert admin.put("/k/v1/preview/app/notifications/perRecord.json", json=body).status_code == 200
    body = {"app": app, "notifications": list(reminders), "timezone": "UTC"}
    response = admin.put("/k/v1/preview/app/notifications/reminder.json", json=body)
    assert response.status_code == 200, response.text
    if acl is not None:
        assert admin.put("/k/v1/preview/app/acl.json", json={"app": app, "rights": acl}).status_code == 200
    assert deploy_and_wait(admin, app) == "SUCCESS"
    return app


def general(target, **flags):
    return {**target, **{flag: flags.get(flag, False) for flag in
                         ("recordAdded", "recordEdited", "commentAdded", "statusChanged", "fileImported")}}


def add(client, app, **values):
    record = {code: {"value": value} for code, value in values.items()}
    response = client.post("/k/v1/record.json", json={"app": app, "record": record})
    assert response.status_code == 200, response.text
    return response.json()["id"]


def edit(client, app, record_id, **values):
    record = {code: {"value": value} for code, value in values.items()}
    response = client.put("/k/v1/record.json", json={"app": app, "id": record_id, "record": record})
    assert response.status_code == 200, response.text


def inbox(server, login, app=None, **params):
    with server.client(password_header(login, "pw")) as client:
        response = client.get("/kinflow/v1/notifications.json", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    entries = response.json()["notifications"]
    return [e for e in entries if app is None or e["app"] == str(app)]


def kinds(server, app, *logins):
    return {login: [(e["kind"], e["record"]) for e in inbox(server, login, app)] for login in logins}


def error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["id"] and "message" in body, body
    return body


# --- who receives what ------------------------------------------------------------------------


def test_general_settings_by_event_with_department_subtrees_and_groups(server, admin, people):
    app = deployed_app(admin, general=[
        general(entity("USER", "nd-ann"), recordAdded=True),
        general(entity("ORGANIZATION", "nd-sales", subs=True), recordEdited=True),
        general(entity("ORGANIZATION", "nd-east"), commentAdded=True),
        general(entity("GROUP", "nd-team"), recordAdded=True, recordEdited=True),
    ])
    record = add(admin, app, title="Acme")
    assert kinds(server, app, "nd-ann", "nd-bob", "nd-cat", "nd-dan", "nd-eve") == {
        "nd-ann": [("record_added", record)], "nd-bob": [("record_added", record)], "nd-cat": [], "nd-dan": [],
        "nd-eve": [("record_added", record)]}
    edit(admin, app, record, title="Acme 2")
    # nd-dan and nd-fay are in nd-east, a sub-department of nd-sales (includeSubs).
    found = kinds(server, app, "nd-ann", "nd-cat", "nd-dan", "nd-fay", "nd-bob")
    assert found["nd-ann"] == [("record_added", record)]
    for login in ("nd-cat", "nd-dan", "nd-fay"):
        assert found[login] == [("record_edited", record)], login
    assert found["nd-bob"] == [("record_edited", record), ("record_added", record)]
    entry = inbox(server, "nd-cat", app)[0]
    assert entry["title"] == "Acme 2" and entry["message"] == "Administrator edited the record"
    assert entry["sender"] == {"code": "Administrator"} and entry["read"] is False
    assert entry["url"] == f"https://kinflow.example.test/k/{app}/show#record={record}"
    assert entry["createdAt"].endswith("Z") and int(entry["id"]) > 0


def test_the_person_who_made_the_change_is_not_notified(server, admin, people):
    app = deployed_app(admin, general=[general(entity("GROUP", "nd-team"), recordAdded=True, recordEdited=True)])
    with server.client(people["nd-bob"]) as bob:
        record = add(bob, app, title="mine")
        edit(bob, app, record, title="still mine")
    assert kinds(server, app, "nd-bob", "nd-eve") == {
        "nd-bob": [], "nd-eve": [("record_edited", record), ("record_added", record)]}
    assert inbox(server, "nd-eve", app)[0]["sender"] == {"code": "nd-bob"}


def test_only_people_who_may_view_the_record_are_notified(server, admin, people):
    acl = [{"entity": {"type": "USER", "code": "nd-eve"}, "recordViewable": False},
           {"entity": {"type": "GROUP", "code": "everyone"}, "recordViewable": True, "recordAddable": True,
            "recordEditable": True}]
    app = deployed_app(admin, general=[general(entity("GROUP", "nd-team"), recordAdded=True)], acl=acl)
    record = add(admin, app, title="secret")
    assert kinds(server, app, "nd-bob", "nd-eve") == {"nd-bob": [("record_added", record)], "nd-eve": []}


def test_inactive_users_are_not_notified(server, admin, people):
    assert admin.post("/kinflow/v1/users.json", json={"code": "nd-gone", "password": "pw"}).status_code == 200
    app = deployed_app(admin, general=[general(entity("USER", "nd-gone"), recordAdded=True),
                                       general(entity("USER", "nd-ann"), recordAdded=True)])
    admin.put("/kinflow/v1/users.json", json={"code": "nd-gone", "active": False})
    add(admin, app, title="x")
    admin.put("/kinflow/v1/users.json", json={"code": "nd-gone", "active": True})
    assert len(inbox(server, "nd-ann", app)) == 1
    assert inbox(server, "nd-gone", app) == []


def test_per_record_settings_match_the_record_after_the_change_and_resolve_its_fields(server, admin, people):
    app = deployed_app(admin, per_record=[
        {"filterCond": "amount > 100", "title": "Big deal", "targets": [entity("FIELD_ENTITY", "owner")]},
        {"filterCond": 'title like "urgent"', "title": "Urgent",
         "targets": [entity("FIELD_ENTITY", "dept", subs=True), entity("FIELD_ENTITY", "team")]},
        {"filterCond": "", "title": "Every record", "targets": [entity("FIELD_ENTITY", "Created_by")]},
    ])
    with server.client(people["nd-ann"]) as ann:
        record = add(ann, app, title="small", amount="5", owner=[{"code": "nd-cat"}],
                     dept=[{"code": "nd-sales"}], team=[{"code": "nd-team"}])
    # Created_by is nd-ann, who made the change: nobody is notified yet.
    assert kinds(server, app, "nd-ann", "nd-cat") == {"nd-ann": [], "nd-cat": []}
    edit(admin, app, record, amount="500")
    ann_entries = inbox(server, "nd-ann", app)
    assert [(e["kind"], e["title"]) for e in ann_entries] == [("per_record", "Every record")]
    assert [(e["kind"], e["title"], e["message"]) for e in inbox(server, "nd-cat", app)] == [
        ("per_record", "Big deal", "Administrator edited the record")]
    assert inbox(server, "nd-dan", app) == []
    edit(admin, app, record, title="urgent: call back", amount="50")
    # The department field with includeSubs reaches nd-sales and nd-east; the group field its members.
    for login in ("nd-cat", "nd-dan", "nd-fay", "nd-bob", "nd-eve"):
        assert inbox(server, login, app)[0]["title"] == "Urgent", login


def test_a_change_that_rolls_back_notifies_nobody(server, admin, people):
    app = deployed_app(admin, general=[general(entity("USER", "nd-ann"), recordAdded=True)])
    requests = [
        {"method": "POST", "api": "/k/v1/record.json", "payload": {"app": app, "record": {"title": {"value": "a"}}}},
        {"method": "POST", "api": "/k/v1/record.json", "payload": {"app": app, "record": {"amount": {"value": "x"}}}},
    ]
    response = admin.post("/k/v1/bulkRequest.json", json={"requests": requests})
    assert response.status_code == 400, response.text
    assert inbox(server, "nd-ann", app) == []
    requests[1]["payload"]["record"] = {"amount": {"value": "3"}}
    assert admin.post("/k/v1/bulkRequest.json", json={"requests": requests}).status_code == 200
    assert len(inbox(server, "nd-ann", app)) == 2


def test_bulk_writes_and_api_tokens_notify_too(server, admin, people):
    app = deployed_app(admin, general=[general(entity("USER", "nd-ann"), recordAdded=True, recordEdited=True)])
    response = admin.post("/k/v1/records.json", json={"app": app, "records": [{"title": {"value": "1"}},
                                                                              {"title": {"value": "2"}}]})
    assert response.status_code == 200
    token = make_token(admin, app, view=True, edit=True)
    with server.client({"X-Cybozu-API-Token": token}) as client:
        edit(client, app, response.json()["ids"][0], title="by token")
    entries = inbox(server, "nd-ann", app)
    assert [e["kind"] for e in entries] == ["record_edited", "record_added", "record_added"]
    assert entries[0]["sender"] == {"code": "Administrator"} and entries[0]["title"] == "by token"


def test_comments_notify_mentioned_people_general_targets_and_earlier_commenters(server, admin, people):
    app = deployed_app(admin, general=[general(entity("USER", "nd-fay"), commentAdded=True)], commenters=True)
    record = add(admin, app, title="Thread")
    with server.client(people["nd-cat"]) as cat:
        response = cat.post("/k/v1/record/comment.json", json={"app": app, "record": record, "comment": {
            "text": "please look", "mentions": [{"code": "nd-bob", "type": "USER"},
                                                 {"code": "nd-team", "type": "GROUP"}]}})
        assert response.status_code == 200, response.text
    assert kinds(server, app, "nd-bob", "nd-eve", "nd-fay", "nd-cat") == {
        "nd-bob": [("mention", record)], "nd-eve": [("mention", record)], "nd-fay": [("comment", record)],
        "nd-cat": []}
    mention = inbox(server, "nd-bob", app)[0]
    assert mention["message"].startswith("ND-CAT mentioned you: ND-BOB nd-team")
    assert mention["url"].endswith(f"show#record={record}&comment=1")
    with server.client(people["nd-dan"]) as dan:
        response = dan.post("/k/v1/record/comment.json",
                            json={"app": app, "record": record, "comment": {"text": "done"}})
        assert response.status_code == 200
    # notifyToCommenter: nd-cat commented before; nd-dan, who comments now, is not told of their own.
    assert [e["kind"] for e in inbox(server, "nd-cat", app)] == ["comment"]
    assert inbox(server, "nd-dan", app) == []


def test_status_changes_follow_the_general_setting(server, admin, people):
    app = deployed_app(admin, general=[general(entity("USER", "nd-ann"), statusChanged=True)])
    states = {
        "Open": {"name": "Open", "index": "0", "assignee": {"type": "ONE", "entities": []}},
        "Closed": {"name": "Closed", "index": "1", "assignee": {"type": "ONE", "entities": []}},
    }
    actions = [{"name": "Close", "from": "Open", "to": "Closed", "filterCond": "", "type": "PRIMARY"}]
    response = admin.put("/k/v1/preview/app/status.json",
                         json={"app": app, "enable": True, "states": states, "actions": actions})
    assert response.status_code == 200, response.text
    assert deploy_and_wait(admin, app) == "SUCCESS"
    record = add(admin, app, title="ticket")
    assert inbox(server, "nd-ann", app) == []
    response = admin.put("/k/v1/record/status.json", json={"app": app, "id": record, "action": "Close"})
    assert response.status_code == 200, response.text
    (entry,) = inbox(server, "nd-ann", app)
    assert entry["kind"] == "status_changed" and entry["message"] == "Administrator changed the status to Closed"


# --- the inbox ----------------------------------------------------------------------------------


def test_inbox_lists_newest_first_pages_counts_and_marks_read(server, admin, people):
    app = deployed_app(admin, general=[general(entity("USER", "nd-eve"), recordAdded=True)])
    with server.client(people["nd-eve"]) as eve:
        before = eve.get("/kinflow/v1/notifications/count.json").json()["unread"]
        ids = [add(admin, app, title=f"r{i}") for i in range(5)]
        assert eve.get("/kinflow/v1/notifications/count.json").json() == {"unread": before + 5}
        page = eve.get("/kinflow/v1/notifications.json", params={"limit": 2}).json()
        assert [e["record"] for e in page["notifications"]] == [ids[4], ids[3]] and page["more"] is True
        page = eve.get("/kinflow/v1/notifications.json", params={"limit": 2, "offset": 2}).json()
        assert [e["record"] for e in page["notifications"]] == [ids[2], ids[1]]
        newest = inbox(server, "nd-eve", app)
        one, two, three = newest[0]["id"], newest[1]["id"], newest[2]["id"]
        assert eve.put("/kinflow/v1/notifications/read.json", json={"ids": [one]}).json() == {"updated": 1}
        assert eve.put("/kinflow/v1/notifications/read.json", json={"ids": [one, two, three]}).json() == {
            "updated": 2}
        unread = eve.get("/kinflow/v1/notifications.json", params={"unread": "true", "limit": 100}).json()
        assert {e["id"] for e in unread["notifications"]}.isdisjoint({one, two, three})
        assert all(e["read"] is False for e in unread["notifications"])
        assert eve.get("/kinflow/v1/notifications/count.json").json() == {"unread": before + 2}
        # Someone else's ids change nothing.
        with server.client(people["nd-ann"]) as ann:
            assert ann.put("/kinflow/v1/notifications/read.json",
                           json={"ids": [newest[3]["id"]]}).json() == {"updated": 0}
        assert eve.put("/kinflow/v1/notifications/read.json", json={"all": True}).json()["updated"] == before + 2
        assert eve.get("/kinflow/v1/notifications/count.json").json() == {"unread": 0}
        assert inbox(server, "nd-eve", app)[4]["read"] is True


def test_inbox_pages_read_and_unread_together_newest_first(server, admin, people):
    app = deployed_app(admin, general=[general(entity("USER", "nd-fay"), recordAdded=True)])
    with server.client(people["nd-fay"]) as fay:
        fay.put("/kinflow/v1/notifications/read.json", json={"all": True}).raise_for_status()
        for i in range(7):
            add(admin, app, title=f"p{i}")
        newest = [e["id"] for e in inbox(server, "nd-fay")]
        # Every other one read: the newest first whether read or not, page after page.
        fay.put("/kinflow/v1/notifications/read.json", json={"ids": newest[1:7:2]}).raise_for_status()
        pages = [fay.get("/kinflow/v1/notifications.json", params={"limit": 2, "offset": offset}).json()
                 for offset in range(0, 8, 2)]
        assert [e["id"] for page in pages for e in page["notifications"]][:7] == newest[:7]
        assert [e["read"] for e in pages[0]["notifications"] + pages[1]["notifications"]] == [False, True, False, True]
        assert [page["more"] for page in pages[:3]] == [True, True, True]
        unread = fay.get("/kinflow/v1/notifications.json", params={"unread": "true", "limit": 3, "offset": 1}).json()
        assert [e["id"] for e in unread["notifications"]] == newest[2:7:2] and unread["more"] is False
        assert fay.get("/kinflow/v1/notifications/count.json").json() == {"unread": 4}


@pytest.mark.parametrize("method, path, params, key", [
    ("GET", "notifications", {"limit": "0"}, "limit"),
    ("GET", "notifications", {"limit": "101"}, "limit"),
    ("GET", "notifications", {"offset": "-1"}, "offset"),
    ("GET", "notifications", {"unread": "maybe"}, "unread"),
    ("PUT", "notifications/read", {}, "ids"),
    ("PUT", "notifications/read", {"ids": [], "all": True}, "ids"),
    ("PUT", "notifications/read", {"ids": []}, "ids"),
    ("PUT", "notifications/read", {"ids": ["x"]}, "ids[0]"),
    ("PUT", "notifications/read", {"ids": [{"id": 1}]}, "ids[0]"),
    ("PUT", "notifications/read", {"ids": list(range(1, 102))}, "ids"),
    ("PUT", "notifications/read", {"all": "yes"}, "all"),
])
def test_bad_inbox_input_is_a_kintone_error(server, people, method, path, params, key):
    with server.client(people["nd-ann"]) as ann:
        if method == "GET":
            response = ann.get(f"/kinflow/v1/{path}.json", params=params)
        else:
            response = ann.put(f"/kinflow/v1/{path}.json", json=params)
    body = error(response, 400, "CB_VA01")
    assert key in body["errors"], body


def test_the_inbox_needs_a_person(server, admin, people):
    with server.client() as anonymous:
        error(anonymous.get("/kinflow/v1/notifications.json"), 401, "CB_AU01")
    app = make_app(admin, FIELDS, name="Token app")
    token = make_token(admin, app, view=True)
    with server.client({"X-Cybozu-API-Token": token}) as client:
        error(client.get("/kinflow/v1/notifications/count.json"), 403, "CB_NO02")


# --- e-mail ----------------------------------------------------------------------------------


def test_each_recipient_with_an_address_gets_an_email_with_the_permalink(server, admin, people, mailbox):
    box, _ = mailbox
    app = deployed_app(admin, name="Mail deals", per_record=[
        {"filterCond": "amount >= 1000", "title": "Large order", "targets": [entity("USER", "nd-dan")]}])
    record = add(admin, app, title="Order 7", amount="1500")
    message = box.wait_for("nd-dan@example.test", "[Mail deals] Large order")
    assert message["From"] == "kinflow@example.test"
    body = message.get_content()
    assert "Administrator added the record" in body
    assert f"https://kinflow.example.test/k/{app}/show#record={record}" in body


def test_a_mail_queued_by_a_process_that_stops_is_sent_by_the_next_one(server, mailbox, tmp_path):
    box, port = mailbox
    env = {"KINFLOW_SMTP_HOST": "127.0.0.1", "KINFLOW_SMTP_PORT": str(port)}
    url = database_url(server.backend, tmp_path)
    # The first process sends no mail (no workers): the mail must outlive it in the database.
    first = start_server(tmp_path, url, server.backend, {**env, "KINFLOW_DELIVERY_WORKER": "false"})
    try:
        with first.admin() as admin:
            body = {"code": "nd-later", "password": "pw", "email": "nd-later@example.test"}
            assert admin.post("/kinflow/v1/users.json", json=body).status_code == 200
            app = deployed_app(admin, name="Outbox", general=[general(entity("USER", "nd-later"), recordAdded=True)])
            add(admin, app, title="kept")
    finally:
        stop_server(first)
    assert not [m for m in box.messages if m["To"] == "nd-later@example.test"]
    second = start_server(tmp_path, url, server.backend, env)
    try:
        message = box.wait_for("nd-later@example.test", "[Outbox] kept")
        assert "Administrator added the record" in message.get_content()
        box.messages.remove(message)
    finally:
        stop_server(second)


# --- reminders --------------------------------------------------------------------------------


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:00Z")


def test_a_reminder_speaks_its_readers_language_and_time_zone(server, admin, people):
    code = f"nd-ja-{uuid.uuid4().hex[:6]}"
    body = {"code": code, "password": "pw", "language": "ja", "timezone": "Asia/Tokyo"}
    assert admin.post("/kinflow/v1/users.json", json=body).status_code == 200
    due = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=1)
    app = deployed_app(admin, name="Reminded in Japanese")
    record = add(admin, app, title="late", amount="20", due=_minute(due))
    response = admin.put("/k/v1/preview/app/notifications/reminder.json", json={"app": app, "notifications": [
        {"timing": {"code": "due", "daysLater": "0", "hoursLater": "1"}, "filterCond": "", "title": "",
         "targets": [entity("USER", code)]}]})
    assert response.status_code == 200, response.text
    assert deploy_and_wait(admin, app) == "SUCCESS"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not inbox(server, code, app):
        time.sleep(0.2)
    local = due.astimezone(ZoneInfo("Asia/Tokyo"))
    assert [(e["record"], e["title"], e["message"]) for e in inbox(server, code, app)] == [
        (record, "late", f"リマインダー: due {local:%Y-%m-%d %H:%M} (Asia/Tokyo)")]


def test_reminders_fire_once_at_their_time_for_matching_records(server, admin, people, mailbox):
    box, _ = mailbox
    now = datetime.now(timezone.utc)
    app = deployed_app(admin, name="Reminded")
    owner = [{"code": "nd-eve"}]
    # Due an hour ago (now, with the hour later), due tomorrow (now, a day before), due later.
    late = add(admin, app, title="late", amount="20", owner=owner, due=_minute(now - timedelta(hours=1)))
    skipped = add(admin, app, title="small", amount="5", owner=owner, due=_minute(now - timedelta(hours=1)))
    tomorrow = add(admin, app, title="tomorrow", amount="1", due=_minute(now + timedelta(days=1)))
    add(admin, app, title="later", amount="50", owner=owner, due=_minute(now + timedelta(hours=5)))
    # A reminder deployed now still reaches records that fell due minutes ago, none due earlier.
    response = admin.put("/k/v1/preview/app/notifications/reminder.json", json={"app": app, "notifications": [
        {"timing": {"code": "due", "daysLater": "0", "hoursLater": "1"}, "filterCond": "amount > 10",
         "title": "An hour past due", "targets": [entity("FIELD_ENTITY", "owner")]},
        {"timing": {"code": "due", "daysLater": "-1", "hoursLater": "0"}, "filterCond": "",
         "title": "Due tomorrow", "targets": [entity("USER", "nd-fay")]},
    ]})
    assert response.status_code == 200, response.text
    assert deploy_and_wait(admin, app) == "SUCCESS"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not (inbox(server, "nd-eve", app) and inbox(server, "nd-fay", app)):
        time.sleep(0.2)
    time.sleep(1.5)  # several more looks of the scheduler: still one reminder each
    assert [(e["kind"], e["record"], e["title"]) for e in inbox(server, "nd-eve", app)] == [
        ("reminder", late, "An hour past due")]
    assert [(e["kind"], e["record"], e["title"]) for e in inbox(server, "nd-fay", app)] == [
        ("reminder", tomorrow, "Due tomorrow")]
    assert skipped not in {e["record"] for e in inbox(server, "nd-eve", app)}
    assert inbox(server, "nd-eve", app)[0]["sender"] is None
    box.wait_for("nd-fay@example.test", "[Reminded] Due tomorrow")
