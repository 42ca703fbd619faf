"""One entry for every groups route: read a bounded JSON body, run the handler in one transaction on
a database thread, render JSON, and render refusals in Kaizala's error shape.

Kaizala's documentation does not show its error bodies (only statuses: 400, 401, 403, 404, 415, 429),
so kinflow answers `{"code": <stable name>, "message": <text>}`, with `errors` (field → messages)
when one input is at fault; the status carries the meaning, as Kaizala's clients expect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import orjson
from sqlalchemy.engine import Connection
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response

from kinflow.api.authentication import password_identity
from kinflow.api.threads import run_blocking
from kinflow.config import Settings
from kinflow.digits import is_digits
from kinflow.directory.identity import Identity
from kinflow.errors import KintoneError
from kinflow.groups.errors import bad_input
from kinflow.groups.signin import Caller, caller
from kinflow.groups.throttle import throttle_for

# Kaizala's JSON bodies are small (a 4,000-character message, 100 numbers); media has its own route.
MAX_BODY = 256 * 1024
METHODS = ["GET", "POST", "PUT", "DELETE"]


def json_response(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def error_response(error: KintoneError) -> Response:
    body: dict = {"code": error.code, "message": error.message}
    if error.errors:
        body["errors"] = error.errors
    response = json_response(body, error.status)
    if error.status == 429:
        response.headers["Retry-After"] = str(getattr(error, "retry_after", 60))
    return response


def not_found_route(method: str, path: str) -> KintoneError:
    return KintoneError("NotFound", f"There is no {method} {path[:200]} in the groups API.", 404)


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, read no further than `limit` bytes (413 beyond)."""
    declared = request.headers.get("content-length", "")
    if is_digits(declared) and int(declared) > limit:
        raise KintoneError("PayloadTooLarge", f"The body is over {limit} bytes.", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise KintoneError("PayloadTooLarge", f"The body is over {limit} bytes.", 413)
        chunks.append(chunk)
    return b"".join(chunks)


class JsonBody(dict):
    """A request's JSON object whose names match regardless of case, as Kaizala's service (ASP.NET
    Web API, Json.NET) matched them: its Power Automate connector sends `Message`, `Members`,
    `WelcomeMessage`, `ReactionType` where the REST documentation writes `message`, `members`,
    `welcomeMessage`, `reactionType`. An exact match wins; nested objects are left as sent."""

    def _name(self, key: object) -> object:
        if dict.__contains__(self, key) or not isinstance(key, str):
            return key
        lowered = key.lower()
        return next((name for name in self if isinstance(name, str) and name.lower() == lowered), key)

    def get(self, key: object, default: object = None) -> object:
        return dict.get(self, self._name(key), default)

    def __getitem__(self, key: object) -> object:
        return dict.__getitem__(self, self._name(key))

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, self._name(key))


async def read_json(request: Request, limit: int = MAX_BODY) -> dict:
    """The request's JSON object, read no further than `limit`; an empty body is an empty object."""
    raw = await read_body(request, limit)
    if not raw.strip():
        return JsonBody()
    if b"\x00" in raw or b"\\u0000" in raw:
        # PostgreSQL cannot store U+0000 in text; refusing it here keeps both databases alike.
        raise bad_input("body", "The body contains a NUL character (U+0000).")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise bad_input("body", "Send a JSON object.") from None
    if not isinstance(body, dict):
        raise bad_input("body", "Send a JSON object.")
    return JsonBody(body)


@dataclass(frozen=True)
class Call:
    conn: Connection
    body: dict
    query: Mapping[str, str]
    path: Mapping[str, str]
    headers: Headers
    settings: Settings
    identity: Identity | None = None  # a kinflow password login, for routes that take one (see `endpoint`)
    # Who calls, when it is not an access token's holder: a signed-in page of the web interface
    # (`kinflow.web.group_caller`), whose person is its user's mobile number.
    caller: Caller | None = None


Handler = Callable[[Call], "dict | Response | KintoneError"]


def send_to_all(call: Call) -> dict:
    """The body, with the connector's `sendToAll=Yes|No` query parameter as `sendToAllSubscribers`."""
    choice = call.query.get("sendToAll")
    if choice is None:
        return call.body
    if choice not in ("Yes", "No"):
        raise bad_input("sendToAll", "Enter Yes or No.")
    return JsonBody({**call.body, "sendToAllSubscribers": choice == "Yes"})


def counted(settings: Settings, connector_id: str) -> None:
    """Count a call against the connector's and the tenant's limits (429 beyond them)."""
    throttle_for(settings.groups_connector_rate, settings.groups_tenant_rate, settings.redis_url).check(connector_id)


def caller_of(call: Call, *, count: bool = True) -> Caller:
    """The caller of the `accessToken` header, counted against the throttling limits (a page of the
    web interface is no connector's call: it is not counted)."""
    if call.caller is not None:
        return call.caller
    who = caller(call.conn, call.headers.get("accessToken"))
    if count:
        counted(call.settings, who.connector.id)
    return who


@dataclass(frozen=True)
class Checked:
    """A call that needs outside work between two transactions (a webhook's validation handshake):
    `check` reads and validates in one, returning a plan; `outside(plan, settings)` runs with no
    transaction open; `write(call, plan)` writes in another."""
    check: Callable[[Call], object]
    outside: Callable[[object, Settings], Awaitable[None]]
    write: Handler


@dataclass(frozen=True)
class Received:
    """A call whose body the handler reads itself, with no transaction open (media: files far larger
    than a JSON call's, or a file fetched from a URL): `check` authenticates in a read transaction,
    `receive(request, checked, settings)` reads the body, `write(call, received)` writes in another."""
    check: Callable[[Call], object]
    receive: Callable[[Request, object, Settings], Awaitable[object]]
    write: Callable[[Call, object], dict]


def _render(result: "dict | Response") -> Response:
    return result if isinstance(result, Response) else json_response(result)


def endpoint(handlers: dict[str, "tuple[Handler, bool] | Checked | Received"],
             kinflow_login: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint for one path: `handlers` maps a method to (handler, writes?) or to a `Checked`.
    With `kinflow_login`, a kinflow password login is checked before any transaction opens (see
    `kinflow.api.authentication`) and given as `Call.identity`; API tokens are left to the handler.
    A handler may *return* a KintoneError: it is answered once its transaction has committed (a
    wrong PIN's counted try is kept); a raised one rolls everything back."""

    async def serve(request: Request) -> Response:
        entry = handlers.get(request.method)
        try:
            if entry is None:
                raise not_found_route(request.method, request.url.path)
            if "\x00" in request.url.query or "%00" in request.url.query:
                raise bad_input("query", "The query string contains a NUL character (U+0000).")
            reads = request.method in ("POST", "PUT", "DELETE") and not isinstance(entry, Received)
            body = await read_json(request) if reads else {}
            db = request.app.state.db
            settings = request.app.state.settings
            identity = await password_identity(request, dict(request.headers.items())) if kinflow_login else None

            def run(handler: Handler, writes: bool) -> "dict | Response":
                with (db.write if writes else db.read)() as conn:
                    result = handler(Call(conn, body, request.query_params, request.path_params, request.headers,
                                          settings, identity))
                if isinstance(result, KintoneError):
                    raise result
                return result

            if isinstance(entry, Checked):
                plan = await run_blocking(run, entry.check, False)
                await entry.outside(plan, settings)
                return _render(await run_blocking(run, lambda call: entry.write(call, plan), True))
            if isinstance(entry, Received):
                checked = await run_blocking(run, entry.check, False)
                received = await entry.receive(request, checked, settings)
                return json_response(await run_blocking(run, lambda call: entry.write(call, received), True))
            return _render(await run_blocking(run, *entry))
        except KintoneError as error:
            return error_response(error)

    return serve
