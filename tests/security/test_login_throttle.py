"""Password guessing is bounded per (login, client address), and timing does not tell who exists."""

from __future__ import annotations

import statistics
import time
import uuid

import pytest

from tests.conftest import WEBHOOK_ENV, database_url, password_header, start_server, stop_server

# Small limits, so that a lockout also ends within the test.
LIMITS = {"KINFLOW_LOGIN_MAX_FAILURES": "3", "KINFLOW_LOGIN_WINDOW": "60", "KINFLOW_LOGIN_LOCKOUT": "2"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def throttled(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"throttle-{request.param}")
    srv = start_server(tmp, database_url(request.param, tmp), request.param, {**WEBHOOK_ENV, **LIMITS})
    yield srv
    stop_server(srv)


def _user(server, password: str = "right-pw") -> str:
    login = f"guess-{uuid.uuid4().hex[:8]}"
    with server.admin() as admin:
        created = admin.post("/kinflow/v1/users.json", json={"code": login, "password": password})
    assert created.status_code == 200, created.text
    return login


def _get(server, login: str, password: str, address: str | None = None):
    headers = password_header(login, password)
    if address:  # uvicorn takes the client address from a proxy on loopback
        headers["X-Forwarded-For"] = address
    with server.client(headers) as client:
        return client.get("/k/v1/apps.json")


def test_eleventh_login_refused_even_with_the_right_password(server):
    login = _user(server)
    for _ in range(10):
        failed = _get(server, login, "wrong")
        assert (failed.status_code, failed.json()["code"]) == (401, "CB_WA01")
    refused = _get(server, login, "right-pw")
    assert (refused.status_code, refused.json()["code"]) == (401, "CB_WA01")
    assert "Too many failed logins" in refused.json()["message"]
    # Another address, and another login from this one, are not affected.
    assert _get(server, login, "right-pw", address="203.0.113.9").status_code == 200
    assert _get(server, "Administrator", "admin-secret").status_code == 200


def test_lockout_ends_and_a_success_clears_the_count(throttled):
    login = _user(throttled)
    for _ in range(2):
        assert _get(throttled, login, "wrong").status_code == 401
    assert _get(throttled, login, "right-pw").status_code == 200  # clears the two failures
    for _ in range(2):
        assert _get(throttled, login, "wrong").status_code == 401
    assert _get(throttled, login, "right-pw").status_code == 200
    for _ in range(3):
        assert _get(throttled, login, "wrong").status_code == 401
    assert "Too many failed logins" in _get(throttled, login, "right-pw").json()["message"]
    time.sleep(2.2)
    assert _get(throttled, login, "right-pw").status_code == 200


def test_unknown_logins_are_counted_too(throttled):
    for _ in range(3):
        assert _get(throttled, "no-such-login", "guess").json()["code"] == "CB_WA01"
    assert "Too many failed logins" in _get(throttled, "no-such-login", "guess").json()["message"]


def test_every_failure_is_logged_with_login_and_address(throttled):
    login = _user(throttled)
    _get(throttled, login, "wrong", address="198.51.100.7")
    deadline = time.monotonic() + 5
    while f"login failed for '{login}' from 198.51.100.7" not in throttled.log_path.read_text():
        assert time.monotonic() < deadline, throttled.log_path.read_text()[-2000:]
        time.sleep(0.05)


def test_an_overlong_forwarded_address_is_still_a_plain_failure(throttled):
    failed = _get(throttled, _user(throttled), "wrong", address="2001:db8::" + "f" * 120)
    assert (failed.status_code, failed.json()["code"]) == (401, "CB_WA01")


def _median_seconds(server, login: str, password: str) -> float:
    times = []
    for i in range(5):
        started = time.perf_counter()
        response = _get(server, login, password, address=f"192.0.2.{i + 1}")
        times.append(time.perf_counter() - started)
        assert response.status_code == 401
    return statistics.median(times)


def test_unknown_login_takes_as_long_as_a_wrong_password(throttled):
    login = _user(throttled)
    wrong = _median_seconds(throttled, login, "wrong")
    unknown = _median_seconds(throttled, f"nobody-{uuid.uuid4().hex[:8]}", "wrong")
    with throttled.admin() as admin:
        inactive = _user(throttled)
        admin.put("/kinflow/v1/users.json", json={"code": inactive, "active": False}).raise_for_status()
    dormant = _median_seconds(throttled, inactive, "right-pw")
    # Without a hash run an unknown login answers in a few milliseconds against ~100+ for argon2.
    assert unknown > wrong * 0.5, (unknown, wrong)
    assert dormant > wrong * 0.5, (dormant, wrong)
