"""Templates: the flows people start from, as Power Automate's "Create from template" offers them.
A template names the values it needs (an app, a group, an address) and builds the flow's definition
from them; the definition is then deployed like any other, so a template adds no rule of its own.

The connector actions name their connector's `connectionName` (`shared_kintone`, `shared_kaizala`),
and run with the owner's connection of that connector, as an imported flow does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kinflow.errors import invalid_input
from kinflow.flows.pickers import Picker

KINTONE_API = "/providers/Microsoft.PowerApps/apis/shared_kintone"
KAIZALA_API = "/providers/Microsoft.PowerApps/apis/shared_kaizala"
MAX_VALUE = 2048
# What a message says of a new record by default: the app, the record's title and its permalink
# (the fields of kintone's ADD_RECORD webhook notification).
RECORD_MESSAGE = ("New record in @{triggerBody()?['app']?['name']}: @{triggerBody()?['recordTitle']} "
                  "@{triggerBody()?['url']}")


@dataclass(frozen=True)
class Parameter:
    key: str
    label: str
    kind: str = "text"  # text, digits, url, multiline
    default: str = ""
    picker: Picker | None = None  # where the choices come from (the value may still be typed)


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    description: str
    connectors: tuple[str, ...]  # the connections its owner needs
    parameters: tuple[Parameter, ...]
    build: Callable[[dict[str, str]], dict]


def _record_added(app: str) -> dict:
    return {"When_a_record_is_added": {"type": "OpenApiConnectionWebhook", "inputs": {
        "host": {"apiId": KINTONE_API, "connectionName": "shared_kintone", "operationId": "webhook-trigger"},
        "parameters": {"body/app": app}}}}


def _record_to_group(values: dict[str, str]) -> dict:
    return {"triggers": _record_added(values["app"]), "actions": {"Post_a_message": {
        "type": "OpenApiConnection", "inputs": {
            "host": {"apiId": KAIZALA_API, "connectionName": "shared_kaizala", "operationId": "SendMessage"},
            "parameters": {"groupId": values["group"], "body/Message": values["message"]}}}}}


def _record_to_http(values: dict[str, str]) -> dict:
    return {"triggers": _record_added(values["app"]), "actions": {"Call_the_endpoint": {"type": "Http", "inputs": {
        "method": "POST", "uri": values["url"], "headers": {"Content-Type": "application/json"},
        "body": "@triggerBody()"}}}}


def _request_to_response(values: dict[str, str]) -> dict:
    return {"triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
            "actions": {"Response": {"type": "Response", "inputs": {
                "statusCode": 200, "body": {"received": "@triggerBody()", "message": values["message"]}}}}}


APP = Parameter("app", "App ID", "digits", picker=Picker("kintone", "webhook-trigger", "body/app"))
GROUP = Parameter("group", "Group ID", picker=Picker("kaizala", "SendMessage", "groupId"))
TEMPLATES = {template.id: template for template in (
    Template("record-to-group", "When a record is added, post a message to a group",
             "A record added to a kintone app posts a message to a Kaizala group.", ("kintone", "kaizala"),
             (APP, GROUP, Parameter("message", "Message", "multiline", RECORD_MESSAGE)),
             _record_to_group),
    Template("record-to-http", "When a record is added, call an HTTP endpoint",
             "A record added to a kintone app is sent to an address with a POST of its notification.",
             ("kintone",), (APP, Parameter("url", "Address (https://...)", "url")), _record_to_http),
    Template("request-to-response", "When an HTTP request is received, answer it",
             "The flow's trigger URL answers each request with what it received.", (),
             (Parameter("message", "Message", "text", "Received"),), _request_to_response),
)}


def definition_from(template_id: object, values: dict[str, str]) -> dict:
    """The definition a template builds from the values given (each checked for presence and size;
    the definition's own check comes at deploy)."""
    template = TEMPLATES.get(template_id) if isinstance(template_id, str) else None
    if template is None:
        raise invalid_input({"template": [f"Enter one of: {', '.join(TEMPLATES)}."]})
    problems: dict[str, list[str]] = {}
    given = {}
    for parameter in template.parameters:
        value = (values.get(parameter.key) or "").strip() or parameter.default
        if not value:
            problems[parameter.key] = ["Required field."]
        elif len(value) > MAX_VALUE:
            problems[parameter.key] = [f"Enter at most {MAX_VALUE} characters."]
        elif parameter.kind == "digits" and not value.isdigit():
            problems[parameter.key] = ["Enter a number."]
        given[parameter.key] = value
    if problems:
        raise invalid_input(problems)
    return template.build(given)
