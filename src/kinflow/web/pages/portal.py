"""The portal `/k/`: the apps the user may see and their unread notifications."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kinflow.apps.app import list_apps, load_app_anywhere
from kinflow.notifications import inbox
from kinflow.web.access import Reader, app_path, read, signed_in_page
from kinflow.web.render import page
from kinflow.web.sessions import Browser

# GET apps.json gives at most 100 a call.
_PAGE = 100
MAX_APPS = 1_000


def _portal(reader: Reader) -> dict:
    apps: list[dict] = []
    for offset in range(0, MAX_APPS, _PAGE):
        found = reader.call("GET", "apps", limit=_PAGE, offset=offset)["apps"]
        apps.extend(found)
        # A page leaves out the apps the user may not see: only the list itself tells if more follow.
        if not list_apps(reader.conn, limit=1, offset=offset + _PAGE):
            break
    for app in apps:
        app["path"] = app_path(load_app_anywhere(reader.conn, app["appId"]))
    return {"apps": apps, "unread": inbox.count_unread(reader.conn, reader.browser.user.code)}


@signed_in_page
async def portal(request: Request, browser: Browser) -> Response:
    found = await read(request, browser, _portal)
    return page(request, browser, "portal.html", **found)
