"""The one HTTP entry for kintone's API: parse, check a password login (before any transaction, see
`kinflow.api.authentication`), run the handler in a transaction, render JSON (errors in kintone's
format)."""

from __future__ import annotations

from urllib.parse import quote

import orjson
from starlette.requests import Request
from starlette.responses import Response

from kinflow import i18n
from kinflow.api.authentication import RememberedLogin, password_identity, remembered_login

# Importing the route modules registers their handlers.
from kinflow.api.kintone import access as _access  # noqa: F401
from kinflow.api.kintone import apps as _apps  # noqa: F401
from kinflow.api.kintone import bulk as _bulk  # noqa: F401
from kinflow.api.kintone import comments as _comments  # noqa: F401
from kinflow.api.kintone import connector as _connector  # noqa: F401
from kinflow.api.kintone import files as _files
from kinflow.api.kintone import notifications as _notifications  # noqa: F401
from kinflow.api.kintone import process as _process  # noqa: F401
from kinflow.api.kintone import records as _records  # noqa: F401
from kinflow.api.kintone import webhooks as _webhooks  # noqa: F401
from kinflow.api.kintone.calls import READ_ONLY, ROUTES, Call, Created, Download, not_found_api
from kinflow.api.access_log import note_caller
from kinflow.api.params import parse_query_string
from kinflow.api.threads import run_blocking
from kinflow.apps.deploy import DeployFailed, record_failure
from kinflow.directory.identity import Identity, by_password, token_identity
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_
from kinflow.storage.database import Database
from kinflow.web.sessions import REQUEST_TOKEN


def json_response(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def file_response(download: Download) -> Response:
    return Response(download.content, media_type=download.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(download.name)}",
        # Served from kinflow's own address: never let a file run as a page of it. (`nosniff` is on
        # every response already: kinflow.api.serving.)
        "Content-Security-Policy": "sandbox; default-src 'none'"})


def error_response(error: KintoneError, language: str = i18n.DEFAULT) -> Response:
    return json_response(error.body(language), error.status)


def caller_language(request: Request, identity: Identity | None = None) -> str:
    """The language of the caller's messages: their user's setting; for "auto", an API token or a
    caller not yet known, their `Accept-Language`, else the server's default."""
    user = identity.user if isinstance(identity, Identity) else None
    setting = user.language if user is not None else None
    return i18n.choose(setting, request.headers.get("accept-language", ""), request.app.state.settings.language)


def invalid_json() -> KintoneError:
    return KintoneError("CB_IJ01", N_("Invalid JSON string."), 400)


def reject_nul(query: str, body: bytes) -> None:
    # PostgreSQL cannot store U+0000 in text; refusing it here keeps both databases alike.
    if "%00" in query or b"\\u0000" in body or b"\x00" in body:
        raise invalid_input({"request": [N_("The request contains a NUL character (U+0000), which cannot be stored.")]})


def check_content_type(request: Request, headers: dict[str, str], body: bytes) -> None:
    """kintone wants `Content-Type: application/json` with every JSON body. A browser attaches Basic
    credentials (and, later, a session cookie) to a cross-site form or a `no-cors` fetch on its own,
    but can send neither with that content type: so a request authenticated by password must send
    it with any body, and with every POST (a body-less POST takes its parameters from the query
    string). An API token is never sent by a browser on its own: token clients keep the leniency they
    had (no content type, or text/plain)."""
    media = headers.get("content-type", "").partition(";")[0].strip().lower()
    if by_password(headers):
        if (body.strip() or request.method == "POST") and media != "application/json":
            raise KintoneError("CB_IL02", N_("Illegal request. A request authenticated by password must send its body "
                                             "as JSON (Content-Type: application/json)."), 400)
    elif body.strip() and media and "json" not in media and media != "text/plain":
        raise KintoneError("CB_IL02", N_("Illegal request. Send a JSON body."), 400)


async def _params(request: Request, headers: dict[str, str]) -> dict:
    body = await request.body()
    # The raw query string, as `request.url.query` gives it, without building the whole URL.
    query = request.scope["query_string"].decode("latin-1")
    reject_nul(query, body)
    check_content_type(request, headers, body)
    params = parse_query_string(query)
    if body.strip():
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise invalid_json() from None
        if not isinstance(parsed, dict):
            raise invalid_json()
        params.update(parsed)
    params.pop(REQUEST_TOKEN, None)  # a browser session's proof (kinflow.web.sessions), no parameter
    return params


def request_headers(request: Request) -> dict[str, str]:
    headers = {k: v for k, v in request.headers.items()}
    tokens = request.headers.getlist("x-cybozu-api-token")
    if len(tokens) > 1:
        headers["x-cybozu-api-token"] = ",".join(tokens)
    return headers


# On SQLite, writes are serialised and short (a record, a batch of at most 100): they are served on
# the event loop, where they cost no hand-over to a thread (a fifth of the throughput of
# single-record writes, measured). Reads and cursors search or render pages: their time depends on
# the query and the app's size, so they run on the database threads and a long one holds up no one.
_OFF_THE_LOOP = frozenset(READ_ONLY | {("POST", "records/cursor"), ("GET", "records/cursor")})
# A deploy alters record tables: its time grows with the app's records, and stopping it midway
# helps no one. Every other call's database work is bounded by KINFLOW_QUERY_TIMEOUT.
_UNBOUNDED = frozenset({("POST", "preview/app/deploy")})


class _LoginChanged(Exception):
    """Remembered credentials no longer hold as they were: check them the full way, then run again."""


def _run(db: Database, call_args: dict, identity: Identity | RememberedLogin | None,
         headers: dict[str, str]) -> dict | Created | Download:
    """The handler in its transaction; `identity` is None for API tokens, and recently verified
    password credentials are a `RememberedLogin`: both are checked in that transaction."""
    key = (call_args["method"], call_args["resource"])
    handler = ROUTES[key]
    transaction = db.read if key in READ_ONLY else db.write
    timeout = None if key in _UNBOUNDED else call_args["settings"].query_timeout
    try:
        with transaction(timeout) as conn:
            if identity is None:
                identity = token_identity(conn, headers, call_args["settings"].keys)
                note_caller(identity)
            elif isinstance(identity, RememberedLogin):
                identity = identity.confirm(conn)
                if identity is None:
                    raise _LoginChanged
            call = Call(db=db, conn=conn, identity=identity, **call_args)
            try:
                return handler(call)
            except KintoneError as error:
                error.language = call.language  # the caller is known here, not always outside
                raise
    except DeployFailed as failure:
        with db.write() as conn:
            record_failure(conn, failure)
        return {}


async def kintone_endpoint(request: Request) -> Response:
    db: Database = request.app.state.db
    method = request.method
    if method == "POST" and request.headers.get("x-http-method-override") == "GET":
        method = "GET"
    resource = request.path_params["resource"]
    guest = request.path_params.get("space_id")
    identity = None
    try:
        if (method, resource) not in ROUTES:
            raise not_found_api(method, resource)
        headers = request_headers(request)
        if (method, resource) == ("POST", "file"):
            params = await _files.read_upload(request, request.app.state.settings.file_max_bytes)
        else:
            params = await _params(request, headers)
        call_args = {"params": params, "guest_space_id": guest, "method": method, "resource": resource,
                     "settings": request.app.state.settings,
                     "accept_language": request.headers.get("accept-language", "")}
        identity = remembered_login(request, headers) or await password_identity(request, headers)
        on_the_loop = db.is_sqlite and (method, resource) not in _OFF_THE_LOOP
        try:
            body = _run(db, call_args, identity, headers) if on_the_loop else await run_blocking(
                _run, db, call_args, identity, headers)
        except _LoginChanged:
            identity = await password_identity(request, headers)
            body = _run(db, call_args, identity, headers) if on_the_loop else await run_blocking(
                _run, db, call_args, identity, headers)
    except KintoneError as error:
        return error_response(error, error.language or caller_language(request, identity))
    if isinstance(body, Download):
        return file_response(body)
    if isinstance(body, Created):
        response = json_response(body.body, 201)
        response.headers["Location"] = body.location
        return response
    return json_response(body)


async def integration_endpoint(request: Request) -> Response:
    """`/k/integration/v1/...`: the webhook subscriptions connectors make, served by the same entry."""
    request.path_params["resource"] = f"integration/{request.path_params['resource']}"
    return await kintone_endpoint(request)
