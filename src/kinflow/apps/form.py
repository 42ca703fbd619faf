"""An app's form as kinflow works with it: every field by code, with its column identity.

The stored document (`app_settings` kind `form`) is `{"properties": {code: kintone property},
"field_ids": {code: int}, "next_field_id": int}`. Field ids never change once given, so a field's
column survives a change of its code or label.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cached_property

from kinflow.apps.field_types import LAYOUT_TYPES, SYSTEM_FIELD_NAMES


@dataclass(frozen=True)
class Field:
    code: str
    type: str
    props: dict
    field_id: int
    table: str | None = None  # code of the SUBTABLE holding this field, if any

    # Asked for every field of every record written or read: computed once per field.
    @cached_property
    def column_name(self) -> str:
        return f"f{self.field_id}"

    @property
    def options(self) -> set[str]:
        return set((self.props.get("options") or {}).keys())


@dataclass
class Form:
    fields: dict[str, Field] = field(default_factory=dict)

    @classmethod
    def from_document(cls, document: dict) -> "Form":
        ids = document["field_ids"]
        fields: dict[str, Field] = {}
        for code, props in document["properties"].items():
            if props["type"] in LAYOUT_TYPES:
                continue
            fields[code] = Field(code, props["type"], props, ids[code])
            if props["type"] == "SUBTABLE":
                for inner_code, inner in props.get("fields", {}).items():
                    fields[inner_code] = Field(inner_code, inner["type"], inner, ids[inner_code], code)
        return cls(fields)

    def get(self, code: str) -> Field | None:
        return self.fields.get(code)

    def of_type(self, field_type: str) -> Field | None:
        return next((f for f in self.fields.values() if f.type == field_type), None)

    # A form does not change once built (a deploy builds a new one), so these are computed once:
    # rendering a page of records asks for them for every record.
    @cached_property
    def top_level(self) -> list[Field]:
        return [f for f in self.fields.values() if f.table is None]

    @cached_property
    def subtables(self) -> list[Field]:
        return [f for f in self.fields.values() if f.type == "SUBTABLE"]

    @cached_property
    def _inner(self) -> dict[str, list[Field]]:
        inner: dict[str, list[Field]] = {}
        for f in self.fields.values():
            if f.table is not None:
                inner.setdefault(f.table, []).append(f)
        return inner

    def inner_fields(self, table_code: str) -> list[Field]:
        return self._inner.get(table_code, [])


def new_form_document(language: str = "en") -> dict:
    """The form of a newly created app: only kintone's system fields, named in `language`."""
    properties = {}
    field_ids = {}
    names = SYSTEM_FIELD_NAMES.get(language, SYSTEM_FIELD_NAMES["en"])
    for number, (code, (field_type, label)) in enumerate(names.items(), start=1):
        prop = {"type": field_type, "code": code, "label": label}
        if field_type in ("STATUS", "STATUS_ASSIGNEE", "CATEGORY"):
            prop["enabled"] = False
        else:
            prop["noLabel"] = False
        properties[code] = prop
        field_ids[code] = number
    return {"properties": properties, "field_ids": field_ids, "next_field_id": len(field_ids) + 1}


def copy_document(document: dict) -> dict:
    return copy.deepcopy(document)
