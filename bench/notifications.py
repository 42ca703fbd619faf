"""What notifications cost record writes, and how fast an inbox is read.

    .venv/bin/python bench/notifications.py [--database-url URL] [--edits 10000] [--concurrency 16]

Starts kinflow (SQLite in a temporary folder unless --database-url says otherwise) with 100 users
and two apps of 1,000 records each: one without notification settings, one with 20 per-record
settings (each naming 5 of the users, conditions on the amount so that a typical edit matches
about half of them). Then, in the same run:

- edits/s: --edits single-record edits (`PUT record.json`, --concurrency in flight) on each app,
  and their ratio: the price of computing and writing the recipients in the edit's transaction;
- the inbox: `GET /kinflow/v1/notifications.json` (20 newest, and unread only) of a user with
  many notifications, p50 and p99 under wrk.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx

from records import AUTH, console, make_app, print_results, start_server, wrk

FIELDS = {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
          "amount": {"type": "NUMBER", "code": "amount", "label": "Amount"},
          "owner": {"type": "USER_SELECT", "code": "owner", "label": "Owner"}}
USERS = [f"bench-user-{i:03d}" for i in range(100)]
RECORDS = 1_000


def per_record_settings() -> list[dict]:
    return [{"filterCond": f"amount >= {k * 50}", "title": f"Amount over {k * 50}",
             "targets": [{"entity": {"type": "USER", "code": user}, "includeSubs": False}
                         for user in USERS[k * 5:k * 5 + 5]]}
            for k in range(20)]


def deploy(client: httpx.Client, app: int) -> None:
    client.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": app}]}).raise_for_status()
    for _ in range(600):
        state = client.get("/k/v1/preview/app/deploy.json", params={"apps[0]": app}).json()["apps"][0]["status"]
        if state != "PROCESSING":
            assert state == "SUCCESS", state
            return
        time.sleep(0.05)


def fill(client: httpx.Client, app: int) -> list[int]:
    ids: list[int] = []
    for start in range(0, RECORDS, 100):
        records = [{"title": {"value": f"Deal {i}"}, "amount": {"value": str(i % 1000)},
                    "owner": {"value": [{"code": USERS[i % 100]}]}} for i in range(start, start + 100)]
        response = client.post("/k/v1/records.json", json={"app": app, "records": records})
        response.raise_for_status()
        ids.extend(int(i) for i in response.json()["ids"])
    return ids


async def edits(base: str, app: int, ids: list[int], total: int, concurrency: int) -> float:
    """Edit random records `total` times; returns edits/s."""
    rng = random.Random(app)
    plan = [(rng.choice(ids), rng.randrange(1000)) for _ in range(total)]
    async with aiohttp.ClientSession(base, headers=AUTH,
                                     connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        async def worker(first: int) -> None:
            for record_id, amount in plan[first::concurrency]:
                async with session.put("/k/v1/record.json", json={
                        "app": app, "id": record_id, "record": {"amount": {"value": str(amount)}}}) as response:
                    response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        return total / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--edits", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=5, help="wrk run of each inbox listing")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kinflow-bench-"))
    database_url = args.database_url or f"sqlite:///{work / 'data' / 'kinflow.db'}"
    server, base = start_server(work / "data", database_url, 1)
    rows: list[tuple[str, str, str]] = []
    try:
        with httpx.Client(base_url=base, headers=AUTH, timeout=120) as client:
            for user in USERS:
                client.post("/kinflow/v1/users.json", json={"code": user, "password": "pw"}).raise_for_status()
            plain = make_app(client, FIELDS)
            notified = make_app(client, FIELDS)
            client.put("/k/v1/preview/app/notifications/perRecord.json",
                       json={"app": notified, "notifications": per_record_settings()}).raise_for_status()
            deploy(client, notified)
            plain_ids, notified_ids = fill(client, plain), fill(client, notified)
            console.print(f"{args.edits:,} edits on each app …")
            # Alternate halves so that neither app is measured only on a warm (or a cold) server.
            half = args.edits // 2
            rates = {plain: [], notified: []}
            for app, ids in ((plain, plain_ids), (notified, notified_ids), (notified, notified_ids),
                             (plain, plain_ids)):
                rates[app].append(asyncio.run(edits(base, app, ids, half, args.concurrency)))
            without = 2 / sum(1 / r for r in rates[plain])
            with_settings = 2 / sum(1 / r for r in rates[notified])
            count = client.get("/kinflow/v1/notifications/count.json",
                               headers={"X-Cybozu-Authorization": base64.b64encode(
                                   f"{USERS[0]}:pw".encode()).decode()}).json()["unread"]
            rows.append((f"PUT record.json, no notification settings ({args.edits:,} edits)",
                         f"{without:,.0f} edits/s", f"concurrency {args.concurrency}"))
            rows.append((f"PUT record.json, 20 per-record settings ({args.edits:,} edits)",
                         f"{with_settings:,.0f} edits/s",
                         f"ratio {with_settings / without:.0%} of the plain app; {USERS[0]} has {count:,} unread"))
        header = base64.b64encode(f"{USERS[0]}:pw".encode()).decode()
        for label, query in (("20 newest", "limit=20"), ("20 newest unread", "limit=20&unread=true")):
            r = wrk(f"{base}/kinflow/v1/notifications.json?{query}", seconds=args.seconds, connections=4,
                    headers={"X-Cybozu-Authorization": header})
            rows.append((f"GET notifications.json, {label}", f"p99 {r['p99']:.1f} ms",
                         f"p50 {r['p50']:.1f} ms, {r['rps']:,.0f} req/s, concurrency 4"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print_results("notifications benchmark", args.database_url, rows)
    print(json.dumps({"rows": rows}))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
