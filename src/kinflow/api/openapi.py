"""kinflow's OpenAPI document, built from the registered routes (kintone's and kinflow's own
directory, webhook and inbox API) and their parameters."""

from __future__ import annotations

from functools import lru_cache

from kinflow.api import admin, flows
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
    "records/acl/evaluate": {"app": _ID, "ids": {"type": "array", "items": _ID}},
    **{f"preview/{kind}/acl": {"app": _ID, "id": _ID, "revision": _ID, "rights": {"type": "array"}}
       for kind in ("record", "field")},
    "file": {"fileKey": {"type": "string", "maxLength": 64}},
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
_TEXT = {"type": "string"}
_TEXTS = {"type": "array", "items": _TEXT}
_FLAG = {"type": "boolean"}
# kinflow's own API under /kinflow/v1/ (see kinflow.api.admin).
ADMIN_PARAMETERS: dict[str, dict[str, dict]] = {
    "users": {"code": _TEXT, "name": _TEXT, "password": _TEXT, "email": _TEXT, "admin": _FLAG, "active": _FLAG,
              "timezone": _TEXT, "language": _TEXT, "mobileNumber": _TEXT, "departments": _TEXTS,
              "primaryDepartment": _TEXT, "search": _TEXT, "codes": _TEXTS, "offset": _ID, "size": _ID},
    "departments": {"code": _TEXT, "name": _TEXT, "parent": _TEXT, "members": _TEXTS, "offset": _ID, "size": _ID},
    "department/users": {"code": _TEXT, "offset": _ID, "size": _ID},
    "groups": {"code": _TEXT, "name": _TEXT, "members": _TEXTS, "offset": _ID, "size": _ID},
    "group/users": {"code": _TEXT, "offset": _ID, "size": _ID},
    "spaces": {"id": _ID, "name": _TEXT, "isGuest": _FLAG, "offset": _ID, "size": _ID},
    "space/members": {"id": _ID, "members": {"type": "array", "items": {"type": "object"}}},
    "apiTokens": {"app": _ID, "id": _ID, "permissions": {"type": "object", "additionalProperties": _FLAG}},
    "webhooks": {**_WEBHOOK, "events": _TEXTS, "active": _FLAG, "secret": _TEXT},
    "webhook/deliveries": {"app": _ID, "id": _ID, "state": _TEXT, "limit": _ID, "offset": _ID},
    "webhook/redeliver": {"app": _ID, "id": _ID, "delivery": _ID},
    "notifications": {"unread": _FLAG, "limit": _ID, "offset": _ID},
    "notifications/count": {},
    "notifications/read": {"ids": {"type": "array", "items": _ID}, "all": _FLAG},
    "flows": {"name": _TEXT, "definition": {"type": "object"}, "state": _TEXT, "offset": _ID, "limit": _ID},
    "flows/import": {"package": {"type": "string", "format": "byte"}, "fileName": _TEXT,
                     "connections": {"type": "object", "additionalProperties": _TEXT}, "state": _TEXT},
    "flow": {"id": _ID},
    "flow/enable": {"id": _ID},
    "flow/disable": {"id": _ID},
    "flow/runs": {"id": _ID, "status": _TEXT, "offset": _ID, "limit": _ID},
    "flow/run": {"id": _ID, "run": _TEXT},
    "flow/run/resubmit": {"id": _ID, "run": _TEXT},
    "flow/run/cancel": {"id": _ID, "run": _TEXT},
}
_SECRET = {"type": "string", "maxLength": 4096}
# /kinflow/v1/flows/connections.json (kinflow.api.flows).
CONNECTION_PARAMETERS = {
    "id": _TEXT, "connector": {"type": "string", "enum": ["kintone", "kaizala"]}, "name": _TEXT,
    "domain": _TEXT, "apiToken": _SECRET, "login": _TEXT, "password": _SECRET, "endpoint": _TEXT,
    "mobileNumber": _TEXT, "applicationId": _TEXT, "applicationSecret": _SECRET, "pin": _TEXT}
_ERROR = {"type": "object", "required": ["code", "id", "message"], "properties": {
    "code": {"type": "string"}, "id": {"type": "string"}, "message": {"type": "string"},
    "errors": {"type": "object"}}}


def _params_for(resource: str) -> dict[str, dict]:
    if resource == "integration/app/record/schema":
        return {"app": _ID, "type": _TEXT}
    if resource.startswith("integration/"):
        return _WEBHOOK
    return PARAMETERS.get(resource, _SETTINGS_PARAMS)


def _path(resource: str) -> str:
    if resource.startswith("integration/"):
        return f"/k/integration/v1/{resource.removeprefix('integration/')}.json"
    return f"/k/v1/{resource}.json"


def _operation(method: str, operation_id: str, params: dict[str, dict]) -> dict:
    operation: dict = {
        "operationId": operation_id,
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
    return operation


def _file_operation(method: str, operation: dict) -> dict:
    """`file.json` carries files, not JSON: the upload takes multipart/form-data, the download answers
    the file's own bytes."""
    if method == "POST":
        operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}}}}}
        operation["responses"]["413"] = {"description": "Over KINFLOW_FILE_MAX_BYTES",
                                         "content": {"application/json": {"schema": _ERROR}}}
    else:
        operation["responses"]["200"] = {"description": "The file", "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
    return operation


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    paths: dict[str, dict] = {}
    for (method, resource) in sorted(ROUTES):
        operation = _operation(method, f"{method.lower()}_{resource.replace('/', '_')}", _params_for(resource))
        if resource == "file":
            operation = _file_operation(method, operation)
        paths.setdefault(_path(resource), {})[method.lower()] = operation
    for (method, resource) in sorted(admin.ROUTES):
        operation = _operation(method, f"kinflow_{method.lower()}_{resource.replace('/', '_')}",
                               ADMIN_PARAMETERS[resource])
        paths.setdefault(f"/kinflow/v1/{resource}.json", {})[method.lower()] = operation
    for method in flows.METHODS:
        paths.setdefault(flows.CONNECTIONS, {})[method.lower()] = _operation(
            method, f"kinflow_{method.lower()}_flows_connections", CONNECTION_PARAMETERS)
    return {
        "openapi": "3.0.3",
        "info": {"title": "kinflow", "version": "0.1.0",
                 "description": "kintone-compatible REST API of kinflow, and its own API under /kinflow/v1/."},
        "paths": paths,
        "components": {"securitySchemes": {
            "password": {"type": "apiKey", "in": "header", "name": "X-Cybozu-Authorization"},
            "apiToken": {"type": "apiKey", "in": "header", "name": "X-Cybozu-API-Token"},
        }},
    }
