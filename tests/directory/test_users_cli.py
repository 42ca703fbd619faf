"""`kinflow users add|list|deactivate|import` against a running server's database, on both back-ends."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from tests.conftest import password_header


def kinflow_users(server, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "KINFLOW_DATABASE_URL": server.database_url, "KINFLOW_DATA_DIR": str(server.data_dir)}
    return subprocess.run([sys.executable, "-m", "kinflow.cli", "users", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120)


def status(server, login: str, password: str) -> int:
    with server.client(password_header(login, password)) as client:
        return client.get("/k/v1/apps.json").status_code


def test_add_list_and_deactivate(server):
    login = f"cli-{uuid.uuid4().hex[:8]}"
    added = kinflow_users(server, "add", login, "--name", "Cli User", "--email", f"{login}@x.test", stdin="pw-1\n")
    assert added.returncode == 0, added.stderr
    assert status(server, login, "pw-1") == 200
    listed = kinflow_users(server, "list", "--search", login)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [f"{login}\tCli User\t{login}@x.test\tactive"]
    again = kinflow_users(server, "add", login, stdin="pw-2\n")
    assert again.returncode == 1 and "already used" in again.stderr
    assert kinflow_users(server, "deactivate", login).returncode == 0
    assert status(server, login, "pw-1") == 401
    assert kinflow_users(server, "list", "--search", login).stdout.split("\t")[-1].strip() == "inactive"
    unknown = kinflow_users(server, "deactivate", f"ghost-{uuid.uuid4().hex[:8]}")
    assert unknown.returncode == 1 and "not found" in unknown.stderr


def test_import_is_all_or_nothing_with_progress(server, admin, tmp_path):
    tag = uuid.uuid4().hex[:8]
    dept = f"imp-{tag}"
    assert admin.post("/kinflow/v1/departments.json", json={"code": dept}).status_code == 200
    good = tmp_path / "good.csv"
    good.write_text("code,name,email,password,language,timezone,mobileNumber,departments,admin\n"
                    + "".join(f"imp-{tag}-{n},Person {n},p{n}@x.test,pw-{n},ja,Asia/Tokyo,+8190123456{n:02d},{dept},\n"
                              for n in range(3)))
    done = kinflow_users(server, "import", str(good))
    assert done.returncode == 0, done.stderr
    assert "Imported 3 users" in done.stdout and "3/3" in done.stderr
    assert status(server, f"imp-{tag}-1", "pw-1") == 200
    found = admin.get("/kinflow/v1/users.json", params={"search": f"imp-{tag}"}).json()["users"]
    assert [(u["language"], u["mobileNumber"], u["departments"]) for u in found] == [
        ("ja", f"+8190123456{n:02d}", [dept]) for n in range(3)]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"code,mobileNumber\nimp-{tag}-new,+1212555{int(tag, 16) % 100 + 100:04d}\nimp-{tag}-worse,12345\n")
    refused = kinflow_users(server, "import", str(bad))
    assert refused.returncode == 1 and "line 3" in refused.stderr and "mobileNumber" in refused.stderr
    assert admin.get("/kinflow/v1/users.json", params={"search": f"imp-{tag}-new"}).json()["users"] == []
    header = tmp_path / "header.csv"
    header.write_text("login,name\nx,y\n")
    wrong = kinflow_users(server, "import", str(header))
    assert wrong.returncode == 1 and "line 1" in wrong.stderr
