"""Creating a flow `/k/flows/new`: from a template (`kinflow.flows.templates`) or by pasting a
definition (Logic Apps' or Power Automate's JSON, or a Power Automate export's definition file).
Either way the flows API's deploy action deploys it, so its errors are the API's: each with the
path in the definition it is about."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.errors import KintoneError, invalid_input
from kinflow.api.threads import run_blocking
from kinflow.flows import pickers, templates
from kinflow.flows.pickers import Picker
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write
from kinflow.web.pages.flows import FLOWS, flow_path, pretty, show
from kinflow.web.sessions import Browser

NEW = f"{FLOWS}new"


def _choices(request: Request, browser: Browser) -> dict[Picker, list[dict[str, str]]]:
    """The choices of every template parameter that has a picker (each asked once)."""
    state = request.app.state
    wanted = {p.picker for t in templates.TEMPLATES.values() for p in t.parameters if p.picker}
    return {picker: pickers.choices(state.db, state.settings, browser.user.code, picker) for picker in wanted}


async def _show(request: Request, browser: Browser, status: int = 200, **context: object) -> Response:
    choices = await run_blocking(_choices, request, browser)
    return show(request, browser, "flow_new.html", status=status, templates=templates.TEMPLATES.values(),
                choices=choices, **{"problem": None, "entered": {}, "saved_off": None, **context})


def _copy(reader: Reader, flow_id: str) -> dict:
    """A flow's definition to deploy a new version of: under its name, a deploy of the owner's
    makes the flow's next version."""
    flow = reader.kinflow("GET", "flow", id=flow_id)
    return {"op": "paste", "name": flow["name"], "definition": pretty(flow["definition"])}


@signed_in_page
async def new_flow_page(request: Request, browser: Browser) -> Response:
    """`?from={flow}`: the paste form holds that flow's definition, to change and deploy again."""
    copied = request.query_params.get("from", "")
    entered = await read(request, browser, lambda reader: _copy(reader, copied)) if copied else {}
    return await _show(request, browser, entered=entered)


def _definition(first: dict[str, str]) -> object:
    if first.get("op") == "template":
        return templates.definition_from(first.get("template"), first)
    if first.get("op") == "paste":
        try:
            return orjson.loads(first.get("definition", ""))
        except orjson.JSONDecodeError as error:
            raise invalid_input({"definition": [f"This is not JSON: {error}"]}) from None
    raise invalid_input({"op": ["Enter template or paste."]})


def _deploy(reader: Reader, first: dict[str, str]) -> str:
    return reader.kinflow("POST", "flows", name=first.get("name", ""), definition=_definition(first))["id"]


def _named(reader: Reader, name: str) -> dict | None:
    return next((f for f in reader.kinflow("GET", "flows", limit=500)["flows"]
                 if f["name"] == name and f["owner"] == reader.browser.user.code), None)


@signed_in_form
async def create_flow(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    first = {name: values[0] for name, values in form.items() if values}
    try:
        flow_id = await write(request, browser, lambda reader: _deploy(reader, first))
    except KintoneError as error:
        if error.status not in (400, 502):
            raise
        # A trigger that could not subscribe (KF_FL10) leaves the flow deployed, turned off.
        saved_off = await read(request, browser, lambda reader: _named(reader, first.get("name", ""))) \
            if error.code == "KF_FL10" else None
        return await _show(request, browser, status=error.status, problem=error, entered=first, saved_off=saved_off)
    return RedirectResponse(f"{flow_path(flow_id)}?saved=create", status_code=303)
