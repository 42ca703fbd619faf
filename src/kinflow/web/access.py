"""What every page handler shares: a signed-in browser (else the sign-in page), the REST API's own
handlers run in one read transaction, and errors shown as a page in kintone's words."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import parse_qs, quote

from sqlalchemy.engine import Connection
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.api.admin import action_for
from kinflow.api.kintone.calls import ROUTES, Call
from kinflow.api.kintone.http import kintone_endpoint  # noqa: F401 - registers every kintone handler
from kinflow.api.threads import run_blocking
from kinflow.apps.app import App, LiveApp
from kinflow.config import Settings
from kinflow.directory.identity import Identity
from kinflow.errors import KintoneError
from kinflow.uploads import Upload
from kinflow.web.render import page
from kinflow.web.sessions import (
    REQUEST_TOKEN,
    Browser,
    check_token,
    cross_origin,
    form_of,
    same_origin,
    signed_in,
    token_missing,
)

_T = TypeVar("_T")
PORTAL = "/k/"
_MAX_NEXT = 2_000


def local_path(raw: str | None) -> str:
    """Where to go after sign-in: a path on this server, never another site (`//host`, `/\\host`)."""
    if not raw or len(raw) > _MAX_NEXT or not raw.startswith("/") or raw[1:2] in ("/", "\\") or "\\" in raw:
        return PORTAL
    return raw


def app_path(app: App) -> str:
    """An app's record list: kintone's `/k/{app}/`, or `/k/guest/{space}/{app}/` in a guest space."""
    return f"/k/guest/{app.space_id}/{app.id}/" if app.guest_space else f"/k/{app.id}/"


def to_sign_in(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)


Handler = Callable[[Request, Browser], Awaitable[Response]]


def signed_in_page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A page for signed-in users: others are sent to sign in and come back."""

    async def endpoint(request: Request) -> Response:
        browser = await signed_in(request)
        if browser is None:
            return to_sign_in(request)
        try:
            return await handler(request, browser)
        except KintoneError as error:
            return page(request, browser, "error.html", status=error.status, error=error)

    return endpoint


class Reader:
    """The REST API's handlers, called as the signed-in user inside one read transaction."""

    def __init__(self, request: Request, browser: Browser, conn: Connection, guest_space_id: int | None) -> None:
        self.request = request
        self.browser = browser
        self.conn = conn
        self.guest_space_id = guest_space_id

    @property
    def identity(self) -> Identity:
        return Identity(self.browser.user)

    def _call(self, method: str, resource: str, params: dict) -> Call:
        settings: Settings = self.request.app.state.settings
        return Call(db=self.request.app.state.db, conn=self.conn, identity=self.identity, params=params,
                    guest_space_id=self.guest_space_id, method=method, resource=resource, settings=settings,
                    accept_language=self.request.headers.get("accept-language", ""))

    def call(self, method: str, resource: str, **params: object) -> dict:
        return ROUTES[(method, resource)](self._call(method, resource, params))  # type: ignore[return-value]

    def kinflow(self, method: str, resource: str, **body: object) -> dict:
        """One of kinflow's own API actions (`/kinflow/v1/...`), as the signed-in user."""
        state = self.request.app.state
        return action_for((method, resource), state.settings, state.db)(self.conn, self.identity, body)

    def live(self, app_id: int) -> LiveApp:
        """The deployed app, after checking the user may view its records (as every record call does)."""
        return self._call("GET", "record", {"app": app_id}).live("view")


def _transaction(request: Request, browser: Browser, work: Callable[[Reader], _T], guest_space_id: int | None,
                 writes: bool) -> Callable[[], _T]:
    db = request.app.state.db
    timeout = request.app.state.settings.query_timeout

    def run() -> _T:
        with (db.write if writes else db.read)(timeout) as conn:
            return work(Reader(request, browser, conn, guest_space_id))

    return run


async def read(request: Request, browser: Browser, work: Callable[[Reader], _T], guest_space_id: int | None = None) -> _T:
    """`work` in one read transaction on a database thread."""
    return await run_blocking(_transaction(request, browser, work, guest_space_id, writes=False))


async def write(request: Request, browser: Browser, work: Callable[[Reader], _T], guest_space_id: int | None = None) -> _T:
    """`work` in one write transaction (with the events its changes make) on a database thread."""
    return await run_blocking(_transaction(request, browser, work, guest_space_id, writes=True))


# --- forms ----------------------------------------------------------------------------------

# A record form holds at most a few rich texts of 65,535 characters each.
MAX_FORM_BYTES = 2 * 1024 * 1024
MAX_FORM_FIELDS = 2_000


async def form_data(request: Request, max_bytes: int = MAX_FORM_BYTES) -> dict[str, list[str]] | None:
    """An url-encoded form's fields, each with its values in order; None when it is too large."""
    body = await request.body()
    if len(body) > max_bytes:
        return None
    try:
        return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:  # more fields than that
        return None


async def write_or_refuse(request: Request, browser: Browser, work: Callable[[Reader], _T],
                          done: str | Callable[[_T], str],
                          refused: Callable[[KintoneError], Awaitable[Response]]) -> Response:
    """`work` in a write transaction, then on to `done` (or where `done` sends its result); a refusal
    of what was sent (400) is shown by `refused` (the page again, with the problem and what was typed)."""
    try:
        result = await write(request, browser, work)
    except KintoneError as error:
        if error.status != 400:
            raise
        return await refused(error)
    return RedirectResponse(done if isinstance(done, str) else done(result), status_code=303)


# Files one record form may send (its FILE inputs together).
MAX_FORM_FILES = 20


def uploads_of(request: Request) -> dict[str, list[Upload]]:
    """The files a multipart form post sent, by input name (none for an url-encoded one)."""
    return getattr(request.state, "uploads", {})


async def _form_fields(request: Request) -> dict[str, list[str]] | None:
    """A form post's fields: url-encoded, or multipart with files (kept for `uploads_of`); None
    when it is too large."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        return await form_data(request)
    body = await request.body()
    if len(body) > MAX_FORM_BYTES + request.app.state.settings.file_max_bytes:
        return None
    try:
        form = await form_of(request, body, max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS)
    except HTTPException:  # more parts than that, or not multipart at all
        return None
    fields: dict[str, list[str]] = {}
    uploads: dict[str, list[Upload]] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            if value.filename or data:  # an input left empty sends a part with neither
                uploads.setdefault(name, []).append(Upload(value.filename or "", value.content_type or "", data))
        else:
            fields.setdefault(name, []).append(value)
    await form.close()
    request.state.uploads = uploads
    return fields


FormHandler = Callable[[Request, Browser, dict[str, list[str]]], Awaitable[Response]]


def signed_in_form(handler: FormHandler) -> Callable[[Request], Awaitable[Response]]:
    """A form post of a signed-in browser, from one of our pages (same origin, the request token)."""

    async def endpoint(request: Request) -> Response:
        browser = await signed_in(request)
        if browser is None:
            return to_sign_in(request)
        fields = await _form_fields(request)
        if fields is None:
            return page(request, browser, "error.html", status=413, error=KintoneError(
                "CB_IL02", f"The form is larger than {MAX_FORM_BYTES // 1024 // 1024} MB.", 413))
        sent = (fields.get(REQUEST_TOKEN) or [""])[0] or request.headers.get("x-request-token", "")
        if not same_origin(request):
            return page(request, browser, "error.html", status=403, error=cross_origin())
        if not check_token(browser, sent):
            return page(request, browser, "error.html", status=403, error=token_missing())
        try:
            return await handler(request, browser, fields)
        except KintoneError as error:
            return page(request, browser, "error.html", status=error.status, error=error)

    return endpoint
