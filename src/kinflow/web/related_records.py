"""The related records a record page lists (REFERENCE_TABLE fields): the related app's records whose
`condition.relatedField` matches this record's `condition.field`, filtered by `filterCond`, sorted by
`sort`, the first `size` of them, showing `displayFields`, as kintone's record page lists them.

They are read through the records API as the signed-in user, so a user who may not view the related
app is told so instead of shown its records.
"""

from __future__ import annotations

from kinflow.errors import KintoneError
from kinflow.web.access import Reader

# Related fields matched with `in`: kintone's query language refuses `=` on them.
_CHOICES = frozenset({"CHECK_BOX", "RADIO_BUTTON", "DROP_DOWN", "MULTI_SELECT", "USER_SELECT",
                      "ORGANIZATION_SELECT", "GROUP_SELECT", "CREATOR", "MODIFIER", "STATUS", "STATUS_ASSIGNEE"})


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _values(value: object) -> list[str]:
    """This record's condition value as query literals (users and the like by their codes)."""
    items = value if isinstance(value, list) else [value]
    texts = [str(v.get("code")) if isinstance(v, dict) else str(v) for v in items if v not in (None, "")]
    return [_quoted(t) for t in texts if t]


def condition(value: object, related_code: str, related_type: str) -> str | None:
    """The query condition the related records match, or None when this record's value is empty."""
    literals = _values(value)
    if not literals:
        return None
    if related_type in _CHOICES or len(literals) > 1:
        return f"{related_code} in ({', '.join(literals)})"
    return f"{related_code} = {literals[0]}"


def related_records(reader: Reader, record: dict, properties: dict) -> dict[str, dict]:
    """Per REFERENCE_TABLE field code: the related app, its columns and records, and their total."""
    return {code: _listing(reader, record, prop["referenceTable"])
            for code, prop in properties.items() if prop["type"] == "REFERENCE_TABLE"}


def _listing(reader: Reader, record: dict, settings: dict) -> dict:
    app_id = settings["relatedApp"]["app"]
    try:
        fields = reader.call("GET", "app/form/fields", app=app_id)["properties"]
    except KintoneError:
        return {"app": app_id, "allowed": False}
    columns = [fields[code] for code in settings["displayFields"] if code in fields]
    listing = {"app": app_id, "allowed": True, "columns": columns, "records": [], "total": 0}
    related_field = fields.get(settings["condition"]["relatedField"])
    mine = record.get(settings["condition"]["field"])
    if related_field is None or mine is None:
        return listing
    where = condition(mine.get("value"), related_field["code"], related_field["type"])
    if where is None:
        return listing
    query = where + (f" and ({settings['filterCond']})" if settings["filterCond"].strip() else "")
    query += (f" order by {settings['sort']}" if settings["sort"].strip() else "") + f" limit {settings['size']}"
    try:
        found = reader.call("GET", "records", app=app_id, query=query, totalCount=True,
                            fields=["$id", *[c["code"] for c in columns]])
    except KintoneError:
        return {"app": app_id, "allowed": False}
    return {**listing, "records": found["records"], "total": int(found["totalCount"])}
