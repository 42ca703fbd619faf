"""The portal, record list and record page over HTTP: what they show, in whose language and time zone."""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_app
from tests.web.conftest import new_user, signed_in

FIELDS = {
    "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
    "n": {"type": "NUMBER", "code": "n", "label": "Amount"},
    "body": {"type": "RICH_TEXT", "code": "body", "label": "Body"},
    "when": {"type": "DATETIME", "code": "when", "label": "When"},
    "items": {"type": "SUBTABLE", "code": "items", "label": "Items", "fields": {
        "item": {"type": "SINGLE_LINE_TEXT", "code": "item", "label": "Item"},
        "qty": {"type": "NUMBER", "code": "qty", "label": "Quantity"}}},
}
VIEWS = {"Big ones": {"type": "LIST", "index": 0, "fields": ["n", "title"], "filterCond": "n > 5", "sort": "n desc"}}


@pytest.fixture(scope="module")
def world(server):
    """An app of 45 records (n = 1..45), a view, a record with rich text, a subtable and 23 comments."""
    with server.admin() as admin:
        app_id = make_app(admin, FIELDS, name="Orders")
        assert admin.put("/k/v1/preview/app/views.json", json={"app": app_id, "views": VIEWS}).status_code == 200
        assert admin.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": app_id}]}).status_code == 200
        records = [{"title": {"value": f"order {n}"}, "n": {"value": str(n)}} for n in range(1, 45)]
        assert admin.post("/k/v1/records.json", json={"app": app_id, "records": records}).status_code == 200
        rich = admin.post("/k/v1/record.json", json={"app": app_id, "record": {
            "title": {"value": "rich <one>"}, "n": {"value": "45"},
            "body": {"value": '<p onclick="steal()">Hello <b>bold</b><script>alert(1)</script>'
                              '<a href="javascript:alert(2)">x</a></p>'},
            "when": {"value": "2026-01-02T03:04:00Z"},
            "items": {"value": [{"value": {"item": {"value": "pens"}, "qty": {"value": "3"}}}]}}})
        assert rich.status_code == 200, rich.text
        record_id = rich.json()["id"]
        for number in range(1, 24):
            posted = admin.post("/k/v1/record/comment.json", json={
                "app": app_id, "record": record_id, "comment": {"text": f"comment number {number}"}})
            assert posted.status_code == 200, posted.text
    for _ in range(100):  # the deploy of the views
        with server.admin() as admin:
            views = admin.get("/k/v1/app/views.json", params={"app": app_id}).json()["views"]
        if views:
            break
    return {"app": app_id, "record": record_id}


def _main(html: str) -> str:
    return html[html.index("<main"):]


def test_record_list_pages_through_every_record_with_the_total(server, world):
    with signed_in(server) as client:
        first = client.get(f"/k/{world['app']}/")
        second = client.get(f"/k/{world['app']}/", params={"query": "", "offset": "40"})
    assert first.status_code == 200
    assert "45 records" in first.text and "1 to 20 of 45" in first.text
    assert len(re.findall(r'href="/k/\d+/show\?record=', _main(first.text))) == 20
    assert "41 to 45 of 45" in second.text and 'rel="prev"' in second.text and 'rel="next"' not in second.text
    assert len(re.findall(r'href="/k/\d+/show\?record=', _main(second.text))) == 5


def test_a_view_gives_its_columns_filter_and_sort(server, world):
    with signed_in(server) as client:
        views = client.get(f"/k/{world['app']}/").text
        view_id = re.search(r'<option value="(\d+)"[^>]*>Big ones</option>', views).group(1)
        listed = client.get(f"/k/{world['app']}/", params={"view": view_id}).text
    assert "40 records" in listed  # n > 5
    header = re.search(r"<thead>(.*?)</thead>", listed, re.S).group(1)
    assert re.findall(r'<th scope="col">([^<]+)</th>', header) == ["Record", "Amount", "Title"]
    assert 'value="n &gt; 5 order by n desc"' in listed
    cells = re.findall(r"<td>(order \d+|rich &lt;one&gt;)</td>", listed)
    assert cells[:2] == ["rich &lt;one&gt;", "order 44"]


def test_query_errors_are_shown_beside_the_box(server, world):
    with signed_in(server) as client:
        syntax = client.get(f"/k/{world['app']}/", params={"query": 'title = "open'})
        unknown = client.get(f"/k/{world['app']}/", params={"query": "nope = 1"})
        fine = client.get(f"/k/{world['app']}/", params={"query": 'title like "order 1" order by n asc'})
    assert syntax.status_code == 400 and 'id="query-error"' in syntax.text and "CB_VA01" in syntax.text
    assert 'aria-describedby="query-help query-error"' in syntax.text
    assert unknown.status_code == 400 and "GAIA_IQ11" in unknown.text
    assert fine.status_code == 200 and "11 records" in fine.text  # 1, 10..19


def test_record_page_shows_every_field_with_rich_text_made_safe(server, world):
    login = new_user(server, timezone="Asia/Tokyo", language="ja")
    with signed_in(server, login, "user-pw") as client:
        page = client.get(f"/k/{world['app']}/show", params={"record": world["record"]})
    assert page.status_code == 200 and '<html lang="ja">' in page.text
    main = _main(page.text)
    assert "<b>bold</b>" in main and "<script>alert(1)" not in main
    assert "onclick" not in main and "javascript:" not in main
    assert "rich &lt;one&gt;" in main
    assert "2026/01/02 12:04:00" in main  # 03:04 UTC in Tokyo
    assert re.search(r"<td>pens</td><td>3</td>", main)
    assert "comment number 23" in main and "comment number 14" in main and "comment number 13" not in main


@pytest.mark.parametrize(("language", "zone", "moment", "fields", "comments"), [
    ("zh", "Asia/Shanghai", "2026年1月2日 11:04:00", "字段", "评论"),
    ("zh-TW", "Asia/Taipei", "2026年1月2日 上午11:04:00", "欄位", "評論"),
])
def test_record_page_speaks_chinese_with_its_dates(server, world, language, zone, moment, fields, comments):
    login = new_user(server, timezone=zone, language=language)
    with signed_in(server, login, "user-pw") as client:
        page = client.get(f"/k/{world['app']}/show", params={"record": world["record"]})
    assert page.status_code == 200 and f'<html lang="{language}">' in page.text
    main = _main(page.text)
    assert moment in main  # 03:04 UTC, eight hours later
    assert f">{fields}<" in main and f">{comments}<" in main


def test_a_comment_permalink_loads_as_far_back_as_its_comment(server, world):
    with signed_in(server) as client:
        page = client.get(f"/k/{world['app']}/show", params={"record": world["record"], "comment": "5"})
    main = _main(page.text)
    assert 'id="comment-5" class="comment current"' in main
    assert "comment number 4<" in main and "comment number 3<" not in main  # 10 a call: 23..14, 13..4


def test_the_fragment_page_carries_the_permalink_script(server, world):
    with signed_in(server) as client:
        shell = client.get(f"/k/{world['app']}/show")
        script = client.get("/static/record.js")
    assert shell.status_code == 200 and '<script src="/static/record.js" defer></script>' in shell.text
    assert script.status_code == 200 and "location.replace" in script.text


def test_pages_of_an_app_the_user_may_not_see_are_refused(server, world):
    with server.admin() as admin:
        app_id = make_app(admin, FIELDS, name="Secret")
        admin.put("/k/v1/preview/app/acl.json", json={"app": app_id, "rights": [
            {"entity": {"type": "CREATOR", "code": None}, "appEditable": True, "recordViewable": True}]})
        admin.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": app_id}]})
    login = new_user(server)
    with signed_in(server, login, "user-pw") as client:
        for _ in range(100):
            listed = client.get(f"/k/{app_id}/")
            if listed.status_code == 403:
                break
        portal = client.get("/k/")
        missing = client.get("/k/999999/")
    assert listed.status_code == 403 and "CB_NO02" in listed.text
    assert "Secret" not in _main(portal.text)
    assert missing.status_code == 404 and "GAIA_AP01" in missing.text


def test_personal_settings_switch_the_language_and_time_zone(server):
    login = new_user(server)
    with signed_in(server, login, "user-pw", **{"Accept-Language": "en-US"}) as client:
        form = client.get("/k/personal")
        assert form.status_code == 200 and '<option value="auto" selected>' in form.text
        token = re.search(r'name="__REQUEST_TOKEN__" value="([^"]+)"', form.text).group(1)
        saved = client.post("/k/personal", data={"__REQUEST_TOKEN__": token, "language": "ja",
                                                 "timezone": "Asia/Tokyo"})
        assert saved.status_code == 303 and saved.headers["location"] == "/k/personal?saved=1"
        again = client.get("/k/personal?saved=1")
        bad = client.post("/k/personal", data={"__REQUEST_TOKEN__": token, "language": "klingon"})
    assert '<html lang="ja">' in again.text and "設定を保存しました。" in again.text
    assert "<option selected>Asia/Tokyo</option>" in again.text
    assert bad.status_code == 400 and "CB_VA01" in bad.text


def test_an_address_without_a_page_answers_with_a_page(server):
    with server.client(headers={"Accept-Language": "ja"}) as client:
        missing = client.get("/k/no/such/page")
        api = client.get("/kinflow/nothing-here")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "このアドレスのページはありません。" in missing.text and "GAIA_NF01" in missing.text
    assert api.status_code == 404 and api.headers["content-type"].startswith("text/plain")


def test_which_addresses_are_pages():
    from kinflow.web.errors import is_page

    assert all(is_page(p) for p in ("/", "/k/", "/k/1/show", "/k/guest/3/1/", "/login", "/other"))
    assert not any(is_page(p) for p in ("/k/v1/record.json", "/k/guest/3/v1/records.json", "/kinflow/v1/users.json",
                                       "/kaizala/v1/groups", "/metrics", "/static/kinflow.css"))


@pytest.mark.parametrize("number", ["²", "٣", "-1", "1e3", "9" * 40])
def test_numbers_in_page_addresses_that_are_not_plain_digits_answer_a_page(server, world, number):
    """`str.isdigit()` takes "²", which `int()` refuses: such a number is read as none, never as a 500."""
    app = world["app"]
    with signed_in(server) as client:
        for path, params in [(f"/k/{app}/", {"offset": number}), (f"/k/{app}/show", {"record": number}),
                             (f"/k/{app}/show", {"record": world["record"], "comment": number}),
                             ("/k/notifications", {"offset": number}), ("/k/admin/users", {"offset": number}),
                             ("/k/admin/departments", {"offset": number}),
                             (f"/k/admin/app/{app}/webhooks", {"log": number})]:
            response = client.get(path, params=params)
            assert response.status_code < 500, (path, params, response.text[:300])
            assert response.headers["content-type"].startswith("text/html"), (path, params)
