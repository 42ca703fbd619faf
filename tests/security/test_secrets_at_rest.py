"""A copy of the database gives away no API token and no webhook signing secret; the key that protects
them, the data folder and the SQLite files are private to kinflow's user; the example token is
printed once."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from kinflow.secret_key import SecretKey
from kinflow.storage.database import Database
from kinflow.storage.migrate import alembic_config, upgrade
from kinflow.webhooks.signing import verify
from tests.conftest import database_url, make_app, make_token, start_server, stop_server
from tests.receiver import Receiver

FIELDS = {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}}


def _stored_text(server) -> str:
    """Every stored column of the API tokens and webhooks, read from the database itself; for
    SQLite also every byte of its files (a deleted or rewritten row lingers in pages and WAL)."""
    engine = sa.create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            rows = [*conn.execute(sa.text("SELECT * FROM api_tokens")), *conn.execute(sa.text("SELECT * FROM webhooks"))]
    finally:
        engine.dispose()
    text = repr(rows)
    if server.backend == "sqlite":
        path = Path(sa.make_url(server.database_url).database)
        for file in (path, Path(f"{path}-wal")):
            if file.exists():
                text += file.read_bytes().decode("latin-1")
    return text


def test_the_database_holds_no_token_and_no_webhook_secret_yet_both_work(server, admin):
    app = make_app(admin, FIELDS)
    token = make_token(admin, app, view=True, add=True)
    receiver = Receiver()
    try:
        webhook = admin.post("/kinflow/v1/webhooks.json",
                             json={"app": app, "url": receiver.url, "events": ["ADD_RECORD"]}).json()
        chosen = admin.post("/kinflow/v1/webhooks.json", json={
            "app": app, "url": receiver.url + "/chosen", "events": ["ADD_RECORD"],
            "secret": "a secret the subscriber chose itself"}).json()
        with server.client({"X-Cybozu-API-Token": token}) as client:
            assert client.post("/k/v1/record.json", json={"app": app, "record": {}}).status_code == 200
        requests = {r.path: r for r in receiver.wait_for(2)}
        for path, secret in (("/hook", webhook["secret"]), ("/hook/chosen", chosen["secret"])):
            headers = {k.lower(): v for k, v in requests[path].headers.items()}
            assert verify(secret, headers["x-kinflow-timestamp"], requests[path].body,
                          headers["x-kinflow-signature"])
    finally:
        receiver.stop()
    stored = _stored_text(server)
    for plain in (token, webhook["secret"], chosen["secret"]):
        assert plain not in stored


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_key_file_data_folder_and_database_files_are_private(tmp_path, backend):
    data_dir = tmp_path / f"data-{backend}"  # where start_server puts it
    url = f"sqlite:///{data_dir / 'kinflow.db'}" if backend == "sqlite" else database_url(backend, tmp_path)
    server = start_server(tmp_path, url, backend)
    try:
        key = data_dir / "secret.key"
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert len(key.read_text().strip()) >= 32
        if backend == "sqlite":
            files = [data_dir / name for name in ("kinflow.db", "kinflow.db-wal", "kinflow.db-shm")]
            assert all(f.exists() for f in files), sorted(p.name for p in data_dir.iterdir())
            for file in data_dir.iterdir():
                assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    finally:
        stop_server(server)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_example_token_is_printed_on_the_first_start_only(tmp_path, backend):
    url = database_url(backend, tmp_path)
    env = {"KINFLOW_EXAMPLE_APP": "true"}
    server = start_server(tmp_path, url, backend, env)
    try:
        [token] = re.findall(r"X-Cybozu-API-Token: (\S+)'", server.log_path.read_text() or "") or [None]
        if token is None:  # the log is flushed when the process ends
            stop_server(server)
            [token] = re.findall(r"X-Cybozu-API-Token: (\S+)'", server.log_path.read_text())
            server = start_server(tmp_path, url, backend, env)
        with server.client({"X-Cybozu-API-Token": token}) as client:
            assert len(client.get("/k/v1/records.json", params={"app": 1}).json()["records"]) == 3
    finally:
        stop_server(server)
    again = start_server(tmp_path, url, backend, env)
    stop_server(again)
    log = again.log_path.read_text()
    assert "listening" in log and token not in log and "API token:" not in log
    assert "create an API token" in log


def test_a_worker_without_the_servers_key_refuses_to_start(tmp_path):
    env = {**os.environ, "KINFLOW_DATA_DIR": str(tmp_path / "elsewhere"),
           "KINFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'kinflow.db'}"}
    env.pop("KINFLOW_SECRET_KEY", None)
    done = subprocess.run([sys.executable, "-m", "kinflow.cli", "worker"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert "no secret key" in done.stderr
    assert not (tmp_path / "elsewhere" / "secret.key").exists()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrading_converts_stored_tokens_and_secrets(tmp_path, backend):
    db = Database(database_url(backend, tmp_path))
    key = SecretKey("k" * 40)
    plain_token, plain_secret = "T" * 36 + "tail", "an old webhook secret"
    try:
        config = alembic_config(db)
        # The revision just before the one that converts (found by its title: later ones may follow).
        before = next(r.down_revision for r in ScriptDirectory.from_config(config).walk_revisions()
                      if r.doc.startswith("secrets at rest"))
        command.upgrade(config, before)
        now = datetime(2026, 1, 1)
        with db.write() as conn:
            conn.execute(sa.text(
                "INSERT INTO apps (id, name, created_at, creator, modified_at, modifier) "
                "VALUES (1, 'Old', :now, 'Administrator', :now, 'Administrator')"), {"now": now})
            conn.execute(sa.text("INSERT INTO api_tokens (app_id, token, live) VALUES (1, :token, true)"),
                         {"token": plain_token})
            conn.execute(sa.text(
                "INSERT INTO webhooks (source, scope, url, events, secret, created_at, creator) "
                "VALUES ('kintone', '1', 'https://example.com/', '[]', :secret, :now, 'Administrator')"),
                {"secret": plain_secret, "now": now})
        upgrade(db, key)
        with db.read() as conn:
            token = conn.execute(sa.text("SELECT token_hash, token_tail, live FROM api_tokens")).one()
            secret = conn.execute(sa.text("SELECT secret FROM webhooks")).scalar_one()
        assert (token.token_hash, token.token_tail, bool(token.live)) == (key.token_hash(plain_token), "tail", True)
        assert plain_secret not in secret and key.decrypt(secret) == plain_secret
    finally:
        db.dispose()


def test_a_lost_key_stops_the_server_instead_of_being_replaced(tmp_path):
    url = database_url("sqlite", tmp_path)
    stop_server(start_server(tmp_path, url, "sqlite"))
    key = tmp_path / "data-sqlite" / "secret.key"
    key.unlink()
    env = {**os.environ, "KINFLOW_DATA_DIR": str(key.parent), "KINFLOW_DATABASE_URL": url}
    env.pop("KINFLOW_SECRET_KEY", None)
    done = subprocess.run([sys.executable, "-m", "kinflow.cli", "serve"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert "no secret key" in done.stderr
    assert not key.exists()
