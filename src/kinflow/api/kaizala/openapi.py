"""The OpenAPI document of the groups API (served at /kaizala/openapi.json), following Kaizala's
Swagger file (shared/reference/kaizala-rest-api.swagger.json): its paths, operation ids and bodies,
with kinflow's size limits written in, so clients and fuzzers know them."""

from __future__ import annotations

from functools import lru_cache

from kinflow.api.kaizala.actions import ACTION_TYPES
from kinflow.events.kaizala import EVENT_TYPES
from kinflow.groups.action_details import MAX_PAGE
from kinflow.groups.actions import (MAX_HOURS, MAX_MINUTES, MAX_PROPERTIES, MAX_PROPERTY_NAME, PROPERTY_TYPES,
                                    MAX_TEXT as MAX_ACTION_TEXT)
from kinflow.groups.attachments import MAX_CAPTION
from kinflow.groups.groups import GROUP_TYPES, MAX_NAME, MAX_TEXT
from kinflow.groups.media import MAX_FILES, MAX_NAME as MAX_FILE_NAME, MAX_RESOURCE
from kinflow.groups.media_fetch import MAX_URL as MAX_MEDIA_URL
from kinflow.groups.members import MAX_PER_CALL
from kinflow.groups.messages import MAX_TEXT as MAX_MESSAGE
from kinflow.groups.questions import MAX_OPTIONS, MAX_QUESTIONS, MAX_TITLE, TYPES as QUESTION_TYPES
from kinflow.groups.webhooks import MAX_CONTEXT, MAX_TOKEN, MAX_URL, OBJECT_TYPES

_TEXT = {"type": "string"}
_ID = {"type": "string", "maxLength": 36}
_FLAG = {"oneOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false"]}]}
_MOBILE = {"type": "string", "maxLength": 32, "example": "+14155550123"}
_MOBILES = {"type": "array", "items": _MOBILE, "maxItems": MAX_PER_CALL}
_ERROR = {"type": "object", "required": ["code", "message"], "properties": {
    "code": _TEXT, "message": _TEXT, "errors": {"type": "object", "additionalProperties": {"type": "array"}}}}


def _body(properties: dict, required: list[str]) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": properties, "required": required}}}}


def _path(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def _header(name: str) -> dict:
    return {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}


_OBJECT_ID = {"type": "string", "maxLength": 64, "description": "A group's id, or an action package's."}
_WEBHOOK = {"objectId": _OBJECT_ID, "objectType": {"type": "string", "enum": list(OBJECT_TYPES)},
            "eventTypes": {"type": "array", "items": {"type": "string", "enum": list(EVENT_TYPES)}},
            "callBackUrl": {"type": "string", "maxLength": MAX_URL},
            "callBackToken": {"type": "string", "maxLength": MAX_TOKEN},
            "callBackContext": {"type": "string", "maxLength": MAX_CONTEXT},
            "validity": {"type": "integer", "description": "End of validity, epoch milliseconds (default: 2 years)."}}

_RESOURCE = {"type": "string", "maxLength": MAX_RESOURCE, "description": "A mediaResource answered by /media."}
_MEDIA_LIMIT = ("At most KINFLOW_GROUPS_MEDIA_MAX_BYTES (20 MB by default) in one upload; JPEG, PNG, MP3, WAV, "
                "PDF, Word, Excel, PowerPoint, MP4 or 3GPP, each with its media type (415 otherwise).")

_TITLE = {"type": "string", "maxLength": MAX_TITLE}
_HOURS = {"type": "integer", "minimum": 1, "maximum": MAX_HOURS}
_OPTIONS = {"type": "array", "maxItems": MAX_OPTIONS, "items": {"type": "object", "properties": {
    "title": _TITLE, "image": _RESOURCE}, "required": ["title"]}}
_LOCATION = {"type": "object", "properties": {"latitude": {"type": "number", "minimum": -90, "maximum": 90},
                                              "longitude": {"type": "number", "minimum": -180, "maximum": 180},
                                              "name": _TITLE}}
# Every kind's fields in one object (actions_post.md): each kind reads its own.
_ACTION_BODY = {"type": "object", "properties": {
    "mediaResource": _RESOURCE, "mediaResources": {"type": "array", "items": _RESOURCE, "maxItems": MAX_FILES},
    "caption": {"type": "string", "maxLength": MAX_CAPTION},
    "title": _TITLE, "message": {"type": "string", "maxLength": MAX_ACTION_TEXT},
    "assignedTo": _MOBILES, "dueDate": _HOURS,
    "question": _TITLE, "choices": _OPTIONS, "expiryInHours": _HOURS, "isSenderOnly": _FLAG,
    "isAnonymous": _FLAG, "acceptMultipleResponses": _FLAG,
    "questions": {"type": "array", "maxItems": MAX_QUESTIONS, "items": {"type": "object", "properties": {
        "title": _TITLE, "type": {"type": "string", "enum": list(QUESTION_TYPES)}, "isInvisible": _FLAG,
        "options": _OPTIONS}, "required": ["title", "type"]}},
    "startingTime": {"type": "string", "format": "date-time"},
    "duration": {"type": "integer", "minimum": 1, "maximum": MAX_MINUTES}, "place": _LOCATION,
    "agenda": {"type": "string", "maxLength": MAX_ACTION_TEXT}, "validity": _HOURS,
    "properties": {"type": "array", "maxItems": MAX_PROPERTIES, "items": {"type": "object", "properties": {
        "name": {"type": "string", "maxLength": MAX_PROPERTY_NAME},
        "type": {"type": "string", "enum": list(PROPERTY_TYPES)},
        "value": {"type": "string", "maxLength": MAX_ACTION_TEXT}}, "required": ["name", "type"]}}}}

# (path, method) -> operation; `public` operations need no access token.
OPERATIONS: dict[tuple[str, str], dict] = {
    ("/generatePin", "post"): {"operationId": "GeneratePin", "public": True, "requestBody": _body(
        {"mobileNumber": _MOBILE, "applicationId": _ID}, ["mobileNumber", "applicationId"])},
    ("/loginWithPinAndApplicationId", "post"): {"operationId": "GetRefreshToken", "public": True, "requestBody": _body(
        {"mobileNumber": _MOBILE, "applicationId": _ID, "pin": {"type": "integer", "minimum": 1000, "maximum": 999999}},
        ["mobileNumber", "applicationId", "pin"])},
    ("/accessToken", "get"): {"operationId": "GenerateAccessToken", "public": True, "parameters": [
        _header("applicationId"), _header("applicationSecret"), _header("refreshToken")]},
    ("/groups", "post"): {"operationId": "CreateGroup", "requestBody": _body(
        {"name": {"type": "string", "maxLength": MAX_NAME}, "welcomeMessage": {"type": "string", "maxLength": MAX_TEXT},
         "members": _MOBILES, "groupType": {"type": "string", "enum": list(GROUP_TYPES)},
         "shortDescription": {"type": "string", "maxLength": MAX_TEXT},
         "longDescription": {"type": "string", "maxLength": MAX_TEXT}}, ["name", "welcomeMessage"])},
    ("/groups", "get"): {"operationId": "FetchDirectGroups", "parameters": [
        _query("showDetail", _FLAG), _query("fetchAllGroups", _FLAG)]},
    ("/groups/{groupId}", "get"): {"operationId": "FetchGroupDetails", "parameters": [_path("groupId")]},
    ("/groups/{groupId}/members", "get"): {"operationId": "FetchMembers", "parameters": [_path("groupId")]},
    ("/groups/{groupId}/members", "put"): {"operationId": "AddMembers", "parameters": [_path("groupId")],
                                           "requestBody": _body({"members": _MOBILES}, ["members"])},
    ("/groups/{groupId}/members/{memberId}", "delete"): {"operationId": "RemoveMembers",
                                                        "parameters": [_path("groupId"), _path("memberId")]},
    ("/groups/{groupId}/subgroups", "post"): {"operationId": "CreateSubgroup", "parameters": [_path("groupId")],
                                             "requestBody": _body({
                                                 "groupName": {"type": "string", "maxLength": MAX_NAME},
                                                 "welcomeMessage": {"type": "string", "maxLength": MAX_TEXT},
                                                 "members": _MOBILES, "addUserToGroup": _FLAG},
                                                 ["groupName", "welcomeMessage"])},
    ("/groups/{groupId}/subGroups", "put"): {"operationId": "AddSubgroup", "parameters": [_path("groupId")],
                                            "requestBody": _body({"subGroups": {
                                                "type": "array", "items": _ID, "maxItems": 100}}, ["subGroups"])},
    ("/groups/{groupId}/subGroups", "get"): {"operationId": "FetchSubgroup", "parameters": [
        _path("groupId"), _query("fetchAllGroups", _FLAG)]},
    ("/groups/{groupId}/subGroups/{subGroupId}", "delete"): {"operationId": "RemoveGroupAsSubgroup",
                                                            "parameters": [_path("groupId"), _path("subGroupId")]},
    ("/groups/{groupId}/messages", "post"): {"operationId": "SendMessage", "parameters": [_path("groupId")],
                                            "requestBody": _body({
                                                "message": {"type": "string", "maxLength": MAX_MESSAGE},
                                                "replyToReferenceId": _ID, "subscribers": _MOBILES,
                                                "sendToAllSubscribers": _FLAG}, ["message"])},
    ("/groups/{groupId}/reaction", "post"): {"operationId": "PostReaction", "parameters": [_path("groupId")],
                                            "requestBody": _body({
                                                "referenceId": _ID, "sourceGroupId": _ID,
                                                "reactionType": {"type": "string", "enum": ["Like", "Comment"]},
                                                "comment": {"type": "string", "maxLength": 4000}},
                                                ["referenceId", "reactionType"])},
    ("/groups/{groupId}/reaction/summary", "get"): {"operationId": "GetGroupReactionSummary", "parameters": [
        _path("groupId"), _query("sourceGroupId", _ID), _query("cursor", _TEXT)]},
    ("/groups/{groupId}/reaction/{referenceId}/summary", "get"): {"operationId": "GetReactionSummary", "parameters": [
        _path("groupId"), _path("referenceId"), _query("sourceGroupId", _ID)]},
    ("/groups/{groupId}/reaction/{referenceId}", "get"): {"operationId": "GetReactionDetails", "parameters": [
        _path("groupId"), _path("referenceId"), _query("sourceGroupId", _ID),
        _query("reactionType", {"type": "string", "enum": ["Like", "Comment"]}), _query("cursor", _TEXT)]},
    ("/groups/{groupId}/subscribers", "post"): {"operationId": "GetSubscribers", "parameters": [_path("groupId")],
                                               "requestBody": _body({"cursor": _TEXT, "count": {
                                                   "type": "integer", "minimum": 1, "maximum": 50}}, [])},
    ("/groups/{groupId}/subscribers/add", "put"): {"operationId": "AddSubscribers", "parameters": [_path("groupId")],
                                                  "requestBody": _body({"subscribers": _MOBILES}, ["subscribers"])},
    ("/groups/{groupId}/subscribers/remove", "put"): {"operationId": "RemoveSubscribers",
                                                     "parameters": [_path("groupId")],
                                                     "requestBody": _body({"subscribers": _MOBILES}, ["subscribers"])},
    ("/groups/{groupId}/actions", "post"): {"operationId": "SendSurvey", "parameters": [
        _path("groupId"), _query("sendToAll", {"type": "string", "enum": ["Yes", "No"]}),
        _query("actionType", {"type": "string", "maxLength": 32}), _query("id", {"type": "string", "maxLength": 64})],
                                           "requestBody": _body({
                                               "actionType": {"type": "string", "enum": list(ACTION_TYPES)},
                                               "id": {"type": "string", "maxLength": 64,
                                                      "description": "An action package's id (for its instance)."},
                                               "actionBody": _ACTION_BODY, "subscribers": _MOBILES,
                                               "sendToAllSubscribers": _FLAG},
                                               ["actionBody"])},
    ("/groups/{groupId}/actions", "get"): {"operationId": "FetchJobs", "parameters": [
        _path("groupId"), _query("actionType", {"type": "string", "maxLength": 64}, True),
        _query("fromDate", {"type": "integer", "minimum": 0, "description": "Epoch milliseconds."}),
        _query("count", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE})]},
    ("/groups/{groupId}/actions/{actionId}", "get"): {"operationId": "FetchingSurveyResponses", "parameters": [
        _path("groupId"), _path("actionId"), _query("getDetails", _FLAG)]},
    ("/groups/{groupId}/actions/{actionId}/responses", "post"): {
        "operationId": "PostingActionResponse", "parameters": [_path("groupId"), _path("actionId")],
        "requestBody": _body({"actionType": {"type": "string", "maxLength": 64},
                              "id": {"type": "string", "maxLength": 64}, "responseId": _ID,
                              "actionBody": {"type": "object", "properties": {
                                  "isCompleted": {"type": "boolean"}, "answers": {"type": "array",
                                                                                  "maxItems": MAX_QUESTIONS},
                                  "responseName": _TITLE, "responseLocation": _LOCATION}}}, ["actionBody"])},
    ("/groups/{groupId}/actions/{actionId}/reminder", "post"): {
        "operationId": "SendActionReminder", "parameters": [
            _path("groupId"), _path("actionId"), _query("actionType", {"type": "string", "maxLength": 64}),
            _query("sendToAll", {"type": "string", "enum": ["Yes", "No"]})],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {"type": "object"}}}}},
    ("/groups/{groupId}/actions/reminder", "post"): {
        "operationId": "SendActionReminderNamedInBody", "parameters": [
            _path("groupId"), _query("actionType", {"type": "string", "maxLength": 64}),
            _query("sendToAll", {"type": "string", "enum": ["Yes", "No"]})],
        "requestBody": _body({"actionId": _ID, "subscribers": _TEXT}, ["actionId"])},
    ("/media", "post"): {"operationId": "UploadMedia", "description": _MEDIA_LIMIT, "requestBody": {
        "required": True, "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
            "FileName": {"type": "string", "format": "binary"}}, "required": ["FileName"]}}}}},
    ("/media/attachment", "post"): {"operationId": "UploadMediaFromAttachment", "description": _MEDIA_LIMIT,
                                    "requestBody": _body({
                                        "fileContent": {"oneOf": [{"type": "string", "format": "byte"}, {
                                            "type": "object", "properties": {
                                                "$content-type": {"type": "string", "maxLength": 128},
                                                "$content": {"type": "string", "format": "byte"}}}]},
                                        "contentType": {"type": "string", "maxLength": 128},
                                        "fileName": {"type": "string", "maxLength": MAX_FILE_NAME}}, ["fileContent"])},
    ("/media/url", "post"): {"operationId": "UploadMediaFromURL", "description": _MEDIA_LIMIT, "requestBody": _body(
        {"mediaUrl": {"type": "string", "maxLength": MAX_MEDIA_URL}}, ["mediaUrl"])},
    ("/media/{mediaId}", "get"): {"operationId": "GetMedia", "parameters": [
        _path("mediaId"), _query("sig", {"type": "string", "maxLength": 64})]},
    ("/webhook", "post"): {"operationId": "SubscribeToAllEvents", "requestBody": _body(
        _WEBHOOK, ["objectId", "objectType", "eventTypes", "callBackUrl"])},
    ("/webhook", "get"): {"operationId": "GetAllWebhooks", "parameters": [
        _query("objectId", _OBJECT_ID, True),
        _query("objectType", {"type": "string", "enum": list(OBJECT_TYPES)}, True)]},
    ("/webhook/{webhookId}", "put"): {"operationId": "UpdateWebhook", "parameters": [_path("webhookId")],
                                      "requestBody": _body({**_WEBHOOK, "Active": _FLAG}, [])},
    ("/webhook/{webhookId}", "delete"): {"operationId": "UnsubscribingAWebhook", "parameters": [_path("webhookId")]},
    ("/connector/actionSchema", "get"): {"operationId": "GetActionSchema", "parameters": [
        _query("groupId", _ID, True), _query("actionType", {"type": "string", "maxLength": 64}),
        _query("reminder", {"type": "string", "enum": ["true", "false"]})]},
    ("/connector/eventSchema", "get"): {"operationId": "GetEventInfoSchema", "parameters": [
        _query("type", {"type": "string", "maxLength": 64}, True)]},
    # The Power Automate connector's triggers: one event of a group, answered 201 with a Location.
    ("/webhook/{objectType}/{eventType}", "post"): {
        "operationId": "SubscribeConnectorTrigger",
        "parameters": [{**_path("objectType"), "schema": {"type": "string", "enum": ["Group", "Action"]}},
                       {**_path("eventType"), "schema": {"type": "string", "enum": list(EVENT_TYPES)}},
                       _query("objectId", _OBJECT_ID), _query("groupId", _OBJECT_ID),
                       _query("actionPackageId", {"type": "string", "maxLength": 128})],
        "requestBody": _body({"CallbackUrl": {"type": "string", "maxLength": MAX_URL}}, ["CallbackUrl"])},
}


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    paths: dict[str, dict] = {}
    for (path, method), spec in OPERATIONS.items():
        operation = {k: v for k, v in spec.items() if k != "public"}
        if not spec.get("public"):
            operation["security"] = [{"accessToken": []}]
        operation["responses"] = {
            "200": {"description": "Done.", "content": {"application/json": {"schema": {"type": "object"}}}},
            "default": {"description": "Refused.", "content": {"application/json": {"schema": _ERROR}}}}
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "kinflow groups API (Kaizala-compatible)", "version": "1"},
        "servers": [{"url": "/kaizala/v1"}],
        "components": {"securitySchemes": {"accessToken": {"type": "apiKey", "in": "header", "name": "accessToken"}}},
        "security": [],
        "paths": paths,
    }
