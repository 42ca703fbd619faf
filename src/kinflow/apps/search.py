"""Finding records with the query language: `GET records.json` and cursors."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from kinflow.apps.access import field_access, record_rule
from kinflow.apps.app import LiveApp
from kinflow.apps.query.parser import parse_query
from kinflow.apps.query.context import query_context
from kinflow.apps.query.sql import compile_query
from kinflow.apps.record_codec import codec_for
from kinflow.apps.records import render_rows
from kinflow.directory.identity import Identity


def wanted_fields(fields: object) -> set[str] | None:
    if fields in (None, "", []):
        return None
    if isinstance(fields, str):
        return {fields}
    if isinstance(fields, list):
        return {f for f in fields if isinstance(f, str)}
    return None


def find_ids(conn: Connection, live: LiveApp, identity: Identity, query: str | None,
             *, cursor: bool = False) -> tuple[sa.Select, ColumnElement[bool] | None]:
    """The select of matching record ids (ordered, limited) and its condition: the query's, and
    the record permissions' for the caller, in the same SQL so that paging and counts see only the
    records the caller may view.

    A cursor takes every match unless its query names a limit itself."""
    parsed = parse_query(query or "")
    fields = field_access(conn, live, identity)
    if fields is not None:
        fields.check_query(parsed)
    ctx = query_context(identity)
    compiled = compile_query(parsed, live.form, live.tables, ctx, conn)
    rule = record_rule(conn, live, identity, "viewable", ctx)
    permitted = rule.where(live.tables) if rule is not None else None
    where = compiled.where if permitted is None else (
        permitted if compiled.where is None else sa.and_(compiled.where, permitted))
    unlimited = cursor and parsed.limit is None and parsed.offset is None
    records = live.tables.records
    select = sa.select(records.c.id)
    if compiled.first_ids is not None and permitted is None and not unlimited:
        select = select.where(records.c.id.in_(compiled.first_ids))  # the page is among them
    elif where is not None:
        select = select.where(where)
    select = select.order_by(*compiled.order_by)
    if not unlimited:
        select = select.limit(compiled.limit).offset(compiled.offset)
    return select, where


def render_ids(conn: Connection, live: LiveApp, identity: Identity, ids: list[int],
               fields: set[str] | None) -> list[dict]:
    if not ids:
        return []
    records = live.tables.records
    columns = codec_for(live.tables, conn.dialect).page_columns
    rows = conn.execute(sa.select(*columns).where(records.c.id.in_(ids))).all()
    by_id = {row[0]: row for row in rows}
    return _render(conn, live, identity, [by_id[i] for i in ids if i in by_id], fields)


def _render(conn: Connection, live: LiveApp, identity: Identity, rows: list, fields: set[str] | None) -> list[dict]:
    """Records as the caller may read them: without the fields their permissions hide."""
    access = field_access(conn, live, identity)
    if access is None:
        return render_rows(conn, live, rows, fields)
    return [access.hide(page, fields) for page in render_rows(conn, live, rows, access.widen(fields))]


def get_records(conn: Connection, live: LiveApp, identity: Identity, query: str | None, fields: object,
                total_count: bool) -> dict:
    select, where = find_ids(conn, live, identity, query)
    # The same search, fetching whole rows at once instead of ids first.
    rows = conn.execute(select.with_only_columns(*codec_for(live.tables, conn.dialect).page_columns)).all()
    result: dict = {"records": _render(conn, live, identity, rows, wanted_fields(fields)), "totalCount": None}
    if total_count:
        records = live.tables.records
        count = sa.select(sa.func.count()).select_from(records)
        if where is not None:
            count = count.where(where)
        result["totalCount"] = str(conn.execute(count).scalar_one())
    return result
