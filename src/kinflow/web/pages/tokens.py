"""An app's API tokens `/k/admin/app/{app}/tokens` (its managers, never a token): list with their
permissions, generate one (its value shown this once), revoke; a change works after "Update app",
as in kintone. Through kinflow's API token actions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kinflow.directory.tokens import PERMISSIONS
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write
from kinflow.web.pages.webhooks import webhooks_path
from kinflow.web.render import page
from kinflow.web.sessions import Browser


def tokens_path(app_id: int | str) -> str:
    return webhooks_path(app_id).removesuffix("webhooks") + "tokens"


def _settings(reader: Reader, app_id: int) -> dict:
    tokens = reader.kinflow("GET", "apiTokens", app=app_id)["tokens"]  # first: managers only
    return {"app": reader.call("GET", "app", id=app_id), "tokens": [t for t in tokens if not t["revoked"]]}


def _show(request: Request, browser: Browser, found: dict, status: int = 200, **context: object) -> Response:
    return page(request, browser, "tokens.html", status=status, permissions=PERMISSIONS,
                tokens_path=tokens_path(found["app"]["appId"]), **{"problem": None, "created": None, **found, **context})


@signed_in_page
async def tokens_page(request: Request, browser: Browser) -> Response:
    app_id = request.path_params["app"]
    return _show(request, browser, await read(request, browser, lambda reader: _settings(reader, app_id)))


def _change(reader: Reader, app_id: int, form: dict[str, list[str]]) -> str | None:
    operation = (form.get("op") or [""])[0]
    if operation == "add":
        chosen = set(form.get("permissions", []))
        return reader.kinflow("POST", "apiTokens", app=app_id,
                              permissions={name: name in chosen for name in PERMISSIONS})["token"]
    if operation == "delete":
        reader.kinflow("DELETE", "apiTokens", app=app_id, id=(form.get("id") or [""])[0])
        return None
    raise KintoneError("CB_VA01", "Missing or invalid input.", 400, {"op": ["Enter add or delete."]})


@signed_in_form
async def change_tokens(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    """Answered with the page itself, not a redirect: a new token's value is shown once and must not
    travel in an address."""
    app_id = request.path_params["app"]
    status, problem, created = 200, None, None
    try:
        created = await write(request, browser, lambda reader: _change(reader, app_id, form))
    except KintoneError as error:
        if error.status != 400:
            raise
        status, problem = 400, error
    found = await read(request, browser, lambda reader: _settings(reader, app_id))
    return _show(request, browser, found, status=status, problem=problem, created=created)
