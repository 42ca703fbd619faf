"""Flows: durable runs/s and trigger → action latency of a one-action flow.

    .venv/bin/python bench/flows.py [--database-url URL] [--rate 100] [--seconds 10] [--events 3000]

Starts kinflow (SQLite in a temporary folder unless --database-url says otherwise; its built-in
delivery and run workers) and a receiver (uvicorn, a process of its own) on loopback. A flow whose
Request trigger an app's ADD_RECORD webhook calls has one `Http` action that posts the event on to
the receiver; each run writes its trigger, its action's result and its end. Measured:

- latency: records added one at a time at --rate writes/s (open loop); for each, the time from the
  write to the flow's request reaching the receiver (record → webhook → run → Http action), p50, p99;
- throughput: --events records added with records.json (100 a request); completed runs/s from the
  first write to the last arrival, with zero loss checked (every record's event arrived once).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from records import AUTH, console, make_app, print_results, start_server
from webhooks import FIELDS, bulk_writes, paced_writes, percentile, start_receiver, wait_for


def flow_for(client: httpx.Client, base: str, hook: str, name: str) -> int:
    """An app whose added records start a run of a one-action flow posting to the receiver."""
    flow = client.post("/kinflow/v1/flows.json", json={"name": name, "definition": {
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"Forward": {"type": "Http", "inputs": {"method": "POST", "uri": hook, "body": "@triggerBody()"},
                                "retryPolicy": {"type": "none"}}}}})
    flow.raise_for_status()
    url = urlsplit(flow.json()["callbackUrl"])
    app = make_app(client, FIELDS)
    client.post("/kinflow/v1/webhooks.json", json={"app": app, "url": f"{base}{url.path}?{url.query}",
                                                   "events": ["ADD_RECORD"]}).raise_for_status()
    httpx.delete(hook)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rate", type=int, default=100, help="writes/s of the latency run")
    parser.add_argument("--seconds", type=int, default=10, help="length of the latency run")
    parser.add_argument("--events", type=int, default=3000, help="events of the throughput run")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kinflow-bench-"))
    database_url = args.database_url or f"sqlite:///{work / 'data' / 'kinflow.db'}"
    receiver, hook = start_receiver()
    server, base = start_server(work / "data", database_url, 1, {"KINFLOW_WEBHOOK_ALLOW": "127.0.0.0/8",
                                                                "KINFLOW_FLOW_CONCURRENCY": "64"})
    rows: list[tuple[str, str, str]] = []
    try:
        with httpx.Client(base_url=base, headers=AUTH, timeout=120) as client:
            throughput_app = flow_for(client, base, hook, "throughput")
            console.print(f"throughput: {args.events:,} records through records.json")
            started = time.time()
            asyncio.run(bulk_writes(base, throughput_app, args.events))
            written = time.time() - started
            got = wait_for(hook, args.events, timeout=600)
            last = max(arrived for _, _, arrived in got)
            numbers = {n for _, n, _ in got}
            lost = args.events - len(numbers & set(range(args.events)))
            twice = len(got) - len({notification for notification, _, _ in got})
            rate = args.events / (last - started)
            rows.append((f"completed durable runs/s, {args.events:,} events", f"{rate:,.0f}/s",
                         f"writes took {written:.1f} s, last run's request at {last - started:.1f} s; lost {lost}, "
                         f"twice {twice} (target ≥ 500/s)"))

            latency_app = flow_for(client, base, hook, "latency")
            writes = args.rate * args.seconds
            console.print(f"latency: {writes:,} writes at {args.rate}/s")
            sent = asyncio.run(paced_writes(base, latency_app, args.rate, args.seconds))
            got = wait_for(hook, writes, timeout=120)
            latencies = [(arrived - sent[n]) * 1000 for _, n, arrived in got if n in sent]
            rows.append((f"record written → flow's Http action received, {args.rate} writes/s",
                         f"p50 {percentile(latencies, 0.5):.1f} ms",
                         f"p99 {percentile(latencies, 0.99):.1f} ms, mean {statistics.fmean(latencies):.1f} ms, "
                         f"{len({n for _, n, _ in got}):,}/{writes:,} arrived (target p99 < 100 ms at half load)"))
    finally:
        server.terminate()
        server.wait(timeout=30)
        receiver.terminate()
        receiver.wait(timeout=30)
    print_results("flows benchmark", args.database_url, rows)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
