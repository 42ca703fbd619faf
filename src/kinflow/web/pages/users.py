"""Administration of users `/k/admin/users` (administrators): list and search, add (with language,
time zone and mobile number), change, deactivate; through the directory API's own actions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kinflow.api.directory import ACTIONS, require_admin
from kinflow.digits import bounded_number
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write_or_refuse
from kinflow.web.pages.personal import language_names, time_zones
from kinflow.web.render import page
from kinflow.web.sessions import Browser

USERS = "/k/admin/users"
PAGE_SIZE = 50
_PROFILE = ("name", "email", "language", "timezone", "mobileNumber")


def directory_action(reader: Reader, method: str, resource: str, body: dict) -> dict:
    """One action of the directory API (administrators only), as the signed-in user."""
    return ACTIONS[(method, resource)](reader.conn, reader.identity, body)


def _listing(reader: Reader, search: str, offset: int) -> dict:
    found = directory_action(reader, "GET", "users", {"search": search, "offset": offset, "size": PAGE_SIZE + 1})
    return {"users": found["users"][:PAGE_SIZE], "more": len(found["users"]) > PAGE_SIZE}


def _show(request: Request, browser: Browser, found: dict, search: str, offset: int, status: int = 200,
          **context: object) -> Response:
    return page(request, browser, "users.html", status=status, search=search, offset=offset, page_size=PAGE_SIZE,
                languages=language_names(), zones=time_zones(),
                **{"problem": None, "entered": {}, "saved": False, **found, **context})


def _query(request: Request) -> tuple[str, int]:
    search = request.query_params.get("search", "")[:100]
    raw = request.query_params.get("offset", "0")
    return search, bounded_number(raw, 1_000_000)


@signed_in_page
async def users_page(request: Request, browser: Browser) -> Response:
    search, offset = _query(request)
    found = await read(request, browser, lambda reader: _listing(reader, search, offset))
    return _show(request, browser, found, search, offset, saved=request.query_params.get("saved") == "1")


def _body(form: dict[str, list[str]]) -> dict:
    first = {name: values[0].strip() for name, values in form.items() if values}
    body: dict = {"code": first.get("code", "")}
    body.update({name: first[name] for name in _PROFILE if name in first})
    if first.get("op") == "add":
        body["password"] = (form.get("password") or [""])[0]
        body["admin"] = "admin" in first
    elif "active_shown" in first:
        body["active"] = "active" in first
    return body


@signed_in_form
async def change_users(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    method = {"add": "POST", "update": "PUT"}.get((form.get("op") or [""])[0])
    body = _body(form)

    def change(reader: Reader) -> dict:
        require_admin(reader.identity)  # first: whatever the form says
        if method is None:
            raise KintoneError("CB_VA01", "Missing or invalid input.", 400, {"op": ["Enter add or update."]})
        return directory_action(reader, method, "users", body)

    async def refused(error: KintoneError) -> Response:
        found = await read(request, browser, lambda reader: _listing(reader, "", 0))
        entered = {name: values[0] for name, values in form.items() if values and name != "password"}
        return _show(request, browser, found, "", 0, status=400, problem=error, entered=entered)

    return await write_or_refuse(request, browser, change, f"{USERS}?saved=1", refused)
