"""`kinflow backup` copies a running SQLite kinflow while it is written to, and `kinflow restore` brings
the copy back into an empty data folder: every record acknowledged before the backup began is there,
and the API tokens still work. With PostgreSQL, `kinflow backup` points to pg_dump."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kinflow.secret_key import KEY_FILE
from kinflow.webhooks.signing import verify
from tests.conftest import WEBHOOK_ENV, make_app, make_token, server_with, start_server, stop_server
from tests.receiver import Receiver

ENV = {"KINFLOW_EXAMPLE_APP": "false", **WEBHOOK_ENV}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def busy_server(request, tmp_path_factory):
    yield from server_with(request, tmp_path_factory, ENV)


def _kinflow(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kinflow.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120, cwd=cwd)


def _server_env(server) -> dict[str, str]:  # noqa: ANN001
    return {"KINFLOW_DATA_DIR": str(server.data_dir), "KINFLOW_DATABASE_URL": server.database_url}


class _Writer(threading.Thread):
    """Adds records one after another until stopped; `acknowledged` holds the ids the server confirmed."""

    def __init__(self, client, app: str) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self.client, self.app = client, app
        self.acknowledged: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            response = self.client.post("/k/v1/record.json", json={"app": self.app, "record": {"n": {"value": str(n)}}})
            assert response.status_code == 200, response.text
            self.acknowledged.append(response.json()["id"])


def _all_ids(client, app: str) -> set[str]:  # noqa: ANN001
    ids: set[str] = set()
    last = 0
    while True:
        page = client.get("/k/v1/records.json", params={
            "app": app, "query": f"$id > {last} order by $id asc limit 500", "fields[0]": "$id"}).json()["records"]
        if not page:
            return ids
        ids.update(record["$id"]["value"] for record in page)
        last = int(page[-1]["$id"]["value"])


def test_backup_under_writes_restores_every_acknowledged_record(busy_server, tmp_path):
    if busy_server.backend != "sqlite":
        pytest.skip("the SQLite backup; PostgreSQL is the next test")
    with busy_server.admin() as admin:
        app = make_app(admin, {"n": {"type": "NUMBER", "code": "n", "label": "n"}})
        token = make_token(admin, app, view=True, add=True)
        for n in range(50):
            admin.post("/k/v1/records.json", json={"app": app, "records": [{"n": {"value": str(n)}}] * 100})
        hooked = make_app(admin, {"n": {"type": "NUMBER", "code": "n", "label": "n"}}, name="Hooked")
        receiver = Receiver()
        subscribed = admin.post("/kinflow/v1/webhooks.json",
                                json={"app": hooked, "url": receiver.url, "events": ["ADD_RECORD"]})
        assert subscribed.status_code == 200, subscribed.text
        secret = subscribed.json()["secret"]
    archive = tmp_path / "backups" / "kinflow-backup.tar"
    with busy_server.client({"X-Cybozu-API-Token": token}) as client:
        writer = _Writer(client, app)
        writer.start()
        time.sleep(0.5)
        before = set(writer.acknowledged)
        done = _kinflow("backup", str(archive), env=_server_env(busy_server))
        during = len(writer.acknowledged) - len(before)
        writer.stopping.set()
        writer.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert during > 0, "the server was written to while the backup ran"
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600

    restored_dir = tmp_path / "restored" / "data-sqlite"
    target = {"KINFLOW_DATA_DIR": str(restored_dir), "KINFLOW_DATABASE_URL": ""}
    done = _kinflow("restore", str(archive), env=target)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(restored_dir.stat().st_mode) == 0o700
    # The data folder's own files came along, private: the secret key, without which the tokens fail.
    assert (restored_dir / KEY_FILE).read_bytes() == (busy_server.data_dir / KEY_FILE).read_bytes()
    for path in restored_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path

    restored = start_server(tmp_path / "restored", "", "sqlite", ENV)
    try:
        with restored.client({"X-Cybozu-API-Token": token}) as client:  # the token still signs in
            found = _all_ids(client, app)
        assert len(found) >= 5_000 + len(before)
        assert before <= found, f"{len(before - found)} acknowledged records are missing"
        with restored.admin() as admin:  # the webhook still signs with its secret
            admin.post("/k/v1/record.json", json={"app": hooked, "record": {}}).raise_for_status()
        request = receiver.wait_for(1)[0]
        headers = {k.lower(): v for k, v in request.headers.items()}
        assert verify(secret, headers["x-kinflow-timestamp"], request.body, headers["x-kinflow-signature"])
    finally:
        receiver.close()
        stop_server(restored)


def test_restore_refuses_a_data_folder_that_holds_anything(busy_server, tmp_path):
    if busy_server.backend != "sqlite":
        pytest.skip("restoring a SQLite backup")
    archive = tmp_path / "backup.tar"
    assert _kinflow("backup", str(archive), env=_server_env(busy_server)).returncode == 0
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("mine")
    done = _kinflow("restore", str(archive), env={"KINFLOW_DATA_DIR": str(occupied), "KINFLOW_DATABASE_URL": ""})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"kinflow: the data folder {occupied.resolve()} is not empty: "
                                                f"restore into a new or empty folder"]
    assert sorted(p.name for p in occupied.iterdir()) == ["notes.txt"]


def test_a_file_that_is_no_backup_is_refused(tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_text("not a tar file")
    done = _kinflow("restore", str(junk), env={"KINFLOW_DATA_DIR": str(tmp_path / "new"), "KINFLOW_DATABASE_URL": ""})
    assert done.returncode == 1 and "cannot read the backup" in done.stderr and "Traceback" not in done.stderr


def test_postgresql_backups_are_pg_dump(busy_server, tmp_path):
    if busy_server.backend != "postgresql":
        pytest.skip("the PostgreSQL answer")
    done = _kinflow("backup", str(tmp_path / "backup.tar"), env=_server_env(busy_server))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "pg_dump" in lines[0] and "secret key" in lines[0], done.stderr
    assert not (tmp_path / "backup.tar").exists()
