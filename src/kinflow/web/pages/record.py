"""The record page `/k/{app}/show#record=N`: every field read-only, subtables, and comments.

The record is named in the fragment, which browsers keep to themselves: `static/record.js` moves
it into the query (`?record=N&comment=M`, fragment kept) so the server can render the record, then
scrolls to the comment. Links kinflow makes itself may carry the query already.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kinflow.apps.comments import comments_disabled
from kinflow.digits import digit_text
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_page
from kinflow.web.process_panel import process_panel
from kinflow.web.related_records import related_records
from kinflow.web.render import language, page
from kinflow.web.sessions import Browser
from kinflow.web.values import Shown

# GET record/comments.json gives 10 a call; a permalink's comment is looked for this far back.
_COMMENTS_CALL = 10
MAX_COMMENTS = 500
# Shown beside the form's own fields, as kintone's record page does.
SYSTEM = ("RECORD_NUMBER", "CREATOR", "CREATED_TIME", "MODIFIER", "UPDATED_TIME")
_HIDDEN = {"__ID__", "__REVISION__", "CATEGORY", "STATUS", "STATUS_ASSIGNEE", *SYSTEM}


def _layout_codes(rows: list) -> list[str]:
    codes: list[str] = []
    for row in rows:
        if row.get("type") == "GROUP":
            codes += _layout_codes(row.get("layout") or [])
        elif row.get("type") == "SUBTABLE":
            codes.append(row.get("code"))
        else:
            codes += [f.get("code") for f in row.get("fields") or [] if f.get("code")]
    return codes


def ordered(properties: dict, layout: list) -> list[dict]:
    """The form's fields in the layout's order, then any the layout does not place."""
    codes = [c for c in _layout_codes(layout) if c in properties]
    codes += [c for c in properties if c not in codes]
    return [properties[c] for c in codes if properties[c]["type"] not in _HIDDEN
            and properties[c].get("enabled") is not False]


def _comments(reader: Reader, app_id: int, record_id: str, target: str | None) -> dict:
    """The newest comments; with a target, as many more as it takes to reach it."""
    comments: list[dict] = []
    older = False
    try:
        while len(comments) < MAX_COMMENTS:
            found = reader.call("GET", "record/comments", app=app_id, record=record_id, order="desc",
                                offset=len(comments), limit=_COMMENTS_CALL)
            comments += found["comments"]
            older = found["older"]
            if not older or target is None or any(c["id"] == target for c in comments):
                break
    except KintoneError as error:
        if error.code == comments_disabled().code:
            return {"enabled": False, "comments": [], "older": False}
        raise
    return {"enabled": True, "comments": comments, "older": older}


def _deletable(reader: Reader, app_id: int, record_id: str) -> bool:
    """Whether the user may delete the record (the app's and the record's permissions together)."""
    rights = reader.call("GET", "records/acl/evaluate", app=app_id, ids=[record_id])["rights"]
    return bool(rights and rights[0]["record"]["deletable"])


def _record(reader: Reader, app_id: int, record_id: str, target: str | None) -> dict:
    app = reader.call("GET", "app", id=app_id)
    record = reader.call("GET", "record", app=app_id, id=record_id)["record"]
    properties = reader.call("GET", "app/form/fields", app=app_id)["properties"]
    layout = reader.call("GET", "app/form/layout", app=app_id)["layout"]
    system = [p for p in properties.values() if p["type"] in SYSTEM]
    return {"app": app, "record": record, "fields": ordered(properties, layout), "system": system,
            "record_id": record_id, "comments": _comments(reader, app_id, record_id, target),
            "process": process_panel(reader, app_id, record_id), "deletable": _deletable(reader, app_id, record_id),
            "related": related_records(reader, record, properties)}


async def record_response(request: Request, browser: Browser, record_id: str, target: str | None,
                          status: int = 200, **context: object) -> Response:
    app_id = request.path_params["app"]
    guest_space_id = request.path_params.get("space_id")  # /k/guest/{space}/...
    found = await read(request, browser, lambda reader: _record(reader, app_id, record_id, target), guest_space_id)
    app_root = request.url.path[:request.url.path.rindex("/") + 1]
    context = {"comment_text": "", "comment_errors": [], "process_errors": [], **context}
    # Another app's pages sit beside this one's: /k/{app}/ or /k/guest/{space}/{app}/; so do its files.
    apps_root = app_root[:app_root.rstrip("/").rindex("/") + 1]
    shown = Shown(language(request, browser), browser.user.timezone, files=apps_root + "file")
    return page(request, browser, "record.html", status=status, shown=shown, target=target, list_path=app_root,
                apps_root=apps_root, **found, **context)


@signed_in_page
async def record_page(request: Request, browser: Browser) -> Response:
    record_id = digit_text(request.query_params.get("record"))
    if record_id is None:  # the record is in the fragment: record.js asks again with it
        app_id = request.path_params["app"]
        app = await read(request, browser, lambda reader: reader.call("GET", "app", id=app_id),
                         request.path_params.get("space_id"))
        return page(request, browser, "record.html", app=app, record=None, list_path=request.url.path[:-len("show")])
    return await record_response(request, browser, record_id, digit_text(request.query_params.get("comment")))
