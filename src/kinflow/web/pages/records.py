"""The record list `/k/{app}/`: a view's columns, a query box in the kintone query language (its
errors shown beside it), pages of records and their total count, all through `GET records.json`."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from kinflow.apps.query.parser import parse_query
from kinflow.digits import bounded_number, digit_text
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_page
from kinflow.web.render import language, page
from kinflow.web.sessions import Browser
from kinflow.web.values import Shown

PAGE_SIZE = 20
MAX_OFFSET = 10_000  # kintone's own ceiling for `offset`
# The box's text travels in the address: kintone's own URLs stop at 8 KB.
MAX_QUERY = 8_000
# Shown when a view names no columns (kintone's "(All records)" lists every field).
MAX_DEFAULT_COLUMNS = 10
_SYSTEM = {"CREATOR", "CREATED_TIME", "MODIFIER", "UPDATED_TIME"}
_NOT_COLUMNS = {"SUBTABLE", "RECORD_NUMBER", "__ID__", "__REVISION__", "CATEGORY", "STATUS_ASSIGNEE"}


@dataclass(frozen=True)
class Column:
    code: str
    label: str
    type: str
    props: dict


def _columns(properties: dict, view: dict | None) -> list[Column]:
    wanted = [c for c in (view or {}).get("fields", []) if c in properties]
    if not wanted:  # the form's own fields first, then who made and changed the record when
        wanted = sorted((code for code, p in properties.items()
                         if p["type"] not in _NOT_COLUMNS and p.get("enabled") is not False),
                        key=lambda code: properties[code]["type"] in _SYSTEM)[:MAX_DEFAULT_COLUMNS]
    return [Column(code, properties[code].get("label") or code, properties[code]["type"], properties[code])
            for code in wanted if properties[code]["type"] != "SUBTABLE"]


def _view_query(view: dict | None) -> str:
    if not view:
        return ""
    text = view.get("filterCond") or ""
    if view.get("sort"):
        # Views saved before their default sort named the record number field said `record_no`.
        sort = view["sort"].replace("record_no", "$id")
        text = f"{text} order by {sort}".strip()
    return text


def _paged(query: str, offset: int) -> tuple[str, bool]:
    """The query with this page's limit and offset, unless it names its own (then it is not paged)."""
    parsed = parse_query(query)
    if parsed.limit is not None or parsed.offset is not None:
        return query, False
    return f"{query} limit {PAGE_SIZE} offset {offset}".strip(), True


def _number(raw: str | None, high: int) -> int:
    return bounded_number(raw, high)


def _list(reader: Reader, app_id: int, params: dict) -> dict:
    app = reader.call("GET", "app", id=app_id)
    properties = reader.call("GET", "app/form/fields", app=app_id)["properties"]
    views = sorted((v for v in reader.call("GET", "app/views", app=app_id)["views"].values() if v["type"] == "LIST"),
                   key=lambda v: int(v.get("index") or 0))
    view = next((v for v in views if v["id"] == params.get("view")), None)
    query = params["query"] if "query" in params else _view_query(view)
    offset = _number(params.get("offset"), MAX_OFFSET) // PAGE_SIZE * PAGE_SIZE
    found = {"records": [], "totalCount": None}
    error = None
    try:
        if len(query) > MAX_QUERY:
            raise KintoneError("CB_VA01", "Missing or invalid input.", 400,
                               {"query": [f"Enter at most {MAX_QUERY} characters."]})
        effective, paged = _paged(query, offset)
        found = reader.call("GET", "records", app=app_id, query=effective, totalCount=True)
    except KintoneError as problem:
        if problem.status >= 500 or problem.code.startswith(("CB_NO", "GAIA_AP", "GAIA_NO")):
            raise
        error, paged = problem, False
    # The record number's code is the creator's language's (`Record_number`, `レコード番号`).
    number = next((code for code, prop in properties.items() if prop["type"] == "RECORD_NUMBER"), None)
    return {"app": app, "views": views, "view": view, "query": query, "columns": _columns(properties, view),
            "number": number,
            "records": found["records"], "total": int(found["totalCount"] or 0), "offset": offset,
            "paged": paged, "page_size": PAGE_SIZE, "error": error}


@signed_in_page
async def record_list(request: Request, browser: Browser) -> Response:
    guest_space_id = request.path_params.get("space_id")  # /k/guest/{space}/...
    app_id = request.path_params["app"]
    params = dict(request.query_params)
    found = await read(request, browser, lambda reader: _list(reader, app_id, params), guest_space_id)
    base = request.url.path
    # Files download beside the apps: /k/file, or /k/guest/{space}/file.
    files = base[:base.rstrip("/").rindex("/") + 1] + "file"
    shown = Shown(language(request, browser), browser.user.timezone, files=files)
    return page(request, browser, "records.html", status=400 if found["error"] else 200, shown=shown,
                base=base, deleted=digit_text(params.get("deleted")), **found)


