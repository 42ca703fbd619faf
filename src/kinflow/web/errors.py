"""Errors on the web interface's addresses answer as a page (in the reader's language), not as
JSON or plain text: an address no page has, and a failure nobody expected."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kinflow.errors import KintoneError
from kinflow.web.render import page

# Addresses of the APIs and the server's own endpoints: their errors keep their formats.
_NOT_PAGES = ("/k/v1/", "/k/guest/", "/k/integration/", "/kinflow/", "/kaizala/", "/metrics", "/openapi.json",
              "/healthz", "/static/")


def is_page(path: str) -> bool:
    if path.startswith("/k/guest/"):
        return "/v1/" not in path
    return not path.startswith(_NOT_PAGES)


def not_found_page(request: Request) -> Response:
    return page(request, None, "error.html", status=404,
                error=KintoneError("GAIA_NF01", "There is no page at this address.", 404))


def failure_page(request: Request, error: KintoneError) -> Response:
    return page(request, None, "error.html", status=error.status, error=error)
