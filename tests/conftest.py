"""Shared fixtures: a real kinflow server process on loopback, once per database back-end.

Every API test runs against SQLite and against PostgreSQL. Without a reachable PostgreSQL the
PostgreSQL half is skipped with the reason, except in CI (CI=true), where it fails instead.
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ADMIN_PASSWORD = "admin-secret"
# Webhook tests deliver to receivers on loopback, which the address guard refuses unless allowed, and
# go through retries in seconds rather than kintone-like minutes.
WEBHOOK_ENV = {"KINFLOW_WEBHOOK_ALLOW": "127.0.0.0/8", "KINFLOW_WEBHOOK_RETRY_DELAYS": ",".join(["0.3"] * 8),
               "KINFLOW_GROUPS_WEBHOOK_RETRY_DELAYS": ",".join(["0.3"] * 6)}
# The groups API's Kaizala-like throttling (300 calls a minute) would stop the suite; its own tests set it.
GROUPS_ENV = {"KINFLOW_GROUPS_CONNECTOR_RATE": "0", "KINFLOW_GROUPS_TENANT_RATE": "0"}
POSTGRES_ADMIN_URL = os.environ.get("KINFLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def password_header(login: str, password: str) -> dict[str, str]:
    return {"X-Cybozu-Authorization": base64.b64encode(f"{login}:{password}".encode()).decode()}


@dataclass
class Server:
    base_url: str
    backend: str
    database_url: str
    data_dir: Path
    process: subprocess.Popen
    log_path: Path

    def client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=headers or {}, timeout=60)

    def admin(self) -> httpx.Client:
        return self.client(password_header("Administrator", ADMIN_PASSWORD))


def _postgres_database() -> str | None:
    """A fresh PostgreSQL database for this test session, or None when PostgreSQL is unreachable."""
    try:
        import psycopg

        name = f"kinflow_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable" here
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {POSTGRES_ADMIN_URL}: {exc}")
        return None
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


def start_server(tmp: Path, database_url: str, backend: str, extra_env: dict | None = None) -> Server:
    port = int((extra_env or {}).get("KINFLOW_PORT") or free_port())
    data_dir = tmp / f"data-{backend}"
    log_path = tmp / f"server-{backend}.log"
    env = {
        **os.environ,
        "KINFLOW_DATA_DIR": str(data_dir),
        "KINFLOW_DATABASE_URL": database_url,
        "KINFLOW_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "KINFLOW_PORT": str(port),
        **(extra_env or {}),
    }
    log = open(log_path, "wb")  # noqa: SIM115 - kept open for the process's lifetime
    process = subprocess.Popen(
        [sys.executable, "-m", "kinflow.cli", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kinflow exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return Server(base_url, backend, database_url, data_dir, process, log_path)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"kinflow did not start:\n{log_path.read_text()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


def database_url(backend: str, tmp: Path) -> str:
    """A new, empty database of this back-end (PostgreSQL missing: skipped, or failed in CI)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'kinflow.db'}"
    url = _postgres_database()
    if url is None:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    return url


def server_with(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                env: dict[str, str]) -> Iterator[Server]:
    """A server of its own with these settings, on the back-end `request.param`: the body of a
    module fixture parametrized like `server` (`yield from server_with(...)`)."""
    tmp = tmp_path_factory.mktemp(f"own-{request.param}")
    srv = start_server(tmp, database_url(request.param, tmp), request.param, env)
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp(request.param)
    srv = start_server(tmp, database_url(request.param, tmp), request.param, {**WEBHOOK_ENV, **GROUPS_ENV})
    yield srv
    stop_server(srv)


@pytest.fixture()
def admin(server: Server) -> Iterator[httpx.Client]:
    with server.admin() as client:
        yield client


def deploy_and_wait(client: httpx.Client, app_id: str | int) -> str:
    response = client.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": app_id}]})
    assert response.status_code == 200, response.text
    for _ in range(100):
        status = client.get("/k/v1/preview/app/deploy.json", params={"apps[0]": app_id}).json()
        state = status["apps"][0]["status"]
        if state != "PROCESSING":
            return state
        time.sleep(0.05)
    raise AssertionError("deploy did not finish")


def make_app(client: httpx.Client, fields: dict, name: str = "Test app", space: int | None = None) -> str:
    """An app with these form fields, deployed; returns its id."""
    body = {"name": name, **({"space": space} if space else {})}
    prefix = f"/k/guest/{space}/v1" if space else "/k/v1"
    created = client.post(f"{prefix}/preview/app.json", json=body)
    assert created.status_code == 200, created.text
    app_id = created.json()["app"]
    if fields:
        added = client.post(f"{prefix}/preview/app/form/fields.json", json={"app": app_id, "properties": fields})
        assert added.status_code == 200, added.text
    deployed = client.post(f"{prefix}/preview/app/deploy.json", json={"apps": [{"app": app_id}]})
    assert deployed.status_code == 200, deployed.text
    return app_id


def make_token(client: httpx.Client, app_id: str, **permissions: bool) -> str:
    """An API token for the app, made live by a deploy (as kintone requires)."""
    created = client.post("/kinflow/v1/apiTokens.json", json={"app": app_id, "permissions": permissions})
    assert created.status_code == 200, created.text
    assert deploy_and_wait(client, app_id) == "SUCCESS"
    return created.json()["token"]
