"""The groups API under load: messages posted and delivered to webhook subscribers, members added,
a member's groups listed.

    .venv/bin/python bench/groups.py [--database-url URL] [--seconds 5] [--workers 1] [--worker-process]

Starts its own kinflow server on loopback (SQLite in a temporary folder unless --database-url says
otherwise; the groups API's throttling off) and a webhook receiver in this process, signs a person in
by PIN (read from the server log), and prints:

- messages/s posted to a group with 10 webhook subscribers (wrk, 16 connections), and the
  deliveries/s that follow, counted until every one has arrived;
- post → webhook received p50/p99 at 200 messages/s with one subscriber (a paced sender);
- a ceiling for both in the same run, as the machine may be loaded by other work: kintone's
  single-record add with wrk's 16 connections, and a no-op route (`/healthz`) answered to the same
  paced sender at 200/s;
- members/s adding 5,000 members to a group, 100 a call;
- the p99 of listing a member's groups when they belong to 1,000 groups (wrk, 4 connections).

With --worker-process the server delivers nothing itself (`--no-workers`, as at scale) and a
`kinflow worker` process of its own on the same database delivers every event.

Targets on 2 cores: ≥ 1,000 messages/s posted, p99 < 50 ms. Needs wrk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from aiohttp import web

from records import AUTH, cpu_seconds, make_app, print_results, start_server, wrk

GROUPS_ENV = {"KINFLOW_GROUPS_CONNECTOR_RATE": "0", "KINFLOW_GROUPS_TENANT_RATE": "0",
              "KINFLOW_WEBHOOK_ALLOW": "127.0.0.0/8"}
SCOPES = ["groupinfo.read", "groupinfo.write", "groupmember.read", "groupmember.write", "textmessage.write",
          "webhook.write"]


class Receiver:
    """A webhook receiver on its own event loop: echoes the validation handshake, notes each event's
    arrival time and, for messages whose text is a send time, the latency."""

    def __init__(self) -> None:
        self.count = 0
        self.latencies: list[float] = []
        self.port = 0
        started = threading.Event()
        threading.Thread(target=self._run, args=(started,), daemon=True).start()
        started.wait()

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/hook/{n}"

    async def _handshake(self, request: web.Request) -> web.Response:
        return web.Response(text=request.query.get("validationToken", ""))

    async def _event(self, request: web.Request) -> web.Response:
        event = await request.json()
        now = time.time()
        self.count += 1
        text = event.get("data", {}).get("text", "")
        if text.startswith("t="):
            self.latencies.append((now - float(text[2:])) * 1000)
        return web.Response(text="{}")

    def _run(self, started: threading.Event) -> None:
        async def serve() -> None:
            app = web.Application()
            app.router.add_get("/hook/{n}", self._handshake)
            app.router.add_post("/hook/{n}", self._event)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            started.set()
            await asyncio.Event().wait()

        asyncio.run(serve())


def sign_in(base: str, log: Path, scopes: list[str] = SCOPES) -> str:
    """An access token for a new connector and a person signed in by PIN."""
    with httpx.Client(base_url=base, headers=AUTH, timeout=60) as admin:
        connector = admin.post("/kinflow/v1/groups/connectors.json", json={"name": "Bench", "scopes": scopes}).json()
    mobile = "+14155550100"
    with httpx.Client(base_url=f"{base}/kaizala/v1", timeout=60) as client:
        client.post("/generatePin", json={"mobileNumber": mobile, "applicationId": connector["applicationId"]})
        for _ in range(100):
            found = re.findall(rf"PIN (\d+) for {re.escape(mobile)} ", log.read_text(errors="replace"))
            if found:
                break
            time.sleep(0.05)
        refresh = client.post("/loginWithPinAndApplicationId", json={
            "mobileNumber": mobile, "applicationId": connector["applicationId"], "pin": found[-1]}).json()["refreshToken"]
        return client.get("/accessToken", headers={"applicationId": connector["applicationId"],
                                                   "applicationSecret": connector["applicationSecret"],
                                                   "refreshToken": refresh}).json()["accessToken"]


def subscribe(client: httpx.Client, group_id: str, url: str) -> None:
    client.post("/webhook", json={"objectId": group_id, "objectType": "Group", "eventTypes": ["TextMessageCreated"],
                                  "callBackUrl": url}).raise_for_status()


def wait_for(receiver: Receiver, count: int, timeout: float = 300) -> float:
    """Seconds until the receiver has `count` events."""
    started = time.monotonic()
    while receiver.count < count:
        if time.monotonic() - started > timeout:
            raise SystemExit(f"only {receiver.count} of {count} events arrived")
        time.sleep(0.01)
    return time.monotonic() - started


def paced(url: str, headers: dict[str, str], body: Callable[[], dict] | None, rate: int,
          seconds: int) -> tuple[int, list[float]]:
    """POST `rate` requests a second for `seconds`, each with a new `body()` (GET without one): how
    many were answered 200, and each answer's time in milliseconds."""
    async def run() -> tuple[int, list[float]]:
        async with httpx.AsyncClient(headers=headers, limits=httpx.Limits(max_connections=32)) as client:
            async def post() -> tuple[int, float]:
                started = time.perf_counter()
                answer = await (client.get(url) if body is None else client.post(url, json=body()))
                return answer.status_code, (time.perf_counter() - started) * 1000

            tasks = []
            start = time.monotonic()
            for i in range(rate * seconds):
                await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
                tasks.append(asyncio.create_task(post()))
            answers = await asyncio.gather(*tasks)
            return sum(1 for status, _ in answers if status == 200), sorted(ms for _, ms in answers)

    return asyncio.run(run())


def p99(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--worker-process", action="store_true",
                        help="deliver from a `kinflow worker` process instead of inside the server")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    database_url = args.database_url or f"sqlite:///{folder / 'kinflow.db'}"
    env = {**GROUPS_ENV, "KINFLOW_DELIVERY_WORKER": "false"} if args.worker_process else GROUPS_ENV
    process, base = start_server(folder / "data", database_url, args.workers, env)
    worker = None
    if args.worker_process:
        worker = subprocess.Popen([sys.executable, "-m", "kinflow.cli", "worker"], env={
            **os.environ, **env, "KINFLOW_DATA_DIR": str(folder / "data"), "KINFLOW_DATABASE_URL": database_url},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    receiver = Receiver()
    rows = []
    try:
        token = sign_in(base, folder / "server.log")
        with httpx.Client(base_url=f"{base}/kaizala/v1", headers={"accessToken": token}, timeout=60) as client:
            busy = client.post("/groups", json={"name": "Ten subscribers", "welcomeMessage": "Hi"}).json()["groupId"]
            for n in range(10):
                subscribe(client, busy, receiver.url(n))
            # The ceiling on this machine as it is loaded now, measured in the same run: kintone's
            # single-record add, one write transaction without subscribers.
            with httpx.Client(base_url=base, headers=AUTH, timeout=60) as admin:
                app = make_app(admin)
            ceiling = wrk(f"{base}/k/v1/record.json", seconds=args.seconds, connections=16, method="POST",
                          body=json.dumps({"app": app, "record": {"code": {"value": "C1"}}}))
            cpu = [cpu_seconds(running.pid) for running in (process, worker) if running is not None]
            posted = wrk(f"{base}/kaizala/v1/groups/{busy}/messages", seconds=args.seconds, connections=16,
                         method="POST", body='{"message": "Hello from the benchmark"}',
                         headers={"accessToken": token}, auth={})
            sent = round(posted["rps"] * args.seconds)
            # wrk's count is approximate at the end of the run: wait for the events that are there.
            settle = wait_for(receiver, int(sent * 10 * 0.98))
            cpu = [(cpu_seconds(running.pid) - before) * 1000 / max(sent, 1)
                   for running, before in zip((process, worker), cpu, strict=False)]
            rows.append(("ceiling: kintone POST record.json", f"{ceiling['rps']:,.0f}/s",
                         f"p50 {ceiling['p50']:.1f} ms, p99 {ceiling['p99']:.1f} ms (same run, 16 connections)"))
            where = "a worker process delivers" if args.worker_process else "the server delivers"
            rows.append((f"messages posted, 10 subscribers ({where})", f"{posted['rps']:,.0f}/s",
                         f"p50 {posted['p50']:.1f} ms, p99 {posted['p99']:.1f} ms, "
                         f"{posted['rps'] / ceiling['rps']:.0%} of the ceiling"))
            rows.append(("deliveries that follow", f"{receiver.count / (args.seconds + settle):,.0f}/s",
                         f"{receiver.count:,} events, the last {settle:.1f} s after posting stopped; CPU a message "
                         f"with its 10 deliveries: " + " + ".join(f"{ms:.2f} ms" for ms in cpu)
                         + (" (server + worker)" if worker else " (server)")))

            one = client.post("/groups", json={"name": "One subscriber", "welcomeMessage": "Hi"}).json()["groupId"]
            subscribe(client, one, receiver.url(99))
            before = receiver.count
            ok, _ = paced(f"{base}/kaizala/v1/groups/{one}/messages", {"accessToken": token},
                          lambda: {"message": f"t={time.time()}"}, 200, args.seconds)
            wait_for(receiver, before + ok)
            latencies = sorted(receiver.latencies)
            _, answered = paced(f"{base}/healthz", {}, None, 200, args.seconds)
            rows.append(("post → webhook at 200 messages/s", f"p50 {statistics.median(latencies):.1f} ms",
                         f"p99 {p99(latencies):.1f} ms over {len(latencies)} messages"))
            rows.append(("ceiling: /healthz answered at 200/s", f"p50 {statistics.median(answered):.1f} ms",
                         f"p99 {p99(answered):.1f} ms (same run, same paced client, a no-op route)"))

            big = client.post("/groups", json={"name": "Five thousand", "welcomeMessage": "Hi"}).json()["groupId"]
            started = time.perf_counter()
            for call in range(50):
                client.put(f"/groups/{big}/members", json={
                    "members": [f"+4420{70000000 + call * 100 + i}" for i in range(100)]}).raise_for_status()
            elapsed = time.perf_counter() - started
            rows.append(("members added (100 a call)", f"{5000 / elapsed:,.0f}/s", f"5,000 in {elapsed:.1f} s"))

            for n in range(1000 - 3):
                client.post("/groups", json={"name": f"Group {n}", "welcomeMessage": "Hi"}).raise_for_status()
            listed = wrk(f"{base}/kaizala/v1/groups", seconds=args.seconds, connections=4,
                         headers={"accessToken": token}, auth={})
            rows.append(("a member's 1,000 groups listed", f"p99 {listed['p99']:.1f} ms",
                         f"p50 {listed['p50']:.1f} ms, {listed['rps']:,.0f}/s"))
    finally:
        for running in (process, worker):
            if running is not None:
                running.terminate()
                running.wait()
        shutil.rmtree(folder, ignore_errors=True)
    print_results("groups", args.database_url, rows)


if __name__ == "__main__":
    main()
