"""kinflow's OpenAPI document, built from the registered kintone routes and their parameters."""

from __future__ import annotations

from functools import lru_cache

from kinflow.api.kintone.calls import ROUTES

_ID = {"oneOf": [{"type": "integer"}, {"type": "string"}]}
_RECORD = {"type": "object", "additionalProperties": {"type": "object"}}
# The parameters each resource takes (JSON body for writes, query string for reads).
PARAMETERS: dict[str, dict[str, dict]] = {
    "record": {"app": _ID, "id": _ID, "record": _RECORD, "revision": _ID,
               "updateKey": {"type": "object", "properties": {"field": {"type": "string"}, "value": {}}}},
    "records": {"app": _ID, "query": {"type": "string"}, "fields": {"type": "array", "items": {"type": "string"}},
                "totalCount": {"type": "boolean"}, "records": {"type": "array", "items": {"type": "object"}},
                "ids": {"type": "array", "items": _ID}, "revisions": {"type": "array", "items": _ID},
                "upsert": {"type": "boolean"}},
    "records/cursor": {"app": _ID, "id": {"type": "string"}, "query": {"type": "string"},
                       "fields": {"type": "array", "items": {"type": "string"}}, "size": _ID},
    "bulkRequest": {"requests": {"type": "array", "items": {"type": "object", "properties": {
        "method": {"type": "string"}, "api": {"type": "string"}, "payload": {"type": "object"}}}}},
    "record/comment": {"app": _ID, "record": _ID, "comment": {"oneOf": [
        _ID, {"type": "object", "properties": {"text": {"type": "string"}, "mentions": {"type": "array", "items": {
            "type": "object", "properties": {"code": {"type": "string"}, "type": {"type": "string"}}}}}}]}},
    "record/comments": {"app": _ID, "record": _ID, "order": {"type": "string"}, "offset": _ID, "limit": _ID},
    "record/status": {"app": _ID, "id": _ID, "action": {"type": "string"}, "assignee": {"type": "string"},
                      "revision": _ID},
    "records/status": {"app": _ID, "records": {"type": "array", "items": {"type": "object", "properties": {
        "id": _ID, "action": {"type": "string"}, "assignee": {"type": "string"}, "revision": _ID}}}},
    "record/assignees": {"app": _ID, "id": _ID, "assignees": {"type": "array", "items": {"type": "string"}},
                         "revision": _ID},
    "preview/app/status": {"app": _ID, "enable": {"type": "boolean"}, "revision": _ID,
                           "states": {"type": "object", "additionalProperties": {"type": "object"}},
                           "actions": {"type": "array", "items": {"type": "object"}}},
    "app/status": {"app": _ID},
    **{f"preview/app/notifications/{kind}": {
        "app": _ID, "revision": _ID, "notifications": {"type": "array", "items": {"type": "object"}},
        "notifyToCommenter": {"type": "boolean"}, "timezone": {"type": "string"}}
       for kind in ("general", "perRecord", "reminder")},
    **{f"app/notifications/{kind}": {"app": _ID} for kind in ("general", "perRecord", "reminder")},
    "app": {"id": _ID},
    "apps": {"ids": {"type": "array", "items": _ID}, "codes": {"type": "array", "items": {"type": "string"}},
             "name": {"type": "string"}, "limit": _ID, "offset": _ID},
    "preview/app": {"name": {"type": "string"}, "space": _ID},
    "preview/app/deploy": {"apps": {"type": "array", "items": {}}, "revert": {"type": "boolean"}},
}
_WEBHOOK = {"app": _ID, "url": {"type": "string"}, "type": {"type": "string"}, "id": _ID,
            "description": {"type": "string"}}
_SETTINGS_PARAMS = {"app": _ID, "revision": _ID, "properties": {"type": "object"},
                    "fields": {"type": "array", "items": {"type": "string"}}, "layout": {"type": "array"},
                    "views": {"type": "object"}, "rights": {"type": "array"}, "name": {"type": "string"}}
_ERROR = {"type": "object", "required": ["code", "id", "message"], "properties": {
    "code": {"type": "string"}, "id": {"type": "string"}, "message": {"type": "string"},
    "errors": {"type": "object"}}}


def _params_for(resource: str) -> dict[str, dict]:
    if resource.startswith("integration/"):
        return _WEBHOOK
    return PARAMETERS.get(resource, _SETTINGS_PARAMS)


def _path(resource: str) -> str:
    if resource.startswith("integration/"):
        return f"/k/integration/v1/{resource.removeprefix('integration/')}.json"
    return f"/k/v1/{resource}.json"


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    paths: dict[str, dict] = {}
    for (method, resource) in sorted(ROUTES):
        params = _params_for(resource)
        operation: dict = {
            "operationId": f"{method.lower()}_{resource.replace('/', '_')}",
            "security": [{"password": []}, {"apiToken": []}],
            "responses": {
                "200": {"description": "Success", "content": {"application/json": {"schema": {"type": "object"}}}},
                "201": {"description": "Subscribed; `Location` unsubscribes",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                "default": {"description": "kintone error", "content": {"application/json": {"schema": _ERROR}}},
            },
        }
        if method in ("GET", "DELETE"):
            operation["parameters"] = [
                {"name": name, "in": "query", "required": False, "schema": schema,
                 **({"style": "form", "explode": True} if schema.get("type") == "array" else {})}
                for name, schema in params.items()
            ]
        else:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": params}}}}
        paths.setdefault(_path(resource), {})[method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "kinflow", "version": "0.1.0",
                 "description": "kintone-compatible REST API of kinflow."},
        "paths": paths,
        "components": {"securitySchemes": {
            "password": {"type": "apiKey", "in": "header", "name": "X-Cybozu-Authorization"},
            "apiToken": {"type": "apiKey", "in": "header", "name": "X-Cybozu-API-Token"},
        }},
    }
