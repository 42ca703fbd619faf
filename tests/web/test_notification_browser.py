"""Per-record notifications set in a real Chromium: a rule typed with a broken condition shows its
message beside the field, the corrected rule is saved, and a subtable row's file is attached in the
record form. Every page passes axe-core; each step leaves a screenshot in tests/output/web/."""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_app
from tests.web.conftest import new_user
from tests.web.test_browser import check, chromium, page, sign_in  # noqa: F401 - fixtures

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

FIELDS = {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
          "amount": {"type": "NUMBER", "code": "amount", "label": "Amount"},
          "items": {"type": "SUBTABLE", "code": "items", "label": "Items", "fields": {
              "item": {"type": "SINGLE_LINE_TEXT", "code": "item", "label": "Item"},
              "scan": {"type": "FILE", "code": "scan", "label": "Scan"}}}}


def test_set_a_per_record_notification_with_its_message_beside_the_field(page, server):  # noqa: F811
    listener = new_user(server)
    with server.admin() as admin:
        app_id = make_app(admin, FIELDS, name="Browser notices")
    sign_in(page)
    page.goto(f"/k/admin/app/{app_id}/notifications")
    page.get_by_role("link", name="Per record").click()
    page.wait_for_url(f"**/k/admin/app/{app_id}/notifications/perRecord")
    check(page, "40-per-record-empty")

    rule = page.get_by_role("group", name="Add a notification")
    rule.get_by_label("Condition").fill("amountt > 100")
    rule.get_by_label("Title").fill("Big amount")
    rule.get_by_label("Recipients").fill(f"USER:{listener}")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("alert").is_visible()
    condition = page.get_by_role("group", name="Notification 1").get_by_label("Condition")
    assert condition.get_attribute("aria-invalid") == "true"
    described = page.locator(f"#{condition.get_attribute('aria-describedby').split()[-1]}")
    assert "amountt" in described.inner_text()
    check(page, "41-per-record-refused")

    condition.fill("amount > 100")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/perRecord?saved=1")
    assert page.get_by_role("status").is_visible()
    assert page.get_by_role("group", name="Notification 1").get_by_label("Recipients").input_value() == f"USER:{listener}"
    check(page, "42-per-record-saved")
    with server.admin() as admin:
        saved = admin.get("/k/v1/preview/app/notifications/perRecord.json", params={"app": app_id}).json()
    assert [(n["filterCond"], n["title"]) for n in saved["notifications"]] == [("amount > 100", "Big amount")]


def test_attach_a_file_to_a_subtable_row_in_the_form(page, server):  # noqa: F811
    with server.admin() as admin:
        app_id = make_app(admin, FIELDS, name="Browser table files")
    sign_in(page)
    page.goto(f"/k/{app_id}/edit")
    page.get_by_label("Item, row 1").fill("receipt")
    page.get_by_label("Scan, row 1").set_input_files({"name": "receipt.txt", "mimeType": "text/plain",
                                                       "buffer": b"paid"})
    check(page, "43-subtable-file-form")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/show\?record=\d+#record=\d+$"))
    with page.expect_download() as started:
        page.get_by_role("link", name="receipt.txt").click()
    assert started.value.suggested_filename == "receipt.txt"
    check(page, "44-subtable-file-record")
