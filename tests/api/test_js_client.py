"""The official `@kintone/rest-api-client`, run with node, against the real server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ADMIN_PASSWORD

JS_TESTS = Path(__file__).resolve().parent.parent / "js"


def test_official_javascript_client(server):
    node = shutil.which("node")
    assert node, "node is required: install Node.js 20+"
    assert (JS_TESTS / "node_modules" / "@kintone" / "rest-api-client").is_dir(), "run `make test` to install"
    env = {**os.environ, "KINFLOW_BASE_URL": server.base_url, "KINFLOW_USER": "Administrator",
           "KINFLOW_PASSWORD": ADMIN_PASSWORD}
    result = subprocess.run([node, "--test", "--test-reporter=spec"], cwd=JS_TESTS, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    passed = re.search(r"pass (\d+)", result.stdout)
    assert passed and int(passed[1]) >= 8 and re.search(r"fail 0\b", result.stdout), result.stdout[-3000:]
