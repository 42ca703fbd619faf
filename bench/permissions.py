"""What record permissions cost a search: the same page of records, read by the same user from two
apps holding the same records, one of them with record permissions.

    .venv/bin/python bench/permissions.py [--database-url URL] [--records 50000] [--seconds 10]

Starts its own kinflow server on loopback (SQLite in a temporary folder unless --database-url says
otherwise). The guarded app's permissions are two conditions, one on a number field and one giving
each record to the user its user selection field names, so the database decides per record; the
plain app is the baseline of the same run. Requests come from wrk (`apt-get install wrk`) over one
connection; the table gives requests/s and latencies of each, and the guarded/plain ratio.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import httpx
from rich.progress import Progress

from records import AUTH, FIELDS, Rows, console, make_app, print_results, record, start_server, wrk

READER = "bench-reader"
READER_AUTH = {"X-Cybozu-Authorization": base64.b64encode(f"{READER}:pw".encode()).decode()}
GUARDED_FIELDS = {**FIELDS, "owner": {"type": "USER_SELECT", "code": "owner", "label": "Owner"}}
RIGHTS = [
    {"filterCond": "amount < 10000", "entities": [{"entity": {"type": "GROUP", "code": "everyone"}, "viewable": True}]},
    {"filterCond": "", "entities": [{"entity": {"type": "FIELD_ENTITY", "code": "owner"}, "viewable": True}]},
]
QUERIES = {
    "newest 100": {"query": "order by $id desc limit 100"},
    "newest 100 + totalCount": {"query": "order by $id desc limit 100", "totalCount": "true"},
    "amount >= 15000, newest 100": {"query": "amount >= 15000 order by $id desc limit 100"},
}


def owned(i: int) -> dict:
    # One record in ten belongs to the reader.
    return {**record(i), "owner": {"value": [{"code": READER}] if i % 10 == 0 else []}}


def load(client: httpx.Client, app: int, total: int, label: str) -> None:
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        for start in range(0, total, 2000):
            requests = [{"method": "POST", "api": "/k/v1/records.json", "payload": {
                "app": app, "records": [owned(i) for i in range(s, min(s + 100, total))]}}
                for s in range(start, min(start + 2000, total), 100)]
            client.post("/k/v1/bulkRequest.json", json={"requests": requests}).raise_for_status()
            progress.advance(task, min(2000, total - start))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    data_dir = folder / "data"
    database_url = args.database_url or f"sqlite:///{data_dir / 'kinflow.db'}"
    data_dir.mkdir()
    process, base = start_server(data_dir, database_url, 1)
    rows = Rows()
    try:
        with httpx.Client(base_url=base, headers=AUTH, timeout=120) as client:
            client.post("/kinflow/v1/users.json", json={"code": READER, "password": "pw"}).raise_for_status()
            apps = {}
            for name in ("plain", "guarded"):
                apps[name] = make_app(client, GUARDED_FIELDS)
                load(client, apps[name], args.records, f"{name}: {args.records} records")
            client.put("/k/v1/preview/record/acl.json", json={"app": apps["guarded"], "rights": RIGHTS}
                       ).raise_for_status()
            client.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": apps["guarded"]}]}).raise_for_status()
            with httpx.Client(base_url=base, headers=READER_AUTH, timeout=120) as reader:
                counts = {name: reader.get("/k/v1/records.json", params={"app": app, "totalCount": "true"}).json()[
                    "totalCount"] for name, app in apps.items()}
            rows.append(("records the reader sees", f"{counts['guarded']} of {counts['plain']}",
                         "guarded app: amount < 10000, or the reader is the owner (1 in 10)"))
            for label, params in QUERIES.items():
                results = {name: wrk(f"{base}/k/v1/records.json?{urlencode({'app': app, **params})}",
                                     seconds=args.seconds, connections=1, auth=READER_AUTH)
                           for name, app in apps.items()}
                plain, guarded = results["plain"], results["guarded"]
                rows.append((f"{label}: plain", f"{plain['rps']:.0f}/s",
                             f"p50 {plain['p50']:.1f} ms, p99 {plain['p99']:.1f} ms"))
                rows.append((f"{label}: guarded", f"{guarded['rps']:.0f}/s",
                             f"p50 {guarded['p50']:.1f} ms, p99 {guarded['p99']:.1f} ms; "
                             f"{guarded['rps'] / plain['rps']:.0%} of plain"))
        load_average = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        rows.append(("load average", load_average, f"{os.cpu_count()} cores, shared with other work"))
        print_results("record permissions on a search", args.database_url, rows)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
