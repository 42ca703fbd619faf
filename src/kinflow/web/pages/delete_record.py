"""Deleting a record from its page: `/k/{app}/delete?record=N` asks first (the record's number and
app, a button to confirm, a way back), and its form goes to `DELETE records.json`'s own handler,
with the revision the page showed, so a record changed meanwhile is not deleted unseen."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.digits import digit_text
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write
from kinflow.web.render import page
from kinflow.web.sessions import Browser


def _list_path(request: Request) -> str:
    return request.url.path[:-len("delete")]


@signed_in_page
async def delete_page(request: Request, browser: Browser) -> Response:
    app_id = request.path_params["app"]
    record_id = digit_text(request.query_params.get("record")) or "0"

    def load(reader: Reader) -> tuple[dict, dict]:
        return reader.call("GET", "app", id=app_id), reader.call("GET", "record", app=app_id, id=record_id)["record"]

    app, record = await read(request, browser, load, request.path_params.get("space_id"))
    return page(request, browser, "delete_record.html", app=app, record_id=record_id,
                revision=record["$revision"]["value"], list_path=_list_path(request))


@signed_in_form
async def delete_record(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    app_id = request.path_params["app"]
    record_id = digit_text((form.get("record") or [""])[0]) or "0"
    revision = (form.get("revision") or [""])[0]

    def delete(reader: Reader) -> None:
        reader.call("DELETE", "records", app=app_id, ids=[record_id], **({"revisions": [revision]} if revision else {}))

    try:
        await write(request, browser, delete, request.path_params.get("space_id"))
    except KintoneError as error:
        if error.status != 409:
            raise
        # Changed since the page was shown: say so, and offer the latest version.
        app = await read(request, browser, lambda reader: reader.call("GET", "app", id=app_id),
                         request.path_params.get("space_id"))
        return page(request, browser, "delete_record.html", status=409, app=app, record_id=record_id,
                    revision="", list_path=_list_path(request), conflict=True)
    return RedirectResponse(f"{_list_path(request)}?deleted={record_id}", status_code=303)
