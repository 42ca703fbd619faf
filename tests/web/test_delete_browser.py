"""Deleting in a real Chromium: one's own comment from the record page, then the record after its
confirmation page, by the keyboard. Every page passes axe-core; each step leaves a screenshot in
tests/output/web/."""

from __future__ import annotations

import pytest

from tests.conftest import make_app
from tests.web.test_browser import check, chromium, page, sign_in  # noqa: F401 - fixtures

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


def test_delete_a_comment_then_the_record_after_confirming(page, server):  # noqa: F811
    with server.admin() as admin:
        app_id = make_app(admin, {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}},
                          name="Browser deletions")
        record_id = admin.post("/k/v1/record.json", json={"app": app_id, "record": {"title": {"value": "gone soon"}}}).json()["id"]
    sign_in(page)
    page.goto(f"/k/{app_id}/show#record={record_id}")
    page.get_by_label("Your comment").fill("a second thought")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(f"**comment=1")
    page.get_by_role("button", name="Delete comment 1").click()
    page.wait_for_url(f"**/show?record={record_id}#record={record_id}")
    assert page.get_by_text("No comments yet.").is_visible()
    check(page, "45-comment-deleted")

    page.get_by_role("link", name="Delete", exact=True).click()
    page.wait_for_url(f"**/delete?record={record_id}")
    assert page.get_by_text(f"Delete record {record_id} of Browser deletions?").is_visible()
    check(page, "46-delete-confirmation")
    page.get_by_role("button", name="Delete").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/k/{app_id}/?deleted={record_id}")
    assert page.get_by_role("status").inner_text() == f"Record {record_id} was deleted."
    check(page, "47-record-deleted")
    with server.admin() as admin:
        assert admin.get("/k/v1/record.json", params={"app": app_id, "id": record_id}).status_code == 404
