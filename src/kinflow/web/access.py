"""What every page handler shares: a signed-in browser (else the sign-in page), the REST API's own
handlers run in one read transaction, and errors shown as a page in kintone's words."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import quote

from sqlalchemy.engine import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.api.kintone.calls import ROUTES, Call
from kinflow.api.kintone.http import kintone_endpoint  # noqa: F401 - registers every kintone handler
from kinflow.api.threads import run_blocking
from kinflow.apps.app import App
from kinflow.config import Settings
from kinflow.directory.identity import Identity
from kinflow.errors import KintoneError
from kinflow.web.render import page
from kinflow.web.sessions import Browser, signed_in

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

    def call(self, method: str, resource: str, **params: object) -> dict:
        settings: Settings = self.request.app.state.settings
        call = Call(db=self.request.app.state.db, conn=self.conn, identity=Identity(self.browser.user),
                    params=params, guest_space_id=self.guest_space_id, method=method, resource=resource,
                    settings=settings)
        return ROUTES[(method, resource)](call)  # type: ignore[return-value]


async def read(request: Request, browser: Browser, work: Callable[[Reader], _T], guest_space_id: int | None = None) -> _T:
    """`work` in one read transaction on a database thread."""
    db = request.app.state.db
    timeout = request.app.state.settings.query_timeout

    def run() -> _T:
        with db.read(timeout) as conn:
            return work(Reader(request, browser, conn, guest_space_id))

    return await run_blocking(run)
