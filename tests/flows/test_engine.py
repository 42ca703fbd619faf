"""Runs executed by a real run worker against a real database (SQLite and PostgreSQL), calling real
HTTP receivers on loopback: built-in actions, runAfter, retries, waits, replay after a stop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import sqlalchemy as sa

from kinflow.clock import clock
from kinflow.config import load_settings
from kinflow.flows import manage, runs
from kinflow.flows.engine.worker import RunWorker
from kinflow.flows.tables import flow_runs
from kinflow.storage.database import Database
from kinflow.storage.migrate import upgrade
from tests.conftest import database_url
from tests.flows.sink import Sink

REQUEST = {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    database = Database(database_url(request.param, tmp_path))
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture()
def settings(tmp_path):
    return load_settings({"KINFLOW_DATA_DIR": str(tmp_path), "KINFLOW_WEBHOOK_ALLOW": "127.0.0.0/8",
                          "KINFLOW_FLOW_POLL": "0.05", "KINFLOW_SECRET_KEY": "k" * 40})


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock._offset_seconds = 0.0


@pytest.fixture()
def sink():
    receiver = Sink()
    yield receiver
    receiver.close()


def start(db: Database, definition: dict, body: object = None, owner: str = "alice") -> str:
    with db.write() as conn:
        flow, _ = manage.deploy(conn, owner, f"flow-{time.monotonic_ns()}", {"triggers": REQUEST, **definition})
        return runs.start_run(conn, flow, {"headers": {}, "body": body})


def finish(db: Database, settings, run_uuid: str, *, move_time: bool = True, timeout: float = 30) -> dict:
    """Let a run worker execute the run to its end, moving the clock past each wait."""

    async def main() -> None:
        worker = RunWorker(db, settings, "test-worker")
        task = asyncio.create_task(worker.run())
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(0.02)
                with db.read() as conn:
                    row = conn.execute(sa.select(flow_runs).where(flow_runs.c.uuid == run_uuid)).one()
                if row.finished_at is not None:
                    return
                if move_time and row.lease_owner is None and row.due_at > clock.now().replace(tzinfo=None):
                    clock.advance((row.due_at - clock.now().replace(tzinfo=None)).total_seconds() + 0.01)
                    worker.wake()
            raise AssertionError(f"run {run_uuid} did not finish")
        finally:
            await worker.stop()
            await task

    asyncio.run(main())
    return history(db, run_uuid)


def history(db: Database, run_uuid: str) -> dict:
    with db.read() as conn:
        flow_id = conn.execute(sa.select(flow_runs.c.flow_id).where(flow_runs.c.uuid == run_uuid)).scalar_one()
        flow = manage.get_flow(conn, "", flow_id, admin=True)
        return runs.get_run(conn, flow, run_uuid)


def action(run: dict, name: str, repetition: str | None = None) -> dict:
    return next(a for a in run["actions"] if a["name"] == name and a["repetition"] == repetition)


def test_built_in_actions_and_workflow_functions(db, settings):
    run_uuid = start(db, {
        "parameters": {"greeting": {"type": "String", "defaultValue": "Hello"}},
        "actions": {
            "Init": {"type": "InitializeVariable", "inputs": {"variables": [
                {"name": "total", "type": "integer", "value": 0},
                {"name": "seen", "type": "array", "value": []},
                {"name": "text", "type": "string", "value": ""}]}},
            "Each": {"type": "Foreach", "foreach": "@triggerBody()?['items']", "runAfter": {"Init": ["Succeeded"]},
                     "actions": {
                         "Double": {"type": "Compose", "inputs": "@mul(item(), 2)"},
                         "Add": {"type": "IncrementVariable", "runAfter": {"Double": ["Succeeded"]},
                                 "inputs": {"name": "total", "value": "@outputs('Double')"}},
                         "Note": {"type": "AppendToArrayVariable", "runAfter": {"Add": ["Succeeded"]},
                                  "inputs": {"name": "seen", "value": "@items('Each')"}}}},
            "Big": {"type": "If", "runAfter": {"Each": ["Succeeded"]},
                    "expression": {"and": [{"greater": ["@variables('total')", 10]}]},
                    "actions": {"Said": {"type": "AppendToStringVariable", "inputs": {"name": "text", "value": "big"}}},
                    "else": {"actions": {"Small": {"type": "SetVariable", "inputs": {"name": "text", "value": "small"}}}}},
            "Kind": {"type": "Switch", "expression": "@triggerBody()?['kind']", "runAfter": {"Big": ["Succeeded"]},
                     "cases": {"Apples": {"case": "apple", "actions": {"Apple": {"type": "Compose", "inputs": "A"}}}},
                     "default": {"actions": {"Other": {"type": "Compose", "inputs": "?"}}}},
            "Count": {"type": "Until", "expression": "@greaterOrEquals(iterationIndexes('Count'), 2)",
                      "limit": {"count": 10}, "runAfter": {"Kind": ["Succeeded"]},
                      "actions": {"Down": {"type": "DecrementVariable", "inputs": {"name": "total", "value": 1}}}},
            "Wrap": {"type": "Scope", "runAfter": {"Count": ["Succeeded"]}, "actions": {
                "Inner": {"type": "Compose", "inputs": "inside"}}},
            "Summary": {"type": "Compose", "runAfter": {"Wrap": ["Succeeded"]}, "inputs": {
                "greeting": "@{parameters('greeting')}, @{triggerBody()?['name']}",
                "total": "@variables('total')", "seen": "@variables('seen')", "text": "@variables('text')",
                "case": "@outputs('Apple')", "scope": "@result('Wrap')[0]['status']",
                "flow": "@workflow()['run']['name']", "trigger": "@triggerOutputs()?['body']?['kind']"}},
        }}, body={"items": [1, 2, 3, 4], "kind": "apple", "name": "Ann"})
    run = finish(db, settings, run_uuid)
    assert run["status"] == "Succeeded", run
    summary = action(run, "Summary")["outputs"]
    assert summary == {"greeting": "Hello, Ann", "total": 17, "seen": [1, 2, 3, 4], "text": "big", "case": "A",
                       "scope": "Succeeded", "flow": run_uuid, "trigger": "apple"}
    assert [action(run, "Double", f"{i:06d}")["outputs"] for i in range(4)] == [2, 4, 6, 8]
    assert action(run, "Count")["outputs"] == {"iterations": 3}
    assert [a["name"] for a in run["actions"] if a["name"] in ("Apple", "Other")] == ["Apple"]
    assert all(a["durationMs"] is not None and a["durationMs"] >= 0 for a in run["actions"])


def test_run_after_failed_handles_a_failure_and_skips_the_rest(db, settings, sink):
    sink.statuses = [404, 404]
    run_uuid = start(db, {"actions": {
        "Call": {"type": "Http", "inputs": {"method": "GET", "uri": sink.url}},
        "OnSuccess": {"type": "Compose", "inputs": "yes", "runAfter": {"Call": ["Succeeded"]}},
        "OnFailure": {"type": "Compose", "inputs": "@outputs('Call')['statusCode']", "runAfter": {"Call": ["Failed"]}},
    }})
    run = finish(db, settings, run_uuid)
    assert run["status"] == "Succeeded"  # the failure was handled
    assert action(run, "Call")["status"] == "Failed" and action(run, "Call")["code"] == "NotFound"
    assert action(run, "Call")["attempts"] == 1  # 404 is not retried
    assert action(run, "OnSuccess")["status"] == "Skipped"
    assert action(run, "OnFailure")["outputs"] == 404

    unhandled = start(db, {"actions": {
        "Call": {"type": "Http", "inputs": {"method": "GET", "uri": sink.url}},
        "Next": {"type": "Compose", "inputs": 1, "runAfter": {"Call": ["Succeeded"]}}}})
    run = finish(db, settings, unhandled)
    assert run["status"] == "Failed" and run["error"]["code"] == "ActionFailed"
    assert action(run, "Next")["status"] == "Skipped"


def test_http_retries_per_policy_with_the_same_tracking_ids(db, settings):
    sink = Sink([503, 429], headers={"Retry-After": "20"})
    try:
        run_uuid = start(db, {"actions": {"Call": {
            "type": "Http", "inputs": {"method": "POST", "uri": sink.url, "body": {"a": 1}, "headers": {"X-Mine": "1"}},
            "retryPolicy": {"type": "fixed", "count": 3, "interval": "PT5S"}}}})
        run = finish(db, settings, run_uuid)
    finally:
        sink.close()
    call = action(run, "Call")
    assert run["status"] == "Succeeded" and call["status"] == "Succeeded"
    assert call["attempts"] == 3
    assert [h["statusCode"] for h in call["history"]] == [503, 429, 200]
    assert call["outputs"]["statusCode"] == 200 and call["outputs"]["body"]["got"] == '{"a":1}'
    # Retry-After (20 s) outweighs the policy's 5 s.
    starts = [runs_time(h["startTime"]) for h in call["history"]]
    assert starts[1] - starts[0] >= 20 and starts[2] - starts[1] >= 20
    client_ids = {r["headers"]["x-ms-client-tracking-id"] for r in sink.requests}
    action_ids = {r["headers"]["x-ms-action-tracking-id"] for r in sink.requests}
    assert client_ids == {run["clientTrackingId"]} and action_ids == {call["trackingId"]}
    assert all(r["headers"]["X-Mine"] == "1" for r in sink.requests)


def runs_time(text: str) -> float:
    from datetime import datetime

    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def test_default_policy_gives_up_after_four_retries(db, settings):
    sink = Sink([500] * 10)
    try:
        run = finish(db, settings, start(db, {"actions": {"Call": {
            "type": "Http", "inputs": {"method": "GET", "uri": sink.url}}}}))
    finally:
        sink.close()
    call = action(run, "Call")
    assert call["status"] == "Failed" and call["attempts"] == 5 and call["code"] == "InternalServerError"
    starts = [runs_time(h["startTime"]) for h in call["history"]]
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:])]
    for gap, (low, high) in zip(gaps, [(5, 7.5), (7.5, 15), (15, 30), (30, 45)]):
        assert low - 0.01 <= gap <= high + 1, gaps


def test_http_to_a_refused_address_fails_without_retrying(db, tmp_path):
    settings = load_settings({"KINFLOW_DATA_DIR": str(tmp_path), "KINFLOW_FLOW_POLL": "0.05", "KINFLOW_SECRET_KEY": "k" * 40})
    run = finish(db, settings, start(db, {"actions": {"Call": {
        "type": "Http", "inputs": {"method": "GET", "uri": "http://169.254.169.254/latest/meta-data"}}}}))
    call = action(run, "Call")
    assert call["status"] == "Failed" and call["attempts"] == 1 and call["code"] == "ConnectionFailed"
    assert "link-local" in call["error"]["message"]


def test_terminate_ends_the_run_with_its_status(db, settings):
    run = finish(db, settings, start(db, {"actions": {
        "Loop": {"type": "Scope", "actions": {
            "Stop": {"type": "Terminate", "inputs": {"runStatus": "Failed",
                                                     "runError": {"code": "NoStock", "message": "Out of stock"}}}}},
        "After": {"type": "Compose", "inputs": 1, "runAfter": {"Loop": ["Succeeded", "Failed"]}}}}))
    assert run["status"] == "Failed" and run["error"] == {"code": "NoStock", "message": "Out of stock"}
    assert action(run, "Stop")["status"] == "Succeeded"
    assert action(run, "Loop")["status"] == "Cancelled"
    assert not any(a["name"] == "After" for a in run["actions"])


def test_response_is_kept_for_the_caller(db, settings):
    run = finish(db, settings, start(db, {"actions": {"Answer": {
        "type": "Response", "inputs": {"statusCode": 201, "headers": {"X-Run": "@workflow()['run']['name']"},
                                       "body": {"echo": "@triggerBody()"}}}}}, body={"n": 1}))
    assert run["response"] == {"statusCode": 201, "headers": {"X-Run": run["id"]}, "body": {"echo": {"n": 1}}}


def test_a_bad_expression_at_run_time_fails_the_action_with_a_reason(db, settings):
    run = finish(db, settings, start(db, {"actions": {"Pick": {
        "type": "Compose", "inputs": "@triggerBody()['missing']['deeper']"}}}, body={"here": 1}))
    pick = action(run, "Pick")
    assert run["status"] == "Failed" and pick["code"] == "InvalidTemplate"
    assert "missing" in pick["error"]["message"] and "Traceback" not in pick["error"]["message"]


def test_wait_puts_the_run_off_and_finished_actions_are_not_run_again(db, settings, sink):
    run_uuid = start(db, {"actions": {
        "First": {"type": "Http", "inputs": {"method": "POST", "uri": sink.url, "body": "first"}},
        "Nap": {"type": "Wait", "runAfter": {"First": ["Succeeded"]}, "inputs": {"interval": {"count": 1, "unit": "Hour"}}},
        "Second": {"type": "Http", "runAfter": {"Nap": ["Succeeded"]},
                   "inputs": {"method": "POST", "uri": sink.url, "body": "second"}}}})
    with pytest.raises(AssertionError, match="did not finish"):
        finish(db, settings, run_uuid, move_time=False, timeout=1.5)
    waiting = history(db, run_uuid)
    assert action(waiting, "Nap")["status"] == "Waiting" and len(sink.requests) == 1
    run = finish(db, settings, run_uuid)  # an hour later, another worker
    assert run["status"] == "Succeeded"
    assert [r["body"] for r in sink.requests] == [b"first", b"second"]


def test_cancel_stops_a_waiting_run(db, settings):
    run_uuid = start(db, {"actions": {"Nap": {"type": "Wait", "inputs": {"interval": {"count": 1, "unit": "Day"}}},
                                      "Then": {"type": "Compose", "inputs": 1, "runAfter": {"Nap": ["Succeeded"]}}}})
    with pytest.raises(AssertionError):
        finish(db, settings, run_uuid, move_time=False, timeout=1)
    with db.write() as conn:
        flow_id = conn.execute(sa.select(flow_runs.c.flow_id).where(flow_runs.c.uuid == run_uuid)).scalar_one()
        run = runs.cancel(conn, manage.get_flow(conn, "", flow_id, admin=True), run_uuid)
    assert run["status"] == "Cancelled" and action(run, "Nap")["status"] == "Cancelled"


def test_a_run_asked_to_stop_while_held_ends_when_its_worker_would_put_it_off(db, settings):
    """Cancelled while a worker holds it (the stop waits for that worker), the run ends at the pause
    its Wait makes, not a day later at its next action."""
    run_uuid = start(db, {"actions": {"Nap": {"type": "Wait", "inputs": {"interval": {"count": 1, "unit": "Day"}}}}})
    with db.write() as conn:
        [(run_id, _loaded)] = runs.claim(conn, "held", 10, 60)
        flow_id = conn.execute(sa.select(flow_runs.c.flow_id).where(flow_runs.c.id == run_id)).scalar_one()
        asked = runs.cancel(conn, manage.get_flow(conn, "", flow_id, admin=True), run_uuid)
    assert asked["status"] == "Running"
    with db.write() as conn:
        runs.suspend(conn, "held", run_id, runs.now_naive() + runs.timedelta(days=1))
        run = runs.get_run(conn, manage.get_flow(conn, "", flow_id, admin=True), run_uuid)
    assert run["status"] == "Cancelled" and run["endTime"] and run["error"]["code"] == "Cancelled"


def test_connector_action_without_a_connection_fails_with_a_reason(db, settings):
    run = finish(db, settings, start(db, {"actions": {"Add": {
        "type": "OpenApiConnection",
        "inputs": {"host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kintone",
                            "connectionName": "shared_kintone", "operationId": "AddRecord"},
                   "parameters": {"app": "1"}}}}}))
    add = action(run, "Add")
    assert add["status"] == "Failed" and "No connection 'shared_kintone'" in add["error"]["message"]
    assert add["attempts"] == 1


def test_variables_keep_their_type(db, settings):
    run = finish(db, settings, start(db, {"actions": {
        "Init": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "n", "type": "integer", "value": 1}]}},
        "Set": {"type": "SetVariable", "runAfter": {"Init": ["Succeeded"]}, "inputs": {"name": "n", "value": "one"}}}}))
    assert action(run, "Set")["status"] == "Failed"
    assert "is of type integer" in action(run, "Set")["error"]["message"]


def test_a_recurrence_flow_runs_at_each_occurrence_until_disabled(db, settings):
    with db.write() as conn:
        flow, _ = manage.deploy(conn, "alice", "every-second", {
            "triggers": {"Tick": {"type": "Recurrence", "recurrence": {"frequency": "Second", "interval": 1}}},
            "actions": {"Note": {"type": "Compose", "inputs": "@triggerOutputs()?['scheduledTime']"}}})

    async def main() -> None:
        worker = RunWorker(db, settings, "ticker")
        task = asyncio.create_task(worker.run())
        await asyncio.sleep(2.6)
        await worker.stop()
        await task

    asyncio.run(main())
    with db.write() as conn:
        found = runs.list_runs(conn, flow, status=None, offset=0, limit=100)
        manage.set_state(conn, flow, manage.DISABLED)
        assert conn.execute(sa.select(flow_runs.c.id).where(flow_runs.c.flow_id == flow.id)).all()
    assert 2 <= len(found) <= 4
    times = sorted(history(db, r["id"])["actions"][0]["outputs"] for r in found)
    assert len(set(times)) == len(times)  # one run per occurrence


def test_occurrences_follow_their_interval():
    from datetime import datetime

    from kinflow.flows.schedule import following

    start = datetime(2026, 1, 31, 9, 0)
    assert following({"frequency": "Minute", "interval": 15}, start, datetime(2026, 1, 31, 9, 40)) == \
        datetime(2026, 1, 31, 9, 45)
    assert following({"frequency": "Month", "interval": 1}, start, start) == datetime(2026, 2, 28, 9, 0)
    assert following({"frequency": "Day", "interval": 2}, start, datetime(2026, 2, 3, 9, 0)) == \
        datetime(2026, 2, 4, 9, 0)


def test_foreach_repetitions_run_at_once_when_asked(db, settings):
    sink = Sink()
    sink.hold.clear()  # every request waits: only concurrent repetitions all arrive
    try:
        run_uuid = start(db, {"actions": {
            "Init": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "done", "type": "integer",
                                                                               "value": 0}]}},
            "Each": {"type": "Foreach", "foreach": "@range(0, 6)", "runAfter": {"Init": ["Succeeded"]},
                     "runtimeConfiguration": {"concurrency": {"repetitions": 3}}, "actions": {
                         "Call": {"type": "Http", "inputs": {"method": "POST", "uri": sink.url, "body": "@item()"}},
                         "Count": {"type": "IncrementVariable", "runAfter": {"Call": ["Succeeded"]},
                                   "inputs": {"name": "done"}}}},
            "Total": {"type": "Compose", "runAfter": {"Each": ["Succeeded"]}, "inputs": "@variables('done')"}}})

        in_flight: list[int] = []

        def release() -> None:
            try:
                sink.wait_for(3, timeout=20)  # three repetitions are in flight together
                time.sleep(0.2)
                in_flight.append(len(sink.requests))  # and no more than three
            finally:
                sink.hold.set()

        checker = threading.Thread(target=release)
        checker.start()
        run = finish(db, settings, run_uuid)
        checker.join()
    finally:
        sink.close()
    assert in_flight == [3]
    assert run["status"] == "Succeeded"
    assert action(run, "Total")["outputs"] == 6
    assert sorted(int(r["body"]) for r in sink.requests) == list(range(6))


def test_concurrency_control_keeps_at_most_that_many_runs_under_way(db, settings):
    sink = Sink()
    sink.hold.clear()
    try:
        with db.write() as conn:
            flow, _ = manage.deploy(conn, "alice", "two-at-a-time", {
                "triggers": {"manual": {**REQUEST["manual"], "runtimeConfiguration": {"concurrency": {"runs": 2}}}},
                "actions": {"Call": {"type": "Http", "inputs": {"method": "POST", "uri": sink.url,
                                                                "body": "@triggerBody()"}}}})
            started = [runs.start_run(conn, flow, {"body": n}) for n in range(5)]
        in_flight: list[int] = []

        def release() -> None:
            try:
                sink.wait_for(2, timeout=20)
                time.sleep(0.5)
                in_flight.append(len(sink.requests))  # the other three wait their turn
            finally:
                sink.hold.set()

        checker = threading.Thread(target=release)
        checker.start()
        finished = [finish(db, settings, run) for run in started]
        checker.join()
    finally:
        sink.close()
    assert in_flight == [2]
    assert [run["status"] for run in finished] == ["Succeeded"] * 5
    assert sorted(int(r["body"]) for r in sink.requests) == list(range(5))


def test_cancel_stops_a_running_run_before_its_next_action(db, settings):
    sink = Sink()
    sink.hold.clear()
    try:
        run_uuid = start(db, {"actions": {
            "Call": {"type": "Http", "inputs": {"method": "POST", "uri": sink.url, "body": "one"}},
            "Then": {"type": "Http", "runAfter": {"Call": ["Succeeded"]},
                     "inputs": {"method": "POST", "uri": sink.url, "body": "two"}}}})
        cancelled: list[dict] = []

        def cancel_while_held() -> None:
            try:
                sink.wait_for(1, timeout=20)
                with db.write() as conn:
                    flow_id = conn.execute(sa.select(flow_runs.c.flow_id).where(flow_runs.c.uuid == run_uuid)).scalar_one()
                    cancelled.append(runs.cancel(conn, manage.get_flow(conn, "", flow_id, admin=True), run_uuid))
            finally:
                sink.hold.set()

        checker = threading.Thread(target=cancel_while_held)
        checker.start()
        run = finish(db, settings, run_uuid)
        checker.join()
    finally:
        sink.close()
    assert cancelled[0]["status"] == "Running"  # a worker holds it: it stops at its next action
    assert run["status"] == "Cancelled" and run["error"]["code"] == "Cancelled"
    assert action(run, "Call")["status"] == "Succeeded"
    assert not any(a["name"] == "Then" for a in run["actions"]) and len(sink.requests) == 1


def test_finished_runs_are_forgotten_after_the_retention_period(db, settings):
    from datetime import timedelta

    run_uuid = start(db, {"actions": {"Note": {"type": "Compose", "inputs": 1}}})
    finish(db, settings, run_uuid)
    kept = start(db, {"actions": {"Nap": {"type": "Wait", "inputs": {"interval": {"count": 1, "unit": "Day"}}}}})
    with db.write() as conn:
        now = clock.now().replace(tzinfo=None)
        assert runs.purge(conn, now - timedelta(days=30)) == 0  # finished just now
        assert runs.purge(conn, now + timedelta(seconds=1)) == 1  # as if 30 days had passed
        left = conn.execute(sa.select(flow_runs.c.uuid)).scalars().all()
    assert left == [kept]  # an unfinished run stays
