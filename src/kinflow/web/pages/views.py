"""The views of an app `/k/admin/app/{app}/views` (its managers): list views with their columns,
filter (kintone's query conditions, checked by the views API) and sort; add, change, delete. The
whole set goes to `PUT preview/app/views`, as kintone's API takes it; "Update app" makes it live."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write_or_refuse
from kinflow.web.pages.form_builder import builder_fields
from kinflow.web.render import page
from kinflow.web.sessions import Browser

MAX_VIEWS = 100


def views_path(app_id: int | str) -> str:
    return f"/k/admin/app/{app_id}/views"


def _views(reader: Reader, app_id: int) -> list[dict]:
    found = reader.call("GET", "preview/app/views", app=app_id)["views"]
    return sorted(found.values(), key=lambda v: int(v.get("index") or 0))


def _settings(reader: Reader, app_id: int) -> dict:
    return {"app": reader.call("GET", "app", id=app_id), "views": _views(reader, app_id),
            "fields": [f for f in builder_fields(reader, app_id) if f["type"] != "SUBTABLE"]}


def _show(request: Request, browser: Browser, found: dict, status: int = 200, **context: object) -> Response:
    return page(request, browser, "views.html", status=status, views_path=views_path(found["app"]["appId"]),
                **{"problem": None, "entered": {}, "saved": False, **found, **context})


@signed_in_page
async def views_page(request: Request, browser: Browser) -> Response:
    app_id = request.path_params["app"]
    found = await read(request, browser, lambda reader: _settings(reader, app_id))
    return _show(request, browser, found, saved=request.query_params.get("saved") == "1")


def _stored(view: dict) -> dict:
    return {key: view[key] for key in ("type", "name", "fields", "filterCond", "sort", "index") if key in view}


def _change(reader: Reader, app_id: int, form: dict[str, list[str]]) -> None:
    first = {name: values[0].strip() for name, values in form.items() if values}
    views = {v["name"]: _stored(v) for v in _views(reader, app_id)}  # first: only managers get further
    original = first.get("original", "")
    if first.get("op") == "delete":
        views.pop(original, None)
    else:
        name = first.get("name", "")
        place = views.pop(original, {}).get("index", str(len(views)))
        views[name] = {"type": "LIST", "name": name, "index": place, "fields": form.get("columns", [])[:200],
                       "filterCond": first.get("filterCond", ""), "sort": first.get("sort") or "$id desc"}
        if not name or len(views) > MAX_VIEWS:
            raise KintoneError("CB_VA01", "Missing or invalid input.", 400,
                               {"name": ["Required field."] if not name else [f"At most {MAX_VIEWS} views."]})
    reader.call("PUT", "preview/app/views", app=app_id, views=views)


@signed_in_form
async def change_views(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    app_id = request.path_params["app"]

    async def refused(error: KintoneError) -> Response:
        found = await read(request, browser, lambda reader: _settings(reader, app_id))
        entered = {name: values[0] for name, values in form.items() if values}
        return _show(request, browser, found, status=400, problem=error, entered=entered,
                     entered_columns=form.get("columns", []))

    return await write_or_refuse(request, browser, lambda reader: _change(reader, app_id, form),
                                 f"{views_path(app_id)}?saved=1", refused)
