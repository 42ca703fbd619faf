"""Form fields that read another app, lookups and related records: their shape, and their checks
when the form is saved.

A lookup is not a field type: it is a `lookup` property on a single-line text or number field
(kintone.dev "Get Form Fields"; shared/reference/kintone-rest-api.md §4.3). The field holds the key;
its `fieldMappings` name the fields of this form the matched record's values are copied into. A
related records field (REFERENCE_TABLE) shows the related app's records that match a condition; it
has no value in records.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.app import app_by_code, load_live_anywhere
from kinflow.apps.form import Field, Form
from kinflow.apps.formulas.check import is_calculated
from kinflow.apps.setting_checks import SettingChecker
from kinflow.digits import is_digits
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_
from kinflow.storage.schema import app_settings

LOOKUP_TYPES = frozenset({"SINGLE_LINE_TEXT", "NUMBER"})
# kinflow's own bounds on a lookup's lists and texts (kintone documents none).
MAX_MAPPINGS = 100
MAX_TEXT = 10_000
# The properties kintone shows for a lookup field: the others of its type do not apply to it.
LOOKUP_KEYS = ("type", "code", "label", "noLabel", "required", "lookup")
# The key field in the related app a lookup may use, by the lookup field's type: record number or a
# field that prohibits duplicate values (GAIA_LO03 otherwise).
KEY_TYPES = {"SINGLE_LINE_TEXT": frozenset({"SINGLE_LINE_TEXT", "LINK", "RECORD_NUMBER"}),
             "NUMBER": frozenset({"NUMBER", "RECORD_NUMBER"})}
# What a field mapping may copy into what (kintone help "Lookup": field mappings).
COPY_SOURCES = {
    "SINGLE_LINE_TEXT": frozenset({"SINGLE_LINE_TEXT", "RECORD_NUMBER", "LINK"}),
    "NUMBER": frozenset({"NUMBER", "CALC", "RECORD_NUMBER"}),
    "MULTI_LINE_TEXT": frozenset({"MULTI_LINE_TEXT"}),
    "RICH_TEXT": frozenset({"RICH_TEXT"}),
    "LINK": frozenset({"LINK"}),
    "CHECK_BOX": frozenset({"CHECK_BOX"}),
    "RADIO_BUTTON": frozenset({"RADIO_BUTTON"}),
    "DROP_DOWN": frozenset({"DROP_DOWN"}),
    "MULTI_SELECT": frozenset({"MULTI_SELECT"}),
    "DATE": frozenset({"DATE"}),
    "TIME": frozenset({"TIME"}),
    "DATETIME": frozenset({"DATETIME", "CREATED_TIME", "UPDATED_TIME"}),
    "USER_SELECT": frozenset({"USER_SELECT", "CREATOR", "MODIFIER"}),
    "ORGANIZATION_SELECT": frozenset({"ORGANIZATION_SELECT"}),
    "GROUP_SELECT": frozenset({"GROUP_SELECT"}),
}
# A CALC copies into a number only when it shows a number.
_NUMBER_FORMATS = frozenset({"NUMBER", "NUMBER_DIGIT"})


def _err(key: str, message: str) -> KintoneError:
    return invalid_input({key: [message]})


def _text(value: object, key: str, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise _err(key, N_("Must be a string."))
    text = str(value)
    if required and not text:
        raise _err(key, N_("Required field."))
    if len(text) > MAX_TEXT:
        raise _err(key, N_("Enter less than {limit} characters.", limit=MAX_TEXT + 1))
    return text


def related_app(value: object, key: str) -> dict:
    """`relatedApp` as kintone shows it: both `app` (an id, as a string) and `code`; one of them
    given is enough (the other is filled in when the form is checked against the related app)."""
    if not isinstance(value, dict):
        raise _err(key, N_("Required field."))
    app = _text(value.get("app"), f"{key}.app")
    code = _text(value.get("code"), f"{key}.code")
    if not app and not code:
        raise _err(f"{key}.app", N_("Required field."))
    if app and not is_digits(app):
        raise _err(f"{key}.app", N_("Enter an app ID."))
    return {"app": app, "code": code}


def _codes(value: object, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_MAPPINGS:
        raise _err(key, N_("Enter an array of at most {max_mappings} field codes.", max_mappings=MAX_MAPPINGS))
    return [_text(code, f"{key}[{index}]", required=True) for index, code in enumerate(value)]


def normalise_lookup(where: str, prop: dict) -> dict:
    """A lookup field's complete property, or a clear CB_VA01."""
    if prop["type"] not in LOOKUP_TYPES:
        raise _err(f"{where}.lookup", N_("A lookup can be set only on a text or number field."))
    lookup = prop["lookup"]
    key = f"{where}.lookup"
    if not isinstance(lookup, dict):
        raise _err(key, N_("Must be an object."))
    mappings = lookup.get("fieldMappings")
    if mappings is None:
        mappings = []
    if not isinstance(mappings, list) or len(mappings) > MAX_MAPPINGS:
        raise _err(f"{key}.fieldMappings", N_("Enter an array of at most {max_mappings} mappings.",
                                              max_mappings=MAX_MAPPINGS))
    normalised_mappings = []
    for index, mapping in enumerate(mappings):
        at = f"{key}.fieldMappings[{index}]"
        if not isinstance(mapping, dict):
            raise _err(at, N_("Must be an object."))
        normalised_mappings.append({"field": _text(mapping.get("field"), f"{at}.field", required=True),
                                    "relatedField": _text(mapping.get("relatedField"), f"{at}.relatedField",
                                                          required=True)})
    result = {k: prop[k] for k in LOOKUP_KEYS if k in prop}
    result["lookup"] = {
        "relatedApp": related_app(lookup.get("relatedApp"), f"{key}.relatedApp"),
        "relatedKeyField": _text(lookup.get("relatedKeyField"), f"{key}.relatedKeyField", required=True),
        "fieldMappings": normalised_mappings,
        "lookupPickerFields": _codes(lookup.get("lookupPickerFields"), f"{key}.lookupPickerFields"),
        "filterCond": _text(lookup.get("filterCond"), f"{key}.filterCond"),
        "sort": _text(lookup.get("sort"), f"{key}.sort"),
    }
    return result


# --- the form as a whole --------------------------------------------------------------------


def lookup_fields(form: Form) -> list[Field]:
    return [f for f in form.fields.values() if isinstance(f.props.get("lookup"), dict)]


def copy_targets(form: Form) -> frozenset[str]:
    """Codes of the fields lookups copy into: a client's values for them are ignored, as kintone
    ignores them. Worked out once per form (a form never changes; a deploy builds a new one)."""
    found = form.__dict__.get("_copy_targets")
    if found is None:
        found = form.__dict__["_copy_targets"] = frozenset(
            m["field"] for f in lookup_fields(form) for m in f.props["lookup"]["fieldMappings"])
    return found


def check_lookups(form: Form) -> None:
    """Each mapping copies into a field of this form beside its lookup (in the same table, if any),
    which nothing else computes or copies into."""
    claimed: dict[str, str] = {}
    for f in lookup_fields(form):
        where = f"properties.{f.code}.lookup.fieldMappings"
        for index, mapping in enumerate(f.props["lookup"]["fieldMappings"]):
            at = f"{where}[{index}].field"
            target = form.get(mapping["field"])
            if target is None or target.type not in COPY_SOURCES:
                raise _err(at, N_("The field ({code}) cannot receive a lookup's copy.", code=mapping['field']))
            if target.code == f.code or is_calculated(target) or isinstance(target.props.get("lookup"), dict):
                raise _err(at, N_("The field ({code}) cannot receive a lookup's copy.", code=target.code))
            if target.table != f.table:
                raise _err(at, N_("The field ({code}) must be in the same table as the lookup ({code2}).",
                                  code=target.code, code2=f.code))
            if claimed.setdefault(target.code, f.code) != f.code or \
                    [m["field"] for m in f.props["lookup"]["fieldMappings"]].count(target.code) > 1:
                raise _err(at, N_("The field ({code}) already receives a lookup's copy.", code=target.code))


def rename_in_lookups(document_fields: list[dict], old: str, new: str) -> None:
    """Mappings and related records' conditions follow a field's new code, as kintone rewrites them."""
    for prop in document_fields:
        condition = (prop.get("referenceTable") or {}).get("condition") or {}
        if condition.get("field") == old:
            condition["field"] = new
        lookup = prop.get("lookup")
        if isinstance(lookup, dict):
            for mapping in lookup.get("fieldMappings", []):
                if mapping.get("field") == old:
                    mapping["field"] = new


# --- against the related apps ---------------------------------------------------------------


def resolve_related(conn: Connection, value: dict, key: str, own_app: int, own_form: Form) -> Form:
    """The related app's form (the live one; this form itself when the app looks up its own
    records), with `value` completed to both its id and code."""
    try:
        app_id = int(value["app"]) if value["app"] else app_by_code(conn, value["code"])
        if app_id == own_app:
            form = own_form
            live = None
        else:
            live = load_live_anywhere(conn, app_id)
            form = live.form
    except KintoneError:
        raise _err(f"{key}.app", N_("The related app is not found or has not been deployed.")) from None
    if value["app"] and value["code"] and live is not None and live.app.code != value["code"]:
        raise _err(f"{key}.code", N_("The app code does not match the app ID."))
    value["app"] = str(app_id)
    if live is not None:
        value["code"] = live.app.code
    return form


def check_related(conn: Connection, app_id: int, document: dict) -> None:
    """Every lookup and related records field against the app it reads."""
    form = Form.from_document(document)
    check_lookups_against(conn, app_id, form)
    check_related_records(conn, app_id, document, form)


def check_lookups_against(conn: Connection, app_id: int, form: Form) -> None:
    """Every lookup against the app it looks up: its key field, the fields it copies and shows."""
    for f in lookup_fields(form):
        where = f"properties.{f.code}.lookup"
        lookup = f.props["lookup"]
        related = resolve_related(conn, lookup["relatedApp"], f"{where}.relatedApp", app_id, form)
        key = related.get(lookup["relatedKeyField"])
        if key is None or key.table is not None or key.type not in KEY_TYPES[f.type]:
            raise _err(f"{where}.relatedKeyField",
                       N_("The field ({code}) cannot be the key of this lookup.",
                          code=lookup['relatedKeyField']))
        if key.type != "RECORD_NUMBER" and not key.props.get("unique"):
            raise KintoneError("GAIA_LO03", N_("The key field ({code}) of the lookup ({code2}) must prohibit duplicate "
                                               "values.", code=key.code, code2=f.code), 400)
        for index, mapping in enumerate(lookup["fieldMappings"]):
            source = related.get(mapping["relatedField"])
            target = form.fields[mapping["field"]]
            if source is None or source.table is not None or source.type not in COPY_SOURCES[target.type] or (
                    source.type == "CALC" and source.props.get("format") not in _NUMBER_FORMATS):
                raise _err(f"{where}.fieldMappings[{index}].relatedField",
                           N_("The field ({code}) cannot be copied into {target}.",
                              code=mapping['relatedField'], target=target.code))
        for index, code in enumerate(lookup["lookupPickerFields"]):
            if related.get(code) is None:
                raise _err(f"{where}.lookupPickerFields[{index}]", N_("The field ({code}) is not found.", code=code))
        check_filter(conn, related, lookup, where)


# --- related records (REFERENCE_TABLE) ------------------------------------------------------

# The numbers of related records a REFERENCE_TABLE shows at once (kintone's choices).
REFERENCE_SIZES = ("1", "3", "5", "10", "20", "30", "40", "50")


def normalise_reference_table(where: str, prop: dict) -> dict:
    """A related records field's complete property: it shows another app's records whose
    `relatedField` matches this record's `field`, and has no value in records."""
    key = f"{where}.referenceTable"
    table = prop.get("referenceTable")
    if not isinstance(table, dict):
        raise _err(key, N_("Required field."))
    condition = table.get("condition")
    if not isinstance(condition, dict):
        raise _err(f"{key}.condition", N_("Required field."))
    size = str(table.get("size") if table.get("size") not in (None, "") else "5")
    if size not in REFERENCE_SIZES:
        raise _err(f"{key}.size", N_("Must be one of the enum values."))
    label = prop.get("label", "")
    if not isinstance(label, str):
        raise _err(f"{where}.label", N_("Must be a string."))
    no_label = prop.get("noLabel", False)
    if not isinstance(no_label, bool):
        raise _err(f"{where}.noLabel", N_("Must be true or false."))
    return {
        "type": "REFERENCE_TABLE", "code": prop["code"], "label": label, "noLabel": no_label,
        "referenceTable": {
            "relatedApp": related_app(table.get("relatedApp"), f"{key}.relatedApp"),
            "condition": {"field": _text(condition.get("field"), f"{key}.condition.field", required=True),
                          "relatedField": _text(condition.get("relatedField"), f"{key}.condition.relatedField",
                                                required=True)},
            "filterCond": _text(table.get("filterCond"), f"{key}.filterCond"),
            "displayFields": _codes(table.get("displayFields"), f"{key}.displayFields"),
            "sort": _text(table.get("sort"), f"{key}.sort"),
            "size": size,
        },
    }


def reference_tables(document: dict) -> list[dict]:
    return [p for p in document["properties"].values() if p.get("type") == "REFERENCE_TABLE"]


def check_reference_tables(document: dict, form: Form) -> None:
    """A related records field's condition names a field of this form outside tables."""
    for prop in reference_tables(document):
        field = form.get(prop["referenceTable"]["condition"]["field"])
        if field is None or field.table is not None or field.type == "SUBTABLE":
            raise _err(f"properties.{prop['code']}.referenceTable.condition.field",
                       N_("The field ({code}) cannot be a condition.",
                          code=prop['referenceTable']['condition']['field']))


def check_related_records(conn: Connection, app_id: int, document: dict, form: Form) -> None:
    """Every related records field against the app whose records it shows."""
    for prop in reference_tables(document):
        where = f"properties.{prop['code']}.referenceTable"
        table = prop["referenceTable"]
        related = resolve_related(conn, table["relatedApp"], f"{where}.relatedApp", app_id, form)
        source = related.get(table["condition"]["relatedField"])
        if source is None or source.table is not None or source.type == "SUBTABLE":
            raise _err(f"{where}.condition.relatedField",
                       N_("The field ({code}) cannot be a condition.",
                          code=table['condition']['relatedField']))
        for index, code in enumerate(table["displayFields"]):
            if related.get(code) is None:
                raise _err(f"{where}.displayFields[{index}]", N_("The field ({code}) is not found.", code=code))
        check_filter(conn, related, table, where)


def check_filter(conn: Connection, related: Form, settings: dict, where: str) -> None:
    """`filterCond` is a condition of the query language on the related app's fields; `sort` is
    `<field> asc|desc`, comma separated, on fields outside tables."""
    checker = SettingChecker(conn, related)
    checker.condition(settings["filterCond"], f"{where}.filterCond")
    if checker.errors:
        raise invalid_input(checker.errors)
    if not settings["sort"].strip():
        return
    for part in settings["sort"].split(","):
        words = part.split()
        field = related.get(words[0]) if words else None
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")) or (
                (field is None or field.table is not None or field.type == "SUBTABLE") and words[:1] != ["$id"]):
            raise _err(f"{where}.sort", N_("The sort ({sort}) is not valid: enter a field code, then asc or desc.",
                                           sort=part.strip()))


# --- what other apps read of this one ---------------------------------------------------------


def _readers(conn: Connection, app_id: int) -> list[tuple[int, dict]]:
    """(app, property) of every lookup and related records field of another app, live or pre-live,
    that reads this app."""
    found = []
    rows = conn.execute(sa.select(app_settings.c.app_id, app_settings.c.document)
                        .where(app_settings.c.kind == "form", app_settings.c.app_id != app_id))
    for other, document in rows:
        for prop in [inner for p in document["properties"].values() for inner in (p, *p.get("fields", {}).values())]:
            settings = prop.get("lookup") or prop.get("referenceTable")
            if isinstance(settings, dict) and str((settings.get("relatedApp") or {}).get("app")) == str(app_id):
                found.append((other, prop))
    return found


def check_readers(conn: Connection, app_id: int, document: dict) -> None:
    """Another app's lookup or related records keeps the fields it reads here: deleting one is
    GAIA_LO02, and a lookup's key must keep prohibiting duplicate values (GAIA_LO03)."""
    form = Form.from_document(document)
    for other, prop in _readers(conn, app_id):
        lookup = prop.get("lookup")
        if isinstance(lookup, dict):
            used = [lookup.get("relatedKeyField"), *[m.get("relatedField") for m in lookup.get("fieldMappings", [])],
                    *lookup.get("lookupPickerFields", [])]
        else:
            table = prop["referenceTable"]
            used = [(table.get("condition") or {}).get("relatedField"), *table.get("displayFields", [])]
        for code in used:
            if code and form.get(code) is None:
                raise KintoneError("GAIA_LO02", N_("The field (code: {code}) cannot be deleted: the field {code2} of "
                                                   "app {other} uses it.",
                                                   code=code, code2=prop['code'], other=other), 400)
        key = form.get(lookup.get("relatedKeyField")) if isinstance(lookup, dict) else None
        if key is not None and key.type != "RECORD_NUMBER" and not key.props.get("unique"):
            raise KintoneError("GAIA_LO03", N_("The field (code: {code}) must prohibit duplicate values: it is the key "
                                               "of the lookup {code2} of app {other}.",
                                               code=key.code, code2=prop['code'], other=other), 400)
