"""Records: add, update (by id or updateKey, with upsert), delete, read.

Every function runs inside the caller's transaction, so a batch is all-or-nothing and a bulk request
of several calls commits or rolls back as one. Validation happens before the first write: a bad
record is reported with kintone's `errors` keys and nothing is written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.access import field_access, require_record
from kinflow.apps.app import LiveApp, parse_id
from kinflow.apps.field_types import ENTITY_SELECT_TYPES, UNIQUE_CAPABLE_TYPES
from kinflow.apps.files import Attachments, delete_files
from kinflow.apps.form import Field
from kinflow.apps.formulas.compute import compute, formula_plan
from kinflow.apps.formulas.values import Precision
from kinflow.apps.lookups import Copier
from kinflow.apps.query.evaluate import stored_record_values
from kinflow.apps.record_codec import SYSTEM_ATTRIBUTES, RecordCodec, codec_for, placeholders
from kinflow.apps.record_pages import page_renderer
from kinflow.apps.record_tables import ASSIGNEE_FIELD_ID
from kinflow.apps.values import (
    ENTITY_KIND,
    Errors,
    TableRow,
    check_rules,
    default_value,
    parse_record,
)
from kinflow.clock import clock
from kinflow.directory.identity import Identity
from kinflow.directory.users import entity_names, entity_not_found, existing_codes
from kinflow.errors import invalid_input, record_not_found, revision_conflict
from kinflow.i18n import N_
from kinflow.storage.schema import record_comments
from kinflow.storage.statistics import note_added

MAX_WRITE = 100
_UNSET = object()


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
    if not ids:
        return {}
    codec = codec_for(live.tables, conn.dialect)
    if codec.dialect is not None:  # SQLite: every write holds the database lock, FOR UPDATE has no use
        return rows_to_records(conn, live, codec.select_records.rows(_cursor(conn), ids))
    records = live.tables.records
    query = sa.select(records).where(records.c.id.in_(ids))
    if for_update:
        query = query.with_for_update()
    return rows_to_records(conn, live, conn.execute(query).mappings().all())


def rows_to_records(conn: Connection, live: LiveApp, rows, subtables: set[str] | None = None) -> dict[int, StoredRecord]:  # noqa: ANN001
    codec = codec_for(live.tables, conn.dialect)
    load = codec.records.load_values
    result: dict[int, StoredRecord] = {}
    for row in rows:
        rec = StoredRecord(row["id"], row["revision"], row["creator"], row["created_at"], row["modifier"],
                           row["updated_at"], row["status"], load(row))
        result[row["id"]] = rec
    if result and live.process.get("enable"):
        for record_id, codes in _assignees(conn, live, list(result)).items():
            result[record_id].assignees = codes
    wanted = [t for t in live.form.subtables if subtables is None or t.code in subtables]
    if result and wanted:
        for table_field in wanted:
            code = table_field.code
            child = live.tables.subtables[code]
            load_inner = codec.subtables[code].load_values
            for rec in result.values():
                rec.tables[code] = []
            if codec.dialect is not None:
                child_rows = codec.select_rows[code].rows(_cursor(conn), list(result))
            else:
                child_rows = _child_rows(conn, child, list(result))
            for crow in child_rows:
                result[crow["record_id"]].tables[code].append(TableRow(crow["id"], load_inner(crow)))
    return result


def _assignees(conn: Connection, live: LiveApp, ids: list[int]) -> dict[int, list[str]]:
    """Process management assignees (STATUS_ASSIGNEE) of these records, by record id."""
    values = live.tables.values
    found: dict[int, list[str]] = {}
    for record_id, code in conn.execute(
        sa.select(values.c.record_id, values.c.value)
        .where(values.c.record_id.in_(ids), values.c.field_id == ASSIGNEE_FIELD_ID)
        # The values table keeps no order: assignees come back sorted, the same on every database.
        .order_by(values.c.record_id, values.c.value)
    ):
        found.setdefault(record_id, []).append(code)
    return found


def _child_rows(conn: Connection, child: sa.Table, ids: list[int]):  # noqa: ANN202
    return conn.execute(_child_select(child, list(child.columns), ids)).mappings()


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
    codec = codec_for(live.tables)
    renderers = codec.renderers
    out: dict = {}
    for code, field_type, how in codec.layout:
        if how is None or (fields is not None and code not in fields):
            continue
        if how == "field":
            out[code] = {"type": field_type, "value": renderers[code](rec.values.get(code), names)}
        elif how == "system":
            if field_type == "RECORD_NUMBER":
                value = f"{live.app.code}-{rec.id}" if live.app.code else str(rec.id)
            else:
                value = renderers[code](getattr(rec, SYSTEM_ATTRIBUTES[field_type]), names)
            out[code] = {"type": field_type, "value": value}
        else:
            inner = [(i.code, i.type, renderers[i.code]) for i in live.form.inner_fields(code)]
            out[code] = {
                "type": "SUBTABLE",
                "value": [
                    {"id": str(row.id), "value": {c: {"type": t, "value": render(row.values.get(c), names)}
                                                  for c, t, render in inner}}
                    for row in rec.tables.get(code, [])
                ],
            }
    for code, field_type in _process_fields(live, fields):
        out[code] = _process_value(field_type, rec.status, rec.assignees, names["USER"])
    if fields is None or "$id" in fields:
        out["$id"] = {"type": "__ID__", "value": str(rec.id)}
    if fields is None or "$revision" in fields:
        out["$revision"] = {"type": "__REVISION__", "value": str(rec.revision)}
    return out


def render_rows(conn: Connection, live: LiveApp, rows: list, fields: set[str] | None = None) -> list[dict]:
    """Records in `GET records.json` format straight from fetched rows of the records table (tuples
    of the codec's `page_columns`): the same result as
    `render_record` of `rows_to_records`, without the stored values in between."""
    if not rows:
        return []
    codec = codec_for(live.tables, conn.dialect)
    form = live.form
    ids = [row[0] for row in rows]
    tables: dict[str, dict[int, list]] = {}
    for table_field in form.subtables:
        if fields is not None and table_field.code not in fields:
            continue
        by_record: dict[int, list] = {i: [] for i in ids}
        child = live.tables.subtables[table_field.code]
        for crow in conn.execute(_child_select(child, codec.page_child_columns[table_field.code], ids)):
            by_record[crow[1]].append(crow)
        tables[table_field.code] = by_record
    process_fields = _process_fields(live, fields)
    assignees = _assignees(conn, live, ids) if process_fields else {}
    names = _row_names(conn, codec, rows, tables)
    users = names["USER"]
    missing = {c for codes in assignees.values() for c in codes} - users.keys()
    if missing:
        users.update(entity_names(conn, "USER", missing))
    render = page_renderer(codec, fields)
    prefix = f"{live.app.code}-" if live.app.code else ""
    pages = render(rows, names, tables, prefix)
    if process_fields:
        status = codec.position["status"]
        for row, page in zip(rows, pages):
            for code, field_type in process_fields:
                page[code] = _process_value(field_type, row[status], assignees.get(row[0], []), users)
    return pages


def _process_fields(live: LiveApp, fields: set[str] | None) -> list[tuple[str, str]]:
    """The Status and Assignee fields a record shows: only while process management is on, as in
    kintone."""
    if not live.process.get("enable"):
        return []
    return [(f.code, f.type) for f in live.form.top_level
            if f.type in ("STATUS", "STATUS_ASSIGNEE") and (fields is None or f.code in fields)]


def _process_value(field_type: str, status: str | None, assignees: list[str], users: dict[str, str]) -> dict:
    if field_type == "STATUS":
        return {"type": "STATUS", "value": status}
    return {"type": "STATUS_ASSIGNEE", "value": [{"code": c, "name": users.get(c, c)} for c in assignees]}


def _child_select(child: sa.Table, columns: list, ids: list[int]) -> sa.Select:
    # Columns in table order: id first, then record_id (see `RecordTables`).
    return sa.select(*columns).where(child.c.record_id.in_(ids)).order_by(child.c.record_id, child.c.position)


def _row_names(conn: Connection, codec: RecordCodec, rows: list, tables: dict[str, dict[int, list]]) -> dict:
    """Display names of the users, departments and groups these rows refer to."""
    wanted: dict[str, set[str]] = {"USER": set(), "ORGANIZATION": set(), "GROUP": set()}
    creator, modifier = codec.position["creator"], codec.position["modifier"]
    wanted["USER"].update(row[creator] for row in rows)
    wanted["USER"].update(row[modifier] for row in rows)
    for f in codec.entity_fields:
        codes = wanted[ENTITY_KIND[f.type]]
        if f.table is None:
            index = codec.position[f.column_name]
            for row in rows:
                codes.update(row[index] or [])
        elif f.table in tables:
            index = list(codec.tables.subtables[f.table].columns.keys()).index(f.column_name)
            for child_rows in tables[f.table].values():
                for crow in child_rows:
                    codes.update(crow[index] or [])
    return {kind: entity_names(conn, kind, codes) for kind, codes in wanted.items()}


def get_record(conn: Connection, live: LiveApp, identity: Identity, record_id: object) -> dict:
    number = parse_id(record_id, "id")
    found = fetch_records(conn, live, [number])
    if number not in found:
        raise record_not_found(number)
    rec = found[number]
    require_record(conn, live, identity, [rec], "viewable")
    rendered = render_record(live, rec, collect_names(conn, live, [rec]))
    access = field_access(conn, live, identity)
    return rendered if access is None else access.hide(rendered, None)


# --- writing ------------------------------------------------------------------------------

# Told of every change a Writer makes, inside its transaction: (event type, records, moment).
ChangeListener = Callable[[str, list[StoredRecord], datetime], None]


def _check_entities(conn: Connection, live: LiveApp, items: list[tuple[str, StoredRecord]], errors: Errors,
                    changed: dict[int, set[str]] | None = None) -> None:
    """The users, departments and groups the records' selection fields name exist. `changed` (by
    `id()` of a record) limits an updated record to the fields the update changes: what it keeps was
    checked when it was written."""
    wanted: dict[str, set[str]] = {"USER": set(), "ORGANIZATION": set(), "GROUP": set()}
    all_fields = [f for f in live.form.top_level if f.type in ENTITY_SELECT_TYPES]
    if not all_fields:
        return
    checked = []
    for base, rec in items:
        codes = changed.get(id(rec)) if changed is not None else None
        fields = all_fields if codes is None else [f for f in all_fields if f.code in codes]
        for f in fields:
            wanted[ENTITY_KIND[f.type]].update(rec.values.get(f.code) or [])
        checked.append((base, rec, fields))
    known = {kind: existing_codes(conn, kind, codes) if codes else set() for kind, codes in wanted.items()}
    for base, rec, fields in checked:
        for f in fields:
            for index, code in enumerate(rec.values.get(f.code) or []):
                if code not in known[ENTITY_KIND[f.type]]:
                    errors.setdefault(f"{base}.{f.code}.values[{index}].value", []).append(
                        entity_not_found(ENTITY_KIND[f.type], code))


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
                errors.setdefault(f"{base}.{f.code}.value", []).append(N_("This value already exists in another "
                                                                          "record."))
            seen[key] = rec
            keyed.append((base, rec, key))
        if not keyed:
            continue
        taken = dict(conn.execute(sa.select(column, records.c.id).where(column.in_([k for _, _, k in keyed]))).all())
        own_ids = {rec.id for _, rec, _ in keyed}
        for base, rec, key in keyed:
            holder = taken.get(key)
            if holder is not None and holder != rec.id and holder not in own_ids:
                errors.setdefault(f"{base}.{f.code}.value", []).append(N_("This value already exists in another "
                                                                          "record."))


def _unique_field(live: LiveApp, problem: Exception) -> Field | None:
    """The unique field whose index refused a write, from the driver's error (None: another one)."""
    records = live.tables.records
    constraint = getattr(getattr(getattr(problem, "orig", None), "diag", None), "constraint_name", None)
    for f in live.form.top_level:
        if not (f.props.get("unique") and f.type in UNIQUE_CAPABLE_TYPES):
            continue
        if constraint is not None:  # PostgreSQL names the index (cut to its 63-byte identifiers)
            if constraint == f"ux_{records.name}_{f.column_name}"[:63]:
                return f
        elif str(problem).rstrip().endswith(f"UNIQUE constraint failed: {records.name}.{f.column_name}"):
            return f
    return None


@contextmanager
def _unique_races(live: LiveApp, items: list[tuple[str, StoredRecord]]) -> Iterator[None]:
    """Writes that another transaction beat to a unique value, answered as the check answers them.

    `_check_unique` sees only committed records: on PostgreSQL two requests can both find a value
    free, and the unique index refuses the second at its insert or update. Which of several records
    collided the driver does not say reliably, so every record with a value in that field is named.
    (The transaction is aborted: the caller's rollback follows the error.)
    """
    try:
        yield
    except (sa.exc.IntegrityError, sqlite3.IntegrityError) as problem:
        f = _unique_field(live, problem)
        if f is None:
            raise
        errors: Errors = {f"{base}.{f.code}.value": [N_("This value already exists in another record.")]
                          for base, rec in items if rec.values.get(f.code) not in (None, "")}
        raise invalid_input(errors) from None


def _validate(conn: Connection, live: LiveApp, items: list[tuple[str, StoredRecord]], errors: Errors,
              changed: dict[int, set[str]] | None = None) -> None:
    """Raise every problem of these records at once: `errors` already holds the parsing ones.
    `changed`: see `_check_entities`."""
    checked = codec_for(live.tables).checked
    if checked:
        for base, rec in items:
            for f, inner in checked:
                if inner is None:
                    check_rules(f, rec.values.get(f.code), base, errors)
                    continue
                for index, row in enumerate(rec.tables.get(f.code, [])):
                    for i in inner:
                        check_rules(i, row.values.get(i.code), f"{base}.{f.code}.value[{index}].value", errors)
    _check_entities(conn, live, items, errors, changed)
    if not errors:
        _check_unique(conn, live, items, errors)
    if errors:
        raise invalid_input(errors)


def _write_children(conn: Connection, live: LiveApp, records: list[StoredRecord], *, replace: bool) -> None:
    tables = live.tables
    codec = codec_for(tables, conn.dialect)
    plain = codec.dialect is not None
    ids = [r.id for r in records]
    if replace and plain:
        # Assignees are kept: only the process management calls change them.
        marks = placeholders(len(ids))
        _plain(conn, codec.delete_values_sql + marks, tuple(ids))
        for sql in codec.delete_rows_sql.values():
            _plain(conn, sql + marks, tuple(ids))
    elif replace:
        conn.execute(tables.values.delete().where(tables.values.c.record_id.in_(ids),
                                                  tables.values.c.field_id != ASSIGNEE_FIELD_ID))
        for child in tables.subtables.values():
            conn.execute(child.delete().where(child.c.record_id.in_(ids)))
    value_rows: list[tuple] = []
    if not replace:
        value_rows.extend((r["record_id"], None, r["field_id"], r["value"]) for r in assignee_rows(records))
    for f in codec.multi:
        for rec in records:
            value_rows.extend((rec.id, None, f.field_id, v) for v in _searched(f, rec.values.get(f.code)))
    for table_field in live.form.subtables:
        code = table_field.code
        child = tables.subtables[code]
        table_codec = codec.subtables[code]
        with_id: list[tuple[TableRow, list]] = []
        without_id: list[tuple[TableRow, list]] = []
        for rec in records:
            for position, row in enumerate(rec.tables.get(code, [])):
                data = table_codec.put_values(row.values, [rec.id, position])
                (with_id if row.id else without_id).append((row, data))
        if plain:
            if with_id:
                _plain(conn, codec.insert_row_with_id_sql[code], [(row.id, *data) for row, data in with_id])
            if without_id:
                _plain(conn, codec.insert_row_sql[code], [tuple(data) for _, data in without_id])
                _number_rows(conn, [row for row, _ in without_id])
        else:
            names = ["record_id", "position", *table_codec.columns]
            if with_id:
                conn.execute(child.insert(), [{"id": row.id, **dict(zip(names, data))} for row, data in with_id])
            if without_id:
                new_ids = conn.execute(codec.insert_rows[code], [dict(zip(names, data)) for _, data in without_id])
                for (row, _), new_id in zip(without_id, new_ids.scalars().all()):
                    row.id = new_id
        for f in codec.inner_multi[code]:
            for rec in records:
                for row in rec.tables.get(code, []):
                    value_rows.extend((rec.id, row.id, f.field_id, v) for v in _searched(f, row.values.get(f.code)))
    if value_rows:
        if plain:
            _plain(conn, codec.insert_value_sql, value_rows)
        else:
            conn.execute(tables.values.insert(), [
                {"record_id": r, "row_id": w, "field_id": i, "value": v} for r, w, i, v in value_rows])


def _searched(f: Field, value: object) -> list:
    """What the values table holds of a field's value: each value, or each file's name."""
    if f.type == "FILE":
        return [item["name"] for item in value or []]  # type: ignore[union-attr]
    return value or []  # type: ignore[return-value]


def _cursor(conn: Connection):  # noqa: ANN202
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def _plain(conn: Connection, sql: str, params: tuple | list = ()):  # noqa: ANN202
    """Run SQL of a SQLite codec on the driver's own cursor (`params`: one row, or a list of rows
    for `executemany`). SQLAlchemy's execution context costs more than a one-row insert."""
    cursor = _cursor(conn)
    if isinstance(params, list):
        cursor.executemany(sql, params)
    else:
        cursor.execute(sql, params)
    return cursor


def _number_rows(conn: Connection, rows: list) -> None:
    """Give rows just inserted by one `executemany` on SQLite their ids. The writer holds the
    database's write lock, so the ids it drew are the consecutive ones ending at the last."""
    last = _plain(conn, "SELECT last_insert_rowid()").fetchone()[0]
    for offset, row in enumerate(rows, start=last - len(rows) + 1):
        row.id = offset


def rewrite_records(conn: Connection, live: LiveApp, records: list[StoredRecord]) -> None:
    """Store the new values of existing records (one statement, run for each), and their rows."""
    codec = codec_for(live.tables, conn.dialect)
    if codec.dialect is not None:
        _plain(conn, codec.update_record_sql, [(*codec.record_row(r), r.id) for r in records])
    else:
        names = codec.record_columns
        conn.execute(codec.update_record, [{**dict(zip(names, codec.record_row(r))), "_record_id": r.id}
                                           for r in records])
    _write_children(conn, live, records, replace=True)


# A deploy recalculates this many records at a time.
RECALCULATE_BATCH = 500


def recalculate_all(conn: Connection, live: LiveApp) -> int:
    """Every record's calculated fields computed again (after a deploy changed formulas, or the
    app's number precision) and stored; revisions stay as they are. Returns the records changed."""
    if not formula_plan(live.form).formulas:
        return 0
    precision = Precision.of(live.settings)
    records = live.tables.records
    last, changed = 0, 0
    while True:
        ids = conn.execute(sa.select(records.c.id).where(records.c.id > last).order_by(records.c.id)
                           .limit(RECALCULATE_BATCH)).scalars().all()
        if not ids:
            return changed
        batch = list(fetch_records(conn, live, ids).values())
        for rec in batch:
            compute(live.form, rec, precision)
        rewrite_records(conn, live, batch)
        changed += len(batch)
        last = ids[-1]


def assignee_rows(records: list[StoredRecord]) -> list[dict]:
    """STATUS_ASSIGNEE values as rows of the values table, where queries look for them."""
    return [{"record_id": rec.id, "row_id": None, "field_id": ASSIGNEE_FIELD_ID, "value": code}
            for rec in records for code in rec.assignees]


def check_batch(items: object, name: str, verb: str) -> list:
    """The records of a bulk write (`verb`: "added" or "updated"): an empty array is a write of
    nothing, as in kintone."""
    if not isinstance(items, list):
        raise invalid_input({name: [N_("Required field.")]})
    if len(items) > MAX_WRITE:
        too_many = (N_("A maximum of {limit} records can be added at one time.", limit=MAX_WRITE) if verb == "added"
                    else N_("A maximum of {limit} records can be updated at one time.", limit=MAX_WRITE))
        raise invalid_input({name: [too_many]})
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
        # Record times are kept to the minute, as kintone does.
        self.moment = self.now.replace(tzinfo=None, second=0, microsecond=0)
        self._defaults: dict[str, object] = {}
        self.precision = live.derived("precision", lambda app: Precision.of(app.settings))
        # Field permissions: a write naming a field the writer may not write is refused.
        self.fields = field_access(conn, live, identity)

    def _new(self, raw: object, base: str, errors: Errors) -> StoredRecord:
        form = self.live.form
        codec = codec_for(self.live.tables)
        system_sent = isinstance(raw, dict) and not codec.system_codes.isdisjoint(raw)
        values = parse_record(form, raw, base, errors, writable_system=system_sent and self.can_manage())
        moment = self.moment
        code = self.identity.code
        rec = StoredRecord(None, 1, code, moment, code, moment)
        for f, how in codec.new_plan:
            if how == "value":
                rec.values[f.code] = values[f.code] if f.code in values else self._default(f)
            elif how == "table":
                # A table left out has no rows: kintone invents none through the API.
                rows = values.get(f.code) or []
                for row in rows:
                    for i in form.inner_fields(f.code):
                        if i.code not in row.values:
                            row.values[i.code] = self._default(i)
                rec.tables[f.code] = rows
            elif values.get(f.code) is not None:
                setattr(rec, SYSTEM_ATTRIBUTES[f.type], values[f.code])
        if self.live.process.get("enable"):
            from kinflow.apps.process import enter_first_state

            enter_first_state(self.conn, self.live, rec)
        return rec

    def _default(self, f: Field) -> object:
        """A field's default for a new record; the same for all records of this writer."""
        value = self._defaults.get(f.code, _UNSET)
        if value is _UNSET:
            user = self.identity.user
            value = self._defaults[f.code] = default_value(
                f, self.now, self.identity.code, user.primary_department if user else None)
        # Each record gets its own list, as callers may change it.
        return list(value) if isinstance(value, list) else value

    def add(self, raws: list, *, bases: list[str]) -> list[StoredRecord]:
        if not raws:
            return []
        errors: Errors = {}
        records = [self._new(raw, base, errors) for raw, base in zip(raws, bases)]
        if self.fields is not None:
            for raw, rec in zip(raws, records):
                self.fields.require_writable(stored_record_values(rec, self.live.form), raw)
        copier = Copier(self.conn, self.live, self.identity)
        for rec in records:
            copier.want(rec.values, rec.tables)
        copier.copy()
        for rec in records:
            compute(self.live.form, rec, self.precision)
        items = list(zip(bases, records))
        attachments = self._attachments()
        attachments.resolve(records)
        _validate(self.conn, self.live, items, errors)
        with _unique_races(self.live, items):
            self._insert(records)
        attachments.bind()
        self.on_change("ADD_RECORD", records, self.now)
        return records

    def _attachments(self) -> Attachments:
        return Attachments(self.conn, self.live.id, self.live.form)

    def _insert(self, records: list[StoredRecord]) -> None:
        tables = self.live.tables
        conn = self.conn
        codec = codec_for(tables, conn.dialect)
        if codec.dialect is not None:
            rows = [tuple(codec.record_row(r)) for r in records]
            if len(rows) == 1:
                records[0].id = _plain(conn, codec.insert_record_sql, rows[0]).lastrowid
            else:
                _plain(conn, codec.insert_record_sql, rows)
                _number_rows(conn, records)
        else:
            names = codec.record_columns
            rows = [dict(zip(names, codec.record_row(r))) for r in records]
            if len(rows) == 1:
                records[0].id = conn.execute(tables.insert_one, rows[0]).scalar_one()
            else:
                result = conn.execute(tables.insert_many, rows)
                for rec, new_id in zip(records, result.scalars().all()):
                    rec.id = new_id
            note_added(conn, tables.records.name, len(rows))  # the planner's statistics keep up
        _write_children(conn, self.live, records, replace=False)

    def _locate(self, item: dict, base: str) -> tuple[int | None, dict | None]:
        """The id an update item names (by `id` or `updateKey`), or None when no record matches."""
        has_id = item.get("id") not in (None, "")
        key = item.get("updateKey")
        if has_id and key is not None:
            raise invalid_input({_key(base, "id"): [N_("Specify either id or updateKey, not both.")]})
        if has_id:
            return parse_id(item["id"], _key(base, "id")), None
        if not isinstance(key, dict):
            raise invalid_input({_key(base, "id"): [N_("Required field.")]})
        f = self.live.form.get(key.get("field")) if isinstance(key.get("field"), str) else None
        if f is None or f.table is not None or f.type not in ("SINGLE_LINE_TEXT", "NUMBER") or not f.props.get("unique"):
            raise invalid_input({_key(base, "updateKey.field"): [
                N_("Specify a text or number field that prohibits duplicate values.")]})
        from kinflow.apps.values import Invalid, parse_value

        try:
            value = parse_value(f, key.get("value"))
        except Invalid as problem:
            raise invalid_input({_key(base, "updateKey.value"): [problem.message]}) from None
        if value in (None, ""):
            raise invalid_input({_key(base, "updateKey.value"): [N_("Required field.")]})
        column = self.live.tables.records.c[f.column_name]
        found = self.conn.execute(
            sa.select(self.live.tables.records.c.id).where(column == (float(value) if f.type == "NUMBER" else value))
        ).scalar()
        return found, {f.code: value}

    def update(self, items: list, *, bases: list[str], upsert: bool = False) -> list[dict]:
        if not items:
            return []
        located = []
        for item, base in zip(items, bases):
            if not isinstance(item, dict):
                raise invalid_input({base: [N_("Enter an object.")]})
            located.append(self._locate(item, base))
        existing = fetch_records(self.conn, self.live, [i for i, _ in located if i is not None], for_update=True)
        # Record permissions judge a record as it is before the change (kintone: CB_NO02).
        require_record(self.conn, self.live, self.identity, list(existing.values()), "editable")
        errors: Errors = {}
        to_update: list[tuple[str, StoredRecord]] = []
        to_insert: list[tuple[str, StoredRecord]] = []
        results: list[tuple[str, StoredRecord]] = []
        form = self.live.form
        copier = Copier(self.conn, self.live, self.identity)
        # First what each item says (lookups copy for all of them at once), then the records change.
        changed: list[tuple[StoredRecord, dict]] = []
        for (record_id, key_values), item, base in zip(located, items, bases):
            # kintone keys a bulk update's errors `records[i].<code>.value`, without `.record`.
            record_base = base or "record"
            current = existing.get(record_id) if record_id is not None else None
            if current is None:
                if not upsert:
                    raise record_not_found(record_id if record_id is not None else next(iter(key_values.values())))
                raw = dict(item.get("record") or {})
                if key_values:
                    raw.update({code: {"value": _json_key(v)} for code, v in key_values.items()})
                rec = self._new(raw, record_base, errors)
                if self.fields is not None:
                    self.fields.require_writable(stored_record_values(rec, form), raw)
                copier.want(rec.values, rec.tables)
                to_insert.append((record_base, rec))
                results.append(("INSERT", rec))
                continue
            revision = item.get("revision")
            if revision not in (None, "", -1, "-1") and parse_id(revision, f"{base}.revision") != current.revision:
                raise revision_conflict(revision, current.id)
            if self.fields is not None:
                self.fields.require_writable(stored_record_values(current, form), item.get("record"))
            changes = parse_record(form, item.get("record"), record_base, errors, writable_system=False)
            copier.want(changes, {t.code: changes[t.code] for t in form.subtables if t.code in changes})
            changed.append((current, changes))
            to_update.append((record_base, current))
            results.append(("UPDATE", current))
        copier.copy()
        # The selection fields each update changes: only their users, departments and groups are
        # looked up again.
        entity_codes = {f.code for f in form.top_level if f.type in ENTITY_SELECT_TYPES}
        changed_entities: dict[int, set[str]] = {}
        for current, changes in changed:
            changed_entities[id(current)] = {code for code in entity_codes.intersection(changes)
                                             if changes[code] != current.values.get(code)}
            self._apply(current, changes)
        for _, rec in to_update + to_insert:
            compute(form, rec, self.precision)
        attachments = self._attachments()
        attachments.resolve([r for _, r in to_update + to_insert])
        _validate(self.conn, self.live, to_update + to_insert, errors, changed_entities)
        with _unique_races(self.live, to_update + to_insert):
            if to_update:
                rewrite_records(self.conn, self.live, [r for _, r in to_update])
            if to_insert:
                self._insert([r for _, r in to_insert])
        attachments.release([r for _, r in to_update])
        attachments.bind()
        self.on_change("UPDATE_RECORD", [r for _, r in to_update], self.now)
        self.on_change("ADD_RECORD", [r for _, r in to_insert], self.now)
        return [{"id": str(rec.id), "revision": str(rec.revision), **({"operation": op} if upsert else {})}
                for op, rec in results]

    def _apply(self, current: StoredRecord, changes: dict) -> None:
        """An update's changes made to the stored record, with kintone's table semantics."""
        for code, value in changes.items():
            f = self.live.form.get(code)
            if f and f.type == "SUBTABLE":
                current.tables[code] = _merge_rows(current.tables.get(code, []), value)
            else:
                current.values[code] = value
        current.revision += 1
        current.modifier = self.identity.code
        current.updated_at = self.moment

    def delete(self, ids: list, revisions: list | None) -> list[StoredRecord]:
        numbers = [parse_id(i, f"ids[{n}]") for n, i in enumerate(ids)]
        existing = fetch_records(self.conn, self.live, numbers, for_update=True)
        for index, number in enumerate(numbers):
            if number not in existing:
                raise record_not_found(number)
            expected = revisions[index] if revisions and index < len(revisions) else None
            if expected not in (None, "", -1, "-1") and parse_id(expected, f"revisions[{index}]") != existing[number].revision:
                raise revision_conflict(expected, number)
        require_record(self.conn, self.live, self.identity, list(existing.values()), "deletable")
        tables = self.live.tables
        conn = self.conn
        conn.execute(tables.values.delete().where(tables.values.c.record_id.in_(numbers)))
        for child in tables.subtables.values():
            conn.execute(child.delete().where(child.c.record_id.in_(numbers)))
        conn.execute(tables.records.delete().where(tables.records.c.id.in_(numbers)))
        delete_files(conn, self.live.id, numbers)
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

