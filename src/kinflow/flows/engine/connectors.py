"""Connector actions: `OpenApiConnection` (an operation id and path-style parameters, run through the
connector runtime) and `ApiConnection` (a method and path against the connection's host), called with
one of the flow owner's connections (`kinflow.flows.connections`: not shared, credentials decrypted
only to call), throttled per connection and let out through the address guard as the runtime does.

Which connection: the action's reference (`host.connectionName`; Logic Apps' `host.connection.name`,
usually `@parameters('$connections')['kintone']['connectionId']`) is looked up in the flow's
`$connections` parameter (`{"shared_kintone": {"connectionId": "..."}}`), then taken as a connection's
id or name; failing those, the owner's only connection of that connector is used. A Power Automate
export thus runs once its owner has one connection per connector.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import sqlalchemy as sa

from kinflow.config import Settings
from kinflow.flows import connections
from kinflow.flows.connectors import catalog, runtime
from kinflow.flows.definitions import connector_name
from kinflow.flows.throttle import Throttled
from kinflow.flows.engine.outgoing import MAX_RESPONSE, Answer, decoded, plain_headers, retry_after
from kinflow.secret_key import CONNECTION_SECRET
from kinflow.storage.database import Database
from kinflow.storage.schema import users


@dataclass(frozen=True)
class ConnectionRequest:
    """What an action says of its connection."""

    owner: str  # the login of the flow's owner: a connection is not shared
    connector: str | None  # the shipped connector's name, when the action names it (Power Automate's shape)
    reference: str
    parameters: dict  # the flow's parameters (`$connections` maps references to connections)


class ConnectionNotFound(Exception):
    pass


@dataclass(frozen=True)
class _Tracked:
    """A connection whose requests also carry the run's tracking headers."""

    inner: runtime.Connection
    headers: dict[str, str]

    @property
    def id(self) -> str:
        return self.inner.id

    @property
    def base_url(self) -> str:
        return self.inner.base_url

    def auth_headers(self) -> dict[str, str]:
        return {**self.headers, **self.inner.auth_headers()}

    def renew(self) -> None:  # a Kaizala connection renews its access token when refused
        renew = getattr(self.inner, "renew", None)
        if renew is not None:
            renew()


def _referenced(request: ConnectionRequest) -> str:
    mapped = (request.parameters.get("$connections") or {}).get(request.reference)
    if isinstance(mapped, dict) and isinstance(mapped.get("connectionId"), str):
        return mapped["connectionId"].rstrip("/").rsplit("/", 1)[-1]
    return request.reference


class ConnectorCalls:
    def __init__(self, db: Database, settings: Settings, *, wait: bool = True) -> None:
        self.db = db
        self.key = settings.keys
        # The run worker does not wait for a connection's window in a thread: a throttled call puts
        # its run off until a call is free (see `actions.with_retries`).
        self.outgoing = connections.outgoing_for(settings, db, wait=wait)
        self._threads: ThreadPoolExecutor | None = None
        self._size = max(4, settings.flow_concurrency)

    def find(self, request: ConnectionRequest) -> connections.Connection:
        wanted = _referenced(request)
        with self.db.read() as conn:
            owner_id = conn.execute(sa.select(users.c.id).where(users.c.code == request.owner)).scalar()
            mine = connections.list_connections(conn, owner_id) if owner_id is not None else []
        for match in ([c for c in mine if c.id == wanted], [c for c in mine if c.name == wanted],
                      [c for c in mine if c.connector == request.connector]):
            if len(match) == 1:
                return match[0]
        raise ConnectionNotFound(f"No connection {wanted!r} of {request.owner} "
                                 f"{'for the ' + request.connector + ' connector ' if request.connector else ''}"
                                 "is available to this flow.")

    def live(self, found: connections.Connection) -> runtime.Connection:
        """The connection with its credentials, to call with."""
        return connections.live(found, self.key, self.outgoing, self._keep(found))

    def _keep(self, found: connections.Connection):  # noqa: ANN202
        def keep(refresh_token: str) -> None:
            secrets = json.loads(self.key.decrypt(found.secret, CONNECTION_SECRET))
            secret = self.key.encrypt(json.dumps({**secrets, "refreshToken": refresh_token}), CONNECTION_SECRET)
            with self.db.write() as conn:
                connections.set_secret(conn, found, secret)

        return keep

    def _call(self, kind: str, inputs: dict, request: ConnectionRequest, headers: dict[str, str]) -> Answer:
        started = time.perf_counter()
        try:
            found = self.find(request)
            connection = _Tracked(self.live(found), headers)
            if kind == "OpenApiConnection":
                definition = catalog.load(request.connector or found.connector).definition
                response = runtime.call(definition, connection, inputs["host"]["operationId"],
                                        inputs.get("parameters") or {}, self.outgoing)
            else:
                response = self.raw(connection, found.connector, inputs)
        except Throttled as error:  # the connection's limit: the run waits for the window
            return Answer(429, None, str(error), retry_after=error.retry_after, throttled=True)
        except runtime.Unreachable as error:  # worth another attempt
            return Answer(None, None, str(error), elapsed_ms=(time.perf_counter() - started) * 1000)
        except (ConnectionNotFound, runtime.ConnectorError, catalog.UnknownConnector) as error:
            return Answer(None, None, str(error), permanent=True)
        return _answer(response, started)

    def raw(self, connection: runtime.Connection, connector: str, inputs: dict) -> httpx.Response:
        """Logic Apps' shape: the method and path as written, throttled like the connector's operations."""
        url, pinned, extensions = self.outgoing.target(connection.base_url.rstrip("/") + inputs["path"])
        limit = runtime.throttling_of(catalog.load(connector).definition)
        if self.outgoing.throttle is not None and limit is not None:
            self.outgoing.throttle.acquire(connection.id, *limit, wait=self.outgoing.wait)
        body = inputs.get("body")
        try:
            with httpx.Client(timeout=self.outgoing.timeout) as client:
                return client.request(str(inputs["method"]).upper(), url, params=inputs.get("queries") or None,
                                      headers={**connection.auth_headers(), **pinned}, extensions=extensions,
                                      json=body if body is not None else None)
        except httpx.TransportError as error:
            raise runtime.Unreachable(f"The call failed: {error or type(error).__name__}") from None

    async def call(self, kind: str, inputs: dict, owner: str, parameters: dict, headers: dict[str, str]) -> Answer:
        """Run one connector action with its evaluated inputs."""
        host = inputs.get("host") or {}
        if kind == "OpenApiConnection":
            request = ConnectionRequest(owner, connector_name(str(host.get("apiId", ""))),
                                        str(host.get("connectionName")), parameters)
        else:
            request = ConnectionRequest(owner, None, str((host.get("connection") or {}).get("name")), parameters)
        if self._threads is None:  # their own threads: a slow server must not hold up the database's
            self._threads = ThreadPoolExecutor(self._size, thread_name_prefix="kinflow-connector")
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._call, kind, inputs, request,
                                                                headers)

    def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)


def _answer(response: httpx.Response, started: float) -> Answer:
    raw = response.content
    elapsed = (time.perf_counter() - started) * 1000
    if len(raw) > MAX_RESPONSE:
        return Answer(response.status_code, None, f"The answer is over {MAX_RESPONSE} bytes.", permanent=True,
                      elapsed_ms=elapsed)
    outputs = {"statusCode": response.status_code, "headers": plain_headers(response.headers.multi_items()),
               "body": decoded(raw, response.headers.get("content-type", ""))}
    return Answer(response.status_code, outputs, retry_after=retry_after(response.headers.get("retry-after")),
                  elapsed_ms=elapsed)
