"""Flows: durable runs/s and trigger → action latency of a one-action flow.

    .venv/bin/python bench/flows.py [--database-url URL] [--rate N] [--seconds 10] [--events 3000]

Starts kinflow (SQLite in a temporary folder unless --database-url says otherwise; its built-in
delivery and run workers) and a receiver (uvicorn, a process of its own) on loopback. A flow whose
Request trigger an app's ADD_RECORD webhook calls has one `Http` action that posts the event on to
the receiver; each run writes its trigger, its action's result and its end. Measured:

- latency: records added one at a time at --rate writes/s (default: half the completed runs/s the
  throughput run sustained, the "half load" of the target) (open loop); for each, the time from the
  write to the flow's request reaching the receiver (record → webhook → run → Http action), p50, p99;
- throughput: --events records added with records.json (100 a request); completed runs/s from the
  first write to the last arrival, with zero loss checked (every record's event arrived once);
- a ceiling for both in the same run, as the machine may be loaded by other work: the same writes
  delivered by a webhook straight to the receiver, without a flow (the first leg of every run).
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

from records import AUTH, console, cpu_seconds, make_app, print_results, start_server
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


def webhook_for(client: httpx.Client, hook: str) -> int:
    """An app whose added records go by webhook straight to the receiver: the ceiling."""
    app = make_app(client, FIELDS)
    client.post("/kinflow/v1/webhooks.json", json={"app": app, "url": hook, "events": ["ADD_RECORD"]}).raise_for_status()
    httpx.delete(hook)
    return app


def throughput(base: str, app: int, hook: str, events: int, pid: int) -> tuple[float, float, int, int, float]:
    """(events/s from the first write to the last arrival, seconds the writes took, lost, twice,
    the server's CPU milliseconds per event)."""
    cpu = cpu_seconds(pid)
    started = time.time()
    asyncio.run(bulk_writes(base, app, events))
    written = time.time() - started
    got = wait_for(hook, events, timeout=600)
    last = max(arrived for _, _, arrived in got)
    lost = events - len({n for _, n, _ in got} & set(range(events)))
    twice = len(got) - len({notification for notification, _, _ in got})
    return events / (last - started), written, lost, twice, (cpu_seconds(pid) - cpu) * 1000 / events


def latency(base: str, app: int, hook: str, rate: int, seconds: int) -> tuple[list[float], int]:
    """Each write's time to the receiver in ms at `rate` writes/s, and how many arrived."""
    sent = asyncio.run(paced_writes(base, app, rate, seconds))
    got = wait_for(hook, rate * seconds, timeout=120)
    return [(arrived - sent[n]) * 1000 for _, n, arrived in got if n in sent], len({n for _, n, _ in got})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rate", type=int, default=0, help="writes/s of the latency run (default: half load)")
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
            console.print(f"ceiling: {args.events:,} records through records.json, a webhook to the receiver")
            ceiling, _, _, _, ceiling_cpu = throughput(base, webhook_for(client, hook), hook, args.events, server.pid)
            console.print(f"throughput: {args.events:,} records through records.json")
            rate, written, lost, twice, cpu = throughput(base, flow_for(client, base, hook, "throughput"), hook,
                                                         args.events, server.pid)
            rows.append(("ceiling: the same writes by webhook, no flow", f"{ceiling:,.0f}/s",
                         f"events delivered/s from the first write to the last arrival (same run); "
                         f"server CPU {ceiling_cpu:.2f} ms an event"))
            rows.append((f"completed durable runs/s, {args.events:,} events", f"{rate:,.0f}/s",
                         f"{rate / ceiling:.0%} of the ceiling; server CPU {cpu:.2f} ms a run; writes took "
                         f"{written:.1f} s; lost {lost}, twice {twice} (target ≥ 500/s)"))

            paced = args.rate or max(1, round(rate / 2))
            writes = paced * args.seconds
            console.print(f"latency: {writes:,} writes at {paced}/s, by webhook and through the flow")
            plain, _ = latency(base, webhook_for(client, hook), hook, paced, args.seconds)
            latencies, arrived = latency(base, flow_for(client, base, hook, "latency"), hook, paced, args.seconds)
            rows.append((f"ceiling: record written → webhook received, {paced} writes/s",
                         f"p50 {percentile(plain, 0.5):.1f} ms", f"p99 {percentile(plain, 0.99):.1f} ms (same run)"))
            rows.append((f"record written → flow's Http action received, {paced} writes/s",
                         f"p50 {percentile(latencies, 0.5):.1f} ms",
                         f"p99 {percentile(latencies, 0.99):.1f} ms, mean {statistics.fmean(latencies):.1f} ms, "
                         f"{arrived:,}/{writes:,} arrived (target p99 < 100 ms at half load)"))
    finally:
        server.terminate()
        server.wait(timeout=30)
        receiver.terminate()
        receiver.wait(timeout=30)
    print_results("flows benchmark", args.database_url, rows)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
