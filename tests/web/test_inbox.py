"""The inbox page, `@` mentions from the comment box, and the unread count streamed live."""

from __future__ import annotations

import re
import threading
import time

import pytest

from tests.conftest import make_app
from tests.web.conftest import XHR, new_user, request_token, signed_in

FIELDS = {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}}


@pytest.fixture(scope="module")
def record(server):
    with server.admin() as admin:
        app_id = make_app(admin, FIELDS, name="Inbox app")
        record_id = admin.post("/k/v1/record.json", json={"app": app_id, "record": {"title": {"value": "t"}}}).json()["id"]
    return {"app": app_id, "record": record_id}


def _mention(server, record: dict, text: str):
    with signed_in(server) as client:
        return client.post(f"/k/{record['app']}/comment", data={
            "__REQUEST_TOKEN__": request_token(client), "record": record["record"], "text": text})


def test_a_mention_typed_in_the_comment_box_reaches_the_inbox(server, record):
    login = new_user(server, name="Mina Mention")
    posted = _mention(server, record, f"@{login} please look @nobody-such")
    assert posted.status_code == 303, posted.text
    with server.admin() as admin:
        comments = admin.get("/k/v1/record/comments.json", params={"app": record["app"], "record": record["record"]})
    newest = comments.json()["comments"][0]
    assert newest["mentions"] == [{"code": login, "type": "USER"}]
    assert newest["text"] == "Mina Mention \nplease look @nobody-such"  # kintone puts the names first
    with signed_in(server, login, "user-pw") as client:
        inbox = client.get("/k/notifications")
        assert inbox.status_code == 200 and "mentioned you" in inbox.text
        link = re.search(r'<a href="(/k/\d+/show#record=\d+&amp;comment=\d+)">', inbox.text)
        assert link, inbox.text
        entry = re.search(r'name="id" value="(\d+)"', inbox.text).group(1)
        read = client.post("/k/notifications/read", data={"__REQUEST_TOKEN__": request_token(client), "id": entry})
        assert read.status_code == 303
        assert "No unread notifications." in client.get("/k/notifications").text
        assert "mentioned you" in client.get("/k/notifications", params={"unread": "false"}).text


def test_mention_completion_names_users_groups_and_departments(server):
    login = new_user(server, name="Completion Person")
    with server.admin() as admin:
        assert admin.post("/kinflow/v1/groups.json", json={"code": "complete-team", "name": "Completion team"}).status_code == 200
    with signed_in(server, login, "user-pw") as client:
        found = client.get("/k/mentions.json", params={"q": "complet"}, headers=XHR).json()["entities"]
        empty = client.get("/k/mentions.json", params={"q": ""}, headers=XHR).json()["entities"]
    assert {"type": "USER", "code": login, "name": "Completion Person"} in found
    assert {"type": "GROUP", "code": "complete-team", "name": "Completion team"} in found
    assert all(set(entity) == {"type", "code", "name"} for entity in found)  # no e-mail addresses
    assert empty == []


def test_the_unread_count_streams_live(server, record):
    login = new_user(server)
    seen: list[str] = []
    with signed_in(server, login, "user-pw") as client:
        def listen() -> None:
            with client.stream("GET", "/k/notifications/stream") as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                for line in stream.iter_lines():
                    if line.startswith("data: "):
                        seen.append(line[6:])
                        if len(seen) == 2:
                            return

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert seen == ["0"]
        started = time.monotonic()
        assert _mention(server, record, f"@{login} live").status_code == 303
        listener.join(timeout=10)
    assert seen == ["0", "1"]
    assert time.monotonic() - started < 4.5  # rung at commit, before the 5-second look


def test_the_stream_needs_a_session(server):
    with server.client() as client:
        refused = client.get("/k/notifications/stream")
    assert refused.status_code == 401 and refused.json()["code"] == "CB_AU01"
