"""App settings in the browser, for an app's managers: create an app, build its form (add, change,
delete and reorder fields), and "Update app" (deploy) with its result, including why a deploy
failed. Each change goes to the pre-live settings through the settings API's own handlers.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.apps.app import load_app_anywhere
from kinflow.apps.deploy import DeployFailed, record_failure
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write, write_or_refuse
from kinflow.web.pages.record import ordered
from kinflow.web.render import page
from kinflow.web.sessions import Browser

# What the builder offers to add (subtables and lookups are made through the API for now).
FIELD_TYPES = ("SINGLE_LINE_TEXT", "NUMBER", "MULTI_LINE_TEXT", "RICH_TEXT", "DATE", "TIME", "DATETIME", "LINK",
               "RADIO_BUTTON", "DROP_DOWN", "CHECK_BOX", "MULTI_SELECT", "USER_SELECT", "ORGANIZATION_SELECT",
               "GROUP_SELECT", "CALC")
CHOICES = frozenset({"RADIO_BUTTON", "DROP_DOWN", "CHECK_BOX", "MULTI_SELECT"})
_SYSTEM = frozenset({"RECORD_NUMBER", "CREATOR", "CREATED_TIME", "MODIFIER", "UPDATED_TIME", "STATUS",
                     "STATUS_ASSIGNEE", "CATEGORY", "__ID__", "__REVISION__"})
MAX_OPTIONS = 1_000


def settings_path(app_id: int | str) -> str:
    return f"/k/admin/app/{app_id}/form"


def _first(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0].strip()


def _options(text: str) -> dict:
    labels = list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))[:MAX_OPTIONS]
    return {label: {"label": label, "index": str(index)} for index, label in enumerate(labels)}


def _property(form: dict[str, list[str]], kind: str) -> dict:
    """The field property a builder form describes; the form field API judges it."""
    prop: dict = {"label": _first(form, "label"), "required": bool(form.get("required"))}
    if kind in CHOICES:
        prop["options"] = _options(_first(form, "options"))
        if kind == "RADIO_BUTTON" and prop["options"]:
            prop["defaultValue"] = next(iter(prop["options"]))
    if kind == "CALC" or _first(form, "expression"):
        prop["expression"] = _first(form, "expression")
    return prop


def builder_fields(reader: Reader, app_id: int) -> list[dict]:
    """The pre-live form's own fields in its order (its managers only)."""
    properties = reader.call("GET", "preview/app/form/fields", app=app_id)["properties"]
    layout = reader.call("GET", "preview/app/form/layout", app=app_id)["layout"]
    return [p for p in ordered(properties, layout) if p["type"] not in _SYSTEM]


def _layout(fields: list[dict]) -> list[dict]:
    """One row a field, in this order (a subtable is a row of its own in kintone's layout)."""
    rows = []
    for prop in fields:
        if prop["type"] == "SUBTABLE":
            inner = [{"type": f["type"], "code": f["code"]} for f in prop.get("fields", {}).values()]
            rows.append({"type": "SUBTABLE", "code": prop["code"], "fields": inner})
        else:
            rows.append({"type": "ROW", "fields": [{"type": prop["type"], "code": prop["code"]}]})
    return rows


def _builder(reader: Reader, app_id: int) -> dict:
    app = reader.call("GET", "app", id=app_id)
    fields = builder_fields(reader, app_id)  # needs app management, as the pre-live settings do
    status = reader.call("GET", "preview/app/deploy", apps=[app_id])["apps"][0]
    return {"app": app, "fields": fields, "deploy": status, "deployed": load_app_anywhere(reader.conn, app_id).deployed}


def _show(request: Request, browser: Browser, found: dict, status: int = 200, **context: object) -> Response:
    return page(request, browser, "form_builder.html", status=status, field_types=FIELD_TYPES, choices=CHOICES,
                settings_path=settings_path(found["app"]["appId"]),
                **{"problem": None, "entered": {}, **found, **context})


@signed_in_page
async def builder_page(request: Request, browser: Browser) -> Response:
    app_id = request.path_params["app"]
    found = await read(request, browser, lambda reader: _builder(reader, app_id))
    return _show(request, browser, found, saved=request.query_params.get("saved"))


def _change(reader: Reader, app_id: int, form: dict[str, list[str]]) -> None:
    operation = _first(form, "op")
    code = _first(form, "code")
    fields = builder_fields(reader, app_id)  # first: only the app's managers get further
    if operation == "add":
        kind = _first(form, "type")
        prop = {"type": kind, "code": code, **_property(form, kind)}
        reader.call("POST", "preview/app/form/fields", app=app_id, properties={code: prop})
        added = [f for f in builder_fields(reader, app_id) if f["code"] == code]
        reader.call("PUT", "preview/app/form/layout", app=app_id, layout=_layout(fields + added))  # last
    elif operation == "update":
        kind = next((f["type"] for f in fields if f["code"] == code), "")
        reader.call("PUT", "preview/app/form/fields", app=app_id, properties={code: _property(form, kind)})
    elif operation == "delete":
        reader.call("DELETE", "preview/app/form/fields", app=app_id, fields=[code])
    elif operation in ("up", "down"):
        at = next((i for i, f in enumerate(fields) if f["code"] == code), None)
        to = None if at is None else at - 1 if operation == "up" else at + 1
        if at is not None and to is not None and 0 <= to < len(fields):
            fields[at], fields[to] = fields[to], fields[at]
            reader.call("PUT", "preview/app/form/layout", app=app_id, layout=_layout(fields))
    else:
        raise KintoneError("CB_VA01", "Missing or invalid input.", 400, {"op": ["Enter add, update, delete, up or down."]})


@signed_in_form
async def change_form(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    app_id = request.path_params["app"]

    async def refused(error: KintoneError) -> Response:
        found = await read(request, browser, lambda reader: _builder(reader, app_id))
        entered = {name: values[0] for name, values in form.items() if values}
        return _show(request, browser, found, status=400, problem=error, entered=entered)

    return await write_or_refuse(request, browser, lambda reader: _change(reader, app_id, form),
                                 f"{settings_path(app_id)}?saved={_first(form, 'op')}#fields", refused)


@signed_in_form
async def deploy(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    """"Update app": the deploy API's handler; a deploy that existing records refuse is recorded as
    failed with its reason, as the API records it."""
    app_id = request.path_params["app"]
    try:
        await write(request, browser, lambda reader: reader.call("POST", "preview/app/deploy", apps=[{"app": app_id}]))
    except DeployFailed as failure:
        await write(request, browser, lambda reader: record_failure(reader.conn, failure))
    return RedirectResponse(f"{settings_path(app_id)}#deploy", status_code=303)


@signed_in_form
async def create_app(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    name = _first(form, "name")
    created = await write(request, browser, lambda reader: reader.call("POST", "preview/app", name=name))
    return RedirectResponse(settings_path(created["app"]), status_code=303)
