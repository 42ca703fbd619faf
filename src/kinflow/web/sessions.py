"""Browser sessions over HTTP: the cookie, the page's request token, and the rules under which the
REST API accepts a session, as kintone's own pages call it.

- The cookie is `HttpOnly` (no script reads it), `SameSite=Lax` (no other site's page sends it with a
  write), and `Secure` when the public URL is https.
- A session `GET` on the API must say `X-Requested-With` (any value, as `kintone.api()` sends):
  a plain navigation to an API address does not use the session.
- A session write must carry the page's request token (`__REQUEST_TOKEN__` in the JSON body or
  query string, or the `X-Request-Token` header), which only our pages know, and must not come
  from another origin. Source: shared/reference/kintone-rest-api.md §1.1.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from kinflow.api.access_log import note_caller
from kinflow.api.threads import run_blocking
from kinflow.config import Settings
from kinflow.directory import sessions
from kinflow.directory.identity import Identity, not_logged_in
from kinflow.directory.sessions import Session, SessionLimits
from kinflow.directory.users import User
from kinflow.errors import KintoneError
from kinflow.storage.database import Database

COOKIE = "kinflow_session"
REQUEST_TOKEN = "__REQUEST_TOKEN__"
# A session id is 43 characters (32 random bytes); anything much longer is not one of ours.
_MAX_COOKIE = 128


def limits(settings: Settings) -> SessionLimits:
    return SessionLimits(settings.session_idle, settings.session_lifetime)


@dataclass(frozen=True)
class Browser:
    """A signed-in browser: its session and the request token its pages embed."""

    session: Session
    request_token: str

    @property
    def user(self) -> User:
        return self.session.user


def _find(db: Database, id_hash: str, session_limits: SessionLimits) -> Session | None:
    with db.read() as conn:
        found = sessions.find(conn, id_hash, session_limits)
    if found is not None and sessions.needs_touch(found, session_limits):
        with db.write() as conn:
            sessions.touch(conn, id_hash)
    return found


async def signed_in(request: Request) -> Browser | None:
    """The browser's live session, or None; looked up once per request."""
    if "browser" in request.scope:
        return request.scope["browser"]
    browser = None
    session_id = request.cookies.get(COOKIE, "")
    if session_id and len(session_id) <= _MAX_COOKIE:
        settings: Settings = request.app.state.settings
        db: Database = request.app.state.db
        found = await run_blocking(_find, db, settings.keys.session_hash(session_id), limits(settings))
        if found is not None:
            browser = Browser(found, settings.keys.request_token(session_id))
    request.scope["browser"] = browser
    return browser


def _start(db: Database, id_hash: str, user: User, session_limits: SessionLimits) -> None:
    with db.write() as conn:
        sessions.start(conn, id_hash, user, session_limits)
        sessions.forget_expired(conn, session_limits)


async def sign_in(request: Request, user: User, response: Response) -> None:
    """Start a session for the user and set its cookie on the response."""
    settings: Settings = request.app.state.settings
    session_id = secrets.token_urlsafe(32)
    await run_blocking(_start, request.app.state.db, settings.keys.session_hash(session_id), user, limits(settings))
    response.set_cookie(COOKIE, session_id, max_age=int(settings.session_lifetime), path="/", httponly=True,
                        samesite="lax", secure=settings.secure_cookies)


def _end(db: Database, id_hash: str) -> None:
    with db.write() as conn:
        sessions.end(conn, id_hash)


async def sign_out(request: Request, response: Response) -> None:
    browser = await signed_in(request)
    if browser is not None:
        await run_blocking(_end, request.app.state.db, browser.session.id_hash)
    settings: Settings = request.app.state.settings
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=settings.secure_cookies)


def same_origin(request: Request) -> bool:
    """Whether a write comes from one of our pages. Browsers send `Origin` with every POST, PUT and
    DELETE; without one (not a browser), `Sec-Fetch-Site` decides when present."""
    origin = request.headers.get("origin")
    if origin is None:
        return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
    settings: Settings = request.app.state.settings
    public = urlsplit(settings.public_url)
    ours = {f"{public.scheme}://{public.netloc}".lower(),
            f"{request.url.scheme}://{request.headers.get('host', '')}".lower()}
    return origin.lower() in ours


def cross_origin() -> KintoneError:
    return KintoneError("CB_NO02", "No privilege to proceed. A session write must come from kinflow's own pages.",
                        403)


def token_missing() -> KintoneError:
    return KintoneError("CB_NO02", "No privilege to proceed. A session write must send the page's request token "
                                   f"({REQUEST_TOKEN} in the JSON body or the X-Request-Token header).", 403)


async def form_of(request: Request, body: bytes, *, max_files: int, max_fields: int = 10) -> FormData:
    """The multipart form of a request whose body was read already (`request.form()` reads the
    stream, which is spent by then)."""

    async def replay() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, replay).form(max_files=max_files, max_fields=max_fields)


async def _sent_token(request: Request, headers: dict[str, str]) -> str:
    sent = headers.get("x-request-token") or request.query_params.get(REQUEST_TOKEN)
    if sent:
        return sent
    body = await request.body()  # kept by Starlette: the endpoint reads the same bytes
    if not body.strip():
        return ""
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        # A file upload (`POST file.json`) sends the token as a form field, as kintone wants it.
        try:
            form = await form_of(request, body, max_files=1)
        except HTTPException:
            return ""
        token = form.get(REQUEST_TOKEN)
        await form.close()
        return token if isinstance(token, str) else ""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    token = parsed.get(REQUEST_TOKEN) if isinstance(parsed, dict) else None
    return token if isinstance(token, str) else ""


def check_token(browser: Browser, sent: str) -> bool:
    return bool(sent) and hmac.compare_digest(sent.encode(), browser.request_token.encode())


async def api_session(request: Request, headers: dict[str, str]) -> Identity:
    """The user of a REST API call that sends no credentials but a session cookie."""
    browser = await signed_in(request)
    if browser is None:
        raise not_logged_in()
    if request.method == "GET":
        if not headers.get("x-requested-with"):
            raise KintoneError("CB_AU01", "Please login. (A browser session calls the API with the header "
                                          "X-Requested-With.)", 401)
    else:
        if not same_origin(request):
            raise cross_origin()
        if not check_token(browser, await _sent_token(request, headers)):
            raise token_missing()
    note_caller(browser.user.code)
    return Identity(browser.user)
