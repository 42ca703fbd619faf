"""Media of the groups API: `POST /media` (multipart/form-data, Kaizala's UploadMedia),
`POST /media/attachment` (the file as base64 in JSON: the connector's "from attachment"),
`POST /media/url` (`{mediaUrl}`: kinflow fetches it) — each answers `{mediaResource}` — and
`GET /media/{mediaId}`, the file itself: with the `sig` of its URL, or an access token with `media.read`.

Bodies are read before any transaction opens, no larger than `KINFLOW_GROUPS_MEDIA_MAX_BYTES`."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from kinflow.api.kaizala.http import Call, Received, caller_of, read_body, read_json
from kinflow.config import Settings
from kinflow.groups import media, media_fetch
from kinflow.groups.errors import bad_input, text
from kinflow.groups.media_types import unsupported
from kinflow.groups.signin import Caller

# Room for the multipart boundaries and headers, or the JSON around base64, beyond the files.
OVERHEAD = 64 * 1024


def _uploader(call: Call) -> Caller:
    who = caller_of(call)
    who.require("media.write")
    return who


def _multipart_error(exc: Exception) -> Exception:
    detail = getattr(exc, "detail", None) or str(exc)
    return bad_input("files", f"The multipart/form-data body could not be read: {str(detail)[:200]}")


async def _multipart(request: Request, who: object, settings: Settings) -> tuple[object, list[media.Upload]]:
    if request.headers.get("content-type", "").split(";", 1)[0].strip().lower() != "multipart/form-data":
        raise unsupported("Send the media as multipart/form-data, each file with its media type.")
    raw = await read_body(request, settings.groups_media_max_bytes + OVERHEAD)

    async def replay() -> dict:
        return {"type": "http.request", "body": raw, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=media.MAX_FILES, max_fields=media.MAX_FILES)
        files = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
        uploads = [media.Upload(f.filename or "", f.content_type or "", await f.read()) for f in files]
        await form.close()
    except HTTPException as exc:
        raise _multipart_error(exc) from None
    return who, uploads


def _decoded(content: object) -> bytes:
    if not isinstance(content, str) or not content:
        raise bad_input("fileContent", "Send the file's content in base64.")
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise bad_input("fileContent", "The file's content is not valid base64.") from None


async def _attachment(request: Request, who: object, settings: Settings) -> tuple[object, list[media.Upload]]:
    # Base64 is 4 bytes for every 3.
    body = await read_json(request, settings.groups_media_max_bytes * 4 // 3 + OVERHEAD)
    content = body.get("fileContent")
    if isinstance(content, dict):  # the Power Platform's file object
        content_type, data = content.get("$content-type"), _decoded(content.get("$content"))
    else:
        content_type, data = body.get("contentType"), _decoded(content)
    name = text(body, "fileName", limit=media.MAX_NAME, required=False)
    return who, [media.Upload(name, content_type if isinstance(content_type, str) else "", data)]


def _store(call: Call, received: object) -> dict:
    who, uploads = received  # type: ignore[misc]
    return media.store(call.conn, who.person, uploads, max_bytes=call.settings.groups_media_max_bytes,
                       public_url=call.settings.public_url, key=call.settings.keys)


upload = Received(check=_uploader, receive=_multipart, write=_store)
upload_attachment = Received(check=_uploader, receive=_attachment, write=_store)


async def _url(request: Request, who: object, settings: Settings) -> tuple[object, list[media.Upload]]:
    url = media_fetch.checked_url((await read_json(request)).get("mediaUrl"))
    return who, [await media_fetch.fetch(url, settings.webhook_networks, settings.groups_media_max_bytes)]


upload_url = Received(check=_uploader, receive=_url, write=_store)


def download(call: Call) -> Response:
    """The file, to the holder of its signed URL or to a caller with `media.read`."""
    signature = call.query.get("sig")
    if signature is None:
        caller_of(call).require("media.read")
    row = media.read(call.conn, call.path["mediaId"], signature, call.settings.keys)
    return Response(row.content, media_type=row.content_type, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(row.file_name)}",
        # Served from kinflow's own address: never let a file run as a page of it.
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "private, max-age=86400"})
