"""An app's process management `/k/admin/app/{app}/process` (its managers): turn it on or off, the
statuses in order with their assignees, and the actions between them (condition, who runs a
secondary one); saved whole through `PUT preview/app/status.json`, which checks every rule, and live
after "Update app". Assignees are written `TYPE:code` (`USER:ann`, `GROUP:sales`,
`FIELD_ENTITY:owner`) or `CREATOR`, separated by commas."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kinflow.apps.process_settings import ACTION_TYPES, ASSIGNEE_TYPES
from kinflow.digits import is_digits
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write_or_refuse
from kinflow.web.entity_text import entities_of, entities_text
from kinflow.web.render import page
from kinflow.web.sessions import Browser

STATUS = "preview/app/status"
MAX_ROWS = 200


def process_path(app_id: int | str) -> str:
    return f"/k/admin/app/{app_id}/process"


def _settings(reader: Reader, app_id: int) -> dict:
    document = reader.call("GET", STATUS, app=app_id)  # first: managers only
    states = list((document.get("states") or {}).values())
    return {"app": reader.call("GET", "app", id=app_id), "enable": document["enable"], "states": states,
            "actions": document.get("actions") or []}


def _show(request: Request, browser: Browser, found: dict, status: int = 200, **context: object) -> Response:
    return page(request, browser, "process_settings.html", status=status, assignee_types=ASSIGNEE_TYPES,
                action_types=ACTION_TYPES, path=process_path(found["app"]["appId"]), entities_text=entities_text,
                **{"problem": None, "saved": False, **found, **context})


@signed_in_page
async def process_settings_page(request: Request, browser: Browser) -> Response:
    app_id = request.path_params["app"]
    found = await read(request, browser, lambda reader: _settings(reader, app_id))
    return _show(request, browser, found, saved=request.query_params.get("saved") == "1")


def _rows(first: dict[str, str], prefix: str) -> range:
    raw = first.get(f"{prefix}.rows", "0")
    return range(min(int(raw), MAX_ROWS) if is_digits(raw) and len(raw) < 4 else 0)


def document_from_form(form: dict[str, list[str]]) -> dict:
    first = {name: values[0].strip() for name, values in form.items() if values}
    states, actions = {}, []
    for index in _rows(first, "s"):
        name = first.get(f"s{index}.name", "")
        if name and f"s{index}.remove" not in first:
            states[name] = {"name": name, "index": str(len(states)), "assignee": {
                "type": first.get(f"s{index}.type", "ONE"), "entities": entities_of(first.get(f"s{index}.entities", ""))}}
    for index in _rows(first, "a"):
        name = first.get(f"a{index}.name", "")
        if name and f"a{index}.remove" not in first:
            action = {"name": name, "from": first.get(f"a{index}.from", ""), "to": first.get(f"a{index}.to", ""),
                      "filterCond": first.get(f"a{index}.filterCond", ""), "type": first.get(f"a{index}.type", "PRIMARY")}
            if action["type"] == "SECONDARY":
                action["executableUser"] = {"entities": entities_of(first.get(f"a{index}.executable", ""))}
            actions.append(action)
    return {"enable": "enable" in first, "states": states, "actions": actions}


@signed_in_form
async def save_process_settings(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    app_id = request.path_params["app"]
    document = document_from_form(form)

    def save(reader: Reader) -> None:
        reader.call("GET", STATUS, app=app_id)  # first: only managers get further
        reader.call("PUT", STATUS, app=app_id, **document)

    async def refused(error: KintoneError) -> Response:
        found = await read(request, browser, lambda reader: _settings(reader, app_id))
        return _show(request, browser, {**found, "enable": document["enable"], "states": list(document["states"].values()),
                                        "actions": document["actions"]}, status=400, problem=error)

    return await write_or_refuse(request, browser, save, f"{process_path(app_id)}?saved=1", refused)
