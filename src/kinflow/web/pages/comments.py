"""Posting a comment from the record page: `POST record/comment.json`'s own handler (with the
`@code` mentions of the text), then back to the record with the new comment in view (its
permalink). Deleting one's own comment: `DELETE record/comment.json`'s handler, which refuses
another's, then back to the record."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.digits import digit_text
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, signed_in_form, write
from kinflow.web.pages.mentions import split_mentions
from kinflow.web.pages.record import record_response
from kinflow.web.sessions import Browser


@signed_in_form
async def post_comment(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    app_id = request.path_params["app"]
    guest = request.path_params.get("space_id")
    record_id = digit_text((form.get("record") or [""])[0]) or "0"
    text = (form.get("text") or [""])[0]

    def post(reader: Reader) -> str:
        rest, mentions = split_mentions(reader.conn, text)
        comment = {"text": rest, **({"mentions": mentions} if mentions else {})}
        return reader.call("POST", "record/comment", app=app_id, record=record_id, comment=comment)["id"]

    try:
        number = await write(request, browser, post, guest)
    except KintoneError as error:
        if error.status != 400 or not error.errors:
            raise
        messages = [m for found in error.errors.values() for m in found]
        return await record_response(request, browser, record_id, None, comment_text=text,
                                     comment_errors=messages, status=400)
    show = request.url.path[:-len("comment")] + "show"
    anchor = f"record={record_id}&comment={number}"
    return RedirectResponse(f"{show}?{anchor}#{anchor}", status_code=303)


@signed_in_form
async def delete_comment(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    app_id = request.path_params["app"]
    record_id = digit_text((form.get("record") or [""])[0]) or "0"
    comment_id = (form.get("comment") or [""])[0]

    def delete(reader: Reader) -> None:
        reader.call("DELETE", "record/comment", app=app_id, record=record_id, comment=comment_id)

    await write(request, browser, delete, request.path_params.get("space_id"))
    show = request.url.path[:-len("comment/delete")] + "show"
    return RedirectResponse(f"{show}?record={record_id}#record={record_id}", status_code=303)
