"""Connector actions: `OpenApiConnection` (an operation id and path-style parameters, run through the
connector runtime) and `ApiConnection` (a method and path against the connection's host).

Which connection an action uses is for the connections module to say: it installs a resolver with
`use_connections`. A run whose connection cannot be found fails that action with `ConnectionNotFound`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from kinflow.flows.connectors import catalog, runtime
from kinflow.flows.definitions import connector_name
from kinflow.flows.engine.outgoing import MAX_RESPONSE, Answer, decoded, plain_headers, retry_after


@dataclass(frozen=True)
class ConnectionRequest:
    """What an action says of its connection."""

    owner: str  # the login of the flow's owner: a connection is not shared
    connector: str | None  # the shipped connector's name, when the action names it (Power Automate's shape)
    reference: str  # `host.connectionName`, or `host.connection.name` evaluated (Logic Apps' shape)
    parameters: dict  # the flow's parameters (`$connections` maps references to connections)


Resolver = Callable[[ConnectionRequest], runtime.Connection | None]
_resolver: Resolver | None = None


def use_connections(resolver: Resolver | None) -> None:
    """Install the function that finds the connection of a connector action."""
    global _resolver
    _resolver = resolver


class ConnectionNotFound(Exception):
    pass


@dataclass(frozen=True)
class _Tracked:
    """A connection whose requests also carry the run's tracking headers."""

    inner: runtime.Connection
    headers: dict[str, str]

    @property
    def base_url(self) -> str:
        return self.inner.base_url

    def auth_headers(self) -> dict[str, str]:
        return {**self.headers, **self.inner.auth_headers()}


def _connection(request: ConnectionRequest) -> runtime.Connection:
    connection = _resolver(request) if _resolver is not None else None
    if connection is None:
        raise ConnectionNotFound(f"No connection {request.reference!r} of {request.owner} "
                                 f"{'for the ' + request.connector + ' connector ' if request.connector else ''}"
                                 "is available to this flow.")
    return connection


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


def _call(kind: str, inputs: dict, request: ConnectionRequest, headers: dict[str, str]) -> Answer:
    started = time.perf_counter()
    try:
        connection = _Tracked(_connection(request), headers)
        with httpx.Client(timeout=100) as client:
            if kind == "OpenApiConnection":
                connector = catalog.load(request.connector or "")
                response = runtime.call(connector.definition, connection, inputs["host"]["operationId"],
                                        inputs.get("parameters") or {}, client)
            else:
                body = inputs.get("body")
                response = client.request(str(inputs["method"]).upper(), connection.base_url.rstrip("/") + inputs["path"],
                                          params=inputs.get("queries") or None, headers=connection.auth_headers(),
                                          json=body if body is not None else None)
    except (ConnectionNotFound, runtime.ConnectorError, catalog.UnknownConnector) as error:
        return Answer(None, None, str(error), permanent=True)
    except httpx.HTTPError as error:
        return Answer(None, None, f"{type(error).__name__}: {error}", elapsed_ms=(time.perf_counter() - started) * 1000)
    return _answer(response, started)


async def call(kind: str, inputs: dict, owner: str, parameters: dict, headers: dict[str, str]) -> Answer:
    """Run one connector action with its evaluated inputs."""
    host = inputs.get("host") or {}
    if kind == "OpenApiConnection":
        request = ConnectionRequest(owner, connector_name(host.get("apiId", "")), str(host.get("connectionName")),
                                    parameters)
    else:
        request = ConnectionRequest(owner, None, str((host.get("connection") or {}).get("name")), parameters)
    return await asyncio.to_thread(_call, kind, inputs, request, headers)
