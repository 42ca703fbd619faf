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
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.access import record_rule
from kinflow.apps.app import LiveApp, load_live_anywhere
from kinflow.apps.form import Field
from kinflow.apps.lookup_settings import lookup_fields
from kinflow.apps.permissions import has_permission
from kinflow.apps.record_codec import SYSTEM_ATTRIBUTES, codec_for
from kinflow.apps.values import TableRow, number_text, parse_value
from kinflow.digits import is_digits
from kinflow.directory.identity import Identity
from kinflow.errors import KintoneError
from kinflow.i18n import N_

if TYPE_CHECKING:
    from kinflow.apps.records import StoredRecord


def lookup_not_found(f: Field, key: object) -> KintoneError:
    shown = number_text(key) if isinstance(key, Decimal) else key
    return KintoneError("GAIA_LO04", N_("A value {shown} in the field {code} does not exist in the datasource app for "
                                        "lookup, or you do not have permission to view the app or the field.",
                                        shown=shown, code=f.code), 400)


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
        self._apps: dict[int, LiveApp | None] = {}

    def related_app(self, app_id: int) -> LiveApp | None:
        """The related app, if the writing user may view its records (else it is as if nothing
        matched)."""
        if app_id not in self._apps:
            try:
                related = self.live if app_id == self.live.id else load_live_anywhere(self.conn, app_id)
            except KintoneError:
                related = None
            if related is not None and not has_permission(self.conn, related.app, related.acl, self.identity, "view"):
                related = None
            self._apps[app_id] = related
        return self._apps[app_id]

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
    """The records of a related app one lookup field's keys match, by key."""

    def __init__(self, related: LiveApp | None, key_field: Field | None) -> None:
        self.related = related
        self.key_field = key_field
        self.records: dict[object, StoredRecord] = {}

    @classmethod
    def find(cls, copier: Copier, f: Field, keys: list) -> "_Related":
        from kinflow.apps.records import rows_to_records  # records imports this module

        lookup = f.props["lookup"]
        related = copier.related_app(int(lookup["relatedApp"]["app"] or 0))
        key_field = related.form.get(lookup["relatedKeyField"]) if related is not None else None
        if key_field is None or key_field.table is not None:
            return cls(None, None)
        self = cls(related, key_field)
        records = related.tables.records
        if key_field.type == "RECORD_NUMBER":
            column, values = records.c.id, {self._normal(k) for k in keys} - {None}
        elif key_field.type == "NUMBER":
            column, values = records.c[key_field.column_name], {float(self._normal(k)) for k in keys}
        else:
            column, values = records.c[key_field.column_name], {self._normal(k) for k in keys}
        if not values:
            return self
        conn = copier.conn
        # Only records the writing user may view are found (kintone: as the user sees the app).
        rule = record_rule(conn, related, copier.identity, "viewable")
        permitted = rule.where(related.tables) if rule is not None else None
        codec = codec_for(related.tables, conn.dialect)
        if codec.dialect is not None and permitted is None:  # SQLite: straight from the driver
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            rows = codec.select_records_by(column.name).rows(cursor, list(values))
        else:
            query = sa.select(records).where(column.in_(values)).order_by(records.c.id)
            if permitted is not None:
                query = query.where(permitted)
            rows = conn.execute(query).mappings().all()
        for rec in rows_to_records(copier.conn, related, rows, subtables=set()).values():
            key = rec.id if key_field.type == "RECORD_NUMBER" else self._normal(rec.values.get(key_field.code))
            # A key that is not unique after all: the oldest record wins.
            self.records.setdefault(key, rec)
        return self

    def _normal(self, key: object) -> object:
        """A key as the related app's key field holds it."""
        assert self.key_field is not None and self.related is not None
        if self.key_field.type == "RECORD_NUMBER":
            text = number_text(key) if isinstance(key, Decimal) else str(key)
            prefix = f"{self.related.app.code}-"
            if self.related.app.code and text.startswith(prefix):
                text = text[len(prefix):]
            return int(text) if is_digits(text) and len(text) < 19 else None
        if self.key_field.type == "NUMBER":
            return key if isinstance(key, Decimal) else Decimal(str(key))
        return number_text(key) if isinstance(key, Decimal) else key

    def match(self, key: object) -> StoredRecord | None:
        if self.key_field is None:
            return None
        try:
            return self.records.get(self._normal(key))
        except ArithmeticError:  # a text key that is no number, for a number key field
            return None

    def copy(self, rec: StoredRecord, code: str, target: Field) -> object:
        """The related record's value of `code` as `target` stores it. The mapping's types were
        checked when the form was saved, so a stored value fits as it is but for the fields kintone
        keeps apart (record number, creator and the like)."""
        assert self.related is not None
        source = self.related.form.get(code)
        if source is None or source.table is not None:
            return parse_value(target, None)
        if source.type == "RECORD_NUMBER":
            code_prefix = f"{self.related.app.code}-" if self.related.app.code else ""
            value: object = Decimal(rec.id) if target.type == "NUMBER" else f"{code_prefix}{rec.id}"  # type: ignore[arg-type]
        elif source.type in SYSTEM_ATTRIBUTES:
            value = getattr(rec, SYSTEM_ATTRIBUTES[source.type])
            if source.type in ("CREATOR", "MODIFIER"):
                value = [value]
        else:
            value = rec.values.get(code)
        if isinstance(value, list):
            return list(value)
        if value is None:
            return parse_value(target, None)
        if target.type == "NUMBER" and not isinstance(value, Decimal):
            return Decimal(str(value))
        return value
