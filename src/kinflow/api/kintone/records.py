"""Record routes: record.json, records.json, records/cursor.json."""

from __future__ import annotations

from kinflow.api.kintone.calls import Call, route
from kinflow.apps import cursors
from kinflow.apps.permissions import has_permission
from kinflow.apps.records import Writer, check_batch, get_record
from kinflow.apps.search import get_records
from kinflow.errors import invalid_input
from kinflow.events.kintone import RecordEvents
from kinflow.i18n import N_


def _writer(call: Call, permission: str) -> Writer:
    live = call.live(permission)
    return Writer(call.conn, live, call.identity,
                  lambda: has_permission(call.conn, live.app, live.acl, call.identity, "manage"),
                  on_change=RecordEvents(call.conn, live, call.identity, call.settings))


def _flag(value: object, name: str) -> bool:
    if value in (None, "", False, "false"):
        return False
    if value in (True, "true"):
        return True
    raise invalid_input({name: [N_("Must be true or false.")]})


@route("GET", "record")
def get_one(call: Call) -> dict:
    live = call.live("view")
    return {"record": get_record(call.conn, live, call.identity, call.params.get("id"))}


@route("POST", "record")
def add_one(call: Call) -> dict:
    (rec,) = _writer(call, "add").add([call.params.get("record")], bases=["record"])
    return {"id": str(rec.id), "revision": str(rec.revision)}


@route("PUT", "record")
def update_one(call: Call) -> dict:
    item = {k: call.params.get(k) for k in ("id", "updateKey", "revision", "record") if k in call.params}
    (result,) = _writer(call, "edit").update([item], bases=[""])
    return {"revision": result["revision"]}


@route("GET", "records")
def get_many(call: Call) -> dict:
    live = call.live("view")
    query = call.params.get("query")
    if query is not None and not isinstance(query, str):
        raise invalid_input({"query": [N_("Enter a string value.")]})
    return get_records(call.conn, live, call.identity, query, call.params.get("fields"),
                       _flag(call.params.get("totalCount"), "totalCount"))


@route("POST", "records")
def add_many(call: Call) -> dict:
    raws = check_batch(call.params.get("records"), "records", "added")
    added = _writer(call, "add").add(raws, bases=[f"records[{i}]" for i in range(len(raws))])
    return {"ids": [str(r.id) for r in added], "revisions": [str(r.revision) for r in added]}


@route("PUT", "records")
def update_many(call: Call) -> dict:
    items = check_batch(call.params.get("records"), "records", "updated")
    upsert = _flag(call.params.get("upsert"), "upsert")
    writer = _writer(call, "edit")
    if upsert:
        call.live("add")
    return {"records": writer.update(items, bases=[f"records[{i}]" for i in range(len(items))], upsert=upsert)}


@route("DELETE", "records")
def delete_many(call: Call) -> dict:
    ids = call.params.get("ids")
    if isinstance(ids, (str, int)):
        ids = [ids]
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise invalid_input({"ids": [N_("Between 1 and 100 records can be deleted at one time.")]})
    revisions = call.params.get("revisions")
    if revisions is not None and not isinstance(revisions, list):
        revisions = [revisions]
    _writer(call, "delete").delete(ids, revisions)
    return {}


@route("POST", "records/cursor")
def create_cursor(call: Call) -> dict:
    live = call.live("view")
    return cursors.create_cursor(call.conn, live, call.identity, call.params.get("fields"),
                                 call.params.get("query"), call.params.get("size"))


@route("GET", "records/cursor", writes=True)
def read_cursor(call: Call) -> dict:
    return cursors.read_cursor(call.conn, call.params.get("id"), call.identity, call.guest_space_id)


@route("DELETE", "records/cursor")
def delete_cursor(call: Call) -> dict:
    return cursors.delete_cursor(call.conn, call.params.get("id"), call.identity)
