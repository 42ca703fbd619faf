"""Deleting from the record page over HTTP: a record, after a confirmation, through `DELETE
records.json`'s own handler (its permissions, its revision check); one's own comment through
`DELETE record/comment.json`'s (another's is refused)."""

from __future__ import annotations

import re

from tests.conftest import deploy_and_wait, make_app
from tests.web.conftest import new_user, request_token, signed_in

FIELDS = {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}}


def _record(admin, app_id: int, title: str = "doomed") -> str:
    added = admin.post("/k/v1/record.json", json={"app": app_id, "record": {"title": {"value": title}}})
    assert added.status_code == 200, added.text
    return added.json()["id"]


def test_a_record_is_deleted_after_its_confirmation(server, admin):
    app_id = make_app(admin, FIELDS, name="Deleted in the browser")
    record_id = _record(admin, app_id)
    with signed_in(server) as client:
        shown = client.get(f"/k/{app_id}/show", params={"record": record_id}).text
        assert f'<a href="/k/{app_id}/delete?record={record_id}" id="delete-link">Delete</a>' in shown
        asked = client.get(f"/k/{app_id}/delete", params={"record": record_id})
        assert asked.status_code == 200 and f"Delete record {record_id} of Deleted in the browser?" in asked.text
        revision = re.search(r'name="revision" value="(\d+)"', asked.text).group(1)
        assert admin.get("/k/v1/record.json", params={"app": app_id, "id": record_id}).status_code == 200  # asking deletes nothing
        no_token = client.post(f"/k/{app_id}/delete", data={"record": record_id, "revision": revision})
        assert no_token.status_code == 403
        deleted = client.post(f"/k/{app_id}/delete", data={
            "__REQUEST_TOKEN__": request_token(client), "record": record_id, "revision": revision})
        assert deleted.status_code == 303 and deleted.headers["location"] == f"/k/{app_id}/?deleted={record_id}"
        listed = client.get(deleted.headers["location"]).text
        assert f'id="record-deleted">Record {record_id} was deleted.<' in listed
        again = client.get(f"/k/{app_id}/delete", params={"record": record_id})
    assert admin.get("/k/v1/record.json", params={"app": app_id, "id": record_id}).status_code == 404
    assert again.status_code == 404


def test_a_record_changed_since_the_confirmation_is_not_deleted(server, admin):
    app_id = make_app(admin, FIELDS, name="Changed meanwhile")
    record_id = _record(admin, app_id)
    with signed_in(server) as client:
        asked = client.get(f"/k/{app_id}/delete", params={"record": record_id}).text
        revision = re.search(r'name="revision" value="(\d+)"', asked).group(1)
        admin.put("/k/v1/record.json", json={"app": app_id, "id": record_id, "record": {"title": {"value": "changed"}}})
        refused = client.post(f"/k/{app_id}/delete", data={
            "__REQUEST_TOKEN__": request_token(client), "record": record_id, "revision": revision})
    assert refused.status_code == 409 and 'id="delete-conflict"' in refused.text
    assert admin.get("/k/v1/record.json", params={"app": app_id, "id": record_id}).status_code == 200


def test_who_may_not_delete_sees_no_delete_link_and_is_refused(server, admin):
    app_id = make_app(admin, FIELDS, name="Kept records")
    admin.put("/k/v1/preview/app/acl.json", json={"app": app_id, "rights": [
        {"entity": {"type": "GROUP", "code": "everyone"}, "recordViewable": True, "recordAddable": True,
         "recordEditable": True, "recordDeletable": False}]})
    assert deploy_and_wait(admin, app_id) == "SUCCESS"
    record_id = _record(admin, app_id)
    login = new_user(server)
    with signed_in(server, login, "user-pw") as client:
        shown = client.get(f"/k/{app_id}/show", params={"record": record_id}).text
        assert 'id="delete-link"' not in shown and 'id="fields-heading"' in shown
        refused = client.post(f"/k/{app_id}/delete", data={"__REQUEST_TOKEN__": request_token(client), "record": record_id})
    assert refused.status_code == 403
    assert admin.get("/k/v1/record.json", params={"app": app_id, "id": record_id}).status_code == 200


def _comment(client, app_id, record_id, text: str) -> str:
    posted = client.post(f"/k/{app_id}/comment", data={"__REQUEST_TOKEN__": request_token(client),
                                                       "record": record_id, "text": text})
    assert posted.status_code == 303, posted.text
    return re.search(r"comment=(\d+)", posted.headers["location"]).group(1)


def _comments(admin, app_id, record_id) -> list[str]:
    found = admin.get("/k/v1/record/comments.json", params={"app": app_id, "record": record_id}).json()
    return [c["text"].strip() for c in found["comments"]]


def test_one_deletes_ones_own_comment_and_not_anothers(server, admin):
    app_id = make_app(admin, FIELDS, name="Comments deleted")
    record_id = _record(admin, app_id)
    login = new_user(server)
    with signed_in(server, login, "user-pw") as other:
        theirs = _comment(other, app_id, record_id, "theirs")
    with signed_in(server) as client:
        mine = _comment(client, app_id, record_id, "mine")
        shown = client.get(f"/k/{app_id}/show", params={"record": record_id}).text
        assert f'aria-label="Delete comment {mine}"' in shown
        assert f'aria-label="Delete comment {theirs}"' not in shown
        refused = client.post(f"/k/{app_id}/comment/delete", data={
            "__REQUEST_TOKEN__": request_token(client), "record": record_id, "comment": theirs})
        assert refused.status_code == 403
        deleted = client.post(f"/k/{app_id}/comment/delete", data={
            "__REQUEST_TOKEN__": request_token(client), "record": record_id, "comment": mine})
        assert deleted.status_code == 303
        assert deleted.headers["location"] == f"/k/{app_id}/show?record={record_id}#record={record_id}"
    assert _comments(admin, app_id, record_id) == ["theirs"]
