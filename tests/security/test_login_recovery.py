"""Administrators can recover: `kinflow users set-password`, and a start-up that says when
KINFLOW_ADMIN_PASSWORD no longer applies."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from tests.conftest import database_url, password_header, start_server, stop_server


def _set_password(server, login: str, stdin: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KINFLOW_DATABASE_URL": server.database_url, "KINFLOW_DATA_DIR": str(server.data_dir)}
    return subprocess.run([sys.executable, "-m", "kinflow.cli", "users", "set-password", login], input=stdin,
                          env=env, capture_output=True, text=True, timeout=60)


def _status(server, login: str, password: str) -> int:
    with server.client(password_header(login, password)) as client:
        return client.get("/k/v1/apps.json").status_code


def test_set_password_from_stdin_also_lifts_the_lockout(server, admin):
    login = f"forgetful-{uuid.uuid4().hex[:8]}"
    admin.post("/kinflow/v1/users.json", json={"code": login, "password": "old-pw"}).raise_for_status()
    for _ in range(10):
        assert _status(server, login, "not-it") == 401
    assert _status(server, login, "old-pw") == 401  # locked out
    done = _set_password(server, login, "new-pw\n")
    assert done.returncode == 0, done.stderr
    assert _status(server, login, "new-pw") == 200
    assert _status(server, login, "old-pw") == 401


def test_set_password_of_an_unknown_login_fails_clearly(server):
    done = _set_password(server, "nobody-at-all", "new-pw\n")
    assert done.returncode == 1
    assert "no login named 'nobody-at-all'" in done.stderr


def test_set_password_refuses_an_empty_password(server, admin):
    login = f"blank-{uuid.uuid4().hex[:8]}"
    admin.post("/kinflow/v1/users.json", json={"code": login, "password": "kept-pw"}).raise_for_status()
    done = _set_password(server, login, "\n")
    assert done.returncode == 1 and "empty" in done.stderr
    assert _status(server, login, "kept-pw") == 200


def test_a_later_admin_password_is_reported_as_ignored(server, tmp_path):
    url = database_url(server.backend, tmp_path)  # a new database of the same back-end
    for folder in ("first", "again"):
        (tmp_path / folder).mkdir()
    first = start_server(tmp_path / "first", url, server.backend, {"KINFLOW_DELIVERY_WORKER": "false"})
    stop_server(first)
    assert "KINFLOW_ADMIN_PASSWORD is ignored" not in first.log_path.read_text()
    # Another data folder: the database's secret key comes with it (kinflow never makes a new one for it).
    key = (first.data_dir / "secret.key").read_text().strip()
    again = start_server(tmp_path / "again", url, server.backend,
                         {"KINFLOW_DELIVERY_WORKER": "false", "KINFLOW_ADMIN_PASSWORD": "a-new-one",
                          "KINFLOW_SECRET_KEY": key})
    try:
        assert _status(again, "Administrator", "a-new-one") == 401
        assert _status(again, "Administrator", "admin-secret") == 200
    finally:
        stop_server(again)
    lines = [line for line in again.log_path.read_text().splitlines() if "KINFLOW_ADMIN_PASSWORD" in line]
    assert len(lines) == 1 and "is ignored" in lines[0] and "Administrator exists already" in lines[0], lines
