"""One user's rights on some records and on each of their fields (records/acl/evaluate.json)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from kinflow.apps.access.fields import field_access
from kinflow.apps.access.records import record_rule
from kinflow.apps.app import LiveApp
from kinflow.apps.field_types import SYSTEM_TYPES
from kinflow.apps.query.context import query_context
from kinflow.apps.query.evaluate import stored_record_values
from kinflow.directory.identity import Identity

if TYPE_CHECKING:
    from kinflow.apps.records import StoredRecord

MAX_EVALUATE = 100


def evaluate(conn: Connection, live: LiveApp, identity: Identity, records: list[StoredRecord],
             app_rights: dict[str, bool]) -> list[dict]:
    """Each record's rights for the caller (kintone.dev "Evaluate Record Permissions"): the record's
    own (the app permissions narrowed by the record permissions) and every field's that a record
    update can name, table fields alongside the others."""
    ctx = query_context(identity)
    rules = {flag: record_rule(conn, live, identity, flag, ctx) for flag in ("viewable", "editable", "deletable")}
    fields = field_access(conn, live, identity)
    codes = [f.code for f in live.form.fields.values() if f.type not in SYSTEM_TYPES and f.type != "SUBTABLE"]
    result = []
    for rec in records:
        values = stored_record_values(rec, live.form)
        allowed = {flag: app_rights[flag] and (rule is None or rule.allows(values)) for flag, rule in rules.items()}
        accessible = fields.of(values) if fields is not None else {}
        by_field = {}
        for code in codes:
            field = live.form.fields[code]
            # A field inside a table has the table's permissions.
            accessibility = accessible.get(field.table or code, "WRITE")
            by_field[code] = {"viewable": accessibility != "NONE", "editable": accessibility == "WRITE"}
        result.append({"id": str(rec.id), "record": allowed, "fields": by_field})
    return result
