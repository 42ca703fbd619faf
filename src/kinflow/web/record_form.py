"""A record form: which fields take input, the form's fields as the record JSON `record.json`
takes, a record's values back as the form shows them, and the API's validation errors beside the
fields they name. No rule is checked here: the record API's own checks answer.

Form names: a field's code; a subtable's cell `{table}.{row}.{code}` (rows numbered from 0), with
`{table}.rows` counting the rows shown and `{table}.{row}.id` the id of an existing row. A FILE
input's name, then `.keep`, holds the download keys of the files it keeps; the files it sends are
uploaded first and come in as `added` (new file keys by input name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from kinflow.apps.field_types import ENTITY_SELECT_TYPES, MULTI_CHOICE_TYPES
from kinflow.digits import bounded_number
from kinflow.errors import KintoneError

INPUT_TYPES = frozenset({
    "SINGLE_LINE_TEXT", "NUMBER", "MULTI_LINE_TEXT", "RICH_TEXT", "DATE", "TIME", "DATETIME", "LINK",
    "RADIO_BUTTON", "DROP_DOWN", "CHECK_BOX", "MULTI_SELECT", "FILE", *ENTITY_SELECT_TYPES,
})
# A FILE input's name, then this: the download keys of the files it keeps.
KEEP = ".keep"
# Blank rows offered below a subtable's rows, for adding some without a script.
BLANK_ROWS = 2
MAX_ROWS = 1_000


def takes_input(props: dict) -> bool:
    # A text field with an expression (auto-calculated) is worked out by the server, like CALC.
    return props["type"] in INPUT_TYPES and not str(props.get("expression") or "").strip()


def file_inputs(fields: list[dict], form: dict[str, list[str]]) -> set[str]:
    """The names of the FILE inputs the form offered: a field's code, or a table row's cell."""
    names = set()
    for props in fields:
        if props["type"] == "FILE":
            names.add(props["code"])
        elif props["type"] == "SUBTABLE":
            rows = min(_count(form.get(f"{props['code']}.rows")), MAX_ROWS)
            names.update(f"{props['code']}.{index}.{code}" for code, inner in props.get("fields", {}).items()
                         if inner["type"] == "FILE" for index in range(rows))
    return names


def _local(text: str, zone: ZoneInfo) -> str:
    """A stored UTC moment as `<input type="datetime-local">` shows it in the user's zone."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _utc(text: str, zone: ZoneInfo) -> str:
    """A `datetime-local` value, in the user's zone, as the API takes it; other text goes as it is,
    for the API to judge."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _codes(text: str) -> list[dict]:
    return [{"code": code.strip()} for code in re.split(r"[,\s]+", text) if code.strip()]


def form_value(props: dict, value: object, zone: ZoneInfo) -> object:
    """A record's value (kintone JSON) as its input shows it: text, or a list for several choices."""
    kind = props["type"]
    if value is None:
        return [] if kind in MULTI_CHOICE_TYPES else ""
    if kind == "DATETIME":
        return _local(str(value), zone) if value else ""
    if kind in ENTITY_SELECT_TYPES:
        return ", ".join(v.get("code", "") for v in value)  # type: ignore[union-attr]
    return value


def _field_value(props: dict, values: list[str], zone: ZoneInfo, added: list[str] | None = None) -> object:
    kind = props["type"]
    if kind == "FILE":  # the files kept (their download keys), then those just uploaded
        return [{"fileKey": key} for key in [*values, *(added or [])] if key]
    if kind in MULTI_CHOICE_TYPES:
        return [v for v in values if v]
    text = values[0] if values else ""
    if kind == "DATETIME":
        return _utc(text, zone) if text else ""
    if kind in ENTITY_SELECT_TYPES:
        return _codes(text)
    return text


def _cell(props: dict, name: str, form: dict[str, list[str]], zone: ZoneInfo, added: dict[str, list[str]]) -> dict:
    if props["type"] == "FILE":
        return {"value": _field_value(props, form.get(name + KEEP, []), zone, added.get(name, []))}
    return {"value": _field_value(props, form.get(name, []), zone)}


def _rows(table: dict, form: dict[str, list[str]], zone: ZoneInfo, added: dict[str, list[str]]) -> list[dict]:
    code = table["code"]
    count = min(_count(form.get(f"{code}.rows")), MAX_ROWS)
    rows = []
    for index in range(count):
        cells = {inner: _cell(props, f"{code}.{index}.{inner}", form, zone, added)
                 for inner, props in table.get("fields", {}).items() if takes_input(props)}
        row_id = (form.get(f"{code}.{index}.id") or [""])[0]
        if not row_id and all(cell["value"] in ("", []) for cell in cells.values()):
            continue  # a blank row left blank
        rows.append({**({"id": row_id} if row_id else {}), "value": cells})
    return rows


def _count(values: list[str] | None) -> int:
    text = (values or ["0"])[0]
    return bounded_number(text, 99_999)


def record_from_form(fields: list[dict], form: dict[str, list[str]], zone: ZoneInfo,
                     added: dict[str, list[str]] | None = None) -> dict:
    """The record JSON of a form post: every field the form offered, as the user left it, with the
    files just uploaded (`added`: file keys by input name)."""
    record: dict = {}
    for props in fields:
        if props["type"] == "SUBTABLE":
            record[props["code"]] = {"value": _rows(props, form, zone, added or {})}
        elif takes_input(props):
            record[props["code"]] = _cell(props, props["code"], form, zone, added or {})
    return record


@dataclass
class Problems:
    """A refused save: messages by field code, and the rest (a conflict, an unknown field...)."""

    by_field: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


# kintone names a field `record.CODE.value` or, for a value of the wrong form, `record[CODE].value`.
_FIELD_KEY = re.compile(r"^record(?:\.([^.\[]+)|\[([^\]]+)\])")


def problems(error: KintoneError) -> Problems:
    found = Problems()
    for key, messages in (error.errors or {}).items():
        matched = _FIELD_KEY.match(key)
        if matched:
            found.by_field.setdefault(matched.group(1) or matched.group(2), []).extend(messages)
        else:
            found.general.extend(f"{key}: {message}" for message in messages)
    if not error.errors:
        found.general.append(error.message)
    return found
