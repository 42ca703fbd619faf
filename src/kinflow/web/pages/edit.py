"""Adding and editing a record: `/k/{app}/edit` (kintone's address for a new record) and
`/k/{app}/edit?record=N`. The post goes to `POST`/`PUT record.json`'s own handler, in one
transaction with the events it makes; its validation messages come back beside their fields, and a
revision conflict is explained."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.apps import files
from kinflow.digits import digit_text
from kinflow.errors import KintoneError
from kinflow.uploads import Upload
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, uploads_of, write
from kinflow.web.pages.record import ordered
from kinflow.web.record_form import (
    BLANK_ROWS,
    Problems,
    file_inputs,
    form_value,
    problems,
    record_from_form,
    takes_input,
)
from kinflow.web.render import page
from kinflow.web.sessions import Browser
from kinflow.web.values import zone


def _fields(reader: Reader, app_id: int) -> tuple[dict, list[dict]]:
    app = reader.call("GET", "app", id=app_id)
    properties = reader.call("GET", "app/form/fields", app=app_id)["properties"]
    layout = reader.call("GET", "app/form/layout", app=app_id)["layout"]
    fields = [p for p in ordered(properties, layout) if takes_input(p) or p["type"] == "SUBTABLE"]
    return app, fields


def _shown_values(fields: list[dict], record: dict, timezone: str) -> tuple[dict, dict]:
    """Each input's value, and each subtable's rows (with blank ones to fill in)."""
    where = zone(timezone)
    values, tables = {}, {}
    for props in fields:
        value = (record.get(props["code"]) or {}).get("value")
        if props["type"] != "SUBTABLE":
            values[props["code"]] = form_value(props, value, where)
            continue
        rows = [{"id": row.get("id", ""),
                 "cells": {code: form_value(inner, (row["value"].get(code) or {}).get("value"), where)
                           for code, inner in props.get("fields", {}).items()}}
                for row in value or []]
        tables[props["code"]] = rows + [{"id": "", "cells": {}} for _ in range(BLANK_ROWS)]
    return values, tables


def _form_page(request: Request, browser: Browser, app: dict, fields: list[dict], record: dict,
               record_id: str | None, revision: str, found: Problems | None = None, status: int = 200) -> Response:
    values, tables = _shown_values(fields, record, browser.user.timezone)
    has_files = any(p["type"] == "FILE" or any(inner["type"] == "FILE" for inner in p.get("fields", {}).values())
                    for p in fields)
    return page(request, browser, "edit.html", status=status, app=app, fields=fields, values=values, tables=tables,
                has_files=has_files, record_id=record_id, revision=revision, problems=found or Problems(),
                list_path=request.url.path[:-len("edit")])


@signed_in_page
async def edit_page(request: Request, browser: Browser) -> Response:
    app_id = request.path_params["app"]
    record_id = digit_text(request.query_params.get("record"))

    def load(reader: Reader) -> tuple:
        app, fields = _fields(reader, app_id)
        record = reader.call("GET", "record", app=app_id, id=record_id)["record"] if record_id else {}
        return app, fields, record

    app, fields, record = await read(request, browser, load, request.path_params.get("space_id"))
    revision = (record.get("$revision") or {}).get("value", "")
    return _form_page(request, browser, app, fields, record, record_id, revision)


def _upload(reader: Reader, inputs: set[str], uploads: dict[str, list[Upload]]) -> dict[str, list[str]]:
    """The files the form's FILE inputs sent, uploaded as `POST file.json` does: their keys by input."""
    max_bytes = reader.request.app.state.settings.file_max_bytes
    return {name: [files.upload(reader.conn, reader.identity, received, max_bytes=max_bytes)["fileKey"]
                   for received in received_files]
            for name, received_files in uploads.items() if name in inputs}


@signed_in_form
async def edit_submit(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    app_id = request.path_params["app"]
    guest = request.path_params.get("space_id")
    record_id = digit_text((form.get("record") or [""])[0])
    revision = (form.get("revision") or [""])[0]
    uploads = uploads_of(request)

    def save(reader: Reader) -> str:
        _, fields = _fields(reader, app_id)
        added = _upload(reader, file_inputs(fields, form), uploads)
        record = record_from_form(fields, form, zone(browser.user.timezone), added)
        if record_id is None:
            return reader.call("POST", "record", app=app_id, record=record)["id"]
        reader.call("PUT", "record", app=app_id, id=record_id, record=record, **({"revision": revision} if revision else {}))
        return record_id

    try:
        saved = await write(request, browser, save, guest)
    except KintoneError as error:
        if error.status not in (400, 409):
            raise
        app, fields = await read(request, browser, lambda reader: _fields(reader, app_id), guest)
        record = record_from_form(fields, form, zone(browser.user.timezone))
        found = problems(error)
        if error.status == 409:
            found.general = ["conflict"]
        return _form_page(request, browser, app, fields, record, record_id, revision, found, error.status)
    show = request.url.path[:-len("edit")] + "show"
    return RedirectResponse(f"{show}?record={saved}#record={saved}", status_code=303)
