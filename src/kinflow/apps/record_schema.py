"""The JSON schema of an app's records, built from its live form: what the kintone connector's
`x-ms-dynamic-schema` asks for (its `GetRecordSchema` operation), so a flow designer lists the app's
fields by label and a flow's record body is checked against them.

Three kinds, as the connector names them: `ACTION_POST_RECORD` and `ACTION_PUT_RECORD`, the fields a
client writes (`{"value": ...}` each; a field required by the form is required in a new record), and
`TRIGGER_WEBHOOK_RECORD`, a record as webhooks deliver it (every field, system ones too, with its
`type` and `value`)."""

from __future__ import annotations

from kinflow.apps.field_types import DATA_TYPES, ENTITY_SELECT_TYPES, MULTI_CHOICE_TYPES
from kinflow.apps.form import Field, Form
from kinflow.errors import invalid_input
from kinflow.i18n import N_

KINDS = ("ACTION_POST_RECORD", "ACTION_PUT_RECORD", "TRIGGER_WEBHOOK_RECORD")

_STRING = {"type": "string"}
_FORMATS = {"DATE": "date", "DATETIME": "date-time", "CREATED_TIME": "date-time", "UPDATED_TIME": "date-time"}
_USER = {"type": "object", "properties": {"code": _STRING, "name": _STRING}}


def _value(field: Field, form: Form, kind: str) -> dict:
    kind_of = field.type
    if kind_of in MULTI_CHOICE_TYPES or kind_of == "CATEGORY":
        items = {**_STRING, **({"enum": sorted(field.options)} if field.options else {})}
        return {"type": "array", "items": items}
    if kind_of in ENTITY_SELECT_TYPES or kind_of == "STATUS_ASSIGNEE":
        return {"type": "array", "items": _USER}
    if kind_of in ("CREATOR", "MODIFIER"):
        return _USER
    if kind_of == "SUBTABLE":
        inner = [f for f in form.fields.values() if f.table == field.code]
        return {"type": "array", "items": {"type": "object", "properties": {
            "id": _STRING, "value": _fields(inner, form, kind)}}}
    value = {**_STRING}
    if kind_of in _FORMATS:
        value["format"] = _FORMATS[kind_of]
    if kind_of in ("RADIO_BUTTON", "DROP_DOWN") and field.options:
        value["enum"] = sorted(field.options)
    return value


def _fields(fields: list[Field], form: Form, kind: str) -> dict:
    properties, required = {}, []
    for field in fields:
        label = field.props.get("label") or field.code
        entry: dict = {"type": "object", "x-ms-summary": label, "properties": {"value": {
            **_value(field, form, kind), "x-ms-summary": label}}}
        if kind == "TRIGGER_WEBHOOK_RECORD":
            entry["properties"]["type"] = {**_STRING, "enum": [field.type]}
        properties[field.code] = entry
        if kind == "ACTION_POST_RECORD" and field.props.get("required"):
            required.append(field.code)
    schema: dict = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def record_schema(form: Form, kind: object) -> dict:
    if kind not in KINDS:
        raise invalid_input({"type": [N_("Enter one of {choices}.", choices=', '.join(KINDS))]})
    writable = kind != "TRIGGER_WEBHOOK_RECORD"
    top = [f for f in form.fields.values() if f.table is None
           and (not writable or f.type in DATA_TYPES or f.type == "SUBTABLE")]
    return _fields(top, form, kind)  # type: ignore[arg-type]
