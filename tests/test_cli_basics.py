"""What a newcomer meets first on the command line: `kinflow --version`, `kinflow migrate` saying
it created a new database, and `kinflow serve` naming the absolute data folder it uses."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from kinflow import __version__
from tests.conftest import ADMIN_PASSWORD, database_url, free_port

BACKENDS = ["sqlite", "postgresql"]


def _kinflow(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kinflow.cli", *args], env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=120)


def test_version():
    done = _kinflow("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"kinflow {__version__}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrate_says_when_it_created_the_database(backend, tmp_path):
    env = {"KINFLOW_DATA_DIR": str(tmp_path / "data"), "KINFLOW_DATABASE_URL": database_url(backend, tmp_path)}
    first = _kinflow("migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert "Created the database" in first.stdout
    again = _kinflow("migrate", env=env)
    assert again.returncode == 0, again.stderr
    assert "Created" not in again.stdout and "up to date" in again.stdout


def test_serve_prints_the_absolute_data_folder(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "kinflow.cli", "serve"], cwd=tmp_path, text=True,
        env={**os.environ, "KINFLOW_ADMIN_PASSWORD": ADMIN_PASSWORD, "PYTHONUNBUFFERED": "1",
             "KINFLOW_PORT": str(free_port()), "KINFLOW_DATA_DIR": "relative/data", "KINFLOW_DATABASE_URL": ""},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline, line = time.monotonic() + 60, ""
        while "listening" not in line:
            assert time.monotonic() < deadline and process.poll() is None, line
            line = process.stdout.readline()
        assert process.stdout.readline() == f"Data folder: {(tmp_path / 'relative' / 'data').resolve()}\n"
        assert process.stdout.readline().startswith("In a browser: http://127.0.0.1:")
    finally:
        process.terminate()
        process.communicate(timeout=30)
