"""Administration of departments `/k/admin/departments` (a tree) and groups `/k/admin/groups`
(administrators): list with members, add, rename, move (departments), set members, delete; through
the directory API's own actions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from kinflow.api.directory import require_admin
from kinflow.digits import bounded_number
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write_or_refuse
from kinflow.web.pages.users import directory_action
from kinflow.web.render import page
from kinflow.web.sessions import Browser

PAGE_SIZE = 100
MAX_MEMBERS = 1_000


@dataclass(frozen=True)
class Kind:
    resource: str  # departments | groups
    members: str  # the action listing a team's members
    tree: bool  # departments have parents

    @property
    def path(self) -> str:
        return f"/k/admin/{self.resource}"


KINDS = {"departments": Kind("departments", "department/users", True), "groups": Kind("groups", "group/users", False)}


def _kind(request: Request) -> Kind:
    return KINDS[request.url.path.rstrip("/").rsplit("/", 1)[-1]]


def _listing(reader: Reader, kind: Kind, offset: int) -> dict:
    teams = directory_action(reader, "GET", kind.resource, {"offset": offset, "size": PAGE_SIZE})[kind.resource]
    for team in teams:
        found = directory_action(reader, "GET", kind.members, {"code": team["code"], "size": 100})["users"]
        team["members"] = [member["code"] for member in found]
    return {"teams": teams, "more": len(teams) == PAGE_SIZE}


def _show(request: Request, browser: Browser, kind: Kind, found: dict, offset: int, status: int = 200,
          **context: object) -> Response:
    return page(request, browser, "teams.html", status=status, kind=kind, offset=offset, page_size=PAGE_SIZE,
                **{"problem": None, "entered": {}, "saved": False, **found, **context})


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "0")
    return bounded_number(raw, 1_000_000)


@signed_in_page
async def teams_page(request: Request, browser: Browser) -> Response:
    kind, offset = _kind(request), _offset(request)
    found = await read(request, browser, lambda reader: _listing(reader, kind, offset))
    return _show(request, browser, kind, found, offset, saved=request.query_params.get("saved") == "1")


def _body(kind: Kind, form: dict[str, list[str]]) -> dict:
    first = {name: values[0].strip() for name, values in form.items() if values}
    body: dict = {"code": first.get("code", "")}
    if first.get("name"):
        body["name"] = first["name"]
    if "members" in first or "members_shown" in first:
        body["members"] = [m for m in re.split(r"[,\s]+", first.get("members", "")) if m][:MAX_MEMBERS]
    if kind.tree and "parent_shown" in first:
        body["parent"] = first.get("parent") or None
    return body


@signed_in_form
async def change_teams(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    kind = _kind(request)
    method = {"add": "POST", "update": "PUT", "delete": "DELETE"}.get((form.get("op") or [""])[0])
    body = _body(kind, form)

    def change(reader: Reader) -> None:
        require_admin(reader.identity)  # first: whatever the form says
        if method is None:
            raise KintoneError("CB_VA01", "Missing or invalid input.", 400, {"op": ["Enter add, update or delete."]})
        if method == "POST" and kind.tree:  # made first, then given its members like any change
            directory_action(reader, "POST", kind.resource, {k: v for k, v in body.items() if k != "members"})
            directory_action(reader, "PUT", kind.resource, {"code": body["code"], "members": body.get("members", [])})
        else:
            directory_action(reader, method, kind.resource, body)

    async def refused(error: KintoneError) -> Response:
        found = await read(request, browser, lambda reader: _listing(reader, kind, 0))
        entered = {name: values[0] for name, values in form.items() if values}
        return _show(request, browser, kind, found, 0, status=400, problem=error, entered=entered)

    return await write_or_refuse(request, browser, change, f"{kind.path}?saved=1", refused)
