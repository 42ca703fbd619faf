"""Password guessing against other requests: an API-token read while four clients send wrong passwords.

    .venv/bin/python bench/auth.py [--database-url URL] [--seconds 10] [--workers 1]

Starts its own kinflow server on loopback (SQLite in a temporary folder unless --database-url says
otherwise) and measures, in the same run, the p50 and p99 of `GET /k/v1/record.json` with an API token
(one client, one request at a time) on the idle server, then while four clients send wrong passwords
for Administrator as fast as they are answered. The guessers take a new `X-Forwarded-For` address
(which uvicorn trusts from loopback) for every try, as a guesser spread over many addresses would, so
the lockout after failed logins never spares the server the hashing. Target: p50 under attack within
2x the idle p50. Load is generated with wrk (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import base64
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from records import AUTH, make_app, print_results, start_server, wrk

FIELDS = {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}}
WRONG = base64.b64encode(b"Administrator:not-the-password").decode()
# One Lua state per wrk thread: guessers run on one thread, so the counter gives each try its own address.
GUESS_LUA = """
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/k/v1/apps.json", {
    ["X-Cybozu-Authorization"] = "%s",
    ["X-Forwarded-For"] = string.format("10.%%d.%%d.%%d", math.floor(n / 62500) %% 250, math.floor(n / 250) %% 250, n %% 250 + 1)})
end
""" % WRONG


def readable_token(client: httpx.Client) -> tuple[int, int, str]:
    """An app with one record and a view-only API token, live."""
    app = make_app(client, FIELDS)
    record = client.post("/k/v1/record.json", json={"app": app, "record": {"title": {"value": "bench"}}}).json()["id"]
    token = client.post("/kinflow/v1/apiTokens.json", json={"app": app, "permissions": {"view": True}}).json()["token"]
    client.post("/k/v1/preview/app/deploy.json", json={"apps": [{"app": app}]}).raise_for_status()
    for _ in range(200):
        state = client.get("/k/v1/preview/app/deploy.json", params={"apps[0]": app}).json()["apps"][0]["status"]
        if state != "PROCESSING":
            break
        time.sleep(0.05)
    return app, int(record), token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="kinflow-bench-"))
    database_url = args.database_url or f"sqlite:///{work / 'data' / 'kinflow.db'}"
    server, base = start_server(work / "data", database_url, args.workers)
    rows = []
    try:
        with httpx.Client(base_url=base, headers=AUTH, timeout=120) as client:
            app, record, token = readable_token(client)
        url = f"{base}/k/v1/record.json?app={app}&id={record}"

        def read() -> dict:
            return wrk(url, seconds=args.seconds, connections=1, auth={}, headers={"X-Cybozu-API-Token": token})

        idle = read()
        script = work / "guess.lua"
        script.write_text(GUESS_LUA)
        guessers = subprocess.Popen(
            ["wrk", "-t1", "-c4", f"-d{args.seconds + 2}s", "--timeout", "60s", "-s", str(script), base],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1)  # the guessers are hashing
        attacked = read()
        out, errors = guessers.communicate(timeout=args.seconds + 60)
        guesses = re.search(r"(\d+) requests in ([\d.]+)s", out)
        if guessers.returncode or errors.strip() or not guesses:
            raise SystemExit(f"the guessers failed: {errors or out}")
        rate = int(guesses.group(1)) / float(guesses.group(2))
        rows.append(("token read, idle", f"p50 {idle['p50']:.2f} ms", f"p99 {idle['p99']:.2f} ms"))
        if not attacked["rps"]:  # wrk gives up on a request after 2 s and then reports no percentiles
            rows.append(("token read, 4 clients guessing passwords", "no answer", "each read took over 2 s"))
        else:
            rows.append(("token read, 4 clients guessing passwords", f"p50 {attacked['p50']:.2f} ms",
                         f"p99 {attacked['p99']:.2f} ms; {rate:,.1f} wrong passwords answered/s"))
            rows.append(("p50 under attack / idle", f"{attacked['p50'] / idle['p50']:.2f}x", "target ≤ 2x"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print_results(f"login benchmark — {args.workers} HTTP worker(s)", args.database_url, rows)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
