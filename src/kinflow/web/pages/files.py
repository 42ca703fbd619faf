"""A record's file downloaded from its page: `/k/file?fileKey=` (`/k/guest/{space}/file` in a guest
space), the REST API's `GET file.json` for a signed-in browser, whose plain link sends no
X-Requested-With. The same checks (those who may view the file's app), and the same answer: an
attachment that never runs as a page of kinflow's address."""

from __future__ import annotations

from typing import cast

from starlette.requests import Request
from starlette.responses import Response

from kinflow.api.kintone.calls import Download
from kinflow.api.kintone.http import file_response
from kinflow.web.access import read, signed_in_page
from kinflow.web.sessions import Browser


@signed_in_page
async def download_file(request: Request, browser: Browser) -> Response:
    key = request.query_params.get("fileKey")
    found = await read(request, browser, lambda reader: cast(Download, reader.call("GET", "file", fileKey=key)),
                       request.path_params.get("space_id"))
    return file_response(found)
