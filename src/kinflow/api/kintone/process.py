"""Process management routes on records: record/status.json, records/status.json, record/assignees.json."""

from __future__ import annotations

from kinflow.api.kintone.calls import Call, route
from kinflow.apps.process import StatusRunner, check_changes, parse_change, update_assignees
from kinflow.apps.permissions import require
from kinflow.events.kintone import RecordEvents


def _runner(call: Call) -> StatusRunner:
    live = call.live("view")
    return StatusRunner(call.conn, live, call.identity,
                        RecordEvents(call.conn, live, call.identity, call.settings))


@route("PUT", "record/status")
def update_status(call: Call) -> dict:
    runner = _runner(call)
    (result,) = runner.run([parse_change(call.params, "")])
    return {"revision": result["revision"]}


@route("PUT", "records/status")
def update_statuses(call: Call) -> dict:
    runner = _runner(call)
    return {"records": runner.run(check_changes(call.params.get("records")))}


@route("PUT", "record/assignees")
def update_record_assignees(call: Call) -> dict:
    # kintone: changing assignees needs app management as well as view permission.
    live = call.live("view")
    require(call.conn, live.app, live.acl, call.identity, "manage")
    return {"revision": str(update_assignees(call.conn, live, call.identity, call.params))}
