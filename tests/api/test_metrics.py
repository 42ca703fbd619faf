"""`/metrics`: Prometheus' text format for administrators and for the scraper's bearer token only;
its values move with the requests, the queues and the refused logins."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ADMIN_PASSWORD, Server, make_app, make_token, password_header, server_with

METRICS_TOKEN = "scraper-token-0c4d"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def metrics_server(request, tmp_path_factory) -> Iterator[Server]:
    yield from server_with(request, tmp_path_factory, {"KINFLOW_METRICS_TOKEN": METRICS_TOKEN,
                                                       "KINFLOW_LOGIN_MAX_FAILURES": "2"})


def _scrape(server: Server) -> dict[tuple[str, tuple], float]:
    response = httpx.get(f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_only_administrators_and_the_metrics_token_may_scrape(metrics_server):
    server = metrics_server
    with server.admin() as admin:
        assert admin.post("/kinflow/v1/users.json", json={"code": "metrics-viewer", "password": "pw"}).status_code == 200
        app_id = make_app(admin, {})
        token = make_token(admin, app_id, view=True, manage=True)
        assert admin.get("/metrics").status_code == 200
    with server.client() as client:
        anonymous = client.get("/metrics")
        assert anonymous.status_code == 401 and anonymous.json()["code"] == "CB_AU01"
        wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401 and "code" in wrong.json()
        user = client.get("/metrics", headers=password_header("metrics-viewer", "pw"))
        assert user.status_code == 403 and user.json()["code"] == "CB_NO02"
        by_token = client.get("/metrics", headers={"X-Cybozu-API-Token": token})
        assert by_token.status_code == 403 and by_token.json()["code"] == "CB_NO02"
        scraper = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert scraper.status_code == 200 and "kinflow_http_request_duration_seconds" in scraper.text


def test_request_counts_latency_and_database_time_move_after_requests(metrics_server):
    before = _scrape(metrics_server)
    with metrics_server.admin() as admin:
        for _ in range(3):
            assert admin.get("/k/v1/apps.json").status_code == 200
        admin.get("/k/v1/no/such/api.json")
    after = _scrape(metrics_server)
    route = {"route": "/k/v1/apps.json", "method": "GET", "status": "200"}
    name = "kinflow_http_request_duration_seconds_count"
    assert _value(after, name, **route) - _value(before, name, **route) == 3
    assert _value(after, "kinflow_http_request_duration_seconds_sum", **route) > 0
    # An unknown resource is counted under the template, not under its own path.
    unknown = {"route": "/k/v1/{resource}.json", "method": "GET", "status": "404"}
    assert _value(after, name, **unknown) - _value(before, name, **unknown) == 1
    assert not any("no/such" in str(labels) for _, labels in after)
    # A path parameter is its name: one series however many groups are asked for.
    with httpx.Client(base_url=metrics_server.base_url) as anonymous:
        for group in ("group-one-3b7", "group-two-3b7"):
            anonymous.get(f"/kaizala/v1/groups/{group}/members")
    after = _scrape(metrics_server)
    members = {"route": "/kaizala/v1/groups/{groupId}/members", "method": "GET", "status": "401"}
    assert _value(after, name, **members) - _value(before, name, **members) == 2
    assert not any("3b7" in str(labels) for _, labels in after)
    database = "kinflow_database_statement_duration_seconds_count"
    assert _value(after, database) > _value(before, database)


def test_queues_are_read_from_the_database(metrics_server):
    samples = _scrape(metrics_server)
    for queue in ("deliveries", "mails", "reminders"):
        assert ("kinflow_queue_pending", (("queue", queue),)) in samples
        assert _value(samples, "kinflow_queue_oldest_pending_age_seconds", queue=queue) >= 0


def test_a_locked_out_login_is_counted_as_throttled(metrics_server):
    before = _value(_scrape(metrics_server), "kinflow_throttled_calls_total", kind="login")
    with metrics_server.client(password_header("nobody-by-this-name", "wrong")) as client:
        codes = [client.get("/k/v1/apps.json").status_code for _ in range(3)]
    assert codes[-1] in (401, 403, 429)
    after = _value(_scrape(metrics_server), "kinflow_throttled_calls_total", kind="login")
    assert after - before >= 1


@pytest.fixture(scope="module", params=["sqlite"])
def two_process_server(request, tmp_path_factory) -> Iterator[Server]:
    yield from server_with(request, tmp_path_factory, {"KINFLOW_METRICS_TOKEN": METRICS_TOKEN,
                                                       "KINFLOW_HTTP_WORKERS": "2"})


def test_with_two_http_processes_any_scrape_counts_both(two_process_server):
    """Each request may land on either process; the counts add up over both (multiprocess mode)."""
    route = {"route": "/k/v1/apps.json", "method": "GET", "status": "200"}
    name = "kinflow_http_request_duration_seconds_count"
    before = _value(_scrape(two_process_server), name, **route)
    for _ in range(12):  # a new connection each time: the kernel spreads them over the processes
        assert httpx.get(f"{two_process_server.base_url}/k/v1/apps.json",
                         headers=password_header("Administrator", ADMIN_PASSWORD)).status_code == 200
    for _ in range(4):  # whichever process answers the scrape
        assert _value(_scrape(two_process_server), name, **route) - before == 12
