"""The record page's process management panel: a button for each action the user may run now (the
same judgement as `PUT record/status.json`), with whom each may hand the record to."""

from __future__ import annotations

from kinflow.apps.process import StatusRunner
from kinflow.directory.users import entity_names
from kinflow.web.access import Reader


def process_panel(reader: Reader, app_id: int, record_id: str) -> dict | None:
    """The actions the user may run on the record (with whom each may hand it to), or None when the
    app has no process management."""
    live = reader.live(app_id)
    if not live.process.get("enable"):
        return None
    runner = StatusRunner(reader.conn, live, reader.identity, lambda *_: None)
    actions = []
    for action in runner.available(int(record_id)):
        codes = runner.candidates(action["to"], int(record_id))
        names = entity_names(reader.conn, "USER", set(codes))
        actions.append({"name": action["name"], "to": action["to"],
                        "candidates": [{"code": c, "name": names.get(c, c)} for c in codes]})
    return {"actions": actions}
