"""The flows API under `/kinflow/v1/flows/`: a person's connections (`connections.json`: `GET` lists
them, `POST` makes one after a test call (a Kaizala one waits for its PIN), `PUT` with `id` and
`pin` signs a Kaizala one in, `DELETE` with `id` removes one). Connections belong to a
person: a request made with an API token is refused, and a user reaches only their own. Errors are in
kintone's format, as on the rest of `/kinflow/v1/`."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kinflow.api.authentication import password_identity
from kinflow.api.body_limit import body_too_large
from kinflow.api.kintone.http import check_content_type, error_response, invalid_json, json_response, reject_nul
from kinflow.api.kintone.http import request_headers
from kinflow.api.params import parse_query_string
from kinflow.api.threads import run_blocking
from kinflow.directory.identity import token_identity
from kinflow.errors import KintoneError, no_privilege
from kinflow.flows import connections
from kinflow.web.sessions import REQUEST_TOKEN

CONNECTIONS = "/kinflow/v1/flows/connections.json"
MAX_BODY = 64 * 1024
METHODS = ["GET", "POST", "PUT", "DELETE"]


async def _body(request: Request, headers: dict[str, str]) -> dict:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise body_too_large(MAX_BODY)
    reject_nul(request.url.query, raw)
    check_content_type(request, headers, raw)
    try:
        body = orjson.loads(raw) if raw.strip() else parse_query_string(request.url.query)
    except orjson.JSONDecodeError:
        raise invalid_json() from None
    if not isinstance(body, dict):
        raise invalid_json()
    body.pop(REQUEST_TOKEN, None)
    return body


async def _owner(request: Request, headers: dict[str, str]) -> int:
    identity = await password_identity(request, headers)
    if identity is None:
        settings = request.app.state.settings

        def by_token() -> None:
            with request.app.state.db.read() as conn:
                token_identity(conn, headers, settings.keys)  # 401 for an unknown token

        await run_blocking(by_token)
        raise no_privilege()  # a known token: connections are a person's
    return identity.user.id


async def connections_endpoint(request: Request) -> Response:
    db = request.app.state.db
    settings = request.app.state.settings
    try:
        headers = request_headers(request)
        body = await _body(request, headers)
        owner = await _owner(request, headers)
        if request.method == "GET":
            def listed() -> dict:
                with db.read() as conn:
                    return {"connections": [c.as_json() for c in connections.list_connections(conn, owner)]}
            return json_response(await run_blocking(listed))
        if request.method == "DELETE":
            def deleted() -> dict:
                with db.write() as conn:
                    connections.delete(conn, owner, body.get("id"))
                return {}
            return json_response(await run_blocking(deleted))
        if request.method == "PUT":
            signed_in = await run_blocking(connections.sign_in, db, settings, owner, body.get("id"), body.get("pin"))
            return json_response(signed_in.as_json())
        made = await run_blocking(connections.make, db, settings, owner, body)
        return json_response(made.as_json())
    except KintoneError as error:
        return error_response(error)


routes = [Route(CONNECTIONS, connections_endpoint, methods=METHODS)]
