"""Adding and editing records and posting comments from the pages: the record API's own rules answer,
beside the fields they name."""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_app
from tests.web.conftest import new_user, request_token, signed_in

FIELDS = {
    "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title", "required": True},
    "n": {"type": "NUMBER", "code": "n", "label": "Amount"},
    "stage": {"type": "DROP_DOWN", "code": "stage", "label": "Stage", "options": {
        "Open": {"label": "Open", "index": "0"}, "Done": {"label": "Done", "index": "1"}}},
    "tags": {"type": "CHECK_BOX", "code": "tags", "label": "Tags", "options": {
        "red": {"label": "red", "index": "0"}, "blue": {"label": "blue", "index": "1"}}},
    "when": {"type": "DATETIME", "code": "when", "label": "When"},
    "owner": {"type": "USER_SELECT", "code": "owner", "label": "Owner"},
    "items": {"type": "SUBTABLE", "code": "items", "label": "Items", "fields": {
        "item": {"type": "SINGLE_LINE_TEXT", "code": "item", "label": "Item"},
        "qty": {"type": "NUMBER", "code": "qty", "label": "Quantity"}}},
}


@pytest.fixture(scope="module")
def app_id(server):
    with server.admin() as admin:
        return make_app(admin, FIELDS, name="Form app")


def _form(client, path: str, **fields: object) -> dict:
    token = request_token(client)
    return {"__REQUEST_TOKEN__": token, **fields}


def test_add_form_offers_a_labelled_input_for_every_field(server, app_id):
    with signed_in(server) as client:
        page = client.get(f"/k/{app_id}/edit")
    assert page.status_code == 200
    for code in ("title", "n", "stage", "when", "owner"):
        assert f'<label for="{code}">' in page.text and f'id="{code}"' in page.text
    assert re.search(r"<legend>Tags", page.text) and 'type="datetime-local"' in page.text
    assert '<label class="sr" for="items.0.item">Item, row 1</label>' in page.text


def test_a_record_added_through_the_form_is_the_apis_record(server, app_id):
    login = new_user(server, timezone="Asia/Tokyo")
    with signed_in(server, login, "user-pw") as client:
        body = _form(client, app_id, title="from the form", n="12.5", stage="Done", tags=["red", "blue"],
                     when="2026-03-01T09:30", owner=login, **{"items.rows": "2", "items.0.item": "pens",
                                                              "items.0.qty": "3", "items.1.item": "", "items.1.qty": ""})
        saved = client.post(f"/k/{app_id}/edit", data=body, headers={"Origin": server.base_url})
    assert saved.status_code == 303, saved.text
    record_id = re.search(r"record=(\d+)#record=\1$", saved.headers["location"]).group(1)
    with server.admin() as admin:
        record = admin.get("/k/v1/record.json", params={"app": app_id, "id": record_id}).json()["record"]
    assert record["title"]["value"] == "from the form" and record["n"]["value"] == "12.5"
    assert record["stage"]["value"] == "Done" and sorted(record["tags"]["value"]) == ["blue", "red"]
    assert record["when"]["value"] == "2026-03-01T00:30:00Z"  # 09:30 in Tokyo
    assert [u["code"] for u in record["owner"]["value"]] == [login]
    assert [row["value"]["item"]["value"] for row in record["items"]["value"]] == ["pens"]  # the blank row left out
    assert record["Created_by"]["value"]["code"] == login


def test_validation_messages_stand_beside_their_fields(server, app_id):
    with signed_in(server) as client:
        refused = client.post(f"/k/{app_id}/edit", data=_form(client, app_id, title="", n="many"))
    assert refused.status_code == 400
    assert re.search(r'id="title"[^>]*aria-describedby="error-title"[^>]*aria-invalid="true"', refused.text)
    assert re.search(r'<ul class="errors field-errors" id="error-title"><li>Required', refused.text)
    assert re.search(r'id="error-n"><li>Only numbers', refused.text)
    assert 'value="many"' in refused.text  # what was typed stays


def test_editing_keeps_the_revision_and_explains_a_conflict(server, app_id):
    with server.admin() as admin:
        added = admin.post("/k/v1/record.json", json={"app": app_id, "record": {"title": {"value": "v1"}}}).json()
    with signed_in(server) as client:
        form = client.get(f"/k/{app_id}/edit", params={"record": added["id"]})
        assert 'name="revision" value="1"' in form.text and 'value="v1"' in form.text
        with server.admin() as admin:  # someone else saves first
            admin.put("/k/v1/record.json", json={"app": app_id, "id": added["id"], "record": {"title": {"value": "v2"}}})
        late = client.post(f"/k/{app_id}/edit", data=_form(client, app_id, record=added["id"], revision="1", title="v3"))
        fresh = client.post(f"/k/{app_id}/edit", data=_form(client, app_id, record=added["id"], revision="2", title="v3"))
    assert late.status_code == 409 and "Someone else changed this record" in late.text
    assert fresh.status_code == 303


def test_a_comment_posted_from_the_page_lands_at_its_permalink(server, app_id):
    with server.admin() as admin:
        record_id = admin.post("/k/v1/record.json", json={"app": app_id, "record": {"title": {"value": "c"}}}).json()["id"]
    with signed_in(server) as client:
        posted = client.post(f"/k/{app_id}/comment", data=_form(client, app_id, record=record_id, text="first <b>"))
        empty = client.post(f"/k/{app_id}/comment", data=_form(client, app_id, record=record_id, text=""))
        shown = client.get(posted.headers["location"])
    assert posted.status_code == 303
    assert posted.headers["location"].endswith(f"?record={record_id}&comment=1#record={record_id}&comment=1")
    assert 'id="comment-1" class="comment current"' in shown.text and "first &lt;b&gt;" in shown.text
    assert empty.status_code == 400 and 'id="comment-errors"' in empty.text


def test_form_posts_need_the_request_token_and_our_origin(server, app_id):
    with signed_in(server) as client:
        token = request_token(client)
        without = client.post(f"/k/{app_id}/edit", data={"title": "x"})
        foreign = client.post(f"/k/{app_id}/comment", data={"__REQUEST_TOKEN__": token, "record": "1", "text": "x"},
                              headers={"Origin": "https://evil.example"})
    assert without.status_code == 403 and foreign.status_code == 403
    with server.client() as anonymous:
        assert anonymous.post(f"/k/{app_id}/edit", data={"title": "x"}).headers["location"].startswith("/login")
