"""The generic connector runtime: one operation of a Swagger 2.0 definition, called over HTTP with
the host of a connection. Parameters are keyed as Power Automate keys them: a plain name
(`app`, `groupId`) or a path into the body parameter (`body/record/Title/value`); hidden parameters
(`x-ms-visibility: internal`) take their defaults, as the Power Platform fills them in.

Every call leaves through `Outgoing`: the address guard (a connection's host is user input, like a
webhook's URL) unless the host is this kinflow server itself, and the connection's throttling."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import httpx

from kinflow.flows.throttle import ConnectionThrottle, Throttled
from kinflow.webhooks.guard import AddressRefused, Network, allowed_address

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class ConnectorError(Exception):
    """An operation that does not exist, or parameters that do not fit it."""


class CallRefused(ConnectorError):
    """A call the address guard does not let out."""


class Unreachable(ConnectorError):
    """A call that left but got no answer (connection refused, timeout...): worth retrying."""


__all__ = ["CallRefused", "ConnectorError", "Outgoing", "Throttled", "Unreachable", "call", "prepare"]


class Connection(Protocol):
    """What the runtime needs of a connection: where to call, how to authenticate, and the key its
    calls are counted under."""

    id: str
    base_url: str  # scheme://host[:port]; the definition's basePath is added to it

    def auth_headers(self) -> dict[str, str]: ...


def origin(url: str) -> str:
    """scheme://host:port of a URL, the port always written (the form `Outgoing.trusted` holds)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or ""
    return f"{parts.scheme}://{f'[{host}]' if ':' in host else host}:{port}"


@dataclass(frozen=True)
class Outgoing:
    """How connector calls leave: `allow` are the networks the address guard lets through besides
    public addresses (KINFLOW_WEBHOOK_ALLOW); `trusted` the origins exempt from it (this kinflow
    server's own addresses, which a connection to "this kinflow" names); `throttle` counts each
    connection's calls, which `wait` for a free call or fail with `Throttled`."""

    allow: tuple[Network, ...] = ()
    trusted: frozenset[str] = frozenset()
    throttle: ConnectionThrottle | None = None
    wait: bool = True
    timeout: float = 30.0

    def target(self, url: str) -> tuple[str, dict[str, str], dict]:
        """The URL to connect to, with the `Host` header and TLS name that keep the original host
        when the guard has pinned its checked address."""
        if origin(url) in self.trusted:
            return url, {}, {}
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            address = allowed_address(host, port, self.allow)
        except AddressRefused as refused:
            raise CallRefused(f"The call to {host} is refused: {refused}") from None
        shown = f"[{address}]" if address.version == 6 else str(address)
        pinned = parts._replace(netloc=f"{shown}:{port}").geturl()
        return pinned, {"Host": parts.netloc.rpartition("@")[2]}, {"sni_hostname": host}


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
    _hidden_defaults(call, operation, parameters)
    missing = [name for name, spec in declared.items() if spec.get("required") and spec.get("in") != "body"
               and name not in parameters]
    if missing:
        raise ConnectorError(f"The operation {operation_id} needs the parameters {', '.join(missing)}.")
    return call


def _hidden_defaults(call: PreparedCall, operation: dict, given: dict[str, Any]) -> None:
    """The defaults of hidden parameters and hidden body properties the caller left out."""
    for spec in operation["parameters"]:
        hidden = spec.get("x-ms-visibility") == "internal"
        if spec.get("in") == "body":
            properties = spec.get("schema", {}).get("properties", {})
            defaults = {name: prop["default"] for name, prop in properties.items()
                        if prop.get("x-ms-visibility") == "internal" and "default" in prop}
            if defaults and (call.body is not None or spec.get("required")):
                call.body = {} if call.body is None else call.body
                if isinstance(call.body, dict):
                    for name, value in defaults.items():
                        call.body.setdefault(name, value)
        elif hidden and "default" in spec and spec["name"] not in given:
            if spec["in"] == "query":
                call.query[spec["name"]] = spec["default"]
            elif spec["in"] == "header":
                call.headers[spec["name"]] = str(spec["default"])


def throttling_of(definition: dict) -> tuple[int, float] | None:
    limit = definition.get("x-kinflow-throttling")
    return (int(limit["calls"]), float(limit["renewalPeriod"])) if limit else None


def call(definition: dict, connection: Connection, operation_id: str, parameters: dict[str, Any],
         outgoing: Outgoing = Outgoing(), client: httpx.Client | None = None) -> httpx.Response:
    """Call one operation against the connection's host and return the response as received.
    Raises `ConnectorError` for a call that does not fit the operation, `Throttled` (429) when the
    connection's limit is reached and the flow does not wait, `CallRefused` when it cannot leave."""
    prepared = prepare(definition, operation_id, parameters)
    limit = throttling_of(definition)
    own = client is None
    client = client or httpx.Client(timeout=outgoing.timeout)

    def send() -> httpx.Response:
        url, pinned_headers, extensions = outgoing.target(connection.base_url.rstrip("/") + prepared.path)
        if outgoing.throttle is not None and limit is not None:
            outgoing.throttle.acquire(connection.id, *limit, wait=outgoing.wait)
        headers = {**connection.auth_headers(), **prepared.headers, **pinned_headers}
        try:
            return client.request(prepared.method, url, params=prepared.query, headers=headers,
                                  json=prepared.body if prepared.body is not None else None, extensions=extensions)
        except httpx.TransportError as error:
            raise Unreachable(f"The call to {urlsplit(url).netloc} failed: {error or type(error).__name__}") from None

    try:
        response = send()
        # A connection whose credentials lapse (an access token) renews them once when refused.
        renew = getattr(connection, "renew", None)
        if response.status_code == 401 and renew is not None:
            renew()
            response = send()
        return response
    finally:
        if own:
            client.close()
