"""Adding, changing and deleting form fields in the pre-live form (kintone's form field APIs).

Property shapes and defaults follow what kintone returns from `GET app/form/fields.json`
(shared/reference/kintone-rest-api.md §4.3): numbers and lengths as strings, flags as booleans.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from kinflow.apps.field_types import (
    ALL_TYPES,
    CHOICE_TYPES,
    INNER_ALLOWED_TYPES,
    LAYOUT_TYPES,
    SYSTEM_TYPES,
    UNIQUE_CAPABLE_TYPES,
)
from kinflow.apps.form import Form
from kinflow.apps.formulas.check import LabelledFormulaError, plan_formulas, rename_reference
from kinflow.apps.formulas.errors import refused as formula_refused
from kinflow.apps.lookup_settings import (
    check_lookups,
    check_reference_tables,
    normalise_lookup,
    normalise_reference_table,
    rename_in_lookups,
)
from kinflow.digits import is_digits
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_

MAX_CODE_LENGTH = 128
_FORBIDDEN_IN_CODE = re.compile(r"[\s!\"#%&'()*+,\-./:;<=>?@\[\\\]^`{|}~]")

_COMMON = {"label": "", "noLabel": False, "required": False}
_DEFAULTS: dict[str, dict] = {
    "SINGLE_LINE_TEXT": {"unique": False, "minLength": "", "maxLength": "", "defaultValue": "",
                         "expression": "", "hideExpression": False},
    "LINK": {"unique": False, "minLength": "", "maxLength": "", "defaultValue": "", "protocol": "WEB"},
    "NUMBER": {"unique": False, "minValue": "", "maxValue": "", "defaultValue": "", "digit": False,
               "displayScale": "", "unit": "", "unitPosition": "BEFORE"},
    "MULTI_LINE_TEXT": {"defaultValue": ""},
    "RICH_TEXT": {"defaultValue": ""},
    "CHECK_BOX": {"defaultValue": [], "options": {}, "align": "HORIZONTAL"},
    "RADIO_BUTTON": {"defaultValue": "", "options": {}, "align": "HORIZONTAL"},
    "DROP_DOWN": {"defaultValue": "", "options": {}},
    "MULTI_SELECT": {"defaultValue": [], "options": {}},
    "DATE": {"unique": False, "defaultValue": "", "defaultNowValue": False},
    "TIME": {"defaultValue": "", "defaultNowValue": False},
    "DATETIME": {"unique": False, "defaultValue": "", "defaultNowValue": False},
    "USER_SELECT": {"defaultValue": [], "entities": []},
    "ORGANIZATION_SELECT": {"defaultValue": [], "entities": []},
    "GROUP_SELECT": {"defaultValue": [], "entities": []},
    "CALC": {"expression": "", "hideExpression": False, "format": "NUMBER", "displayScale": "", "unit": "",
             "unitPosition": "BEFORE"},
    "SUBTABLE": {"fields": {}},
    "LABEL": {},
    "SPACER": {},
    "HR": {},
    "GROUP": {"openGroup": False},
    "FILE": {"thumbnailSize": "150"},
}
# The thumbnail sizes a FILE field may show (kintone refuses any other with CB_VA01).
THUMBNAIL_SIZES = frozenset({"50", "150", "250", "500"})
# The display formats of a CALC field (kintone refuses any other with CB_VA01).
CALC_FORMATS = frozenset({"NUMBER", "NUMBER_DIGIT", "DATETIME", "DATE", "TIME", "HOUR_MINUTE", "DAY_HOUR_MINUTE"})
_UNIT_POSITIONS = frozenset({"BEFORE", "AFTER"})
_ENUM = N_("Must be one of the enum values.")
_NUMERIC_PROPS = ("minLength", "maxLength", "minValue", "maxValue", "displayScale")


def _err(key: str, message: str) -> KintoneError:
    return invalid_input({key: [message]})


def normalise_property(key: str, prop: object, *, inner: bool = False) -> dict:
    """A complete kintone property for a field being added, or a clear CB_VA01."""
    where = f"properties.{key}"
    if not isinstance(prop, dict):
        raise _err(where, N_("Must be an object."))
    field_type = prop.get("type")
    if not isinstance(field_type, str) or field_type not in ALL_TYPES:
        raise _err(f"{where}.type", N_("Enter a valid field type."))
    if field_type in SYSTEM_TYPES:
        raise _err(f"{where}.type", N_("A {type} field exists already and cannot be added.",
                                       type=field_type))
    if inner and field_type not in INNER_ALLOWED_TYPES:
        raise _err(f"{where}.type", N_("A {type} field cannot be placed in a table.", type=field_type))
    code = prop.get("code", key)
    check_code(code, f"{where}.code")
    if code != key:
        raise _err(f"{where}.code", N_("The field code must be the same as the key of the property."))
    if field_type == "REFERENCE_TABLE":
        return normalise_reference_table(where, {**prop, "code": code})
    result = {"type": field_type, "code": code}
    if field_type not in LAYOUT_TYPES or field_type == "GROUP":
        result.update(_COMMON)
    result.update(_DEFAULTS.get(field_type, {}))
    # `"lookup": null` turns a lookup back into a plain field.
    result.update({k: v for k, v in prop.items() if k not in ("type", "code") and not (k == "lookup" and v is None)})
    _check_values(where, result)
    if "lookup" in result:
        return normalise_lookup(where, result)
    return result


def check_code(code: object, key: str) -> None:
    if not isinstance(code, str) or not code:
        raise _err(key, N_("Required field."))
    if len(code) > MAX_CODE_LENGTH:
        raise _err(key, N_("Enter less than {limit} characters.", limit=MAX_CODE_LENGTH + 1))
    if _FORBIDDEN_IN_CODE.search(code) or is_digits(code) or code.startswith("$"):
        raise _err(key, N_("The field code contains characters that cannot be used."))


def _number_text(value: object, key: str) -> str:
    if value in ("", None):
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _err(key, N_("Only numbers are allowed.")) from None
    if not number.is_finite():
        raise _err(key, N_("Only numbers are allowed."))
    return str(value)


def _check_values(where: str, prop: dict) -> None:
    field_type = prop["type"]
    for name in _NUMERIC_PROPS:
        if name in prop:
            prop[name] = _number_text(prop[name], f"{where}.{name}")
    for flag in ("noLabel", "required", "unique", "defaultNowValue", "digit", "hideExpression", "openGroup"):
        if flag in prop and not isinstance(prop[flag], bool):
            if prop[flag] in ("true", "false"):
                prop[flag] = prop[flag] == "true"
            else:
                raise _err(f"{where}.{flag}", N_("Must be true or false."))
    if prop.get("unique") and field_type not in UNIQUE_CAPABLE_TYPES:
        prop["unique"] = False  # kintone silently drops `unique` where it does not apply
    if "label" in prop and not isinstance(prop["label"], str):
        raise _err(f"{where}.label", N_("Must be a string."))
    if field_type in CHOICE_TYPES:
        options = prop.get("options")
        if not isinstance(options, dict) or not options:
            raise _err(f"{where}.options", N_("Required field."))
        normalised = {}
        for index, (label, option) in enumerate(options.items()):
            if not isinstance(option, dict) or option.get("label", label) != label:
                raise _err(f"{where}.options.{label}.label", N_("The option label must match its key."))
            normalised[label] = {"label": label, "index": str(option.get("index", index))}
        prop["options"] = normalised
        default = prop.get("defaultValue")
        defaults = default if isinstance(default, list) else [default]
        if field_type in ("CHECK_BOX", "MULTI_SELECT") and not isinstance(default, list):
            raise _err(f"{where}.defaultValue", N_("Must be an array."))
        for value in defaults:
            if value not in ("", None) and value not in normalised:
                raise _err(f"{where}.defaultValue", N_('The value, "{value}", is not in options.', value=value))
    if field_type == "NUMBER":
        prop["defaultValue"] = _number_text(prop.get("defaultValue"), f"{where}.defaultValue")
    if field_type == "FILE":
        prop["thumbnailSize"] = str(prop["thumbnailSize"])
        if prop["thumbnailSize"] not in THUMBNAIL_SIZES:
            raise _err(f"{where}.thumbnailSize", _ENUM)
    if field_type in ("NUMBER", "CALC") and prop.get("unitPosition") not in _UNIT_POSITIONS:
        raise _err(f"{where}.unitPosition", _ENUM)
    if field_type == "CALC":
        if prop.get("format") not in CALC_FORMATS:
            raise _err(f"{where}.format", _ENUM)
        if not isinstance(prop.get("expression"), str) or not prop["expression"].strip():
            raise _err(f"{where}.expression", N_("Required field."))
    if "expression" in prop and not isinstance(prop["expression"], str):
        raise _err(f"{where}.expression", N_("Must be a string."))
    for name in ("minLength", "maxLength"):
        if prop.get(name) not in ("", None) and (not is_digits(str(prop[name]))):
            raise _err(f"{where}.{name}", N_("Enter an integer value of 0 or more."))


def add_fields(document: dict, properties: object) -> None:
    """Add `properties` to a pre-live form document in place."""
    if not isinstance(properties, dict) or not properties:
        raise _err("properties", N_("Required field."))
    existing = _all_codes(document)
    for key, prop in properties.items():
        if key in existing:
            raise _err(f"properties.{key}.code", N_("The field code ({code}) is already used.", code=key))
        field = normalise_property(key, prop)
        if field["type"] == "SUBTABLE":
            field["fields"] = _inner_fields(key, field.get("fields"), existing | {key})
            existing |= set(field["fields"])
        document["properties"][key] = field
        existing.add(key)
        _give_ids(document, field)
    check_form(document)


def _inner_fields(table: str, fields: object, taken: set[str]) -> dict:
    if not isinstance(fields, dict) or not fields:
        raise _err(f"properties.{table}.fields", N_("Required field."))
    result = {}
    for key, prop in fields.items():
        if key in taken or key in result:
            raise _err(f"properties.{table}.fields.{key}.code",
                       N_("The field code ({code}) is already used.", code=key))
        result[key] = normalise_property(key, prop, inner=True)
    return result


def _give_ids(document: dict, field: dict) -> None:
    for prop in [field, *field.get("fields", {}).values()]:
        if prop["code"] not in document["field_ids"]:
            document["field_ids"][prop["code"]] = document["next_field_id"]
            document["next_field_id"] += 1


def _all_codes(document: dict) -> set[str]:
    codes = set(document["properties"])
    for prop in document["properties"].values():
        codes |= set(prop.get("fields", {}))
    return codes


def _not_found(code: str) -> KintoneError:
    return KintoneError("GAIA_FC01", N_("The field (code: {code}) not found.", code=code), 400)


def update_fields(document: dict, properties: object) -> None:
    """Change existing fields in place; a changed `code` renames the field, keeping its column."""
    if not isinstance(properties, dict) or not properties:
        raise _err("properties", N_("Required field."))
    for key, change in properties.items():
        if not isinstance(change, dict):
            raise _err(f"properties.{key}", N_("Must be an object."))
        table, current = _locate(document, key)
        if "type" in change and change["type"] != current["type"]:
            raise _err(f"properties.{key}.type", N_("The field type cannot be changed."))
        if current["type"] in SYSTEM_TYPES:
            allowed = {"label", "noLabel", "code", "type", "enabled"}
            merged = {**current, **{k: v for k, v in change.items() if k in allowed}}
        else:
            merged = {**current, **{k: v for k, v in change.items() if k != "fields"}}
            merged = normalise_property(merged.get("code", key), merged, inner=table is not None)
        if current["type"] == "SUBTABLE" and "fields" in change:
            inner = dict(current["fields"])
            for inner_key, inner_change in (change["fields"] or {}).items():
                if inner_key in inner:
                    inner[inner_key] = normalise_property(
                        inner_key, {**inner[inner_key], **inner_change}, inner=True
                    )
                else:
                    if inner_key in _all_codes(document):
                        raise _err(f"properties.{key}.fields.{inner_key}.code",
                                   N_("The field code ({code}) is already used.", code=inner_key))
                    inner[inner_key] = normalise_property(inner_key, inner_change, inner=True)
            merged["fields"] = inner
        new_code = merged["code"]
        if new_code != key:
            check_code(new_code, f"properties.{key}.code")
            if new_code in _all_codes(document):
                raise _err(f"properties.{key}.code", N_("The field code ({code}) is already used.",
                                                        code=new_code))
            document["field_ids"][new_code] = document["field_ids"].pop(key)
        container = document["properties"] if table is None else document["properties"][table]["fields"]
        container.pop(key)
        container[new_code] = merged
        _give_ids(document, merged)
        if new_code != key:
            _rename_in_formulas(document, key, new_code)
            rename_in_lookups(_every_property(document), key, new_code)
    check_form(document)


def _locate(document: dict, code: str) -> tuple[str | None, dict]:
    if code in document["properties"]:
        return None, document["properties"][code]
    for table_code, prop in document["properties"].items():
        if code in prop.get("fields", {}):
            return table_code, prop["fields"][code]
    raise _not_found(code)


def delete_fields(document: dict, codes: object) -> None:
    if not isinstance(codes, list) or not codes:
        raise _err("fields", N_("Required field."))
    for code in codes:
        if not isinstance(code, str):
            raise _err("fields", N_("Enter field codes."))
        table, prop = _locate(document, code)
        if prop["type"] in SYSTEM_TYPES:
            raise _err("fields", N_("The field ({code}) cannot be deleted.", code=code))
        if table is None:
            removed = document["properties"].pop(code)
            for inner in removed.get("fields", {}):
                document["field_ids"].pop(inner, None)
        else:
            document["properties"][table]["fields"].pop(code)
            if not document["properties"][table]["fields"]:
                raise _err("fields", N_("The table ({table}) must keep at least one field.", table=table))
        document["field_ids"].pop(code, None)
    check_form(document)


def _every_property(document: dict) -> list[dict]:
    return [inner for prop in document["properties"].values() for inner in (prop, *prop.get("fields", {}).values())]


def _rename_in_formulas(document: dict, old: str, new: str) -> None:
    """Formulas follow a field's new code, as kintone rewrites them."""
    for prop in _every_property(document):
        if prop.get("expression"):
            prop["expression"] = rename_reference(prop["expression"], old, new)


def check_form(document: dict) -> None:
    """What a form's fields say about each other: formulas and lookups."""
    check_formulas(document)
    if any("lookup" in prop or "referenceTable" in prop for prop in _every_property(document)):
        form = Form.from_document(document)
        check_lookups(form)
        check_reference_tables(document, form)


def check_formulas(document: dict) -> None:
    """Every formula of the form checks against its fields (GAIA_IL01 otherwise)."""
    if not any(str(prop.get("expression") or "").strip() for prop in _every_property(document)):
        return
    try:
        plan_formulas(Form.from_document(document))
    except LabelledFormulaError as error:
        raise formula_refused(error.field.props.get("label") or error.field.code, error) from None


def public_properties(document: dict) -> dict:
    """The form as `GET app/form/fields.json` shows it."""
    return document["properties"]
