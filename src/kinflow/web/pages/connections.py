"""A person's connections `/k/flows/connections`: list, delete, a new kintone connection (kept once
its test call has passed) and a new Kaizala connection by phone sign-in (number, then the PIN sent to
it). Through the same functions as the connections API (`kinflow.flows.connections`); a person sees
and changes only their own connections, administrators included, as the seeds say."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.api.threads import run_blocking
from kinflow.errors import KintoneError, invalid_input
from kinflow.flows import connections
from kinflow.web.access import signed_in_form, signed_in_page
from kinflow.web.pages.flows import FLOWS, show
from kinflow.web.sessions import Browser

CONNECTIONS = f"{FLOWS}connections"
# What a refused form shows again: never a secret.
_KEPT = ("op", "name", "domain", "login", "endpoint", "mobileNumber", "applicationId", "auth")


def _listed(request: Request, browser: Browser) -> list[dict]:
    with request.app.state.db.read() as conn:
        return [c.as_json() for c in connections.list_connections(conn, browser.user.id)]


async def _show(request: Request, browser: Browser, status: int = 200, **context: object) -> Response:
    found = await run_blocking(_listed, request, browser)
    saved_id = request.query_params.get("id", "")[:64]
    return show(request, browser, "connections.html", status=status, connections=found,
                **{"problem": None, "entered": {}, "saved": request.query_params.get("saved"),
                   "saved_connection": next((c for c in found if c["id"] == saved_id), None), **context})


@signed_in_page
async def connections_page(request: Request, browser: Browser) -> Response:
    return await _show(request, browser)


def _delete(request: Request, browser: Browser, connection_id: str) -> None:
    with request.app.state.db.write() as conn:
        connections.delete(conn, browser.user.id, connection_id)


def _kintone(first: dict[str, str]) -> dict:
    """The connections API's body for the form: an API token, or a login and password."""
    body = {"connector": "kintone", "name": first.get("name", ""), "domain": first.get("domain", "")}
    if first.get("auth") == "password":
        return {**body, "login": first.get("login", ""), "password": first.get("password", "")}
    return {**body, "apiToken": first.get("apiToken", "")}


async def _change(request: Request, browser: Browser, first: dict[str, str]) -> tuple[str, str]:
    """(what was done, the connection it was done to)."""
    db, settings, owner = request.app.state.db, request.app.state.settings, browser.user.id
    operation = first.get("op")
    if operation == "kintone":
        return "tested", (await run_blocking(connections.make, db, settings, owner, _kintone(first))).id
    if operation == "kaizala":
        body = {key: first.get(key, "") for key in ("name", "endpoint", "mobileNumber", "applicationId",
                                                    "applicationSecret")}
        return "pin", (await run_blocking(connections.make, db, settings, owner, {"connector": "kaizala", **body})).id
    if operation == "pin":
        signed = await run_blocking(connections.sign_in, db, settings, owner, first.get("id"), first.get("pin", ""))
        return "signed-in", signed.id
    if operation == "delete":
        await run_blocking(_delete, request, browser, first.get("id", ""))
        return "delete", ""
    raise invalid_input({"op": ["Enter kintone, kaizala, pin or delete."]})


@signed_in_form
async def change_connections(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    first = {name: values[0] for name, values in form.items() if values}
    try:
        done, connection_id = await _change(request, browser, first)
    except KintoneError as error:
        if error.status != 400:
            raise
        entered = {key: first[key] for key in _KEPT if key in first}
        return await _show(request, browser, status=400, problem=error, entered=entered,
                           pin_for=first.get("id") if first.get("op") == "pin" else None)
    where = f"{CONNECTIONS}?saved={done}" + (f"&id={connection_id}#connection-{connection_id}" if connection_id else "")
    return RedirectResponse(where, status_code=303)
