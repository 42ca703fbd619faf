"""File routes: `POST file.json` (multipart/form-data, the file in the part named `file`) answers a
`fileKey` for a FILE field; `GET file.json?fileKey=` downloads a record's file to those who may view
the record's app."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from kinflow.api.kintone.calls import Call, Download, route
from kinflow.apps import files
from kinflow.apps.access import field_access, require_record
from kinflow.apps.app import load_live
from kinflow.apps.permissions import require
from kinflow.apps.records import fetch_records
from kinflow.digits import is_digits
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_
from kinflow.uploads import Upload
from kinflow.web.sessions import form_of

# Room for the multipart boundary and part headers beyond the file.
OVERHEAD = 64 * 1024
UPLOAD = "__upload__"


async def read_upload(request: Request, max_bytes: int) -> dict:
    """The parameters of an upload: the file of the `file` part (or why there is none), read no
    further than the limit."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "multipart/form-data":
        # Told after the caller is let in (by the handler): a caller not signed in learns only that.
        return {UPLOAD: KintoneError("CB_IL02", N_("Illegal request. Send the file as multipart/form-data."), 400)}
    declared = request.headers.get("content-length", "")
    if is_digits(declared) and int(declared) > max_bytes + OVERHEAD:
        raise files.too_large(max_bytes)
    # Read whole (KINFLOW_MAX_BODY_BYTES bounds a body of no declared length) and kept by Starlette,
    # so a browser session's check can read its request token from the same bytes.
    raw = await request.body()
    if len(raw) > max_bytes + OVERHEAD:
        raise files.too_large(max_bytes)
    try:
        form = await form_of(request, raw, max_files=1)
        part = form.get("file")
        received = None
        if isinstance(part, UploadFile):
            received = Upload(part.filename or "", part.content_type or "", await part.read())
        await form.close()
    except HTTPException as exc:
        detail = str(getattr(exc, "detail", "") or exc)[:200]
        raise invalid_input({"file": [N_("The multipart/form-data body could not be read: {detail}",
                                         detail=detail)]}) from None
    return {UPLOAD: received}


@route("POST", "file")
def upload(call: Call) -> dict:
    if isinstance(call.params.get(UPLOAD), KintoneError):
        raise call.params[UPLOAD]
    return files.upload(call.conn, call.identity, call.params.get(UPLOAD), max_bytes=call.settings.file_max_bytes)


@route("GET", "file")
def download(call: Call) -> Download:
    stored = files.read_file(call.conn, call.params.get("fileKey"))
    live = load_live(call.conn, stored.app_id, guest_space_id=call.guest_space_id)
    require(call.conn, live.app, live.acl, call.identity, "view")
    rec = fetch_records(call.conn, live, [stored.record_id])[stored.record_id]
    require_record(call.conn, live, call.identity, [rec], "viewable")
    fields = field_access(call.conn, live, call.identity)
    if fields is not None:
        fields.require_file_readable(live.form, rec, call.params["fileKey"])
    return Download(stored.content, stored.content_type, stored.name)
