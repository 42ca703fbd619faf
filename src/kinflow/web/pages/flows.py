"""A person's flows: the list `/k/flows/` (every flow, for an administrator, as in the flows API), and
one flow `/k/flows/{flow}` with its definition, its state (enable, disable, delete) and its run
history. Through the flows API's own actions, so a flow is only ever changed one way."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.errors import KintoneError
from kinflow.flows import runs
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write
from kinflow.web.render import language, page
from kinflow.web.sessions import Browser
from kinflow.web.values import Shown

FLOWS = "/k/flows/"
# The run history a flow's page shows: the newest runs.
HISTORY = 50


def flow_path(flow_id: int | str) -> str:
    return f"{FLOWS}{flow_id}"


def pretty(value: object) -> str:
    """JSON as the run history shows it: indented, keys in their order."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


def duration(ms: float | None) -> str:
    if ms is None:
        return ""
    return f"{ms:.0f} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


def show(request: Request, browser: Browser, template: str, status: int = 200, **context: object) -> Response:
    """A flows page: with the reader's time zone for moments, JSON and durations as the pages show them."""
    return page(request, browser, template, status=status, shown=Shown(language(request, browser), browser.user.timezone),
                pretty=pretty, duration=duration, flows_path=FLOWS, flow_path=flow_path, **context)


@signed_in_page
async def flows_page(request: Request, browser: Browser) -> Response:
    found = await read(request, browser, lambda reader: reader.kinflow("GET", "flows", limit=500))
    return show(request, browser, "flows.html", flows=found["flows"], saved=request.query_params.get("saved"))


def _flow(reader: Reader, flow_id: int, status: str, offset: int) -> dict:
    flow = reader.kinflow("GET", "flow", id=flow_id)  # first: 404 for a flow that is not the reader's
    # One more than a page: whether older runs follow.
    found = reader.kinflow("GET", "flow/runs", id=flow_id, limit=HISTORY + 1, offset=offset,
                           **({"status": status} if status else {}))["runs"]
    return {"flow": flow, "runs": found[:HISTORY], "more": len(found) > HISTORY, "shown_status": status, "offset": offset,
            "progress": runs.progress(reader.conn, int(flow["id"]))}


def _show_flow(request: Request, browser: Browser, found: dict, status: int = 200, saved: str | None = None,
               problem: KintoneError | None = None) -> Response:
    return show(request, browser, "flow.html", status=status, saved=saved, problem=problem,
                statuses=runs.RUN_STATUSES, history=HISTORY, **found)


def _offset(raw: str | None) -> int:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 8 else 0


@signed_in_page
async def flow_page(request: Request, browser: Browser) -> Response:
    """`?status=` shows the runs of one status (the API's filter, so an unknown one is its 400),
    `?offset=` older runs, `HISTORY` at a time."""
    flow_id = request.path_params["flow"]
    status = request.query_params.get("status", "")[:16]
    offset = _offset(request.query_params.get("offset"))
    found = await read(request, browser, lambda reader: _flow(reader, flow_id, status, offset))
    return _show_flow(request, browser, found, saved=request.query_params.get("saved"))


_CHANGES = {"enable": ("POST", "flow/enable"), "disable": ("POST", "flow/disable"), "delete": ("DELETE", "flow")}


def _change(reader: Reader, flow_id: int, operation: str) -> None:
    reader.kinflow("GET", "flow", id=flow_id)  # first: another's flow is as missing as none
    if operation not in _CHANGES:
        raise KintoneError("CB_VA01", "Missing or invalid input.", 400, {"op": ["Enter enable, disable or delete."]})
    reader.kinflow(*_CHANGES[operation], id=flow_id)


@signed_in_form
async def change_flow(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    flow_id = request.path_params["flow"]
    operation = (form.get("op") or [""])[0]
    try:
        await write(request, browser, lambda reader: _change(reader, flow_id, operation))
    except KintoneError as error:
        if error.code != "KF_FL10":
            raise
        # Turned on, its trigger could not subscribe (no connection, the server refused): it stays off.
        found = await read(request, browser, lambda reader: _flow(reader, flow_id, "", 0))
        return _show_flow(request, browser, found, status=error.status, problem=error)
    done = f"{FLOWS}?saved=delete" if operation == "delete" else f"{flow_path(flow_id)}?saved={operation}"
    return RedirectResponse(done, status_code=303)
