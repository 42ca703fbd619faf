"""Lookups on write: the key a record holds is looked up in the related app and the mapped fields
are copied, before calculated fields are computed (so formulas see the copies).

kintone's rules (kintone.dev "Add Record", shared/reference/kintone-rest-api.md §4.3): the related
record is found as the writing user may see it; no match is `GAIA_LO04`; an empty key clears the
copies; a key sent again copies again, a key left out of an update keeps them; a lookup inside a
table works row by row; a client's values for the copies are ignored (see `values.parse_record`).
Keys are looked up once per lookup field for a whole batch.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.app import LiveApp, load_live_anywhere
from kinflow.apps.field_types import ENTITY_SELECT_TYPES
from kinflow.apps.form import Field
from kinflow.apps.lookup_settings import lookup_fields
from kinflow.apps.permissions import has_permission
from kinflow.apps.values import Invalid, TableRow, number_text, parse_value
from kinflow.directory.identity import Identity
from kinflow.errors import KintoneError


def lookup_not_found(f: Field, key: object) -> KintoneError:
    shown = number_text(key) if isinstance(key, Decimal) else key
    return KintoneError("GAIA_LO04", f"A value {shown} in the field {f.code} does not exist in the datasource app "
                                     "for lookup, or you do not have permission to view the app or the field.", 400)


class Copier:
    """The lookups of one write: `want` the values (a record's, or a table row's) whose keys were
    given, then `copy` fills the mapped fields of all of them."""

    def __init__(self, conn: Connection, live: LiveApp, identity: Identity) -> None:
        self.conn = conn
        self.live = live
        self.identity = identity
        self.by_table: dict[str | None, list[Field]] = {}
        for f in lookup_fields(live.form):
            self.by_table.setdefault(f.table, []).append(f)
        self.pending: list[tuple[Field, dict]] = []

    def want(self, values: dict, tables: dict[str, list[TableRow]]) -> None:
        if not self.by_table:
            return
        for f in self.by_table.get(None, ()):
            if f.code in values:
                self.pending.append((f, values))
        for table, rows in tables.items():
            for f in self.by_table.get(table, ()):
                self.pending.extend((f, row.values) for row in rows if f.code in row.values)

    def copy(self) -> None:
        if not self.pending:
            return
        wanted: dict[str, list] = {}
        for f, values in self.pending:
            if values[f.code] not in (None, ""):
                wanted.setdefault(f.code, []).append(values[f.code])
        found = {code: _Related.find(self, self.live.form.fields[code], keys) for code, keys in wanted.items()}
        form = self.live.form
        for f, values in self.pending:
            key = values[f.code]
            mappings = f.props["lookup"]["fieldMappings"]
            if key in (None, ""):
                for mapping in mappings:
                    values[mapping["field"]] = parse_value(form.fields[mapping["field"]], None)
                continue
            source = found[f.code]
            record = source.match(key)
            if record is None:
                raise lookup_not_found(f, key)
            for mapping in mappings:
                values[mapping["field"]] = source.copy(record, mapping["relatedField"], form.fields[mapping["field"]])
        self.pending = []


class _Related:
    """The records of a related app one lookup field's keys match, rendered as kintone shows them."""

    def __init__(self, key_field: Field | None, records: dict[object, tuple[int, dict]], app_code: str) -> None:
        self.key_field = key_field
        self.records = records
        self.app_code = app_code

    @classmethod
    def find(cls, copier: Copier, f: Field, keys: list) -> "_Related":
        from kinflow.apps.records import collect_names, rows_to_records, render_record

        lookup = f.props["lookup"]
        related = _related_app(copier, int(lookup["relatedApp"]["app"] or 0))
        if related is None:
            return cls(None, {}, "")
        key_field = related.form.get(lookup["relatedKeyField"])
        if key_field is None or key_field.table is not None:
            return cls(None, {}, "")
        self = cls(key_field, {}, related.app.code)
        records = related.tables.records
        if key_field.type == "RECORD_NUMBER":
            column, values = records.c.id, {self._normal(k) for k in keys} - {None}
        elif key_field.type == "NUMBER":
            column, values = records.c[key_field.column_name], {float(self._normal(k)) for k in keys}
        else:
            column, values = records.c[key_field.column_name], {self._normal(k) for k in keys}
        if not values:
            return self
        rows = copier.conn.execute(sa.select(records).where(column.in_(values)).order_by(records.c.id)).mappings().all()
        stored = rows_to_records(copier.conn, related, rows, subtables=set())
        names = collect_names(copier.conn, related, list(stored.values()))
        codes = {m["relatedField"] for m in lookup["fieldMappings"]}
        for rec in stored.values():
            key = rec.id if key_field.type == "RECORD_NUMBER" else self._normal(rec.values.get(key_field.code))
            # A key that is not unique after all: the oldest record wins.
            self.records.setdefault(key, (rec.id, render_record(related, rec, names, codes)))
        return self

    def _normal(self, key: object) -> object:
        """A key as the related app's key field holds it."""
        if self.key_field is not None and self.key_field.type == "RECORD_NUMBER":
            text = number_text(key) if isinstance(key, Decimal) else str(key)
            if self.app_code and text.startswith(f"{self.app_code}-"):
                text = text[len(self.app_code) + 1:]
            return int(text) if text.isdigit() and len(text) < 19 else None
        if self.key_field is not None and self.key_field.type == "NUMBER":
            return key if isinstance(key, Decimal) else Decimal(str(key))
        return number_text(key) if isinstance(key, Decimal) else key

    def match(self, key: object) -> tuple[int, dict] | None:
        if self.key_field is None:
            return None
        try:
            return self.records.get(self._normal(key))
        except ArithmeticError:  # a text key that is no number, for a number key field
            return None

    @staticmethod
    def copy(record: tuple[int, dict], code: str, target: Field) -> object:
        record_id, rendered = record
        entry = rendered.get(code) or {}
        raw = entry.get("value")
        if entry.get("type") == "RECORD_NUMBER" and target.type == "NUMBER":
            raw = str(record_id)
        elif target.type in ENTITY_SELECT_TYPES and isinstance(raw, dict):  # a creator or modifier
            raw = [raw]
        try:
            return parse_value(target, raw)
        except Invalid:
            return parse_value(target, None)


def _related_app(copier: Copier, app_id: int) -> LiveApp | None:
    """The related app, if the writing user may view its records (else it is as if nothing matched)."""
    try:
        related = copier.live if app_id == copier.live.id else load_live_anywhere(copier.conn, app_id)
    except KintoneError:
        return None
    if not has_permission(copier.conn, related.app, related.acl, copier.identity, "view"):
        return None
    return related
