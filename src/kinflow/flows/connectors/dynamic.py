"""Dynamic schema and dynamic values, resolved through the connector's own operations as the Power
Platform resolves them: `x-ms-dynamic-schema` (a record body shaped by an app's live form) and
`x-ms-dynamic-values` (the apps or groups a parameter may name) each name an operation, its
parameters (a constant, `{"parameter": key}` or `{"parameterReference": "body/path"}` taken from the
values given so far) and where in the answer the result is (`value-path`, `value-collection`).
Nothing here knows a connector: any definition that uses these extensions gets them."""

from __future__ import annotations

import copy
from typing import Any

from kinflow.flows.connectors.runtime import Connection, ConnectorError, Outgoing, call, find_operation

MAX_DEPTH = 16  # schemas nest records in subtables, not deeper


def _at(value: Any, path: str | None) -> Any:
    """The part of a JSON answer at a `value-path` (`schema`, `a/b` or `a.b`)."""
    for part in (path or "").replace(".", "/").split("/"):
        if not part:
            continue
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _given(reference: Any, given: dict[str, Any]) -> Any:
    if isinstance(reference, dict) and "parameterReference" in reference:
        return given.get(reference["parameterReference"])
    if isinstance(reference, dict) and "parameter" in reference:
        name = reference["parameter"]
        return given.get(name, next((value for key, value in given.items() if key.endswith("/" + name)), None))
    if isinstance(reference, dict) and "value" in reference:
        return reference["value"]
    return reference


def _ask(definition: dict, connection: Connection, spec: dict, given: dict[str, Any], outgoing: Outgoing) -> Any:
    """Call the operation a dynamic extension names and return its JSON answer."""
    parameters = {name: _given(reference, given) for name, reference in spec.get("parameters", {}).items()}
    missing = [name for name, value in parameters.items() if value is None]
    if missing:
        raise ConnectorError(f"Give {', '.join(missing)} first: {spec['operationId']} needs them.")
    answer = call(definition, connection, spec["operationId"], parameters, outgoing)
    try:
        body = answer.json()
    except ValueError:
        body = None
    if answer.status_code != 200 or body is None:
        detail = body.get("message") if isinstance(body, dict) else answer.text[:200]
        raise ConnectorError(f"{spec['operationId']} answered HTTP {answer.status_code}: {detail}")
    return body


def _resolve(definition: dict, schema: Any, connection: Connection, given: dict[str, Any], outgoing: Outgoing,
             depth: int = 0) -> Any:
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = definition.get("definitions", {}).get(name, {})
    resolved = {key: value for key, value in schema.items() if key not in ("properties", "items")}
    spec = schema.get("x-ms-dynamic-schema")
    if spec:
        fetched = _at(_ask(definition, connection, spec, given, outgoing), spec.get("value-path"))
        if not isinstance(fetched, dict):
            raise ConnectorError(f"{spec['operationId']} gave no schema at {spec.get('value-path')!r}.")
        resolved = {**{k: v for k, v in resolved.items() if k != "x-ms-dynamic-schema"}, **fetched}
        return resolved
    if "properties" in schema:
        resolved["properties"] = {name: _resolve(definition, prop, connection, given, outgoing, depth + 1)
                                  for name, prop in schema["properties"].items()}
    if "items" in schema:
        resolved["items"] = _resolve(definition, schema["items"], connection, given, outgoing, depth + 1)
    return resolved


def request_schema(definition: dict, connection: Connection, operation_id: str, given: dict[str, Any],
                   outgoing: Outgoing = Outgoing()) -> dict:
    """The body an operation takes, its dynamic parts fetched (e.g. the app's record fields)."""
    _, _, operation = find_operation(definition, operation_id)
    body = next((p for p in operation["parameters"] if p.get("in") == "body"), None)
    if body is None:
        return {}
    return _resolve(definition, copy.deepcopy(body.get("schema", {})), connection, given, outgoing)


def notification_schema(definition: dict, connection: Connection, operation_id: str, given: dict[str, Any],
                        outgoing: Outgoing = Outgoing()) -> dict:
    """What a webhook trigger delivers (its path's `x-ms-notification-content`), dynamic parts fetched."""
    _, path, _ = find_operation(definition, operation_id)
    content = definition["paths"][path].get("x-ms-notification-content")
    if content is None:
        raise ConnectorError(f"The operation {operation_id} is no webhook trigger.")
    return _resolve(definition, copy.deepcopy(content.get("schema", {})), connection, given, outgoing)


def _parameter_spec(operation: dict, key: str) -> dict:
    head, _, rest = key.partition("/")
    for parameter in operation["parameters"]:
        if parameter["name"] == key and not (parameter.get("in") == "body" and rest):
            return parameter
        if parameter.get("in") == "body" and parameter["name"] == head and rest:
            spec = parameter.get("schema", {})
            for part in rest.split("/"):
                spec = spec.get("properties", {}).get(part, {})
            return spec
    raise ConnectorError(f"The operation {operation.get('operationId')} has no parameter {key!r}.")


def dynamic_values(definition: dict, connection: Connection, operation_id: str, key: str, given: dict[str, Any],
                   outgoing: Outgoing = Outgoing()) -> list[dict]:
    """The values a parameter may take, each `{"value": ..., "title": ...}` (e.g. the groups of a
    group picker), from the operation its `x-ms-dynamic-values` names."""
    _, _, operation = find_operation(definition, operation_id)
    spec = _parameter_spec(operation, key).get("x-ms-dynamic-values")
    if spec is None:
        raise ConnectorError(f"The parameter {key!r} of {operation_id} has no dynamic values.")
    answer = _ask(definition, connection, spec, given, outgoing)
    items = _at(answer, spec.get("value-collection")) if spec.get("value-collection") else answer
    if not isinstance(items, list):
        raise ConnectorError(f"{spec['operationId']} gave no list at {spec.get('value-collection')!r}.")
    return [{"value": _at(item, spec.get("value-path")), "title": _at(item, spec.get("value-title"))}
            for item in items if isinstance(item, dict)]
