"""Finding records with the query language: `GET records.json` and cursors."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.app import LiveApp
from kinflow.apps.query.parser import parse_query
from kinflow.apps.query.context import QueryContext
from kinflow.apps.query.sql import compile_query
from kinflow.apps.record_codec import codec_for
from kinflow.apps.records import render_rows
from kinflow.clock import clock
from kinflow.directory.identity import Identity


def query_context(identity: Identity) -> QueryContext:
    user = identity.user
    try:
        zone = ZoneInfo(user.timezone if user else "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return QueryContext(
        user_code=identity.code,
        primary_organization=user.primary_department if user else None,
        timezone=zone,
        now=clock.now(),
    )


def wanted_fields(fields: object) -> set[str] | None:
    if fields in (None, "", []):
        return None
    if isinstance(fields, str):
        return {fields}
    if isinstance(fields, list):
        return {f for f in fields if isinstance(f, str)}
    return None


def find_ids(conn: Connection, live: LiveApp, identity: Identity, query: str | None,
             *, cursor: bool = False) -> tuple[sa.Select, object]:
    """The select of matching record ids (ordered, limited) and the compiled query.

    A cursor takes every match unless its query names a limit itself."""
    parsed = parse_query(query or "")
    compiled = compile_query(parsed, live.form, live.tables, query_context(identity))
    unlimited = cursor and parsed.limit is None and parsed.offset is None
    records = live.tables.records
    select = sa.select(records.c.id)
    if compiled.where is not None:
        select = select.where(compiled.where)
    select = select.order_by(*compiled.order_by)
    if not unlimited:
        select = select.limit(compiled.limit).offset(compiled.offset)
    return select, compiled


def render_ids(conn: Connection, live: LiveApp, ids: list[int], fields: set[str] | None) -> list[dict]:
    if not ids:
        return []
    records = live.tables.records
    columns = codec_for(live.tables, conn.dialect).page_columns
    rows = conn.execute(sa.select(*columns).where(records.c.id.in_(ids))).all()
    by_id = {row[0]: row for row in rows}
    return render_rows(conn, live, [by_id[i] for i in ids if i in by_id], fields)


def get_records(conn: Connection, live: LiveApp, identity: Identity, query: str | None, fields: object,
                total_count: bool) -> dict:
    select, compiled = find_ids(conn, live, identity, query)
    # The same search, fetching whole rows at once instead of ids first.
    rows = conn.execute(select.with_only_columns(*codec_for(live.tables, conn.dialect).page_columns)).all()
    result: dict = {"records": render_rows(conn, live, rows, wanted_fields(fields)), "totalCount": None}
    if total_count:
        records = live.tables.records
        count = sa.select(sa.func.count()).select_from(records)
        if compiled.where is not None:
            count = count.where(compiled.where)
        result["totalCount"] = str(conn.execute(count).scalar_one())
    return result
