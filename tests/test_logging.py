"""What an operator reads in the log: an access line per request (never a secret), the start-up
settings, slow statements and failed deploys; as text or as one JSON object a line. A failed deploy
also says why through the API."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator

import orjson
import pytest

from tests.conftest import ADMIN_PASSWORD, Server, deploy_and_wait, free_port, make_app, make_token, server_with

SMTP_PASSWORD = "smtp-secret-3f9a"
METRICS_TOKEN = "metrics-secret-77c1"
REDIS_PASSWORD = "redis-secret-5d2e"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def json_server(request, tmp_path_factory) -> Iterator[Server]:
    yield from server_with(request, tmp_path_factory, {
        "KINFLOW_LOG_FORMAT": "json", "KINFLOW_SLOW_QUERY_MS": "0.001", "KINFLOW_SMTP_PASSWORD": SMTP_PASSWORD,
        "KINFLOW_METRICS_TOKEN": METRICS_TOKEN, "KINFLOW_REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:6379/0",
    })


def _wait_for(server: Server, found: Callable[[str], bool]) -> str:
    """The server's log once `found` holds for it (records are written by a thread of their own)."""
    deadline = time.monotonic() + 10
    while True:
        text = server.log_path.read_text(errors="replace")
        if found(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def _json_records(text: str) -> list[dict]:
    return [orjson.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_each_request_has_an_access_line_with_the_user_and_no_secret(server, admin):
    app_id = make_app(admin, {})
    marker = f"/k/v1/app.json-{time.monotonic_ns()}"
    admin.get("/k/v1/app.json", params={"id": app_id})
    admin.get(marker)  # a 404 with a path of its own, logged after the line before
    text = _wait_for(server, lambda t: marker in t)
    lines = text.splitlines()
    mine = next(line for line in lines if marker in line)
    assert f"GET {marker} 404 " in mine and mine.endswith("ms -")  # not found before anyone signs in
    assert any("GET /k/v1/app.json 200 " in line and line.endswith("Administrator") for line in lines)
    logged = "\n".join(line for line in lines if line[:4].isdigit())  # not the start-up banner, which prints it
    encoded = base64.b64encode(f"Administrator:{ADMIN_PASSWORD}".encode()).decode()
    assert ADMIN_PASSWORD not in logged and encoded not in logged


def test_a_token_request_is_logged_by_token_never_by_its_value(server, admin):
    app_id = make_app(admin, {})
    token = make_token(admin, app_id, view=True)
    with server.client({"X-Cybozu-API-Token": token}) as client:
        assert client.get("/k/v1/records.json", params={"app": app_id}).status_code == 200
    text = _wait_for(server, lambda t: "GET /k/v1/records.json 200" in t and "token:" in t)
    assert any(line.startswith("GET /k/v1/records.json 200", line.find("kinflow.access: ") + 16)
               and " token:" in line for line in text.splitlines())
    assert token not in "\n".join(line for line in text.splitlines() if line[:4].isdigit())


def test_json_format_is_one_object_a_line_with_the_fields(json_server):
    with json_server.admin() as admin:
        assert admin.get("/k/v1/apps.json").status_code == 200
    text = _wait_for(json_server, lambda t: '"path":"/k/v1/apps.json"' in t)
    records = _json_records(text)
    access = next(r for r in records if r.get("path") == "/k/v1/apps.json")
    assert access["logger"] == "kinflow.access" and access["method"] == "GET" and access["status"] == 200
    assert access["user"] == "Administrator" and isinstance(access["duration_ms"], float)
    assert {"time", "level", "message"} <= set(access)


def test_start_up_settings_are_summarised_without_secrets(json_server):
    text = _wait_for(json_server, lambda t: '"settings":' in t)
    summary = next(r for r in _json_records(text) if "settings" in r)["settings"]
    assert summary["smtp_password"] == "set" and summary["metrics_token"] == "set"
    assert summary["admin_password"] == "set" and summary["log_format"] == "json"
    assert summary["redis_url"].startswith("redis://") and "***" in summary["redis_url"]
    for secret in (SMTP_PASSWORD, METRICS_TOKEN, REDIS_PASSWORD):
        assert secret not in text
    assert ADMIN_PASSWORD not in "\n".join(line for line in text.splitlines() if line.startswith("{"))


def test_slow_statements_are_logged_without_their_values(json_server):
    with json_server.admin() as admin:
        app_id = make_app(admin, {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}})
        added = admin.post("/k/v1/record.json", json={"app": app_id, "record": {"title": {"value": "private-value-9e1"}}})
        assert added.status_code == 200, added.text
    text = _wait_for(json_server, lambda t: "INSERT INTO" in t)
    slow = [r for r in _json_records(text) if r["logger"] == "kinflow.database"]
    assert any(r["sql"].startswith("INSERT INTO") and r["duration_ms"] >= 0 for r in slow)
    assert "private-value-9e1" not in text


def test_a_failed_deploy_says_why_in_the_api_and_the_log(server, admin):
    app_id = make_app(admin, {"sku": {"type": "SINGLE_LINE_TEXT", "code": "sku", "label": "SKU"}})
    for _ in range(2):
        admin.post("/k/v1/record.json", json={"app": app_id, "record": {"sku": {"value": "same"}}})
    admin.put("/k/v1/preview/app/form/fields.json", json={"app": app_id, "properties": {"sku": {"unique": True}}})
    assert deploy_and_wait(admin, app_id) == "FAIL"
    status = admin.get("/k/v1/preview/app/deploy.json", params={"apps[0]": app_id}).json()["apps"][0]
    assert status["status"] == "FAIL"
    assert f"(ID: {app_id})" in status["reason"] and "existing records violate" in status["reason"]
    text = _wait_for(server, lambda t: f"deploy of apps {app_id} failed" in t)
    assert f"deploy of apps {app_id} failed: Failed to deploy the app (ID: {app_id})" in text
    # Put right, the next deploy succeeds and the reason is gone.
    admin.put("/k/v1/preview/app/form/fields.json", json={"app": app_id, "properties": {"sku": {"unique": False}}})
    assert deploy_and_wait(admin, app_id) == "SUCCESS"
    status = admin.get("/k/v1/preview/app/deploy.json", params={"apps[0]": app_id}).json()["apps"][0]
    assert "reason" not in status


def test_a_failed_delivery_is_logged_with_its_destination_not_its_url(server, admin):
    app_id = make_app(admin, {})
    port = free_port()  # nothing listens there: every attempt is refused
    created = admin.post("/kinflow/v1/webhooks.json", json={
        "app": app_id, "url": f"http://127.0.0.1:{port}/hook?key=hook-secret-41a", "events": ["ADD_RECORD"]})
    assert created.status_code == 200, created.text
    assert admin.post("/k/v1/record.json", json={"app": app_id, "record": {}}).status_code == 200
    text = _wait_for(server, lambda t: f"to 127.0.0.1:{port}, attempt 1:" in t)
    line = next(line for line in text.splitlines() if f"to 127.0.0.1:{port}, attempt 1:" in line)
    assert "WARNING kinflow.delivery" in line and "retried in" in line
    assert "hook-secret-41a" not in text
