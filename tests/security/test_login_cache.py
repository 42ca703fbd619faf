"""Verified passwords are remembered for a minute, and no change to a user waits for that minute: a
new password, a deactivation or a lockout holds from the next request, in every HTTP process."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import WEBHOOK_ENV, Server, make_app, password_header, server_with

LIMITS = {"KINFLOW_LOGIN_MAX_FAILURES": "10", "KINFLOW_LOGIN_WINDOW": "60", "KINFLOW_LOGIN_LOCKOUT": "30"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def two_processes(request, tmp_path_factory) -> Iterator[Server]:
    yield from server_with(request, tmp_path_factory, {**WEBHOOK_ENV, **LIMITS, "KINFLOW_HTTP_WORKERS": "2"})


def _user(server: Server, password: str) -> str:
    login = f"cached-{uuid.uuid4().hex[:8]}"
    with server.admin() as admin:
        admin.post("/kinflow/v1/users.json", json={"code": login, "password": password}).raise_for_status()
    return login


def _statuses(server: Server, login: str, password: str, times: int = 8) -> list[int]:
    """Each request on a new connection, which the kernel hands to either process."""
    return [httpx.get(f"{server.base_url}/k/v1/apps.json", headers=password_header(login, password)).status_code
            for _ in range(times)]


def test_a_new_password_ends_the_old_one_at_once(two_processes):
    login = _user(two_processes, "old-pw")
    assert _statuses(two_processes, login, "old-pw") == [200] * 8  # remembered by both processes
    with two_processes.admin() as admin:
        admin.put("/kinflow/v1/users.json", json={"code": login, "password": "new-pw"}).raise_for_status()
    assert _statuses(two_processes, login, "old-pw") == [401] * 8
    assert _statuses(two_processes, login, "new-pw") == [200] * 8


def test_a_password_set_from_the_command_line_ends_the_old_one_at_once(two_processes):
    login = _user(two_processes, "old-pw")
    assert _statuses(two_processes, login, "old-pw") == [200] * 8
    env = {**os.environ, "KINFLOW_DATABASE_URL": two_processes.database_url,
           "KINFLOW_DATA_DIR": str(two_processes.data_dir)}
    done = subprocess.run([sys.executable, "-m", "kinflow.cli", "users", "set-password", login],
                          input="cli-pw\n", env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert _statuses(two_processes, login, "old-pw") == [401] * 8
    assert _statuses(two_processes, login, "cli-pw") == [200] * 8


def test_a_deactivated_user_is_refused_at_once_and_comes_back(two_processes):
    login = _user(two_processes, "pw")
    assert _statuses(two_processes, login, "pw") == [200] * 8
    with two_processes.admin() as admin:
        admin.put("/kinflow/v1/users.json", json={"code": login, "active": False}).raise_for_status()
        assert _statuses(two_processes, login, "pw") == [401] * 8
        admin.put("/kinflow/v1/users.json", json={"code": login, "active": True}).raise_for_status()
    assert _statuses(two_processes, login, "pw") == [200] * 8


def test_a_remembered_password_is_refused_during_a_lockout(two_processes):
    login = _user(two_processes, "right-pw")
    assert _statuses(two_processes, login, "right-pw") == [200] * 8
    assert _statuses(two_processes, login, "wrong", times=10) == [401] * 10
    with httpx.Client(base_url=two_processes.base_url, headers=password_header(login, "right-pw")) as client:
        refused = client.get("/k/v1/apps.json")
    assert (refused.status_code, refused.json()["code"]) == (401, "CB_WA01")
    assert "Too many failed logins" in refused.json()["message"]


def test_a_failure_between_remembered_logins_is_cleared_by_the_next_success(two_processes):
    login = _user(two_processes, "right-pw")
    for _ in range(3):
        assert _statuses(two_processes, login, "right-pw", times=2) == [200] * 2
        assert _statuses(two_processes, login, "wrong", times=2) == [401] * 2
    assert _statuses(two_processes, login, "right-pw") == [200] * 8


def test_the_remembered_login_writes_as_its_user(two_processes):
    login = _user(two_processes, "pw")
    with two_processes.admin() as admin:
        app = make_app(admin, {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}})
        admin.put("/kinflow/v1/users.json", json={"code": login, "name": "First name"}).raise_for_status()
    assert _statuses(two_processes, login, "pw") == [200] * 8
    with httpx.Client(base_url=two_processes.base_url, headers=password_header(login, "pw")) as client:
        added = client.post("/k/v1/record.json", json={"app": app, "record": {"title": {"value": "mine"}}})
        assert added.status_code == 200, added.text
        record = client.get("/k/v1/record.json", params={"app": app, "id": added.json()["id"]}).json()["record"]
    creator = next(f["value"] for f in record.values() if f["type"] == "CREATOR")
    assert creator == {"code": login, "name": "First name"}
