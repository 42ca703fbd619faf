"""Administration of spaces `/k/admin/spaces` (administrators): list with their apps and members,
add (guest or not), set the users who are members and administrators, delete an empty one; through
the directory API's own actions (groups and departments as members: through the API)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from kinflow.api.directory import require_admin
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write_or_refuse
from kinflow.web.pages.users import directory_action
from kinflow.web.render import page
from kinflow.web.sessions import Browser

SPACES = "/k/admin/spaces"
PAGE_SIZE = 100
MAX_MEMBERS = 1_000


def _listing(reader: Reader) -> dict:
    found = directory_action(reader, "GET", "spaces", {"size": PAGE_SIZE})["spaces"]
    for space in found:
        members = directory_action(reader, "GET", "space/members", {"id": space["id"]})["members"]
        users = [m for m in members if m["entity"]["type"] == "USER"]
        space["admins"] = [m["entity"]["code"] for m in users if m["isAdmin"]]
        space["members"] = [m["entity"]["code"] for m in users if not m["isAdmin"]]
        space["others"] = [f"{m['entity']['type']}:{m['entity']['code']}" for m in members if m not in users]
    return {"spaces": found}


def _show(request: Request, browser: Browser, found: dict, status: int = 200, **context: object) -> Response:
    return page(request, browser, "spaces.html", status=status,
                **{"problem": None, "entered": {}, "saved": False, **found, **context})


@signed_in_page
async def spaces_page(request: Request, browser: Browser) -> Response:
    found = await read(request, browser, _listing)
    return _show(request, browser, found, saved=request.query_params.get("saved") == "1")


def _codes(text: str) -> list[str]:
    return [code for code in re.split(r"[,\s]+", text) if code][:MAX_MEMBERS]


def _change(reader: Reader, form: dict[str, list[str]]) -> None:
    require_admin(reader.identity)  # first: whatever the form says
    first = {name: values[0].strip() for name, values in form.items() if values}
    operation = first.get("op")
    if operation == "add":
        directory_action(reader, "POST", "spaces", {"name": first.get("name", ""), "isGuest": "guest" in first})
    elif operation == "members":
        admins = _codes(first.get("admins", ""))
        members = [{"entity": {"type": "USER", "code": code}, "isAdmin": True} for code in admins]
        members += [{"entity": {"type": "USER", "code": code}, "isAdmin": False}
                    for code in _codes(first.get("members", "")) if code not in admins]
        directory_action(reader, "PUT", "space/members", {"id": first.get("id", ""), "members": members})
    elif operation == "delete":
        directory_action(reader, "DELETE", "spaces", {"id": first.get("id", "")})
    else:
        raise KintoneError("CB_VA01", "Missing or invalid input.", 400, {"op": ["Enter add, members or delete."]})


@signed_in_form
async def change_spaces(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    async def refused(error: KintoneError) -> Response:
        found = await read(request, browser, _listing)
        entered = {name: values[0] for name, values in form.items() if values}
        return _show(request, browser, found, status=400, problem=error, entered=entered)

    return await write_or_refuse(request, browser, lambda reader: _change(reader, form), f"{SPACES}?saved=1", refused)
