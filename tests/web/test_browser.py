"""The web interface in a real Chromium (Debian's, driven by Playwright): signing in, the portal, a
record list with a query error, a comment's permalink, the page's kintone.api(), Japanese, the
keyboard. Every page passes axe-core with no serious or critical violation; each step leaves a
screenshot in tests/output/web/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD, deploy_and_wait, make_app
from tests.web.conftest import new_user

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).parents[1] / "output" / "web"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# The pages are the same on both databases (tests/web/test_pages.py runs on both): one is enough here.
pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists() or not AXE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("the browser tests need /usr/bin/chromium and axe-core (make test installs both)")
        pytest.skip("chromium or axe-core is not installed (make test installs both)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(chromium, server):
    # axe-core is injected as a script, which the pages' Content-Security-Policy would refuse.
    context = chromium.new_context(base_url=server.base_url, bypass_csp=True, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def check(page, name: str) -> None:
    """A screenshot of the page, and axe-core's verdict on it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert results["passes"], "axe-core checked nothing"
    violations = results["violations"]
    serious = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
               for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{name}: " + "\n".join(serious)


def sign_in(page, login: str = "Administrator", password: str = ADMIN_PASSWORD) -> None:
    page.goto("/k/")
    page.get_by_label("Login name").fill(login)
    page.get_by_label("Password").fill(password)
    page.keyboard.press("Enter")
    page.wait_for_url("**/k/")


@pytest.fixture(scope="module")
def orders(server) -> dict:
    with server.admin() as admin:
        app_id = make_app(admin, {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
                                  "qty": {"type": "NUMBER", "code": "qty", "label": "Quantity"}},
                          name="Browser orders")
        records = [{"title": {"value": f"order {n}"}} for n in range(1, 31)]
        assert admin.post("/k/v1/records.json", json={"app": app_id, "records": records}).status_code == 200
        record = "7"
        for number in range(1, 16):
            admin.post("/k/v1/record/comment.json",
                       json={"app": app_id, "record": record, "comment": {"text": f"note {number}"}})
    return {"app": app_id, "record": record}


def test_sign_in_portal_records_query_error_and_a_permalink(page, orders):
    page.goto("/k/")
    assert "/login?next=" in page.url
    check(page, "01-sign-in")
    page.get_by_label("Password").fill("wrong")
    page.get_by_label("Login name").fill("Administrator")
    page.keyboard.press("Enter")
    assert page.get_by_role("alert").inner_text() == "The login name or the password is not correct."
    check(page, "02-sign-in-failed")

    sign_in(page)
    assert page.get_by_role("heading", name="Portal").is_visible()
    check(page, "03-portal")

    page.get_by_role("link", name="Browser orders").click()
    page.wait_for_url(f"**/k/{orders['app']}/")
    assert page.locator("caption").inner_text() == "30 records"
    assert page.get_by_text("1 to 20 of 30").is_visible()
    check(page, "04-record-list")

    query = page.get_by_label("Query")
    query.fill('title = "unfinished')
    query.press("Enter")
    page.wait_for_url("**query=*")
    error = page.locator("#query-error")
    assert error.is_visible() and "CB_VA01" in error.inner_text()
    assert query.get_attribute("aria-invalid") == "true"
    check(page, "05-query-error")

    query = page.get_by_label("Query")
    query.fill('title like "order 2" order by $id asc')
    query.press("Enter")
    page.wait_for_selector("caption:has-text('11 records')")

    page.goto(f"/k/{orders['app']}/show#record={orders['record']}&comment=3")
    page.wait_for_url(re.compile(rf"\?record={orders['record']}&comment=3#record="))
    page.wait_for_function("document.activeElement && document.activeElement.id === 'comment-3'")
    assert "current" in page.locator("#comment-3").get_attribute("class")
    assert page.locator("#comment-3 .text").inner_text() == "note 3"
    check(page, "06-comment-permalink")

    page.get_by_role("button", name="Sign out").press("Enter")
    page.wait_for_url("**/login")


def test_the_page_calls_the_api_with_its_session_as_kintone_api_does(page, orders):
    sign_in(page)
    added = page.evaluate("""app => kintone.api('/k/v1/record.json', 'POST',
                               {app: app, record: {title: {value: 'from the browser'}}})""", orders["app"])
    assert added["id"]
    read = page.evaluate("""([app, id]) => kintone.api('/k/v1/record.json', 'GET', {app: app, id: id})""",
                         [orders["app"], added["id"]])
    assert read["record"]["title"]["value"] == "from the browser"
    status = page.evaluate("""app => fetch('/k/v1/record.json', {method: 'POST',
            headers: {'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest'},
            body: JSON.stringify({app: app, record: {}})}).then(r => r.status)""", orders["app"])
    assert status == 403  # no request token
    cookie = page.evaluate("document.cookie")
    assert "kinflow_session" not in cookie  # HttpOnly


def test_japanese_pages_for_a_user_whose_language_is_japanese(page, server, orders):
    login = new_user(server, language="ja", timezone="Asia/Tokyo")
    page.goto("/k/")
    page.get_by_label("Login name").fill(login)
    page.get_by_label("Password").fill("user-pw")
    page.keyboard.press("Enter")
    page.wait_for_url("**/k/")
    assert page.get_by_role("heading", name="ポータル").is_visible()
    assert page.locator("html").get_attribute("lang") == "ja"
    check(page, "07-portal-ja")
    page.goto(f"/k/{orders['app']}/show?record={orders['record']}")
    assert page.get_by_role("heading", name="コメント").is_visible()
    check(page, "08-record-ja")


def test_a_traditional_chinese_browser_and_a_simplified_chinese_user_read_their_chinese(chromium, server, orders):
    context = chromium.new_context(base_url=server.base_url, bypass_csp=True, locale="zh-TW")
    try:
        page = context.new_page()
        page.goto("/k/")
        assert page.locator("html").get_attribute("lang") == "zh-TW"
        page.get_by_label("登入名稱").fill(new_user(server, language="zh", timezone="Asia/Shanghai"))
        page.get_by_label("密碼").fill("user-pw")
        page.keyboard.press("Enter")
        page.wait_for_url("**/k/")
        # Signed in, the user's own language wins over the browser's.
        assert page.locator("html").get_attribute("lang") == "zh"
        assert page.get_by_role("heading", name="门户").is_visible()
        page.goto(f"/k/{orders['app']}/show?record={orders['record']}")
        assert page.get_by_role("heading", name="评论").is_visible()
        check(page, "08-record-zh")
    finally:
        context.close()


def test_keyboard_reaches_the_content_and_every_control(page, orders):
    sign_in(page)
    page.goto(f"/k/{orders['app']}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    reached = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert {"view", "query"} <= reached


def test_add_a_record_through_the_form_and_comment_on_it(page, orders):
    sign_in(page)
    page.goto(f"/k/{orders['app']}/")
    page.get_by_role("link", name="New record").click()
    page.wait_for_url(f"**/k/{orders['app']}/edit")
    check(page, "09-new-record")
    page.get_by_label("Title").fill("added in the browser")
    page.get_by_label("Quantity").fill("a dozen")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#error-qty")
    assert "Only numbers" in page.locator("#error-qty").inner_text()
    assert page.get_by_label("Quantity").get_attribute("aria-invalid") == "true"
    check(page, "10-new-record-refused")

    page.get_by_label("Quantity").fill("12")
    page.get_by_label("Title").press("Enter")
    page.wait_for_url(re.compile(r"/show\?record=\d+#record=\d+$"))
    assert page.get_by_text("added in the browser").is_visible()

    page.get_by_label("Your comment").fill("a comment from the page")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"comment=1#record=\d+&comment=1$"))
    page.wait_for_function("document.activeElement && document.activeElement.id === 'comment-1'")
    assert page.locator("#comment-1 .text").inner_text() == "a comment from the page"
    check(page, "11-comment-posted")


def test_a_mention_changes_the_other_users_count_live(chromium, server, orders):
    login = new_user(server, name="Live Listener")
    contexts = [chromium.new_context(base_url=server.base_url, bypass_csp=True) for _ in range(2)]
    try:
        writer, reader = (context.new_page() for context in contexts)
        sign_in(reader, login, "user-pw")
        badge = reader.locator("header [data-unread]")
        reader.wait_for_function("document.documentElement.getAttribute('data-unread-count') === '0'")
        before = reader.locator("#unread-count").inner_text()

        sign_in(writer)
        writer.goto(f"/k/{orders['app']}/show?record={orders['record']}")
        box = writer.get_by_label("Your comment")
        box.click()
        box.press_sequentially("please check @Live", delay=20)
        writer.wait_for_selector("#mention-list li[aria-selected='true']")
        assert "Live Listener" in writer.locator("#mention-list").inner_text()
        check(writer, "12-mention-completion")
        box.press("Enter")  # takes the highlighted suggestion
        assert f"@{login} " in box.input_value()
        writer.get_by_role("button", name="Post comment").click()
        writer.wait_for_url(re.compile(r"comment=\d+#record="))

        reader.wait_for_function(
            f"document.getElementById('unread-count').textContent === '{int(before) + 1}'", timeout=10_000)
        assert badge.inner_text() == str(int(before) + 1)
        check(reader, "13-count-changed-live")
        reader.get_by_role("link", name=re.compile("^Notifications")).first.click()
        reader.wait_for_url("**/k/notifications")
        reader.get_by_role("link", name="order 7").first.click()
        reader.wait_for_url(re.compile(r"comment=\d+#record="))
        assert reader.locator(".comment.current .text").inner_text().endswith("please check")
        check(reader, "14-notification-permalink")
    finally:
        for context in contexts:
            context.close()


def test_switch_the_language_in_personal_settings(page, server):
    login = new_user(server)
    sign_in(page, login, "user-pw")
    page.get_by_role("link", name="Personal settings").click()
    page.wait_for_url("**/k/personal")
    check(page, "15-personal-settings")
    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/k/personal?saved=1")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("heading", name="個人設定").is_visible()
    assert page.get_by_role("status").inner_text() == "設定を保存しました。"
    check(page, "16-personal-settings-ja")


def test_move_a_record_through_its_process_statuses(page, server):
    states = {name: {"name": name, "index": str(index), "assignee": {"type": "ONE", "entities": [
        {"entity": {"type": "CREATOR", "code": None}, "includeSubs": False}]}}
        for index, name in enumerate(("Open", "Doing", "Done"))}
    actions = [{"name": "Start", "from": "Open", "to": "Doing", "filterCond": "", "type": "PRIMARY"},
               {"name": "Finish", "from": "Doing", "to": "Done", "filterCond": "", "type": "PRIMARY"}]
    with server.admin() as admin:
        app_id = make_app(admin, {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}},
                          name="Browser process")
        assert admin.put("/k/v1/preview/app/status.json", json={"app": app_id, "enable": True, "states": states,
                                                                "actions": actions}).status_code == 200
        assert deploy_and_wait(admin, app_id) == "SUCCESS"
        record_id = admin.post("/k/v1/record.json", json={"app": app_id, "record": {}}).json()["id"]
    sign_in(page)
    page.goto(f"/k/{app_id}/show#record={record_id}")
    page.wait_for_selector("#record-status")
    assert page.locator("#record-status").inner_text() == "Open"
    check(page, "17-process-open")
    for action, status in (("Start", "Doing"), ("Finish", "Done")):
        page.get_by_role("button", name=action).click()
        page.wait_for_function(f"document.getElementById('record-status').textContent === '{status}'")
    assert page.get_by_text("There is no action you can take on this record now.").is_visible()
    check(page, "18-process-done")


def test_build_an_app_with_the_form_builder_and_add_a_record(page):
    sign_in(page)
    page.get_by_label("New app's name").fill("Built with the builder")
    page.get_by_role("button", name="Create app").click()
    page.wait_for_url(re.compile(r"/k/admin/app/\d+/form$"))
    app_id = re.search(r"/k/admin/app/(\d+)/form", page.url).group(1)
    check(page, "19-form-builder-empty")
    for kind, label, code, options in (("SINGLE_LINE_TEXT", "Title", "title", ""),
                                       ("DROP_DOWN", "Colour", "colour", "Red\nGreen")):
        page.get_by_label("Type").select_option(kind)
        page.get_by_label("Label", exact=True).fill(label)
        page.get_by_label("Field code").fill(code)
        page.get_by_label(re.compile(r"^Options, one a line \(radio")).fill(options)
        page.get_by_role("button", name="Add field").click()
        page.wait_for_selector(f"#field-{code}")
    check(page, "20-form-builder-two-fields")
    page.get_by_role("button", name="Update app").click()
    page.wait_for_selector("#deploy-status:has-text('The last update succeeded.')")

    page.goto(f"/k/{app_id}/edit")
    page.get_by_label("Title").fill("made by the builder's form")
    page.get_by_label("Colour").select_option("Green")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/show\?record=1#record=1$"))
    assert page.get_by_text("made by the builder's form").is_visible()
    assert page.locator("dd", has_text="Green").is_visible()


def test_administration_pages_pass_axe(page, orders):
    sign_in(page)
    page.get_by_role("link", name="Users").click()
    page.wait_for_url("**/k/admin/users")
    page.get_by_text("Change").first.click()  # a user's form, opened
    check(page, "21-users")
    page.get_by_role("link", name="Departments").click()
    page.wait_for_url("**/k/admin/departments")
    check(page, "21-departments")
    page.get_by_role("link", name="Groups").click()
    page.wait_for_url("**/k/admin/groups")
    check(page, "21-groups")
    page.get_by_role("link", name="Spaces").click()
    page.wait_for_url("**/k/admin/spaces")
    check(page, "21-spaces")
    page.goto("/k/notifications?unread=false")
    check(page, "22-inbox")
    page.goto(f"/k/admin/app/{orders['app']}/form")
    check(page, "23-form-builder")
    page.get_by_role("link", name="Views").click()
    page.wait_for_url(f"**/k/admin/app/{orders['app']}/views")
    check(page, "24-views")
    page.get_by_role("link", name="Permissions").click()
    page.wait_for_url(f"**/k/admin/app/{orders['app']}/acl")
    check(page, "24-permissions")
    page.get_by_role("link", name="Process management").click()
    page.wait_for_url(f"**/k/admin/app/{orders['app']}/process")
    check(page, "24-process-settings")
    page.get_by_role("link", name="Notifications", exact=True).last.click()
    page.wait_for_url(f"**/k/admin/app/{orders['app']}/notifications")
    check(page, "24-notification-settings")
    page.get_by_role("link", name="Webhooks").click()
    page.wait_for_url(f"**/k/admin/app/{orders['app']}/webhooks")
    check(page, "25-webhooks")
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_url(f"**/k/admin/app/{orders['app']}/tokens")
    check(page, "26-api-tokens")


def test_attach_a_file_in_the_form_and_download_it_from_the_record_page(page, server):
    with server.admin() as admin:
        app_id = make_app(admin, {"docs": {"type": "FILE", "code": "docs", "label": "Documents"}}, name="Browser files")
    sign_in(page)
    page.goto(f"/k/{app_id}/edit")
    page.get_by_label("Documents").set_input_files({"name": "notes.txt", "mimeType": "text/plain",
                                                     "buffer": b"written in the browser"})
    check(page, "27-file-form")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/show\?record=\d+#record=\d+$"))
    with page.expect_download() as started:
        page.get_by_role("link", name="notes.txt").click()
    download = started.value
    assert download.suggested_filename == "notes.txt"
    assert Path(download.path()).read_bytes() == b"written in the browser"
