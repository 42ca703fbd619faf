"""Webhook delivery: latency from a record write to the webhook's arrival, and delivered events/s.

    .venv/bin/python bench/webhooks.py [--database-url URL] [--rate 200] [--seconds 15] [--events 20000]

Starts kinflow (SQLite in a temporary folder unless --database-url says otherwise; its built-in
delivery worker) and a webhook receiver (uvicorn, a process of its own) on loopback, subscribes the
receiver to an app's ADD_RECORD events and measures:

- latency: records added one at a time at --rate writes/s (open loop: a write starts on schedule
  whether or not the previous one has answered); for each, the time from sending the write to the
  webhook's arrival, p50 and p99;
- throughput: --events records added with records.json (100 a request) as fast as the server takes
  them; delivered events/s from the first write to the last arrival, with zero loss checked (every
  record's event arrived, no notification twice), against a ceiling measured in the same run: the
  same writes to an app without webhooks.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx
import orjson

from records import AUTH, console, cpu_seconds, free_port, make_app, print_results, start_server

FIELDS = {"n": {"type": "NUMBER", "code": "n", "label": "N"},
          "name": {"type": "SINGLE_LINE_TEXT", "code": "name", "label": "Name"}}


def receiver_app():  # noqa: ANN201 - an ASGI callable
    """Notes (notification id, record n, arrival time) of each webhook; GET answers them all."""
    arrivals: list[tuple[str, int, float]] = []

    async def app(scope, receive, send) -> None:  # noqa: ANN001
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if scope["method"] == "POST":
            arrived = time.time()
            event = orjson.loads(body)
            arrivals.append((event["id"], int(event["record"]["n"]["value"]), arrived))
            answer = b"{}"
        elif scope["method"] == "DELETE":
            arrivals.clear()
            answer = b"{}"
        else:
            answer = orjson.dumps(arrivals)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": answer})

    return app


def start_receiver() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--receive", str(port)])
    url = f"http://127.0.0.1:{port}/hook"
    for _ in range(100):
        try:
            httpx.get(url, timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the receiver did not start")


def arrivals(url: str) -> list[tuple[str, int, float]]:
    return orjson.loads(httpx.get(url, timeout=60).content)


def wait_for(url: str, count: int, timeout: float) -> list[tuple[str, int, float]]:
    deadline = time.monotonic() + timeout
    while True:
        got = arrivals(url)
        if len({n for _, n, _ in got}) >= count or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


async def paced_writes(base: str, app: int, rate: int, seconds: int) -> dict[int, float]:
    """Add rate × seconds records on schedule; returns when each write was sent, by its n.
    (aiohttp: an httpx async client would spend more CPU than the server it measures.)"""
    sent: dict[int, float] = {}
    async with aiohttp.ClientSession(base, headers=AUTH, connector=aiohttp.TCPConnector(limit=64)) as client:
        async def write(n: int) -> None:
            sent[n] = time.time()
            async with client.post("/k/v1/record.json", json={"app": app, "record": {
                    "n": {"value": str(n)}, "name": {"value": f"Customer {n}"}}}) as response:
                response.raise_for_status()

        start = time.monotonic()
        tasks = []
        for n in range(rate * seconds):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(write(n)))
        await asyncio.gather(*tasks)
    return sent


async def bulk_writes(base: str, app: int, total: int) -> None:
    async with aiohttp.ClientSession(base, headers=AUTH) as client:
        async def batches(first: int, step: int) -> None:
            for start in range(first, total, step):
                records = [{"n": {"value": str(n)}, "name": {"value": f"Customer {n}"}}
                           for n in range(start, min(start + 100, total))]
                async with client.post("/k/v1/records.json", json={"app": app, "records": records}) as response:
                    response.raise_for_status()

        await asyncio.gather(*(batches(first * 100, 200) for first in range(2)))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rate", type=int, default=200, help="writes/s of the latency run")
    parser.add_argument("--seconds", type=int, default=15, help="length of the latency run")
    parser.add_argument("--events", type=int, default=20_000, help="events of the throughput run")
    parser.add_argument("--receive", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receive:
        import uvicorn

        uvicorn.run(receiver_app(), host="127.0.0.1", port=args.receive, log_level="warning", access_log=False,
                    lifespan="off")
        return

    work = Path(tempfile.mkdtemp(prefix="kinflow-bench-"))
    database_url = args.database_url or f"sqlite:///{work / 'data' / 'kinflow.db'}"
    receiver, hook = start_receiver()
    server, base = start_server(work / "data", database_url, 1, {"KINFLOW_WEBHOOK_ALLOW": "127.0.0.0/8"})
    rows: list[tuple[str, str, str]] = []
    try:
        with httpx.Client(base_url=base, headers=AUTH, timeout=120) as client:
            def subscribed_app() -> int:
                app = make_app(client, FIELDS)
                client.post("/kinflow/v1/webhooks.json",
                            json={"app": app, "url": hook, "events": ["ADD_RECORD"]}).raise_for_status()
                httpx.delete(hook)
                return app

            latency_app = subscribed_app()
            writes = args.rate * args.seconds
            console.print(f"latency: {writes:,} writes at {args.rate}/s")
            sent = asyncio.run(paced_writes(base, latency_app, args.rate, args.seconds))
            got = wait_for(hook, writes, timeout=60)
            latencies = [(arrived - sent[n]) * 1000 for _, n, arrived in got if n in sent]
            rows.append((f"write → webhook received, {args.rate} writes/s for {args.seconds} s",
                         f"p50 {percentile(latencies, 0.5):.1f} ms",
                         f"p99 {percentile(latencies, 0.99):.1f} ms, mean {statistics.fmean(latencies):.1f} ms, "
                         f"{len({n for _, n, _ in got}):,}/{writes:,} arrived (target p50 < 10 ms, p99 < 50 ms)"))

            # The ceiling of the throughput run, measured in the same run: the same writes to an app
            # nobody subscribes to (records/s written), as the machine may be loaded by other work.
            plain_app = make_app(client, FIELDS)
            started = time.time()
            asyncio.run(bulk_writes(base, plain_app, args.events))
            ceiling = args.events / (time.time() - started)
            rows.append((f"ceiling: the same {args.events:,} records written, no webhook", f"{ceiling:,.0f}/s",
                         "records.json, 100 a request (same run)"))

            throughput_app = subscribed_app()
            console.print(f"throughput: {args.events:,} records through records.json")
            cpu = cpu_seconds(server.pid)
            started = time.time()
            asyncio.run(bulk_writes(base, throughput_app, args.events))
            written = time.time() - started
            got = wait_for(hook, args.events, timeout=300)
            cpu = (cpu_seconds(server.pid) - cpu) * 1000 / args.events
            last = max(arrived for _, _, arrived in got)
            numbers = {n for _, n, _ in got}
            duplicates = len(got) - len({notification for notification, _, _ in got})
            lost = args.events - len(numbers & set(range(args.events)))
            rate = args.events / (last - started)
            rows.append((f"delivered events/s, {args.events:,} events", f"{rate:,.0f}/s",
                         f"{rate / ceiling:.0%} of the ceiling; "
                         f"server CPU {cpu:.2f} ms an event (its write included); "
                         f"writes took {written:.1f} s, last arrival at {last - started:.1f} s; "
                         f"lost {lost}, delivered twice {duplicates} (target ≥ 1,000/s, zero loss)"))
    finally:
        server.terminate()
        server.wait(timeout=30)
        receiver.terminate()
        receiver.wait(timeout=30)
    print_results("webhooks benchmark", args.database_url, rows)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
