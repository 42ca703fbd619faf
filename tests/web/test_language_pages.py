"""The pages of an app a Japanese user made: its system fields are named in Japanese, and the record
list, its query box and its errors work with those codes, in the reader's language."""

from __future__ import annotations

import re
import time

from tests.web.conftest import new_user, post_form, signed_in


def test_a_japanese_users_app_in_the_browser(server, admin):
    login = new_user(server, language="ja", timezone="Asia/Tokyo")
    with signed_in(server, login, "user-pw") as client:
        created = post_form(client, "/k/admin/app/new", name="見積")
        assert created.status_code == 303, created.text
        app = re.search(r"/k/admin/app/(\d+)/", created.headers["location"]).group(1)
        properties = admin.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["properties"]
        assert {"レコード番号", "作成者", "作成日時", "更新者", "更新日時"} <= set(properties)
        assert post_form(client, f"/k/admin/app/{app}/form", op="add", type="SINGLE_LINE_TEXT", label="件名",
                     code="件名").status_code == 303
        assert post_form(client, f"/k/admin/app/{app}/deploy").status_code == 303
        for _ in range(100):
            state = admin.get("/k/v1/preview/app/deploy.json", params={"apps[0]": app}).json()["apps"][0]["status"]
            if state != "PROCESSING":
                break
            time.sleep(0.05)
        assert state == "SUCCESS"
        ids = admin.post("/k/v1/records.json", json={"app": app, "records": [
            {"件名": {"value": f"件{n}"}} for n in range(3)]}).json()["ids"]

        listed = client.get(f"/k/{app}/", params={"query": "レコード番号 >= 2 order by レコード番号 desc"})
        assert listed.status_code == 200, listed.text
        # Each row links its record by the record number the app names レコード番号.
        assert re.findall(r'show\?record=(\d+)#record=\d+">(\d+)</a>', listed.text) == [
            (ids[2], ids[2]), (ids[1], ids[1])]
        unknown = client.get(f"/k/{app}/", params={"query": "Record_number > 0"})
        assert unknown.status_code == 400
        assert "指定されたフィールド（Record_number）が見つかりません。" in unknown.text and "GAIA_IQ11" in unknown.text
