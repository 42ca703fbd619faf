"""Running a process management action from the record page: `PUT record/status.json`'s own handler,
then back to the record (or its page with the refusal shown beside the buttons)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.digits import digit_text
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, signed_in_form, write
from kinflow.web.pages.record import record_response
from kinflow.web.sessions import Browser


@signed_in_form
async def run_action(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    app_id = request.path_params["app"]
    record_id = digit_text((form.get("record") or [""])[0]) or "0"
    first = {name: values[0] for name, values in form.items() if values and values[0]}
    params = {key: first[key] for key in ("action", "assignee", "revision") if key in first}

    def run(reader: Reader) -> None:
        reader.call("PUT", "record/status", app=app_id, id=record_id, **params)

    try:
        await write(request, browser, run, request.path_params.get("space_id"))
    except KintoneError as error:
        if error.status not in (400, 403, 409):
            raise
        messages = [m for found in (error.errors or {}).values() for m in found] or [error.message]
        return await record_response(request, browser, record_id, None, process_errors=messages,
                                     status=error.status)
    show = request.url.path[:-len("status")] + "show"
    return RedirectResponse(f"{show}?record={record_id}#record={record_id}", status_code=303)
