"""Server time of the web interface's pages, signed in with a browser session.

    .venv/bin/python bench/pages.py [--database-url URL] [--records 100000] [--seconds 5]

Starts its own kinflow server on loopback (SQLite in a temporary folder unless --database-url says
otherwise), loads an app of `--records` records and a record with 50 comments, signs in at /login
and measures with wrk (one connection: the time one page takes, not throughput) the record list
(first page, a filtered and sorted page, a page deep in the list) and the record page (newest
comments, and a permalink to the oldest comment, which loads all 50). Target: p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

import httpx
from records import AUTH, PASSWORD, load, make_app, print_results, start_server, wrk

TARGET_MS = 100.0


def _session(base: str) -> str:
    with httpx.Client(base_url=base) as client:
        signed = client.post("/login", data={"username": "Administrator", "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        return client.cookies["kinflow_session"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="kinflow-bench-pages-"))
    database_url = args.database_url or f"sqlite:///{folder / 'data' / 'kinflow.db'}"
    (folder / "data").mkdir()
    server, base = start_server(folder / "data", database_url, 1)
    rows = []
    try:
        with httpx.Client(base_url=base, headers=AUTH, timeout=600) as client:
            app = make_app(client)
            rate = load(client, app, args.records, f"loading {args.records:,} records")
            rows.append(("load", f"{rate:,.0f} records/s", f"{args.records:,} records through bulkRequest"))
            record = client.get("/k/v1/records.json", params={"app": app, "query": "limit 1"}).json()
            record_id = record["records"][0]["$id"]["value"]
            for number in range(50):
                client.post("/k/v1/record/comment.json", json={
                    "app": app, "record": record_id, "comment": {"text": f"comment {number} " + "words " * 20}},
                ).raise_for_status()
        session = {"Cookie": f"kinflow_session={_session(base)}"}
        pages = [
            ("record list, first page", f"/k/{app}/"),
            ("record list, filtered and sorted", f"/k/{app}/?query=" + quote('amount > 50000 order by amount desc')),
            ("record list, offset 5,000", f"/k/{app}/?query=&offset=5000"),
            ("record page, 10 newest comments", f"/k/{app}/show?record={record_id}"),
            ("record page, permalink to comment 1 (all 50)", f"/k/{app}/show?record={record_id}&comment=1"),
        ]
        for label, path in pages:
            with httpx.Client(base_url=base, headers=session) as client:
                page = client.get(path)
                assert page.status_code == 200, (path, page.status_code, page.text[:300])
            result = wrk(f"{base}{path}", seconds=args.seconds, connections=1, auth={}, headers=session)
            verdict = "ok" if result["p99"] < TARGET_MS else "OVER TARGET"
            rows.append((label, f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms",
                         f"{result['rps']:.0f} pages/s on one connection; target p99 < {TARGET_MS:.0f} ms: {verdict}"))
    finally:
        server.terminate()
        server.wait(timeout=30)
        print_results(f"pages ({args.records:,} records)", args.database_url, rows)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
