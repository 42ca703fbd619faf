"""cli-kintone (`@kintone/cli`), run with node, against the real server: records with attachments
exported with `record export --attachments-dir` and imported into another app with `record import`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ADMIN_PASSWORD, make_app

CLI = Path(__file__).resolve().parent.parent / "js" / "node_modules" / ".bin" / "cli-kintone"
RECORDS = 500
FIELDS = {
    "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
    "docs": {"type": "FILE", "code": "docs", "label": "Documents"},
}


def cli(server, *args: str, cwd: Path) -> str:
    # The client takes http only from localhost.
    env = {**os.environ, "KINTONE_BASE_URL": server.base_url.replace("127.0.0.1", "localhost"), "KINTONE_USERNAME": "Administrator",
           "KINTONE_PASSWORD": ADMIN_PASSWORD}
    result = subprocess.run([shutil.which("node"), str(CLI), *args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def files_of(admin, app) -> dict[str, list[tuple[str, bytes]]]:
    """Each record's files (name, content) by its title."""
    found, last = {}, 0
    while True:
        page = admin.get("/k/v1/records.json", params={
            "app": app, "query": f"$id > {last} order by $id asc limit 500"}).json()["records"]
        if not page:
            return found
        for rec in page:
            found[rec["title"]["value"]] = [
                (f["name"], admin.get("/k/v1/file.json", params={"fileKey": f["fileKey"]}).content)
                for f in rec["docs"]["value"]]
        last = int(page[-1]["$id"]["value"])


def test_records_with_attachments_round_trip_through_cli_kintone(server, admin, tmp_path):
    assert CLI.exists(), "run `make tests/js/node_modules/.installed`"
    source = make_app(admin, FIELDS, name="cli-kintone source")
    for start in range(0, RECORDS, 100):
        batch = []
        for n in range(start, start + 100):
            keys = [admin.post("/k/v1/file.json", files={"file": (f"note-{n}.txt", f"note {n}".encode(), "text/plain")})
                    .json()["fileKey"]]
            if n % 10 == 0:  # some records hold two files, one of them binary
                keys.append(admin.post("/k/v1/file.json", files={
                    "file": (f"scan-{n}.bin", bytes([n % 256, 0, 255]), "application/octet-stream")}).json()["fileKey"])
            batch.append({"title": {"value": f"r{n}"}, "docs": {"value": [{"fileKey": k} for k in keys]}})
        added = admin.post("/k/v1/records.json", json={"app": source, "records": batch})
        assert added.status_code == 200, added.text
    attachments = tmp_path / "attachments"
    exported = cli(server, "record", "export", "--app", str(source), "--attachments-dir", str(attachments),
                   cwd=tmp_path)
    (tmp_path / "records.csv").write_text(exported, encoding="utf-8")
    assert len(list(attachments.rglob("*.*"))) == RECORDS + RECORDS // 10

    target = make_app(admin, FIELDS, name="cli-kintone target")
    cli(server, "record", "import", "--app", str(target), "--file-path", "records.csv",
        "--attachments-dir", str(attachments), cwd=tmp_path)
    assert files_of(admin, target) == files_of(admin, source)
