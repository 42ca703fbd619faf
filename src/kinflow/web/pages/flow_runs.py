"""One run of a flow `/k/flows/{flow}/runs/{run}`: its trigger, and each action's inputs, outputs,
status, attempts and duration; resubmit (a new run from the same trigger outputs) and cancel.
Through the flows API's own actions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.errors import KintoneError
from kinflow.flows import runs
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write
from kinflow.web.pages.flows import flow_path, show
from kinflow.web.sessions import Browser


def run_path(flow_id: int | str, run: str) -> str:
    return f"{flow_path(flow_id)}/runs/{run}"


@signed_in_page
async def run_page(request: Request, browser: Browser) -> Response:
    flow_id, run = request.path_params["flow"], request.path_params["run"]

    def found(reader: Reader) -> dict:
        flow = reader.kinflow("GET", "flow", id=flow_id)
        return {"flow": flow, "run": reader.kinflow("GET", "flow/run", id=flow_id, run=run),
                "progress": runs.progress(reader.conn, int(flow["id"]))}

    return show(request, browser, "flow_run.html", saved=request.query_params.get("saved"),
                **await read(request, browser, found))


_CHANGES = {"resubmit": "flow/run/resubmit", "cancel": "flow/run/cancel"}


def _change(reader: Reader, flow_id: int, run: str, operation: str) -> str:
    """The run to show next: the new one a resubmit starts, else this one."""
    reader.kinflow("GET", "flow/run", id=flow_id, run=run)  # first: another's run is as missing as none
    if operation not in _CHANGES:
        raise KintoneError("CB_VA01", "Missing or invalid input.", 400, {"op": ["Enter resubmit or cancel."]})
    answer = reader.kinflow("POST", _CHANGES[operation], id=flow_id, run=run)
    return answer["run"] if operation == "resubmit" else run


@signed_in_form
async def change_run(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    flow_id, run = request.path_params["flow"], request.path_params["run"]
    operation = (form.get("op") or [""])[0]
    shown = await write(request, browser, lambda reader: _change(reader, flow_id, run, operation))
    return RedirectResponse(f"{run_path(flow_id, shown)}?saved={operation}", status_code=303)
