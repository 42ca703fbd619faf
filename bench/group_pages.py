"""Server time of a group's conversation page, signed in with a browser session.

    .venv/bin/python bench/group_pages.py [--database-url URL] [--messages 2000] [--seconds 5]

Starts its own kinflow server on loopback (SQLite in a temporary folder unless --database-url says
otherwise; the groups API's throttling off), signs a person in by PIN (read from the server log), and
has them make a group with the Administrator in it (by the mobile number the Administrator is given)
holding `--messages` text messages, 10 polls and 10 surveys among the newest 50 messages, each with
300 responses (surveys that take many), and likes and comments on the newest messages. Then it
measures with wrk (one connection: the time one page takes) the conversation page and the
conversation alone (what a live page fetches when it changes), and, as the ceiling in the same run,
`/healthz` on the same server and connection. Target: p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

import httpx
from groups import GROUPS_ENV, sign_in
from records import AUTH, PASSWORD, print_results, start_server, wrk

TARGET_MS = 100.0
SCOPES = ["groupinfo.read", "groupinfo.write", "groupmember.read", "groupmember.write", "textmessage.write",
          "action.read", "action.write", "reaction.write"]
ADMIN_MOBILE = "+14155550199"
RESPONSES = 300
SURVEY = {"title": "Site check", "acceptMultipleResponses": True, "questions": [
    {"title": "What did you see?", "type": "Text"},
    {"title": "Which gates were open?", "type": "MultiOption",
     "options": [{"title": "North"}, {"title": "South"}, {"title": "East"}]}]}


def _session(base: str) -> str:
    with httpx.Client(base_url=base) as client:
        signed = client.post("/login", data={"username": "Administrator", "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        return client.cookies["kinflow_session"]


def _load(base: str, token: str, messages: int) -> str:
    """The group, its messages, actions, responses and reactions; returns the group's id."""
    with httpx.Client(base_url=base, headers=AUTH, timeout=60) as admin:
        admin.put("/kinflow/v1/users.json", json={"code": "Administrator", "mobileNumber": ADMIN_MOBILE}
                  ).raise_for_status()
    with httpx.Client(base_url=f"{base}/kaizala/v1", headers={"accessToken": token}, timeout=60) as client:
        group = client.post("/groups", json={"name": "Bench crew", "welcomeMessage": "Hi",
                                             "members": [ADMIN_MOBILE]}).json()["groupId"]
        references = []
        for number in range(messages):
            sent = client.post(f"/groups/{group}/messages", json={"message": f"message {number} " + "words " * 12})
            references.append(sent.json()["referenceId"])
        for number in range(20):
            kind, body = (("Poll", {"question": f"Poll {number}?", "choices": [{"title": "Yes"}, {"title": "No"}]})
                          if number % 2 else ("Survey", SURVEY))
            action = client.post(f"/groups/{group}/actions", json={"actionType": kind, "actionBody": body}).json()
            answers = [["Yes"]] if kind == "Poll" else [["All quiet", ["North", "East"]]]
            for _ in range(RESPONSES if kind == "Survey" else 1):  # a poll takes one response a person
                client.post(f"/groups/{group}/actions/{action['actionId']}/responses",
                            json={"actionBody": {"answers": answers[0]}}).raise_for_status()
        for reference in references[-30:]:
            client.post(f"/groups/{group}/reaction", json={"referenceId": reference, "reactionType": "Like"})
            for number in range(3):
                client.post(f"/groups/{group}/reaction", json={"referenceId": reference, "reactionType": "Comment",
                                                               "comment": f"comment {number}"})
    return group


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="kinflow-bench-group-pages-"))
    database_url = args.database_url or f"sqlite:///{folder / 'data' / 'kinflow.db'}"
    (folder / "data").mkdir()
    server, base = start_server(folder / "data", database_url, 1, GROUPS_ENV)
    rows = []
    try:
        group = _load(base, sign_in(base, folder / "server.log", SCOPES), args.messages)
        session = {"Cookie": f"kinflow_session={_session(base)}"}
        measured = {}
        for label, path in [("ceiling: /healthz", "/healthz"), ("conversation page (newest 50)", f"/k/groups/{group}"),
                            ("the conversation alone (a live page's fetch)", f"/k/groups/{group}/messages")]:
            with httpx.Client(base_url=base, headers=session) as client:
                page = client.get(path)
                assert page.status_code == 200, (path, page.status_code, page.text[:300])
            result = wrk(f"{base}{path}", seconds=args.seconds, connections=1, auth={}, headers=session)
            measured[label] = result
            ceiling = measured["ceiling: /healthz"]
            verdict = "" if label.startswith("ceiling") else (
                f"; {result['p50'] / ceiling['p50']:.0f}x the ceiling's p50; target p99 < {TARGET_MS:.0f} ms: "
                + ("ok" if result["p99"] < TARGET_MS else "OVER TARGET"))
            rows.append((label, f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms",
                         f"{result['rps']:.0f}/s on one connection{verdict}"))
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        rows.append(("machine", f"load {load}", f"{args.messages:,} messages, 20 actions, "
                                                 f"{10 * RESPONSES + 10:,} responses, 120 reactions"))
    finally:
        server.terminate()
        server.wait(timeout=30)
        print_results(f"group conversation page ({args.messages:,} messages)", args.database_url, rows)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
