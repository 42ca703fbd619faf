"""Records: add, update (by id or updateKey, with upsert), delete, read.

Every function runs inside the caller's transaction, so a batch is all-or-nothing and a bulk request
of several calls commits or rolls back as one. Validation happens before the first write: a bad
record is reported with kintone's `errors` keys and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.app import LiveApp, parse_id
from kinflow.apps.field_types import ENTITY_SELECT_TYPES, MULTI_VALUE_TYPES, UNIQUE_CAPABLE_TYPES
from kinflow.apps.record_tables import ASSIGNEE_FIELD_ID
from kinflow.apps.values import (
    ENTITY_KIND,
    Errors,
    TableRow,
    check_rules,
    default_value,
    from_columns,
    parse_record,
    render_value,
    to_columns,
)
from kinflow.clock import clock
from kinflow.directory.identity import Identity
from kinflow.directory.users import entity_names, existing_codes
from kinflow.errors import invalid_input, record_not_found, revision_conflict
from kinflow.storage.schema import record_comments

MAX_WRITE = 100


@dataclass
class StoredRecord:
    id: int | None
    revision: int
    creator: str
    created_at: datetime
    modifier: str
    updated_at: datetime
    status: str | None = None
    values: dict[str, object] = field(default_factory=dict)
    tables: dict[str, list[TableRow]] = field(default_factory=dict)
    # Login names of the process management assignees (STATUS_ASSIGNEE).
    assignees: list[str] = field(default_factory=list)


# --- reading ------------------------------------------------------------------------------


def fetch_records(conn: Connection, live: LiveApp, ids: list[int], *, for_update: bool = False) -> dict[int, StoredRecord]:
    records = live.tables.records
    query = sa.select(records).where(records.c.id.in_(ids))
    if for_update:
        query = query.with_for_update()
    return rows_to_records(conn, live, conn.execute(query).mappings().all())


def rows_to_records(conn: Connection, live: LiveApp, rows, subtables: set[str] | None = None) -> dict[int, StoredRecord]:  # noqa: ANN001
    form = live.form
    top = [f for f in form.top_level if f.type not in ("SUBTABLE",) and f.column_name in rows[0]] if rows else []
    result: dict[int, StoredRecord] = {}
    for row in rows:
        rec = StoredRecord(row["id"], row["revision"], row["creator"], row["created_at"], row["modifier"],
                           row["updated_at"], row["status"])
        rec.values = {f.code: from_columns(f, row) for f in top}
        result[row["id"]] = rec
    if result and live.process.get("enable"):
        values = live.tables.values
        for record_id, code in conn.execute(
            sa.select(values.c.record_id, values.c.value)
            .where(values.c.record_id.in_(list(result)), values.c.field_id == ASSIGNEE_FIELD_ID)
            # The values table keeps no order: assignees come back sorted, the same on every database.
            .order_by(values.c.record_id, values.c.value)
        ):
            result[record_id].assignees.append(code)
    wanted = [t for t in form.subtables if subtables is None or t.code in subtables]
    if result and wanted:
        for table_field in wanted:
            child = live.tables.subtables[table_field.code]
            inner = form.inner_fields(table_field.code)
            for rec in result.values():
                rec.tables[table_field.code] = []
            child_rows = conn.execute(
                sa.select(child).where(child.c.record_id.in_(list(result))).order_by(child.c.record_id, child.c.position)
            ).mappings()
            for crow in child_rows:
                result[crow["record_id"]].tables[table_field.code].append(
                    TableRow(crow["id"], {f.code: from_columns(f, crow) for f in inner})
                )
    return result


def collect_names(conn: Connection, live: LiveApp, records: list[StoredRecord]) -> dict[str, dict[str, str]]:
    wanted: dict[str, set[str]] = {"USER": set(), "ORGANIZATION": set(), "GROUP": set()}
    entity_fields = [f for f in live.form.fields.values() if f.type in ENTITY_SELECT_TYPES]
    for rec in records:
        wanted["USER"].update((rec.creator, rec.modifier, *rec.assignees))
        for f in entity_fields:
            if f.table is None:
                wanted[ENTITY_KIND[f.type]].update(rec.values.get(f.code) or [])
            else:
                for row in rec.tables.get(f.table, []):
                    wanted[ENTITY_KIND[f.type]].update(row.values.get(f.code) or [])
    return {kind: entity_names(conn, kind, codes) for kind, codes in wanted.items()}


def render_record(live: LiveApp, rec: StoredRecord, names: dict, fields: set[str] | None = None) -> dict:
    """A record in `GET record.json` format."""
    out: dict = {}
    number = f"{live.app.code}-{rec.id}" if live.app.code else str(rec.id)
    system = {
        "RECORD_NUMBER": number,
        "CREATOR": rec.creator,
        "MODIFIER": rec.modifier,
        "CREATED_TIME": rec.created_at,
        "UPDATED_TIME": rec.updated_at,
    }
    for f in live.form.top_level:
        if fields is not None and f.code not in fields:
            continue
        if f.type in system:
            value = system[f.type]
            out[f.code] = {"type": f.type, "value": value if f.type == "RECORD_NUMBER" else render_value(f, value, names)}
        elif f.type == "SUBTABLE":
            inner = live.form.inner_fields(f.code)
            out[f.code] = {
                "type": "SUBTABLE",
                "value": [
                    {"id": str(row.id), "value": {i.code: {"type": i.type, "value": render_value(i, row.values.get(i.code), names)} for i in inner}}
                    for row in rec.tables.get(f.code, [])
                ],
            }
        elif f.type == "STATUS":
            if live.process.get("enable"):  # absent when process management is off, as in kintone
                out[f.code] = {"type": "STATUS", "value": rec.status}
        elif f.type == "STATUS_ASSIGNEE":
            if live.process.get("enable"):
                out[f.code] = {"type": "STATUS_ASSIGNEE",
                               "value": [{"code": c, "name": names["USER"].get(c, c)} for c in rec.assignees]}
        elif f.type == "CATEGORY":
            continue  # categories are not supported yet
        else:
            out[f.code] = {"type": f.type, "value": render_value(f, rec.values.get(f.code), names)}
    if fields is None or "$id" in fields:
        out["$id"] = {"type": "__ID__", "value": str(rec.id)}
    if fields is None or "$revision" in fields:
        out["$revision"] = {"type": "__REVISION__", "value": str(rec.revision)}
    return out


def get_record(conn: Connection, live: LiveApp, record_id: object) -> dict:
    number = parse_id(record_id, "id")
    found = fetch_records(conn, live, [number])
    if number not in found:
        raise record_not_found(number)
    rec = found[number]
    return render_record(live, rec, collect_names(conn, live, [rec]))


# --- writing ------------------------------------------------------------------------------

# Told of every change a Writer makes, inside its transaction: (event type, records, moment).
ChangeListener = Callable[[str, list[StoredRecord], datetime], None]


def _check_entities(conn: Connection, live: LiveApp, items: list[tuple[str, StoredRecord]], errors: Errors) -> None:
    wanted: dict[str, set[str]] = {"USER": set(), "ORGANIZATION": set(), "GROUP": set()}
    fields = [f for f in live.form.top_level if f.type in ENTITY_SELECT_TYPES]
    if not fields:
        return
    for _, rec in items:
        for f in fields:
            wanted[ENTITY_KIND[f.type]].update(rec.values.get(f.code) or [])
    known = {kind: existing_codes(conn, kind, codes) for kind, codes in wanted.items()}
    for base, rec in items:
        for f in fields:
            for index, code in enumerate(rec.values.get(f.code) or []):
                if code not in known[ENTITY_KIND[f.type]]:
                    errors.setdefault(f"{base}.{f.code}.values[{index}].value", []).append(
                        f"The {ENTITY_KIND[f.type].lower()} ({code}) is not found.")


def _check_unique(conn: Connection, live: LiveApp, items: list[tuple[str, StoredRecord]], errors: Errors) -> None:
    records = live.tables.records
    for f in live.form.top_level:
        if not (f.props.get("unique") and f.type in UNIQUE_CAPABLE_TYPES):
            continue
        column = records.c[f.column_name]
        seen: dict[object, StoredRecord] = {}
        keyed = []
        for base, rec in items:
            value = rec.values.get(f.code)
            if value in (None, ""):
                continue
            key = float(value) if f.type == "NUMBER" else value
            if key in seen and seen[key] is not rec:
                errors.setdefault(f"{base}.{f.code}.value", []).append("This value already exists in another record.")
            seen[key] = rec
            keyed.append((base, rec, key))
        if not keyed:
            continue
        taken = dict(conn.execute(sa.select(column, records.c.id).where(column.in_([k for _, _, k in keyed]))).all())
        own_ids = {rec.id for _, rec, _ in keyed}
        for base, rec, key in keyed:
            holder = taken.get(key)
            if holder is not None and holder != rec.id and holder not in own_ids:
                errors.setdefault(f"{base}.{f.code}.value", []).append("This value already exists in another record.")


def _validate(conn: Connection, live: LiveApp, items: list[tuple[str, StoredRecord]], errors: Errors) -> None:
    """Raise every problem of these records at once: `errors` already holds the parsing ones."""
    for base, rec in items:
        for f in live.form.top_level:
            if f.type == "SUBTABLE":
                inner = live.form.inner_fields(f.code)
                for index, row in enumerate(rec.tables.get(f.code, [])):
                    for i in inner:
                        check_rules(i, row.values.get(i.code), f"{base}.{f.code}.value[{index}].value", errors)
            elif f.column_name and f.type not in ("RECORD_NUMBER", "CREATOR", "MODIFIER", "CREATED_TIME",
                                                   "UPDATED_TIME", "STATUS", "STATUS_ASSIGNEE", "CATEGORY"):
                check_rules(f, rec.values.get(f.code), base, errors)
    _check_entities(conn, live, items, errors)
    if not errors:
        _check_unique(conn, live, items, errors)
    if errors:
        raise invalid_input(errors)


def _row_of(live: LiveApp, rec: StoredRecord) -> dict:
    row = {
        "revision": rec.revision,
        "creator": rec.creator,
        "created_at": rec.created_at,
        "modifier": rec.modifier,
        "updated_at": rec.updated_at,
        "status": rec.status,
    }
    for f in live.form.top_level:
        if f.type in ("SUBTABLE",) or f.type in ("RECORD_NUMBER", "CREATOR", "MODIFIER", "CREATED_TIME",
                                                  "UPDATED_TIME", "STATUS", "STATUS_ASSIGNEE", "CATEGORY"):
            continue
        to_columns(f, rec.values.get(f.code), row)
    return row


def _write_children(conn: Connection, live: LiveApp, records: list[StoredRecord], *, replace: bool) -> None:
    tables = live.tables
    ids = [r.id for r in records]
    if replace:
        # Assignees are kept: only the process management calls change them.
        conn.execute(tables.values.delete().where(tables.values.c.record_id.in_(ids),
                                                  tables.values.c.field_id != ASSIGNEE_FIELD_ID))
        for child in tables.subtables.values():
            conn.execute(child.delete().where(child.c.record_id.in_(ids)))
    multi = [f for f in live.form.top_level if f.type in MULTI_VALUE_TYPES]
    value_rows = []
    if not replace:
        value_rows.extend(assignee_rows(records))
    for rec in records:
        for f in multi:
            value_rows.extend(
                {"record_id": rec.id, "row_id": None, "field_id": f.field_id, "value": v}
                for v in rec.values.get(f.code) or []
            )
    for table_field in live.form.subtables:
        child = tables.subtables[table_field.code]
        inner = live.form.inner_fields(table_field.code)
        inner_multi = [f for f in inner if f.type in MULTI_VALUE_TYPES]
        with_id, without_id = [], []
        for rec in records:
            for position, row in enumerate(rec.tables.get(table_field.code, [])):
                data = {"record_id": rec.id, "position": position}
                for f in inner:
                    to_columns(f, row.values.get(f.code), data)
                (with_id if row.id else without_id).append((row, data))
        for row, data in with_id:
            conn.execute(child.insert().values(id=row.id, **data))
        for row, data in without_id:
            row.id = conn.execute(child.insert().values(**data)).inserted_primary_key[0]
        for rec in records:
            for row in rec.tables.get(table_field.code, []):
                for f in inner_multi:
                    value_rows.extend(
                        {"record_id": rec.id, "row_id": row.id, "field_id": f.field_id, "value": v}
                        for v in row.values.get(f.code) or []
                    )
    if value_rows:
        conn.execute(tables.values.insert(), value_rows)


def assignee_rows(records: list[StoredRecord]) -> list[dict]:
    """STATUS_ASSIGNEE values as rows of the values table, where queries look for them."""
    return [{"record_id": rec.id, "row_id": None, "field_id": ASSIGNEE_FIELD_ID, "value": code}
            for rec in records for code in rec.assignees]


def check_batch(items: object, name: str, verb: str) -> list:
    if not isinstance(items, list) or not items:
        raise invalid_input({name: ["Required field."]})
    if len(items) > MAX_WRITE:
        raise invalid_input({name: [f"A maximum of {MAX_WRITE} records can be {verb} at one time."]})
    return items


class Writer:
    """Writes records of one app for one identity within one transaction."""

    def __init__(self, conn: Connection, live: LiveApp, identity: Identity,
                 can_manage: Callable[[], bool], on_change: ChangeListener | None = None) -> None:
        self.conn = conn
        self.live = live
        self.identity = identity
        self.can_manage = can_manage
        self.now = clock.now()
        self.on_change = on_change or (lambda kind, records, moment: None)

    def _new(self, raw: object, base: str, errors: Errors) -> StoredRecord:
        form = self.live.form
        system_sent = isinstance(raw, dict) and any(
            (f := form.get(code)) is not None and f.type in ("CREATOR", "MODIFIER", "CREATED_TIME", "UPDATED_TIME")
            for code in raw)
        values = parse_record(form, raw, base, errors, writable_system=system_sent and self.can_manage())
        moment = self.now.replace(tzinfo=None, second=0, microsecond=0)
        user = self.identity.user
        rec = StoredRecord(None, 1, self.identity.code, moment, self.identity.code, moment)
        for f in form.top_level:
            if f.type in ("CREATOR", "MODIFIER", "CREATED_TIME", "UPDATED_TIME"):
                if f.code in values and values[f.code] is not None:
                    attr = {"CREATOR": "creator", "MODIFIER": "modifier", "CREATED_TIME": "created_at",
                            "UPDATED_TIME": "updated_at"}[f.type]
                    setattr(rec, attr, values[f.code])
                continue
            if f.type == "SUBTABLE":
                rows = values.get(f.code)
                if rows is None:
                    # kintone's new record starts with one table row of default values.
                    rows = [TableRow(None, {})]
                for row in rows:
                    for i in form.inner_fields(f.code):
                        if i.code not in row.values:
                            row.values[i.code] = default_value(i, self.now, self.identity.code,
                                                               user.primary_department if user else None)
                rec.tables[f.code] = rows
            elif f.code in values:
                rec.values[f.code] = values[f.code]
            elif f.type not in ("RECORD_NUMBER", "STATUS", "STATUS_ASSIGNEE", "CATEGORY"):
                rec.values[f.code] = default_value(f, self.now, self.identity.code,
                                                   user.primary_department if user else None)
        if self.live.process.get("enable"):
            from kinflow.apps.process import enter_first_state

            enter_first_state(self.conn, self.live, rec)
        return rec

    def add(self, raws: list, *, bases: list[str]) -> list[StoredRecord]:
        errors: Errors = {}
        records = [self._new(raw, base, errors) for raw, base in zip(raws, bases)]
        _validate(self.conn, self.live, list(zip(bases, records)), errors)
        self._insert(records)
        self.on_change("ADD_RECORD", records, self.now)
        return records

    def _insert(self, records: list[StoredRecord]) -> None:
        tables = self.live.tables
        rows = [_row_of(self.live, r) for r in records]
        if len(rows) == 1:
            records[0].id = self.conn.execute(tables.insert_one, rows[0]).scalar_one()
        else:
            result = self.conn.execute(tables.insert_many, rows)
            for rec, new_id in zip(records, result.scalars().all()):
                rec.id = new_id
        _write_children(self.conn, self.live, records, replace=False)

    def _locate(self, item: dict, base: str) -> tuple[int | None, dict | None]:
        """The id an update item names (by `id` or `updateKey`), or None when no record matches."""
        has_id = item.get("id") not in (None, "")
        key = item.get("updateKey")
        if has_id and key is not None:
            raise invalid_input({_key(base, "id"): ["Specify either id or updateKey, not both."]})
        if has_id:
            return parse_id(item["id"], _key(base, "id")), None
        if not isinstance(key, dict):
            raise invalid_input({_key(base, "id"): ["Required field."]})
        f = self.live.form.get(key.get("field")) if isinstance(key.get("field"), str) else None
        if f is None or f.table is not None or f.type not in ("SINGLE_LINE_TEXT", "NUMBER") or not f.props.get("unique"):
            raise invalid_input({_key(base, "updateKey.field"): [
                "Specify a text or number field that prohibits duplicate values."]})
        from kinflow.apps.values import Invalid, parse_value

        try:
            value = parse_value(f, key.get("value"))
        except Invalid as problem:
            raise invalid_input({_key(base, "updateKey.value"): [problem.message]}) from None
        if value in (None, ""):
            raise invalid_input({_key(base, "updateKey.value"): ["Required field."]})
        column = self.live.tables.records.c[f.column_name]
        found = self.conn.execute(
            sa.select(self.live.tables.records.c.id).where(column == (float(value) if f.type == "NUMBER" else value))
        ).scalar()
        return found, {f.code: value}

    def update(self, items: list, *, bases: list[str], upsert: bool = False) -> list[dict]:
        located = []
        for item, base in zip(items, bases):
            if not isinstance(item, dict):
                raise invalid_input({base: ["Enter an object."]})
            located.append(self._locate(item, base))
        existing = fetch_records(self.conn, self.live, [i for i, _ in located if i is not None], for_update=True)
        errors: Errors = {}
        to_update: list[tuple[str, StoredRecord]] = []
        to_insert: list[tuple[str, StoredRecord]] = []
        results: list[tuple[str, StoredRecord]] = []
        for (record_id, key_values), item, base in zip(located, items, bases):
            record_base = f"{base}.record" if base else "record"
            current = existing.get(record_id) if record_id is not None else None
            if current is None:
                if not upsert:
                    raise record_not_found(record_id if record_id is not None else next(iter(key_values.values())))
                raw = dict(item.get("record") or {})
                if key_values:
                    raw.update({code: {"value": _json_key(v)} for code, v in key_values.items()})
                rec = self._new(raw, record_base, errors)
                to_insert.append((record_base, rec))
                results.append(("INSERT", rec))
                continue
            revision = item.get("revision")
            if revision not in (None, "", -1, "-1") and parse_id(revision, f"{base}.revision") != current.revision:
                raise revision_conflict(revision, current.id)
            changes = parse_record(self.live.form, item.get("record"), record_base, errors, writable_system=False)
            for code, value in changes.items():
                f = self.live.form.get(code)
                if f and f.type == "SUBTABLE":
                    current.tables[code] = _merge_rows(current.tables.get(code, []), value)
                else:
                    current.values[code] = value
            current.revision += 1
            current.modifier = self.identity.code
            current.updated_at = self.now.replace(tzinfo=None, second=0, microsecond=0)
            to_update.append((record_base, current))
            results.append(("UPDATE", current))
        _validate(self.conn, self.live, to_update + to_insert, errors)
        table = self.live.tables.records
        for _, rec in to_update:
            self.conn.execute(table.update().where(table.c.id == rec.id).values(**_row_of(self.live, rec)))
        if to_update:
            _write_children(self.conn, self.live, [r for _, r in to_update], replace=True)
        if to_insert:
            self._insert([r for _, r in to_insert])
        self.on_change("UPDATE_RECORD", [r for _, r in to_update], self.now)
        self.on_change("ADD_RECORD", [r for _, r in to_insert], self.now)
        return [{"id": str(rec.id), "revision": str(rec.revision), **({"operation": op} if upsert else {})}
                for op, rec in results]

    def delete(self, ids: list, revisions: list | None) -> list[StoredRecord]:
        numbers = [parse_id(i, f"ids[{n}]") for n, i in enumerate(ids)]
        existing = fetch_records(self.conn, self.live, numbers, for_update=True)
        for index, number in enumerate(numbers):
            if number not in existing:
                raise record_not_found(number)
            expected = revisions[index] if revisions and index < len(revisions) else None
            if expected not in (None, "", -1, "-1") and parse_id(expected, f"revisions[{index}]") != existing[number].revision:
                raise revision_conflict(expected, number)
        tables = self.live.tables
        conn = self.conn
        conn.execute(tables.values.delete().where(tables.values.c.record_id.in_(numbers)))
        for child in tables.subtables.values():
            conn.execute(child.delete().where(child.c.record_id.in_(numbers)))
        conn.execute(tables.records.delete().where(tables.records.c.id.in_(numbers)))
        # Comments go with their record (record ids are never reused, so nothing could reach them).
        conn.execute(record_comments.delete().where(record_comments.c.app_id == self.live.id,
                                                    record_comments.c.record_id.in_(numbers)))
        deleted = [existing[n] for n in numbers]
        self.on_change("DELETE_RECORD", deleted, self.now)
        return deleted


def _key(base: str, name: str) -> str:
    """An `errors` key: `id` for a single-record call, `records[3].id` in a batch."""
    return f"{base}.{name}" if base else name


def _json_key(value: object) -> object:
    from decimal import Decimal

    return str(value) if isinstance(value, Decimal) else value


def _merge_rows(current: list[TableRow], sent: list[TableRow]) -> list[TableRow]:
    """kintone's table semantics: rows not sent are deleted; a sent row with a known id keeps its
    unsent inner fields; a row without a (known) id is new."""
    by_id = {row.id: row for row in current}
    merged = []
    for row in sent:
        old = by_id.pop(row.id, None) if row.id is not None else None
        if old is None:
            merged.append(TableRow(None, row.values))
        else:
            merged.append(TableRow(old.id, {**old.values, **row.values}))
    return merged

