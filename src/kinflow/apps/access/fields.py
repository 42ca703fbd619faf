"""Field permissions for one person: which fields of a record they may read or write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from kinflow.apps.access.people import decide, person_of
from kinflow.apps.access.settings import FIELD_ACL
from kinflow.apps.app import LiveApp
from kinflow.apps.form import Form
from kinflow.apps.query.ast import Condition, InList, Query, leaves
from kinflow.apps.query.context import QueryContext, query_context
from kinflow.apps.query.errors import field_not_found
from kinflow.apps.query.evaluate import matches, stored_record_values
from kinflow.directory.identity import Identity
from kinflow.errors import no_privilege

if TYPE_CHECKING:
    from kinflow.apps.records import StoredRecord


def _field_rights(live: LiveApp) -> dict[str, list[dict]]:
    """The live field permissions by field code, once per deploy. Permissions on a group field
    (kintone lets one set them there for all its fields) go to the fields the layout places in the
    group, except those with permissions of their own."""
    def build(live: LiveApp) -> dict[str, list[dict]]:
        rights = (live.documents.get(FIELD_ACL) or {}).get("rights", [])
        own = {r["code"]: r["entities"] for r in rights if live.form.get(r["code"]) is not None}
        layout = (live.documents.get("layout") or {}).get("layout") or []
        for right in rights:
            for code in _grouped(layout, right["code"]):
                own.setdefault(code, right["entities"])
        return own
    return live.derived("field_acl", build)


def _grouped(layout: list, group: str) -> list[str]:
    """The codes of the fields a layout places in the group field `group`."""
    for item in layout:
        if isinstance(item, dict) and item.get("type") == "GROUP" and item.get("code") == group:
            return [f["code"] for row in item.get("layout") or [] if isinstance(row, dict)
                    for f in row.get("fields") or [] if isinstance(f, dict) and isinstance(f.get("code"), str)]
    return []


@dataclass(frozen=True)
class FieldAccess:
    """What one person may do with the fields that have permissions: READ, WRITE or NONE, decided
    per field by its first entity naming the person (none: NONE). Fields without permissions are
    writable and are not listed."""

    decisions: dict[str, tuple[tuple[Condition | None, str], ...]]
    form: Form
    ctx: QueryContext

    @property
    def needs(self) -> set[str]:
        """The fields whose values decide (FIELD_ENTITY entities)."""
        return {holds.field for decided in self.decisions.values() for holds, _ in decided
                if isinstance(holds, InList)}

    def of(self, values: Mapping[str, object]) -> dict[str, str]:
        """Each listed field's accessibility for one record (`values` as the query evaluator takes
        them, rendered `{"code": ...}` users included)."""
        result = {}
        for code, decided in self.decisions.items():
            result[code] = next((answer for holds, answer in decided
                                 if holds is None or matches(holds, values, self.form, self.ctx)), "NONE")
        return result

    def hide(self, record: dict, wanted: set[str] | None) -> dict:
        """A rendered record without the fields the person may not read (and without the fields
        only read to decide, when `wanted` did not ask for them)."""
        values = {code: record[code]["value"] for code in self.needs if code in record}
        for code, accessibility in self.of(values).items():
            if accessibility == "NONE":
                record.pop(code, None)
        if wanted is not None:
            for code in self.needs - wanted:
                record.pop(code, None)
        return record

    def widen(self, wanted: set[str] | None) -> set[str] | None:
        """The fields to render so that `hide` can decide."""
        return wanted if wanted is None else wanted | self.needs

    def maybe_hidden(self, code: str) -> bool:
        """Whether the person may be denied reading this field in some record."""
        for holds, answer in self.decisions.get(code, ()):
            if answer == "NONE":
                return True
            if holds is None:
                return False
        return code in self.decisions  # no entity names them: NONE

    def check_query(self, query: Query) -> None:
        """A search may not name a field the person may be unable to read: it is not found, as if
        the form did not have it (else its values could be inferred from what a search returns)."""
        for reference in [leaf.field for leaf in leaves(query.condition)] + [key.field for key in query.order_by]:
            field = self.form.get(reference)
            if field is not None and self.maybe_hidden(field.table or field.code):
                raise field_not_found(reference)

    def require_file_readable(self, form: Form, rec: StoredRecord, key: str) -> None:
        """Refuse (CB_NO02) the download of a file kept in a FILE field the person may not read in
        this record (a field in a table has the table's permissions)."""
        accessible = self.of(stored_record_values(rec, form))
        for field in form.fields.values():
            if field.type != "FILE" or accessible.get(field.table or field.code, "WRITE") != "NONE":
                continue
            held = ([rec.values.get(field.code)] if field.table is None
                    else [row.values.get(field.code) for row in rec.tables.get(field.table, [])])
            if any(item.get("fileKey") == key for files in held for item in files or []):
                raise no_privilege()

    def require_writable(self, values: Mapping[str, object], codes: object) -> None:
        """Refuse (CB_NO02) a write naming a field the person may not write in this record."""
        if not isinstance(codes, Mapping):
            return
        listed = [code for code in codes if code in self.decisions]
        if listed and any(self.of(values)[code] != "WRITE" for code in listed):
            raise no_privilege()


def field_access(conn: Connection, live: LiveApp, identity: Identity) -> FieldAccess | None:
    """The caller's field permissions; None when none apply (none set, or an API token)."""
    rights = _field_rights(live)
    if not rights or identity.by_token:
        return None
    person = person_of(conn, identity)
    assert person is not None
    decisions = {code: tuple(decide(entities, live.form, person, lambda entry: entry["accessibility"]))
                 for code, entities in rights.items()}
    return FieldAccess(decisions, live.form, query_context(identity))
