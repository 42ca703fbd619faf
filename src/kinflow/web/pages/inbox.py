"""The notification inbox `/k/notifications`: unread or all, newest first, a page at a time; marking
read (one, or all); each entry links to its record or comment. The inbox API's own functions."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.digits import bounded_number
from kinflow.notifications import inbox
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write
from kinflow.web.render import language, page
from kinflow.web.sessions import Browser
from kinflow.web.values import Shown

PAGE_SIZE = 20
MAX_OFFSET = 100_000
INBOX = "/k/notifications"


def local_link(url: str) -> str:
    """A notification's permalink (made with the public URL) as a path on this server."""
    parts = urlsplit(url)
    return parts.path + (f"#{parts.fragment}" if parts.fragment else "") if parts.path.startswith("/k/") else ""


def _offset(raw: str | None) -> int:
    return bounded_number(raw, MAX_OFFSET) // PAGE_SIZE * PAGE_SIZE


@signed_in_page
async def inbox_page(request: Request, browser: Browser) -> Response:
    unread_only = request.query_params.get("unread", "true") != "false"
    offset = _offset(request.query_params.get("offset"))

    def load(reader: Reader) -> dict:
        user = reader.browser.user.code
        found = inbox.list_entries(reader.conn, user, {"unread": unread_only, "limit": PAGE_SIZE, "offset": offset})
        return {**found, "unread": inbox.count_unread(reader.conn, user)}

    found = await read(request, browser, load)
    for entry in found["notifications"]:
        entry["link"] = local_link(entry["url"] or "")
    return page(request, browser, "inbox.html", shown=Shown(language(request, browser), browser.user.timezone),
                unread_only=unread_only, offset=offset, page_size=PAGE_SIZE, **found)


@signed_in_form
async def mark_read(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    params: dict = {"all": True} if form.get("all") else {"ids": form.get("id", [])[:inbox.MAX_IDS]}
    await write(request, browser, lambda reader: inbox.mark_read(reader.conn, browser.user.code, params))
    back = "?unread=false" if (form.get("unread") or ["true"])[0] == "false" else ""
    return RedirectResponse(f"{INBOX}{back}", status_code=303)
