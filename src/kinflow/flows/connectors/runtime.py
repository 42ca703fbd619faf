"""The generic connector runtime: one operation of a Swagger 2.0 definition, called over HTTP with
the host of a connection. Parameters are keyed as Power Automate keys them: a plain name
(`app`, `groupId`) or a path into the body parameter (`body/record/Title/value`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

import httpx

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class ConnectorError(Exception):
    """An operation that does not exist, or parameters that do not fit it."""


class Connection(Protocol):
    """What the runtime needs of a connection: where to call, and how to authenticate."""

    base_url: str  # scheme://host[:port]; the definition's basePath is added to it

    def auth_headers(self) -> dict[str, str]: ...


@dataclass
class PreparedCall:
    method: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


def find_operation(definition: dict, operation_id: str) -> tuple[str, str, dict]:
    """(method, path, operation) of an operation id."""
    for path, item in definition.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation and operation.get("operationId") == operation_id:
                return method.upper(), path, {**operation, "parameters": [
                    *item.get("parameters", []), *operation.get("parameters", [])]}
    raise ConnectorError(f"The connector has no operation {operation_id!r}.")


def _put(target: dict, keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        target = target.setdefault(key, {})
        if not isinstance(target, dict):
            raise ConnectorError(f"The body key {'/'.join(keys)} crosses a value that is no object.")
    target[keys[-1]] = value


def prepare(definition: dict, operation_id: str, parameters: dict[str, Any]) -> PreparedCall:
    """The HTTP request an operation makes with these parameters (required ones checked)."""
    method, path, operation = find_operation(definition, operation_id)
    call = PreparedCall(method, definition.get("basePath", "/").rstrip("/") + path)
    declared = {p["name"]: p for p in operation["parameters"]}
    body_name = next((p["name"] for p in operation["parameters"] if p.get("in") == "body"), None)
    for key, value in parameters.items():
        head, _, rest = key.partition("/")
        if rest and head == body_name:
            call.body = {} if call.body is None else call.body
            _put(call.body, rest.split("/"), value)
            continue
        spec = declared.get(key)
        if spec is None:
            raise ConnectorError(f"The operation {operation_id} has no parameter {key!r}.")
        where = spec.get("in")
        if where == "path":
            call.path = call.path.replace("{" + key + "}", quote(str(value), safe=""))
        elif where == "query":
            call.query[key] = value
        elif where == "header":
            call.headers[key] = str(value)
        else:
            call.body = value
    missing = [name for name, spec in declared.items() if spec.get("required") and spec.get("in") != "body"
               and name not in parameters]
    if missing:
        raise ConnectorError(f"The operation {operation_id} needs the parameters {', '.join(missing)}.")
    return call


def call(definition: dict, connection: Connection, operation_id: str, parameters: dict[str, Any],
         client: httpx.Client | None = None) -> httpx.Response:
    """Call one operation against the connection's host and return the response as received."""
    prepared = prepare(definition, operation_id, parameters)
    headers = {**connection.auth_headers(), **prepared.headers}
    own = client is None
    client = client or httpx.Client(timeout=30)
    try:
        return client.request(prepared.method, connection.base_url.rstrip("/") + prepared.path,
                              params=prepared.query, headers=headers,
                              json=prepared.body if prepared.body is not None else None)
    finally:
        if own:
            client.close()
