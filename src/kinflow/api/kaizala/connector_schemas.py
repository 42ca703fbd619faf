"""The schemas the Kaizala connector's `x-ms-dynamic-schema` asks for: `GET /connector/actionSchema
?groupId=&actionType=`, the request body of "Send action on a group" for a kind of action (its own
fields of the action body; with `reminder=true`, the request of "Send action reminder"), and
`GET /connector/eventSchema?type=`, what a response trigger delivers.
Each answers `{"schema": ...}`; the field definitions are those the groups API documents."""

from __future__ import annotations

from kinflow.api.kaizala.actions import ACTION_TYPES, _SPELLED
from kinflow.api.kaizala.http import Call, caller_of
from kinflow.api.kaizala.openapi import _ACTION_BODY, _MOBILE
from kinflow.groups import groups
from kinflow.groups.errors import bad_input

# The fields each kind reads from the action body (actions_post.md).
_FIELDS = {
    "Job": ("title", "assignedTo", "dueDate"),
    "Poll": ("question", "choices", "expiryInHours", "isAnonymous", "isSenderOnly"),
    "Survey": ("title", "questions", "dueDate", "isAnonymous", "isSenderOnly", "acceptMultipleResponses",
               "properties"),
    "Announcement": ("title", "message", "mediaResources"),
    "LetsMeet": ("title", "startingTime", "duration", "place", "agenda", "isSenderOnly"),
    "Image": ("mediaResource", "mediaResources", "caption"),
    "Audio": ("mediaResource", "caption"),
    "Document": ("mediaResource", "caption"),
    "Album": ("mediaResources", "caption"),
}
_TEXT = {"type": "string"}
_SUBSCRIBERS = {**_MOBILE, "description": "Mobile numbers, separated by commas."}
_PERSON = {"responder": _TEXT, "responderName": _TEXT, "responderProfilePic": _TEXT, "isAnonymous": {"type": "boolean"}}
_RESPONSE = {"type": "object", "properties": {
    "actionId": _TEXT, "groupId": _TEXT, "responseId": _TEXT, "isUpdateResponse": {"type": "boolean"}, **_PERSON,
    "responseDetails": {"type": "object", "properties": {"responseWithQuestions": {"type": "array", "items": {
        "type": "object", "properties": {"title": _TEXT, "type": _TEXT, "options": {"type": "array"},
                                         "answer": {}, "isInvisible": {"type": "boolean"}}}}}}}}
EVENTS = {"SurveyResponse": _RESPONSE, "ActionResponse": _RESPONSE, "JobResponse": _RESPONSE}


def action_schema(call: Call) -> dict:
    who = caller_of(call)
    groups.role_of(call.conn, groups.load_group(call.conn, call.query.get("groupId", "")), who)
    asked = call.query.get("actionType") or ""
    kind = _SPELLED.get(asked.lower(), asked)
    if asked and kind not in ACTION_TYPES:
        raise bad_input("actionType", f"Enter one of {', '.join(ACTION_TYPES)}.")
    if call.query.get("reminder") == "true":
        return {"schema": {"type": "object", "required": ["actionId"], "properties": {
            "actionId": {**_TEXT, "description": "The action to remind of."}, "subscribers": _SUBSCRIBERS}}}
    fields = _FIELDS.get(kind)
    body = _ACTION_BODY if fields is None else {
        "type": "object", "properties": {name: _ACTION_BODY["properties"][name] for name in fields}}
    return {"schema": {"type": "object", "properties": {
        "actionBody": body, "subscribers": _SUBSCRIBERS}}}


def event_schema(call: Call) -> dict:
    caller_of(call)
    kind = call.query.get("type")
    if kind not in EVENTS:
        raise bad_input("type", f"Enter one of {', '.join(EVENTS)}.")
    return {"schema": EVENTS[kind]}
