"""kintone's language: errors and validation messages in the caller's language (their setting, else
`Accept-Language`, else KINFLOW_LANGUAGE), with the codes, statuses and `errors` keys unchanged."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import deploy_and_wait, make_app, password_header, server_with

PASSWORD = "pw-language-1"


def new_user(admin, language: str) -> dict[str, str]:
    code = f"lang-{language}-{uuid.uuid4().hex[:6]}"
    created = admin.post("/kinflow/v1/users.json", json={"code": code, "password": PASSWORD, "language": language})
    assert created.status_code == 200, created.text
    return password_header(code, PASSWORD)


@pytest.fixture(scope="module")
def app(server):
    with server.admin() as admin:
        return make_app(admin, {
            "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title", "required": True,
                      "maxLength": "5"},
            "qty": {"type": "NUMBER", "code": "qty", "label": "Qty", "maxValue": "100"},
            "level": {"type": "DROP_DOWN", "code": "level", "label": "Level",
                      "options": {"A": {"label": "A", "index": "0"}}},
        })


def _bad_record(client, app):
    return client.post("/k/v1/record.json", json={"app": app, "record": {
        "title": {"value": "too long"}, "qty": {"value": "500"}, "level": {"value": "Z"}}})


def test_a_japanese_user_reads_kintones_japanese_messages_with_the_same_codes(server, admin, app):
    english = _bad_record(admin, app)
    with server.client(new_user(admin, "ja")) as japanese_user:
        japanese = _bad_record(japanese_user, app)
        assert (japanese.status_code, japanese.json()["code"]) == (english.status_code, english.json()["code"]) \
            == (400, "CB_VA01")
        assert japanese.json()["message"] == "入力内容が正しくありません。"
        assert english.json()["message"] == "Missing or invalid input."
        assert japanese.json()["errors"] == {
            "record.title.value": {"messages": ["6文字より短くなければなりません。"]},
            "record.qty.value": {"messages": ["100以下である必要があります。"]},
            "record.level.value": {"messages": ['"Z"は選択肢にありません。']},
        }
        assert english.json()["errors"].keys() == japanese.json()["errors"].keys()

        missing = japanese_user.post("/k/v1/record.json", json={"app": app, "record": {}})
        assert missing.json()["errors"] == {"record.title.value": {"messages": ["必須です。"]}}
        not_found = japanese_user.get("/k/v1/record.json", params={"app": app, "id": 999999})
        assert (not_found.status_code, not_found.json()["code"]) == (404, "GAIA_RE01")
        assert not_found.json()["message"] == "指定したレコード（id: 999999）が見つかりません。"
        no_app = japanese_user.get("/k/v1/app.json", params={"id": 999999})
        assert no_app.json()["message"] == "指定したアプリ（id: 999999）が見つかりません。削除されている可能性があります。"
        no_id = japanese_user.get("/k/v1/record.json", params={"app": app})
        assert no_id.json()["errors"] == {"id": {"messages": ["必須です。"]}}


def test_the_setting_wins_over_the_browser(server, admin, app):
    with server.client({**new_user(admin, "en"), "Accept-Language": "ja"}) as english_user:
        assert english_user.get("/k/v1/record.json", params={"app": app, "id": 999999}).json()["message"] == \
            "The specified record (ID: 999999) is not found."
    with server.client({**new_user(admin, "ja"), "Accept-Language": "en"}) as japanese_user:
        assert japanese_user.get("/k/v1/record.json", params={"app": app, "id": 999999}).json()["message"] == \
            "指定したレコード（id: 999999）が見つかりません。"


def test_auto_follows_accept_language(server, admin, app):
    auto = new_user(admin, "auto")
    with server.client({**auto, "Accept-Language": "ja,en;q=0.5"}) as client:
        assert client.get("/k/v1/record.json", params={"app": app, "id": 999999}).json()["message"] == \
            "指定したレコード（id: 999999）が見つかりません。"
    with server.client({**auto, "Accept-Language": "en-US"}) as client:
        assert client.get("/k/v1/record.json", params={"app": app, "id": 999999}).json()["message"] == \
            "The specified record (ID: 999999) is not found."


def test_before_sign_in_and_with_tokens_the_browser_decides(server, admin):
    with server.client({"Accept-Language": "ja"}) as anonymous:
        response = anonymous.get("/k/v1/records.json", params={"app": 1})
        assert (response.status_code, response.json()) == (401, {**response.json(), "code": "CB_AU01",
                                                                 "message": "ログインしてください。"})
    with server.client({**password_header("nobody-here", "wrong"), "Accept-Language": "ja"}) as wrong:
        response = wrong.get("/k/v1/records.json", params={"app": 1})
        assert (response.status_code, response.json()["code"]) == (401, "CB_WA01")
        assert response.json()["message"] == \
            "ユーザーのパスワード認証に失敗しました。「X-Cybozu-Authorization」ヘッダーの値が正しくありません。"
    with server.client({"X-Cybozu-API-Token": "no-such-token", "Accept-Language": "ja"}) as token:
        response = token.get("/k/v1/records.json", params={"app": 1})
        assert response.json()["code"] == "GAIA_IA02"
        assert response.json()["message"] == "指定したAPIトークンは、アプリで生成されたトークンと異なります。"


def test_no_privilege_and_query_errors_in_japanese(server, admin, app):
    with server.client(new_user(admin, "ja")) as japanese_user:
        denied = japanese_user.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {}})
        assert (denied.status_code, denied.json()["code"], denied.json()["message"]) == \
            (403, "CB_NO02", "権限がありません。")
    with server.client({**password_header("Administrator", "admin-secret"), "Accept-Language": "ja"}) as client:
        syntax = client.get("/k/v1/records.json", params={"app": app, "query": "title ="})
        assert syntax.json()["code"] == "CB_VA01"
        assert syntax.json()["errors"]["query"]["messages"][0].startswith("クエリ記法が間違っています。")
        unknown = client.get("/k/v1/records.json", params={"app": app, "query": "nothing = 1"})
        assert (unknown.json()["code"], unknown.json()["message"]) == \
            ("GAIA_IQ11", "指定されたフィールド（nothing）が見つかりません。")
        limit = client.get("/k/v1/records.json", params={"app": app, "query": "limit 501"})
        assert (limit.json()["code"], limit.json()["message"]) == \
            ("GAIA_QU01", "limitには500以下の値を指定してください。")


def test_a_bulk_request_reports_its_failure_in_the_callers_language(server, admin, app):
    with server.client(new_user(admin, "ja")) as japanese_user:
        response = japanese_user.post("/k/v1/bulkRequest.json", json={"requests": [
            {"method": "POST", "api": "/k/v1/record.json", "payload": {"app": app, "record": {"title": {"value": "ok"}}}},
            {"method": "POST", "api": "/k/v1/record.json", "payload": {"app": app, "record": {}}},
        ]})
        assert response.status_code == 400
        results = response.json()["results"]
        assert results[0] == {}
        assert (results[1]["code"], results[1]["message"]) == ("CB_VA01", "入力内容が正しくありません。")
        assert results[1]["errors"] == {"record.title.value": {"messages": ["必須です。"]}}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def japanese_server(request, tmp_path_factory):
    yield from server_with(request, tmp_path_factory, {"KINFLOW_LANGUAGE": "ja"})


def test_the_server_default_speaks_when_nothing_else_does(japanese_server):
    with japanese_server.client() as anonymous:
        assert anonymous.get("/k/v1/records.json", params={"app": 1}).json()["message"] == "ログインしてください。"
    with japanese_server.client({"Accept-Language": "en"}) as english:
        assert english.get("/k/v1/records.json", params={"app": 1}).json()["message"] == "Please login."


JAPANESE_SYSTEM_FIELDS = {
    "レコード番号": "RECORD_NUMBER", "作成者": "CREATOR", "作成日時": "CREATED_TIME", "更新者": "MODIFIER",
    "更新日時": "UPDATED_TIME", "ステータス": "STATUS", "作業者": "STATUS_ASSIGNEE", "カテゴリー": "CATEGORY",
}


def test_an_app_made_by_a_japanese_user_has_kintones_japanese_system_fields(server, admin):
    with server.client(new_user(admin, "ja")) as japanese_user:
        app = japanese_user.post("/k/v1/preview/app.json", json={"name": "受注"}).json()["app"]
        properties = japanese_user.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["properties"]
        assert {code: prop["type"] for code, prop in properties.items()} == JAPANESE_SYSTEM_FIELDS
        assert all(prop["label"] == code for code, prop in properties.items())
    with server.client({**new_user(admin, "auto"), "Accept-Language": "ja"}) as auto_user:
        app = auto_user.post("/k/v1/preview/app.json", json={"name": "受注"}).json()["app"]
        assert "レコード番号" in auto_user.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()[
            "properties"]
    app = admin.post("/k/v1/preview/app.json", json={"name": "Orders"}).json()["app"]
    assert "Record_number" in admin.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["properties"]


def test_a_japanese_apps_records_are_queried_sorted_and_moved_through_its_process_by_japanese_codes(server, admin):
    with server.client(new_user(admin, "ja")) as owner:
        app = owner.post("/k/v1/preview/app.json", json={"name": "案件"}).json()["app"]
        added = owner.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
            "件名": {"type": "SINGLE_LINE_TEXT", "code": "件名", "label": "件名"}}})
        assert added.status_code == 200, added.text
        views = owner.put("/k/v1/preview/app/views.json", json={"app": app, "views": {
            "新しい順": {"type": "LIST", "name": "新しい順", "index": "0", "fields": ["レコード番号", "件名"],
                     "filterCond": "作成者 in (LOGINUSER())", "sort": "レコード番号 desc"}}})
        assert views.status_code == 200, views.text
        process = owner.put("/k/v1/preview/app/status.json", json={"app": app, "enable": True})
        assert process.status_code == 200, process.text
        deployed = owner.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": app}]})
        assert deployed.status_code == 200, deployed.text
        for _ in range(100):
            state = owner.get("/k/v1/preview/app/deploy.json", params={"apps[0]": app}).json()["apps"][0]["status"]
            if state != "PROCESSING":
                break
        assert state == "SUCCESS"
        ids = owner.post("/k/v1/records.json", json={"app": app, "records": [
            {"件名": {"value": name}} for name in ("一", "二", "三")]}).json()["ids"]

        found = owner.get("/k/v1/records.json", params={
            "app": app, "query": "レコード番号 >= 2 and 作成者 in (LOGINUSER()) order by 作成日時 desc, レコード番号 desc",
            "fields[0]": "レコード番号", "fields[1]": "件名", "fields[2]": "ステータス", "fields[3]": "作業者"})
        assert found.status_code == 200, found.text
        records = found.json()["records"]
        assert [r["レコード番号"]["value"] for r in records] == [ids[2], ids[1]]
        assert records[0]["件名"] == {"type": "SINGLE_LINE_TEXT", "value": "三"}
        assert records[0]["ステータス"]["type"] == "STATUS"
        assert records[0]["作業者"]["type"] == "STATUS_ASSIGNEE"
        view = owner.get("/k/v1/app/views.json", params={"app": app}).json()["views"]["新しい順"]
        by_view = owner.get("/k/v1/records.json", params={
            "app": app, "query": f"{view['filterCond']} order by {view['sort']}"}).json()["records"]
        assert [r["レコード番号"]["value"] for r in by_view] == list(reversed(ids))

        # kintone's default process: its first action sends the record on, assigned to its creator (作成者).
        status = owner.get("/k/v1/app/status.json", params={"app": app}).json()
        first_action = status["actions"][0]["name"]
        moved = owner.put("/k/v1/record/status.json", json={"app": app, "id": ids[0], "action": first_action,
                                                           "assignee": owner.get("/k/v1/record.json", params={
                                                               "app": app, "id": ids[0]}).json()["record"][
                                                               "作成者"]["value"]["code"]})
        assert moved.status_code == 200, moved.text
        record = owner.get("/k/v1/record.json", params={"app": app, "id": ids[0]}).json()["record"]
        assert record["ステータス"]["value"] == status["actions"][0]["to"]
        in_status = owner.get("/k/v1/records.json", params={
            "app": app, "query": f'ステータス in ("{status["actions"][0]["to"]}")'}).json()["records"]
        assert [r["$id"]["value"] for r in in_status] == [ids[0]]


def test_notifications_reach_each_person_in_their_language(server, admin):
    readers = {}
    for language in ("ja", "en", "auto", "zh", "zh-TW"):
        code = f"lang-note-{language}-{uuid.uuid4().hex[:6]}"
        created = admin.post("/kinflow/v1/users.json", json={"code": code, "password": PASSWORD, "language": language})
        assert created.status_code == 200, created.text
        readers[language] = code
    app = make_app(admin, {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}})
    flags = {"recordAdded": True, "recordEdited": True, "commentAdded": True, "statusChanged": False,
             "fileImported": False}
    settings = admin.put("/k/v1/preview/app/notifications/general.json", json={"app": app, "notifications": [
        {"entity": {"type": "USER", "code": code}, "includeSubs": False, **flags} for code in readers.values()]})
    assert settings.status_code == 200, settings.text
    assert deploy_and_wait(admin, app) == "SUCCESS"
    record = admin.post("/k/v1/record.json", json={"app": app, "record": {}}).json()["id"]
    assert admin.post("/k/v1/record/comment.json", json={"app": app, "record": record,
                                                          "comment": {"text": "よろしく"}}).status_code == 200

    def inbox(code):
        with server.client({**password_header(code, PASSWORD), "Accept-Language": "ja"}) as client:
            entries = client.get("/kinflow/v1/notifications.json", params={"limit": 100}).json()["notifications"]
        return [(e["title"], e["message"]) for e in entries if e["app"] == str(app)]

    assert inbox(readers["ja"]) == [(f"レコード {record}", "Administratorがコメントを書き込みました：よろしく"),
                                    (f"レコード {record}", "Administratorがレコードを追加しました")]
    assert inbox(readers["zh"]) == [(f"记录 {record}", "Administrator 发表了评论：よろしく"),
                                    (f"记录 {record}", "Administrator 添加了记录")]
    assert inbox(readers["zh-TW"]) == [(f"記錄 {record}", "Administrator 發表了評論：よろしく"),
                                       (f"記錄 {record}", "Administrator 新增了記錄")]
    # A notification is written when the change is made, with no browser to ask: "auto" reads the
    # server's default, whatever the reader's browser says later.
    for language in ("en", "auto"):
        assert inbox(readers[language]) == [(f"Record {record}", "Administrator commented: よろしく"),
                                            (f"Record {record}", "Administrator added the record")]


def test_an_apps_system_fields_take_a_japanese_exported_forms_codes_by_renaming(server, admin):
    """A form exported from Japanese kintone names its system fields in Japanese: an app made in
    English takes those codes by renaming its own, and its records answer to them."""
    app = admin.post("/k/v1/preview/app.json", json={"name": "Imported"}).json()["app"]
    renamed = admin.put("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
        "Record_number": {"type": "RECORD_NUMBER", "code": "レコード番号", "label": "レコード番号"},
        "Created_datetime": {"type": "CREATED_TIME", "code": "作成日時", "label": "作成日時"}}})
    assert renamed.status_code == 200, renamed.text
    assert deploy_and_wait(admin, app) == "SUCCESS"
    ids = admin.post("/k/v1/records.json", json={"app": app, "records": [{}, {}]}).json()["ids"]
    found = admin.get("/k/v1/records.json", params={"app": app, "query": "order by 作成日時 asc, レコード番号 desc"})
    assert [r["レコード番号"]["value"] for r in found.json()["records"]] == list(reversed(ids))
    assert "Record_number" not in found.json()["records"][0]


def test_refusals_before_any_call_speak_the_browsers_language(server):
    with server.client({"Accept-Language": "ja", "Host": "elsewhere.example"}) as client:
        response = client.get("/k/v1/records.json", params={"app": 1})
    assert (response.status_code, response.json()["code"]) == (400, "CB_IL02")
    assert response.json()["message"] == "不正なリクエストです。Hostヘッダーがこのサーバーのホスト名ではありません。"


def test_process_errors_in_kintones_japanese(server, admin, app):
    record = admin.post("/k/v1/record.json", json={"app": app, "record": {"title": {"value": "x"}}}).json()["id"]
    with server.client(new_user(admin, "ja")) as japanese_user:
        response = japanese_user.put("/k/v1/record/status.json", json={"app": app, "id": record, "action": "Start"})
    assert (response.status_code, response.json()["code"], response.json()["message"]) == (
        400, "GAIA_ST02", "操作に失敗しました。プロセス管理機能が無効化されています。")


def test_a_chinese_user_and_a_traditional_chinese_browser_read_chinese_with_the_same_codes(server, admin, app):
    english = _bad_record(admin, app)
    with server.client(new_user(admin, "zh")) as chinese_user:
        chinese = _bad_record(chinese_user, app)
        assert (chinese.status_code, chinese.json()["code"]) == (english.status_code, english.json()["code"]) \
            == (400, "CB_VA01")
        assert chinese.json()["message"] == "输入内容不正确。"
        assert chinese.json()["errors"] == {
            "record.title.value": {"messages": ["请输入少于 6 个字符。"]},
            "record.qty.value": {"messages": ["值必须小于等于 100。"]},
            "record.level.value": {"messages": ["选项中没有“Z”。"]},
        }
        missing = chinese_user.post("/k/v1/record.json", json={"app": app, "record": {}})
        assert missing.json()["errors"] == {"record.title.value": {"messages": ["必填项。"]}}
        not_found = chinese_user.get("/k/v1/record.json", params={"app": app, "id": 999999})
        assert (not_found.status_code, not_found.json()["code"]) == (404, "GAIA_RE01")
        assert not_found.json()["message"] == "未找到指定的记录（id: 999999）。"
        denied = chinese_user.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {}})
        assert (denied.status_code, denied.json()["code"], denied.json()["message"]) == (403, "CB_NO02", "没有权限。")

    with server.client({**password_header("Administrator", "admin-secret"), "Accept-Language": "zh-TW"}) as browser:
        traditional = _bad_record(browser, app)
        assert (traditional.status_code, traditional.json()["code"]) == (400, "CB_VA01")
        assert traditional.json()["message"] == "輸入內容不正確。"
        assert traditional.json()["errors"].keys() == english.json()["errors"].keys()
        assert traditional.json()["errors"]["record.level.value"] == {"messages": ["選項中沒有“Z”。"]}
        assert browser.get("/k/v1/record.json", params={"app": app, "id": 999999}).json()["message"] == \
            "找不到指定的記錄（id: 999999）。"
    for header, message in (("zh-Hant", "請登入。"), ("zh-CN", "请登录。"), ("zh", "请登录。")):
        with server.client({"Accept-Language": header}) as anonymous:
            response = anonymous.get("/k/v1/records.json", params={"app": 1})
            assert (response.status_code, response.json()["code"], response.json()["message"]) == \
                (401, "CB_AU01", message)
    # A language with no catalogue reads English, whatever its browser says.
    with server.client({**new_user(admin, "th"), "Accept-Language": "zh-CN"}) as thai_user:
        assert thai_user.get("/k/v1/record.json", params={"app": app, "id": 999999}).json()["message"] == \
            "The specified record (ID: 999999) is not found."


CHINESE_SYSTEM_FIELDS = {
    "zh": {"记录编号": "RECORD_NUMBER", "创建人": "CREATOR", "创建时间": "CREATED_TIME", "更新人": "MODIFIER",
           "更新时间": "UPDATED_TIME", "状态": "STATUS", "执行者": "STATUS_ASSIGNEE", "类别": "CATEGORY"},
    "zh-TW": {"記錄號碼": "RECORD_NUMBER", "建立人": "CREATOR", "建立時間": "CREATED_TIME", "更新人": "MODIFIER",
              "更新時間": "UPDATED_TIME", "狀態": "STATUS", "執行者": "STATUS_ASSIGNEE", "類別": "CATEGORY"},
}


@pytest.mark.parametrize("language", ["zh", "zh-TW"])
def test_a_chinese_users_app_has_chinese_system_field_codes_to_query_and_sort_by(server, admin, language):
    names = {kind: code for code, kind in CHINESE_SYSTEM_FIELDS[language].items()}
    number, creator, created, status = (names[k] for k in ("RECORD_NUMBER", "CREATOR", "CREATED_TIME", "STATUS"))
    with server.client(new_user(admin, language)) as owner:
        app = owner.post("/k/v1/preview/app.json", json={"name": "订单"}).json()["app"]
        properties = owner.get("/k/v1/preview/app/form/fields.json", params={"app": app}).json()["properties"]
        assert {code: prop["type"] for code, prop in properties.items()} == CHINESE_SYSTEM_FIELDS[language]
        assert all(prop["label"] == code for code, prop in properties.items())
        assert owner.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": {
            "名称": {"type": "SINGLE_LINE_TEXT", "code": "名称", "label": "名称"}}}).status_code == 200
        assert owner.put("/k/v1/preview/app/status.json", json={"app": app, "enable": True}).status_code == 200
        assert deploy_and_wait(owner, app) == "SUCCESS"
        ids = owner.post("/k/v1/records.json", json={"app": app, "records": [
            {"名称": {"value": name}} for name in ("一", "二", "三")]}).json()["ids"]

        found = owner.get("/k/v1/records.json", params={
            "app": app, "query": f"{number} >= 2 and {creator} in (LOGINUSER()) order by {created} desc, {number} desc",
            "fields[0]": number, "fields[1]": "名称", "fields[2]": status})
        assert found.status_code == 200, found.text
        records = found.json()["records"]
        assert [r[number]["value"] for r in records] == [ids[2], ids[1]]
        assert records[0]["名称"]["value"] == "三"
        # kintone's default process, in the creator's language: its first status and actions.
        process = owner.get("/k/v1/app/status.json", params={"app": app}).json()
        first = {"zh": "未处理", "zh-TW": "未處理"}[language]
        assert process["states"][first]["index"] == "0"
        assert records[0][status]["value"] == first
        assert process["actions"][0]["name"] == {"zh": "开始处理", "zh-TW": "開始處理"}[language]
        assert [r["$id"]["value"] for r in owner.get("/k/v1/records.json", params={
            "app": app, "query": f'{status} in ("{first}") order by {number} asc'}).json()["records"]] == ids
