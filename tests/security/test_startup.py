"""`kinflow serve` starting up: "listening" only once the port is bound; a port in use or an
unreachable database is one clear line and exit status 1, with nothing created."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from tests.conftest import ADMIN_PASSWORD, database_url, free_port

BACKENDS = ["sqlite", "postgresql"]


def _serve(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kinflow.cli", "serve"],
        env={**os.environ, "KINFLOW_ADMIN_PASSWORD": ADMIN_PASSWORD, "PYTHONUNBUFFERED": "1", **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _one_line_failure(process: subprocess.Popen, *expected: str) -> str:
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, (stdout, stderr)
    assert stdout == "", stdout  # no "listening", no password, no token
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def _tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_port_in_use_is_one_line_and_creates_nothing(backend, tmp_path):
    url = database_url(backend, tmp_path)
    data_dir = tmp_path / "data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _serve({"KINFLOW_PORT": str(port), "KINFLOW_DATA_DIR": str(data_dir),
                          "KINFLOW_DATABASE_URL": url if backend == "postgresql" else ""})
        _one_line_failure(process, f"127.0.0.1:{port}", "in use")
    assert not data_dir.exists()
    if backend == "postgresql":
        assert _tables(url) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_unreachable_database_is_one_line_and_creates_nothing(backend, tmp_path):
    data_dir = tmp_path / "data"
    if backend == "postgresql":
        closed = free_port()  # nothing listens there
        url = f"postgresql+psycopg://postgres:secret@127.0.0.1:{closed}/kinflow"
    else:
        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder")
        url = f"sqlite:///{blocker}/kinflow.db"
    process = _serve({"KINFLOW_PORT": str(free_port()), "KINFLOW_DATA_DIR": str(data_dir), "KINFLOW_DATABASE_URL": url})
    line = _one_line_failure(process, "cannot use the database")
    assert "secret" not in line  # nor the password in the URL
    assert not data_dir.exists()


@pytest.mark.parametrize("backend", BACKENDS)
def test_listening_is_printed_once_the_port_is_bound(backend, tmp_path):
    port = free_port()
    process = _serve({"KINFLOW_PORT": str(port), "KINFLOW_DATA_DIR": str(tmp_path / "data"),
                      "KINFLOW_DATABASE_URL": database_url(backend, tmp_path)})
    try:
        deadline = time.monotonic() + 60
        line = ""
        while "listening" not in line:
            assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
            line = process.stdout.readline()
        # The moment it says so, a client can connect (it may wait for the answer, it is not refused).
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    finally:
        process.terminate()
        process.communicate(timeout=30)
