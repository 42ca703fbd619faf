"""Building an app in the browser: create it, add, change, reorder and delete fields, update it (deploy)
and read why a deploy failed. Every step is the settings API's own."""

from __future__ import annotations

import re
import time

from tests.web.conftest import post_form, signed_in


def _codes(page: str) -> list[str]:
    return re.findall(r'<tr id="field-([^"]+)">', page)


def _deployed(client, app_id: str) -> str:
    for _ in range(100):
        page = client.get(f"/k/admin/app/{app_id}/form").text
        status = re.search(r'<p id="deploy-status">\s*(.*?)</p>', page, re.S).group(1)
        if "being updated" not in status:
            return " ".join(status.split())
        time.sleep(0.05)
    raise AssertionError("the deploy did not finish")


def test_build_an_app_and_use_its_form(server):
    with signed_in(server) as client:
        created = post_form(client, "/k/admin/app/new", name="Built in the browser")
        assert created.status_code == 303, created.text
        app_id = re.search(r"/k/admin/app/(\d+)/form", created.headers["location"]).group(1)
        builder = f"/k/admin/app/{app_id}/form"
        assert post_form(client, builder, op="add", type="SINGLE_LINE_TEXT", label="Name", code="name",
                     required="true").status_code == 303
        assert post_form(client, builder, op="add", type="DROP_DOWN", label="Size", code="size",
                     options="Small\nLarge\n").status_code == 303
        assert post_form(client, builder, op="add", type="NUMBER", label="Count", code="count").status_code == 303
        refused = post_form(client, builder, op="add", type="NUMBER", label="Bad", code="has space")
        assert refused.status_code == 400 and 'id="builder-problem"' in refused.text
        assert 'value="has space"' in refused.text  # what was typed stays
        assert _codes(client.get(builder).text) == ["name", "size", "count"]
        assert post_form(client, builder, op="up", code="count").status_code == 303
        assert post_form(client, builder, op="update", code="size", label="Box size", options="S\nM\nL").status_code == 303
        assert post_form(client, builder, op="delete", code="name").status_code == 303
        page = client.get(builder).text
        assert _codes(page) == ["count", "size"] and "Box size" in page
        assert post_form(client, f"/k/admin/app/{app_id}/deploy").status_code == 303
        assert _deployed(client, app_id) == "The last update succeeded."
        form = client.get(f"/k/{app_id}/edit").text
        assert form.index('<label for="count">') < form.index('<label for="size">Box size')
        assert re.findall(r"<option>([SML])</option>", form) == ["S", "M", "L"]


def test_a_failed_deploy_says_why(server, admin):
    with signed_in(server) as client:
        app_id = re.search(r"/k/admin/app/(\d+)/form", post_form(client, "/k/admin/app/new", name="Dupes")
                           .headers["location"]).group(1)
        post_form(client, f"/k/admin/app/{app_id}/form", op="add", type="SINGLE_LINE_TEXT", label="Key", code="key")
        post_form(client, f"/k/admin/app/{app_id}/deploy")
        assert _deployed(client, app_id) == "The last update succeeded."
        for _ in range(2):
            admin.post("/k/v1/record.json", json={"app": app_id, "record": {"key": {"value": "same"}}})
        # Unique is set through the API (the builder does not offer it yet); the builder deploys.
        assert admin.put("/k/v1/preview/app/form/fields.json", json={
            "app": app_id, "properties": {"key": {"unique": True}}}).status_code == 200
        post_form(client, f"/k/admin/app/{app_id}/deploy")
        status = _deployed(client, app_id)
    assert "The last update failed:</strong>" in status and "existing records violate" in status


def test_settings_pages_need_app_management(server, admin):
    from tests.web.conftest import new_user

    login = new_user(server)
    with signed_in(server, login, "user-pw") as client:
        assert client.get("/k/admin/app/1/form").status_code == 403
        assert post_form(client, "/k/admin/app/1/deploy").status_code == 403


def test_views_made_in_the_browser_shape_the_record_list(server, admin):
    from tests.conftest import make_app

    app_id = make_app(admin, {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
                              "n": {"type": "NUMBER", "code": "n", "label": "N"}}, name="Viewed")
    admin.post("/k/v1/records.json", json={"app": app_id, "records": [
        {"title": {"value": f"r{n}"}, "n": {"value": str(n)}} for n in range(1, 8)]})
    views = f"/k/admin/app/{app_id}/views"
    with signed_in(server) as client:
        bad = post_form(client, views, op="save", name="Broken", filterCond='n > "', columns="n")
        assert bad.status_code == 400 and 'id="views-problem"' in bad.text
        assert post_form(client, views, op="save", name="Big", filterCond="n >= 5", sort="n desc",
                     columns=["n", "title"]).status_code == 303
        assert post_form(client, views, op="save", name="Doomed").status_code == 303
        assert post_form(client, views, op="delete", original="Doomed").status_code == 303
        page = client.get(views).text
        assert "<td>Big</td>" in page and "Doomed" not in page
        post_form(client, f"/k/admin/app/{app_id}/deploy")
        assert _deployed(client, app_id) == "The last update succeeded."
        listing = client.get(f"/k/{app_id}/").text
        view_id = re.search(r'<option value="(\d+)"[^>]*>Big</option>', listing).group(1)
        shown = client.get(f"/k/{app_id}/", params={"view": view_id}).text
    assert "3 records" in shown  # 5, 6, 7
    header = re.search(r"<thead>(.*?)</thead>", shown, re.S).group(1)
    assert re.findall(r'<th scope="col">([^<]+)</th>', header) == ["Record", "N", "Title"]
