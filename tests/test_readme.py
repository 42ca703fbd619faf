"""Every command block of README.md and docs/ runs as written against a started kinflow, so the
documentation cannot rot.

A command block is a fence marked `sh`, `bash` or `shell`. It runs in bash (`set -euo pipefail`)
with three substitutions, the same for every block and described in the README: the address
`http://127.0.0.1:8080` becomes the test server's, `<password>` the Administrator's password and
`<token>` the example app's API token. `curl` fails on an HTTP error (`--fail-with-body`), so a
block succeeds only when every request in it does. The server runs on PostgreSQL, so the backup
commands (`pg_dump`, `createdb`, `pg_restore`) run for real against its database.

A block that cannot run here carries `<!-- not run: why -->` on the line before its fence; such
blocks must stay rare and say why.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.conftest import ADMIN_PASSWORD, POSTGRES_ADMIN_URL, server_with

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
COMMAND_LANGUAGES = {"sh", "bash", "shell"}
MAX_NOT_RUN = 2
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_NOT_RUN = re.compile(r"<!-- not run: (.+?) -->\n$")
RESTORED = "kinflow_restored"  # the database the README's pg_restore fills


@dataclass(frozen=True)
class Block:
    where: str
    language: str
    text: str
    not_run: str | None  # the reason given, for a block the test does not run


def blocks() -> list[Block]:
    found = []
    for path in DOCUMENTS:
        text = path.read_text()
        for match in _FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            marker = _NOT_RUN.search(text[max(0, match.start() - 400):match.start()])
            found.append(Block(f"{path.relative_to(ROOT)}:{line}", match.group(1), match.group(2),
                               marker.group(1) if marker else None))
    return found


COMMANDS = [block for block in blocks() if block.language in COMMAND_LANGUAGES]


def test_blocks_not_run_are_rare_and_say_why():
    not_run = [block for block in COMMANDS if block.not_run]
    assert len(not_run) <= MAX_NOT_RUN, [block.where for block in not_run]
    for block in not_run:
        assert len(block.not_run.split()) >= 8, f"{block.where}: say why it cannot run"
    assert len(COMMANDS) - len(not_run) >= 5, "the README's commands were not found"


@pytest.fixture(scope="module", params=["postgresql"])
def documented_server(request, tmp_path_factory):
    yield from server_with(request, tmp_path_factory, {})


def _token(server) -> str:
    found = re.search(r"API token: (\S+)", server.log_path.read_text())
    assert found, "the example app's token is printed on first start"
    return found.group(1)


def _drop_restored() -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{RESTORED}" WITH (FORCE)')


@pytest.mark.parametrize("block", [b for b in COMMANDS if not b.not_run], ids=lambda b: b.where)
def test_command_block_runs(block, documented_server, tmp_path):
    script = (block.text.replace("http://127.0.0.1:8080", documented_server.base_url)
              .replace("<password>", ADMIN_PASSWORD).replace("<token>", _token(documented_server)))
    database = documented_server.database_url.replace("+psycopg", "")
    env = {**os.environ, "DATABASE": database, "PGHOST": "127.0.0.1", "PGUSER": "postgres"}
    prelude = 'set -euo pipefail\ncurl() { command curl --fail-with-body --silent --show-error "$@"; }\n'
    _drop_restored()
    try:
        done = subprocess.run(["bash", "-c", prelude + script], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=120)
    finally:
        _drop_restored()
    assert done.returncode == 0, f"{block.where} failed:\n{script}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
