"""Record comments: kintone's Add / Get / Delete Comment rules (shared/seeds/kintone-add-comment.txt)."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.api.test_webhooks import subscribe
from tests.conftest import deploy_and_wait, make_app, make_token, password_header
from tests.receiver import Receiver

FIELDS = {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}}


@pytest.fixture(scope="module")
def people(server):
    """Users, a group and a department to mention; `cm-ann` and `cm-bob` can log in."""
    with server.admin() as admin:
        admin.post("/kinflow/v1/departments.json", json={"code": "cm-sales", "name": "Sales"})
        admin.post("/kinflow/v1/groups.json", json={"code": "cm-crew", "name": "Crew"})
        for code, name in (("cm-ann", "Ann Lee"), ("cm-bob", "Bob Ray"), ("cm-gone", "Gone"),
                           ("guest/guest@test.com", "Guest Person")):
            assert admin.post("/kinflow/v1/users.json",
                              json={"code": code, "name": name, "password": "pw"}).status_code == 200
        admin.put("/kinflow/v1/users.json", json={"code": "cm-gone", "active": False})
    return {"ann": password_header("cm-ann", "pw"), "bob": password_header("cm-bob", "pw")}


@pytest.fixture(scope="module")
def app(server, people):
    with server.admin() as admin:
        return make_app(admin, FIELDS, name="Comments")


def new_record(admin, app):
    response = admin.post("/k/v1/record.json", json={"app": app, "record": {"title": {"value": "x"}}})
    assert response.status_code == 200, response.text
    return response.json()["id"]


def post(client, app, record, text="hello", mentions=None, prefix="/k/v1"):
    comment = {"text": text, **({"mentions": mentions} if mentions is not None else {})}
    return client.post(f"{prefix}/record/comment.json", json={"app": app, "record": record, "comment": comment})


def comments(client, app, record, **params):
    response = client.get("/k/v1/record/comments.json", params={"app": app, "record": record, **params})
    assert response.status_code == 200, response.text
    return response.json()


def error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and len(body["id"]) == 20 and body["message"], body
    return body


def test_seed_example_with_a_guest_mention(admin, app):
    record = new_record(admin, app)
    body = {"app": int(app), "record": int(record), "comment": {"text": "sample comment", "mentions": [
        {"code": "Administrator", "type": "USER"}, {"code": "guest/guest@test.com", "type": "USER"}]}}
    response = admin.post("/k/v1/record/comment.json", json=body)
    assert response.status_code == 200 and response.json() == {"id": "1"}
    (comment,) = comments(admin, app, record)["comments"]
    assert list(comment) == ["id", "text", "createdAt", "creator", "mentions"]
    assert comment["id"] == "1"
    assert comment["text"] == "Administrator Guest Person \nsample comment"
    assert comment["creator"] == {"code": "Administrator", "name": "Administrator"}
    assert comment["mentions"] == [{"code": "Administrator", "type": "USER"},
                                   {"code": "guest/guest@test.com", "type": "USER"}]
    assert comment["createdAt"].endswith("Z") and len(comment["createdAt"]) == 20


def test_seed_curl_sample_as_printed_is_refused(server, admin, app):
    # The seed's curl sample repeats "code" where "type" was meant: the type is then missing.
    record = new_record(admin, app)
    token = make_token(admin, app, view=True)
    raw = ('{"app": %s, "record": %s, "comment": {"text": "sample comment", "mentions": ['
           '{"code": "Administrator", "code": "USER"}, {"code": "guest/guest@test.com", "code": "USER"}]}}'
           % (app, record))
    with server.client({"X-Cybozu-API-Token": token, "Content-Type": "application/json"}) as client:
        body = error(client.post("/k/v1/record/comment.json", content=raw), 400, "CB_VA01")
        assert "comment.mentions[0].type" in body["errors"]
        fixed = raw.replace('"code": "USER"', '"type": "USER"')
        assert client.post("/k/v1/record/comment.json", content=fixed).json() == {"id": "1"}
    assert comments(admin, app, record)["comments"][0]["creator"]["code"] == "Administrator"


def test_a_token_posts_as_administrator_and_deletes_only_administrators_comments(server, admin, app, people):
    record = new_record(admin, app)
    token = make_token(admin, app, view=True)
    with server.client(people["ann"]) as ann:
        anns = post(ann, app, record, "by ann").json()["id"]
    with server.client({"X-Cybozu-API-Token": token}) as client:
        mine = post(client, app, record, "by token").json()["id"]
        assert comments(client, app, record, order="asc")["comments"][1]["creator"] == {
            "code": "Administrator", "name": "Administrator"}
        error(client.delete("/k/v1/record/comment.json", params={"app": app, "record": record, "comment": anns}),
              403, "CB_NO02")
        assert client.delete("/k/v1/record/comment.json",
                             params={"app": app, "record": record, "comment": mine}).json() == {}
    assert [c["text"] for c in comments(admin, app, record)["comments"]] == ["by ann"]


def test_text_is_required_and_at_most_65535_characters(admin, app):
    record = new_record(admin, app)
    for text in (None, ""):
        body = error(post(admin, app, record, text), 400, "CB_VA01")
        assert body["errors"] == {"comment.text": {"messages": ["Required field."]}}
    error(post(admin, app, record, 12), 400, "CB_VA01")
    too_long = error(post(admin, app, record, "x" * 65_536), 400, "CB_VA01")
    assert "comment.text" in too_long["errors"]
    assert post(admin, app, record, "x" * 65_535).status_code == 200
    missing = admin.post("/k/v1/record/comment.json", json={"app": app, "record": record})
    assert "comment" in error(missing, 400, "CB_VA01")["errors"]


def test_at_most_ten_mentions(admin, app):
    record = new_record(admin, app)
    ten = [{"code": "cm-ann", "type": "USER"}] * 10
    assert post(admin, app, record, "ten", ten).status_code == 200
    body = error(post(admin, app, record, "eleven", ten + [{"code": "cm-bob", "type": "USER"}]), 400, "CB_VA01")
    assert "comment.mentions" in body["errors"]


def test_groups_and_departments_are_mentioned_by_name(admin, app):
    record = new_record(admin, app)
    mentions = [{"code": "cm-crew", "type": "GROUP"}, {"code": "cm-sales", "type": "ORGANIZATION"},
                {"code": "cm-bob", "type": "USER"}]
    assert post(admin, app, record, "team", mentions).status_code == 200
    (comment,) = comments(admin, app, record)["comments"]
    assert comment["text"] == "Crew Sales Bob Ray \nteam"
    assert comment["mentions"] == mentions


@pytest.mark.parametrize("mention, word", [
    ({"code": "cm-gone", "type": "USER"}, "user"),
    ({"code": "cm-nobody", "type": "USER"}, "user"),
    ({"code": "cm-no-group", "type": "GROUP"}, "group"),
    ({"code": "cm-no-dept", "type": "ORGANIZATION"}, "department"),
])
def test_inactive_or_unknown_entities_cannot_be_mentioned(admin, app, mention, word):
    record = new_record(admin, app)
    mentions = [{"code": "cm-ann", "type": "USER"}, mention]
    body = error(post(admin, app, record, "hi", mentions), 400, "CB_VA01")
    (message,) = body["errors"]["comment.mentions[1].code"]["messages"]
    assert mention["code"] in message and word in message
    assert comments(admin, app, record)["comments"] == []


def test_bad_mention_shapes(admin, app):
    record = new_record(admin, app)
    error(post(admin, app, record, "hi", "cm-ann"), 400, "CB_VA01")
    body = error(post(admin, app, record, "hi", [{"code": "cm-ann", "type": "ROBOT"}, "x", {"type": "USER"}]),
                 400, "CB_VA01")
    assert set(body["errors"]) == {"comment.mentions[0].type", "comment.mentions[1]", "comment.mentions[2].code"}


def test_unknown_record_and_app(admin, app):
    error(post(admin, app, 987654), 404, "GAIA_RE01")
    error(post(admin, 987654, 1), 404, "GAIA_AP01")
    error(admin.get("/k/v1/record/comments.json", params={"app": app, "record": 987654}), 404, "GAIA_RE01")
    error(admin.post("/k/v1/record/comment.json", json={"app": app, "comment": {"text": "x"}}), 400, "CB_VA01")


def test_posting_needs_view_permission(server, admin, people):
    app = make_app(admin, FIELDS, name="Private comments")
    rights = [{"entity": {"type": "USER", "code": "cm-ann"}, "recordViewable": True},
              {"entity": {"type": "CREATOR"}, "appEditable": True, "recordViewable": True, "recordAddable": True}]
    assert admin.put("/k/v1/preview/app/acl.json", json={"app": app, "rights": rights}).status_code == 200
    assert deploy_and_wait(admin, app) == "SUCCESS"
    record = new_record(admin, app)
    with server.client(people["bob"]) as bob:
        error(post(bob, app, record), 403, "CB_NO02")
        error(bob.get("/k/v1/record/comments.json", params={"app": app, "record": record}), 403, "CB_NO02")
    with server.client(people["ann"]) as ann:
        assert post(ann, app, record).json() == {"id": "1"}
    token = make_token(admin, app, add=True, view=False)
    with server.client({"X-Cybozu-API-Token": token}) as client:
        error(post(client, app, record), 403, "GAIA_NO01")


def test_comments_turned_off_for_the_app(admin):
    app = make_app(admin, FIELDS, name="No comments")
    record = new_record(admin, app)
    assert admin.put("/k/v1/preview/app/settings.json",
                     json={"app": app, "enableComments": False}).status_code == 200
    assert deploy_and_wait(admin, app) == "SUCCESS"
    body = error(post(admin, app, record), 400, "GAIA_CM01")
    assert "comment" in body["message"].lower()
    error(admin.get("/k/v1/record/comments.json", params={"app": app, "record": record}), 400, "GAIA_CM01")


def test_order_offset_limit_older_newer(admin, app):
    record = new_record(admin, app)
    for n in range(1, 13):
        assert post(admin, app, record, f"c{n}").json() == {"id": str(n)}
    default = comments(admin, app, record)
    assert [c["id"] for c in default["comments"]] == [str(n) for n in range(12, 2, -1)]
    assert (default["older"], default["newer"]) == (True, False)
    middle = comments(admin, app, record, order="asc", offset=3, limit=4)
    assert [c["text"] for c in middle["comments"]] == ["c4", "c5", "c6", "c7"]
    assert (middle["older"], middle["newer"]) == (True, True)
    last = comments(admin, app, record, order="desc", offset=9, limit=10)
    assert [c["id"] for c in last["comments"]] == ["3", "2", "1"]
    assert (last["older"], last["newer"]) == (False, True)
    first = comments(admin, app, record, order="asc", limit=2)
    assert (first["older"], first["newer"]) == (False, True)
    assert comments(admin, app, record, limit=0)["comments"] == []
    empty = comments(admin, app, new_record(admin, app))
    assert empty == {"comments": [], "older": False, "newer": False}


@pytest.mark.parametrize("params, key", [
    ({"order": "up"}, "order"), ({"limit": 11}, "limit"), ({"limit": -1}, "limit"), ({"offset": "x"}, "offset"),
])
def test_bad_list_parameters(admin, app, params, key):
    record = new_record(admin, app)
    response = admin.get("/k/v1/record/comments.json", params={"app": app, "record": record, **params})
    assert key in error(response, 400, "CB_VA01")["errors"]


def test_get_comments_accepts_a_json_body(admin, app):
    record = new_record(admin, app)
    post(admin, app, record, "one")
    post(admin, app, record, "two")
    response = admin.request("GET", "/k/v1/record/comments.json",
                             json={"app": app, "record": record, "order": "asc", "offset": 1, "limit": 1})
    assert [c["text"] for c in response.json()["comments"]] == ["two"]


def test_delete_own_comments_only_and_ids_are_never_reused(server, admin, app, people):
    record = new_record(admin, app)
    assert post(admin, app, record, "first").json() == {"id": "1"}
    with server.client(people["ann"]) as ann:
        assert post(ann, app, record, "ann's").json() == {"id": "2"}
        error(ann.delete("/k/v1/record/comment.json", params={"app": app, "record": record, "comment": 1}),
              403, "CB_NO02")
        assert ann.delete("/k/v1/record/comment.json",
                          params={"app": app, "record": record, "comment": 2}).json() == {}
        again = ann.delete("/k/v1/record/comment.json", params={"app": app, "record": record, "comment": 2})
        error(again, 400, "GAIA_RE02")
    error(admin.delete("/k/v1/record/comment.json", params={"app": app, "record": record, "comment": 99}),
          400, "GAIA_RE02")
    error(admin.delete("/k/v1/record/comment.json", params={"app": app, "record": record}), 400, "CB_VA01")
    assert post(admin, app, record, "third").json() == {"id": "3"}
    assert [c["id"] for c in comments(admin, app, record)["comments"]] == ["3", "1"]


def test_comment_ids_count_per_record(admin, app):
    one, two = new_record(admin, app), new_record(admin, app)
    assert post(admin, app, one).json() == {"id": "1"}
    assert post(admin, app, two).json() == {"id": "1"}
    assert post(admin, app, one).json() == {"id": "2"}


def test_guest_space_paths(admin, people):
    space = admin.post("/kinflow/v1/spaces.json", json={"name": "Comment guests", "isGuest": True}).json()["id"]
    app = make_app(admin, FIELDS, space=int(space))
    guest = f"/k/guest/{space}/v1"
    record = admin.post(f"{guest}/record.json", json={"app": app, "record": {}}).json()["id"]
    assert post(admin, app, record, "in the space", prefix=guest).json() == {"id": "1"}
    listed = admin.get(f"{guest}/record/comments.json", params={"app": app, "record": record}).json()
    assert listed["comments"][0]["text"] == "in the space"
    error(post(admin, app, record), 400, "GAIA_IL23")
    assert admin.delete(f"{guest}/record/comment.json",
                        params={"app": app, "record": record, "comment": 1}).json() == {}


def test_deleting_a_record_deletes_its_comments(admin, app):
    record = new_record(admin, app)
    post(admin, app, record, "bye")
    assert admin.delete("/k/v1/records.json", params={"app": app, "ids[0]": record}).status_code == 200
    error(admin.get("/k/v1/record/comments.json", params={"app": app, "record": record}), 404, "GAIA_RE01")


def test_posting_sends_the_add_record_comment_webhook(server, admin, app):
    receiver = Receiver()
    try:
        subscribe(admin, app, receiver.url, events=["ADD_RECORD_COMMENT"])
        record = new_record(admin, app)
        posted = post(admin, app, record, "ping", [{"code": "cm-ann", "type": "USER"}]).json()["id"]
        refused = post(admin, app, record, "never", [{"code": "cm-nobody", "type": "USER"}])
        assert refused.status_code == 400
        payload = receiver.wait_for(1)[0].json
        time.sleep(0.5)
        assert len(receiver.requests) == 1  # the refused comment sent nothing
    finally:
        receiver.close()
    (comment,) = comments(admin, app, record)["comments"]
    assert payload == {
        "id": payload["id"], "type": "ADD_RECORD_COMMENT", "app": {"id": str(app), "name": "Comments"},
        "recordId": str(record), "comment": comment,
        "url": f"{server.base_url}/k/{app}/show#record={record}&comment={posted}",
    }
    assert str(uuid.UUID(payload["id"])) == payload["id"]
    assert comment["text"] == "Ann Lee \nping"
