"""Record throughput and query latency of kinflow's kintone API.

    .venv/bin/python bench/records.py [--database-url URL] [--records 1000000] [--workers 1]
                                      [--single-only | --formulas-only]

Starts its own kinflow server on loopback (SQLite in a temporary folder unless --database-url says
otherwise), loads data through the API and prints one table. Single writes are measured against a
ceiling in the same run: a no-op JSON endpoint on the same Starlette and uvicorn. Load is generated with wrk
(`apt-get install wrk`) so the client does not compete with the server for the CPU more than needed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-secret"
AUTH = {"X-Cybozu-Authorization": base64.b64encode(f"Administrator:{PASSWORD}".encode()).decode()}
FIELDS = {
    "code": {"type": "SINGLE_LINE_TEXT", "code": "code", "label": "Code"},
    "name": {"type": "SINGLE_LINE_TEXT", "code": "name", "label": "Name"},
    "amount": {"type": "NUMBER", "code": "amount", "label": "Amount"},
    "day": {"type": "DATE", "code": "day", "label": "Day"},
}
# The same form with 10 calculated fields (arithmetic, functions, dates, CALC using CALC).
FORMULAS = {
    "c0": "amount * 2", "c1": "amount / 7", "c2": "ROUND(amount * 1.1, 0)", "c3": "c0 + c1",
    "c4": "IF(amount > 50000, amount - 50000, 0)", "c5": "day + 60*60*24*30", "c6": "SUM(amount, c0, c2)",
    "c7": "amount ^ 2", "c8": "ROUNDDOWN(c1, 1)", "c9": "IF(AND(amount > 10, c0 < 100000), 1, 0)",
}
CALC_FIELDS = {**FIELDS, **{code: {"type": "CALC", "code": code, "label": code, "expression": formula,
                                   **({"format": "DATE"} if code == "c5" else {})}
                            for code, formula in FORMULAS.items()}}
console = Console(width=140)
WRK_THREADS = 2


def record(i: int) -> dict:
    return {"code": {"value": f"C{i:08d}"}, "name": {"value": f"Customer {i % 997}"},
            "amount": {"value": str(i % 100_000)}, "day": {"value": f"20{10 + i % 15}-{1 + i % 12:02d}-{1 + i % 28:02d}"}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, database_url: str, workers: int,
                 extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "KINFLOW_DATA_DIR": str(data_dir), "KINFLOW_DATABASE_URL": database_url,
           "KINFLOW_ADMIN_PASSWORD": PASSWORD, "KINFLOW_PORT": str(port), "KINFLOW_HTTP_WORKERS": str(workers),
           "KINFLOW_EXAMPLE_APP": "false", **(extra_env or {})}
    log = open(data_dir.parent / "server.log", "wb")  # noqa: SIM115
    process = subprocess.Popen([sys.executable, "-m", "kinflow.cli", "serve"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("kinflow did not start")


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (Linux), which a loaded machine stretches less than the
    wall clock."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a server and of its worker processes (uvicorn's, with --workers above 1)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return cpu_seconds(pid) + sum(cpu_seconds(int(child)) for child in children)


# The ceiling of single writes: a no-op JSON endpoint on the same HTTP stack (Starlette on uvicorn with
# httptools and uvloop, as kinflow serves), in processes of its own, as many as kinflow's HTTP workers,
# measured in the same run as kinflow.
CEILING_APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def noop(request):
    await request.body()
    return JSONResponse({"id": "1", "revision": "1"})

app = Starlette(routes=[Route("/k/v1/record.json", noop, methods=["POST", "PUT"])])
"""


def start_ceiling(workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="kinflow-ceiling-"))
    (folder / "ceiling.py").write_text(CEILING_APP)
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "ceiling:app", "--app-dir", str(folder),
                                "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                                "--http", "httptools", "--loop", "uvloop", "--log-level", "warning",
                                "--no-access-log", "--no-server-header"])
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.post(f"{base}/k/v1/record.json", timeout=1)
            return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the ceiling server did not start")


def compare_single_writes(base: str, server_pid: int, client: httpx.Client, seconds: int, workers: int,
                          rows: Rows) -> None:
    """POST and PUT record.json (password login and API token) against the ceiling, alternating so
    that other load on the machine weighs on all alike; the best of two rounds of each is kept. The
    CPU time each request costs the server processes is shown too: other load stretches it less
    than the wall clock."""
    app = make_app(client)
    token = client.post("/kinflow/v1/apiTokens.json", json={"app": app, "permissions": {
        "view": True, "add": True, "edit": True}}).json()["token"]
    client.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": app}]}).raise_for_status()
    time.sleep(1)  # the token is live at the deploy
    ids = client.post("/k/v1/records.json", json={"app": app, "records": [record(i) for i in range(100)]}).json()["ids"]
    post = json.dumps({"app": app, "record": record(1)})
    # Each PUT edits one of 100 records in turn, without a revision (no conflicts).
    put_lua = ('local n = 0\nfunction request() n = n + 1; return wrk.format(nil, nil, nil, '
               f'\'{{"app":{app},"id":\' .. (n % 100 + {ids[0]}) .. \',"record":{{"amount":{{"value":"\' .. n .. \'"}}}}}}\') end')
    ceiling_process, ceiling = start_ceiling(workers)
    runs = {
        "ceiling (no-op endpoint, same HTTP stack)": lambda: wrk(f"{ceiling}/k/v1/record.json", seconds=seconds,
                                                                 connections=16, method="POST", body=post),
        "POST record.json, password": lambda: wrk(f"{base}/k/v1/record.json", seconds=seconds, connections=16,
                                                  method="POST", body=post),
        "POST record.json, API token": lambda: wrk(f"{base}/k/v1/record.json", seconds=seconds, connections=16,
                                                   method="POST", body=post, auth={},
                                                   headers={"X-Cybozu-API-Token": token}),
        "PUT record.json, password": lambda: wrk(f"{base}/k/v1/record.json", seconds=seconds, connections=16,
                                                 method="PUT", lua=put_lua),
        "PUT record.json, API token": lambda: wrk(f"{base}/k/v1/record.json", seconds=seconds, connections=16,
                                                  method="PUT", lua=put_lua, auth={},
                                                  headers={"X-Cybozu-API-Token": token}),
    }
    best: dict[str, dict] = {}
    try:
        for _ in range(2):
            for label, run in runs.items():
                pid = ceiling_process.pid if label.startswith("ceiling") else server_pid
                cpu = tree_cpu_seconds(pid)
                r = run()
                r["cpu_us"] = (tree_cpu_seconds(pid) - cpu) * 1e6 / max(r["requests"], 1)
                if label not in best or r["rps"] > best[label]["rps"]:
                    best[label] = r
    finally:
        ceiling_process.terminate()
        ceiling_process.wait(timeout=30)
    top = best.pop("ceiling (no-op endpoint, same HTTP stack)")
    rows.append((f"ceiling: no-op JSON endpoint, concurrency 16, {workers} process(es)", f"{top['rps']:,.0f} req/s",
                 f"p50 {top['p50']:.1f} ms, p99 {top['p99']:.1f} ms; {top['cpu_us']:.0f} µs CPU a request"))
    for label, r in best.items():
        rows.append((f"{label}, concurrency 16", f"{r['rps']:,.0f} req/s",
                     f"{r['rps'] / top['rps']:.0%} of the ceiling (target ≥ 50%); p50 {r['p50']:.1f} ms, "
                     f"p99 {r['p99']:.1f} ms = {r['p99'] / top['p99']:.1f}× the ceiling's (target ≤ 3×); "
                     f"{r['cpu_us']:.0f} µs CPU a request = {r['cpu_us'] / top['cpu_us']:.1f}× the ceiling's"))


def make_app(client: httpx.Client, fields: dict = FIELDS) -> int:
    app = client.post("/k/v1/preview/app.json", json={"name": "Bench"}).json()["app"]
    client.post("/k/v1/preview/app/form/fields.json", json={"app": app, "properties": fields}).raise_for_status()
    client.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": app}]}).raise_for_status()
    return int(app)


# wrk's Lua: each request posts the next 100 records of `record(i)` (the same rows, in the same
# order, as the raw SQLite baseline inserts), not one body over and over: repeating a body repeats
# every indexed value, which makes the index updates of each batch unlike any real load. With
# `refs` > 0 each record also names one of that many related records in `ref` (for the lookups).
BATCH_LUA = """
local app, threads, refs, next_id, batch = %d, %d, %d, 0, 0
function setup(thread) thread:set("offset", next_id); next_id = next_id + 1 end
function request()
  local first = (batch * threads + offset) * 100
  batch = batch + 1
  local parts = {}
  for i = first, first + 99 do
    local ref = ""
    if refs > 0 then ref = string.format(',"ref":{"value":"%%d"}', 1 + i %% refs) end
    parts[#parts + 1] = string.format('{"code":{"value":"C%%08d"},"name":{"value":"Customer %%d"},'
      .. '"amount":{"value":"%%d"},"day":{"value":"20%%d-%%02d-%%02d"}%%s}',
      i, i %% 997, i %% 100000, 10 + i %% 15, 1 + i %% 12, 1 + i %% 28, ref)
  end
  return wrk.format(nil, nil, nil, '{"app":' .. app .. ',"records":[' .. table.concat(parts, ",") .. ']}')
end
"""


def wrk(url: str, *, seconds: int, connections: int, method: str = "GET", body: str | None = None,
        headers: dict[str, str] | None = None, lua: str = "", auth: dict[str, str] = AUTH) -> dict:
    """Run wrk and return requests/s and latency percentiles in milliseconds (as Administrator
    unless `headers` log in someone else; `auth={}` sends no password, e.g. beside an API token).
    `lua` may add to wrk's script, e.g. a `request` function."""
    script = ["wrk.method = %s" % json.dumps(method)]
    for name, value in {**auth, "Content-Type": "application/json", **(headers or {})}.items():
        script.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    if body is not None:
        script.append(f"wrk.body = {json.dumps(body)}")
    script.append(lua)
    script.append('done = function(summary, latency, requests)\n'
                  '  io.write(string.format("RESULT %d %d %f %f %f\\n", summary.requests, summary.errors.status,'
                  ' latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.duration / 1e6))\nend')
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write("\n".join(script))
    out = subprocess.run(["wrk", f"-t{WRK_THREADS if connections > 1 else 1}", f"-c{connections}", f"-d{seconds}s", "-s", handle.name, url],
                         capture_output=True, text=True, check=True).stdout
    match = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", out)
    assert match, out
    requests, errors, p50, p99, duration = match.groups()
    if int(errors):
        raise SystemExit(f"{errors} non-2xx answers from {url}")
    if not int(requests):  # wrk's percentiles of no request read as 0 ms, which would look perfect
        raise SystemExit(f"no request to {url} finished within {seconds} s")
    return {"rps": int(requests) / float(duration), "p50": float(p50), "p99": float(p99), "requests": int(requests)}


def sqlite_baseline(batches: int) -> float:
    """Raw sqlite3: the same rows into a table of the same shape, executemany per 100-row batch."""
    folder = Path(tempfile.mkdtemp())
    db = sqlite3.connect(folder / "baseline.db", isolation_level=None)
    db.executescript("""
        PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
        CREATE TABLE r (id INTEGER PRIMARY KEY AUTOINCREMENT, revision INT, creator TEXT, created_at TEXT,
                        modifier TEXT, updated_at TEXT, status TEXT, code TEXT, name TEXT, amount REAL,
                        amount_text TEXT, day TEXT);
        CREATE INDEX r1 ON r(created_at); CREATE INDEX r2 ON r(updated_at); CREATE INDEX r3 ON r(status);
        CREATE INDEX r4 ON r(code); CREATE INDEX r5 ON r(name); CREATE INDEX r6 ON r(amount); CREATE INDEX r7 ON r(day);
    """)
    now = "2026-01-01 00:00:00"
    started = time.perf_counter()
    for b in range(batches):
        rows = []
        for i in range(b * 100, b * 100 + 100):
            v = record(i)
            rows.append((1, "Administrator", now, "Administrator", now, None, v["code"]["value"], v["name"]["value"],
                         float(v["amount"]["value"]), v["amount"]["value"], v["day"]["value"]))
        db.execute("BEGIN")
        db.executemany("INSERT INTO r (revision, creator, created_at, modifier, updated_at, status, code, name,"
                       " amount, amount_text, day) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    shutil.rmtree(folder)
    return batches * 100 / elapsed


def load(client: httpx.Client, app: int, total: int, label: str) -> float:
    """Add `total` records with bulkRequest (20 × 100 per call); returns records/s."""
    started = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        for start in range(0, total, 2000):
            requests = [{"method": "POST", "api": "/k/v1/records.json", "payload": {
                "app": app, "records": [record(i) for i in range(s, min(s + 100, total))]}}
                for s in range(start, min(start + 2000, total), 100)]
            client.post("/k/v1/bulkRequest.json", json={"requests": requests}).raise_for_status()
            progress.advance(task, min(2000, total - start))
    return total / (time.perf_counter() - started)


class Rows(list):
    """The table's rows, each also printed as it is measured: a run that fails late keeps its figures."""

    def append(self, row: tuple[str, str, str]) -> None:
        console.print("  ".join(row))
        super().append(row)


def print_results(title: str, database_url: str, rows: list[tuple[str, str, str]]) -> None:
    table = Table(title=f"kinflow {title} — {os.cpu_count()} cores, "
                        f"{'PostgreSQL' if database_url else 'SQLite'}")
    table.add_column("measure")
    table.add_column("result", justify="right")
    table.add_column("detail")
    for row in rows:
        table.add_row(*row)
    console.print(table)


# Customers the lookups of the benchmark look up (record numbers 1..REFS; names cover every `record(i)`).
REFS = 1000


def lookup_fields(client: httpx.Client) -> dict:
    """The CALC form with 2 lookups into an app of `REFS` customers: `name` by the customer's unique
    name, `ref` by record number, each copying one field."""
    customers = make_app(client, {
        "cname": {"type": "SINGLE_LINE_TEXT", "code": "cname", "label": "Name", "unique": True},
        "city": {"type": "SINGLE_LINE_TEXT", "code": "city", "label": "City"},
        "level": {"type": "NUMBER", "code": "level", "label": "Level"}})
    for start in range(0, REFS, 100):
        client.post("/k/v1/records.json", json={"app": customers, "records": [
            {"cname": {"value": f"Customer {i}"}, "city": {"value": f"City {i % 50}"}, "level": {"value": str(i % 7)}}
            for i in range(start, min(start + 100, REFS))]}).raise_for_status()

    def lookup(key: str, field: str, source: str) -> dict:
        return {"relatedApp": {"app": str(customers)}, "relatedKeyField": key,
                "fieldMappings": [{"field": field, "relatedField": source}]}

    return {**CALC_FIELDS,
            "name": {"type": "SINGLE_LINE_TEXT", "code": "name", "label": "Name", "lookup": lookup("cname", "city", "city")},
            "city": {"type": "SINGLE_LINE_TEXT", "code": "city", "label": "City"},
            "ref": {"type": "NUMBER", "code": "ref", "label": "Customer", "lookup": lookup("Record_number", "level", "level")},
            "level": {"type": "NUMBER", "code": "level", "label": "Level"}}



def compare_formulas(base: str, client: httpx.Client, seconds: int, rows: Rows) -> None:
    """Adds/s with 10 CALC fields, and with them and 2 lookups, against the same form without them,
    in the same run: three alternating rounds, the best of each kept, so other load on the machine
    weighs on all alike."""
    apps = {"plain": (make_app(client, FIELDS), 0), "calc": (make_app(client, CALC_FIELDS), 0),
            "lookups": (make_app(client, lookup_fields(client)), REFS)}
    rates = dict.fromkeys(apps, 0.0)
    for _ in range(3):
        for label, (app, refs) in apps.items():
            r = wrk(f"{base}/k/v1/records.json", seconds=max(seconds // 3, 2), connections=4, method="POST",
                    lua=BATCH_LUA % (app, WRK_THREADS, refs))
            rates[label] = max(rates[label], r["rps"] * 100)
    for label, what in (("calc", "10 CALC fields"), ("lookups", "10 CALC fields and 2 lookups")):
        rows.append((f"POST records.json, 100 per batch, {what}", f"{rates[label]:,.0f} records/s",
                     f"without them {rates['plain']:,.0f} records/s = {rates[label] / rates['plain']:.0%} "
                     "(target ≥ 70%)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--records", type=int, default=1_000_000, help="size of the query app")
    parser.add_argument("--all-records", type=int, default=100_000, help="size of the getAllRecords app")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--formulas-only", action="store_true",
                        help="only the comparison with calculated fields and lookups")
    parser.add_argument("--single-only", action="store_true",
                        help="only single writes (POST and PUT record.json) against the ceiling")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    if not (args.formulas_only or args.single_only) and not (ROOT / "tests" / "js" / "node_modules" / "@kintone" / "rest-api-client").is_dir():
        raise SystemExit("the official JS client is needed: make bench (or cd tests/js && npm ci)")
    work = Path(tempfile.mkdtemp(prefix="kinflow-bench-"))
    database_url = args.database_url or f"sqlite:///{work / 'data' / 'kinflow.db'}"
    server, base = start_server(work / "data", database_url, args.workers)
    rows = Rows()
    try:
        with httpx.Client(base_url=base, headers=AUTH, timeout=120) as client:
            if not args.formulas_only:
                compare_single_writes(base, server.pid, client, args.seconds, args.workers, rows)
            if args.single_only:
                return
            compare_formulas(base, client, args.seconds, rows)
            if args.formulas_only:
                return

            batch_app = make_app(client)
            r = wrk(f"{base}/k/v1/records.json", seconds=args.seconds, connections=4, method="POST",
                    lua=BATCH_LUA % (batch_app, WRK_THREADS, 0))
            baseline = sqlite_baseline(int(r["rps"] * args.seconds))
            rows.append(("POST records.json, 100 per batch", f"{r['rps'] * 100:,.0f} records/s",
                         f"raw SQLite executemany {baseline:,.0f} records/s = {r['rps'] * 100 / baseline:.0%}"
                         " (target ≥ 30,000/s and ≥ 40%)"))

            big = make_app(client)
            rate = load(client, big, args.records, f"loading {args.records:,} records")
            rows.append((f"bulkRequest load of {args.records:,} records", f"{rate:,.0f} records/s", ""))
            middle = args.records // 2
            queries = {
                "equality on indexed text": f'code = "C{middle:08d}"',
                "number range": f"amount >= {middle % 100_000} and amount < {middle % 100_000 + 5}",
                "order by date, limit 500": "order by day desc limit 500",
                "seek page ($id > N, 500)": f"$id > {middle} order by $id asc limit 500",
            }
            for label, query in queries.items():
                url = str(httpx.URL(f"{base}/k/v1/records.json", params={"app": big, "query": query}))
                count = len(client.get(url).json()["records"])
                r = wrk(url, seconds=5, connections=1)
                rows.append((f"GET records.json: {label}", f"p50 {r['p50']:.1f} ms",
                             f"p99 {r['p99']:.1f} ms, {count} records (target p99 < 20 ms)"))

            every = make_app(client)
            load(client, every, args.all_records, f"loading {args.all_records:,} records")
            node = subprocess.run(["node", str(ROOT / "bench" / "get_all_records.mjs"), base, str(every),
                                   "Administrator", PASSWORD], capture_output=True, text=True, check=True)
            result = json.loads(node.stdout)
            rows.append((f"getAllRecords of {result['records']:,} (official JS client)",
                         f"{result['seconds']:.1f} s", "target < 10 s"))
    finally:
        server.terminate()
        server.wait(timeout=30)
        print_results(f"records benchmark — {args.workers} HTTP worker(s)", args.database_url, rows)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
