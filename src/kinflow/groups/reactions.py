"""Reactions (reactions.md): a like or a comment on a message of a group (a text, an attachment or an
action), their summaries per message and per group, and the reactions of one kind on a message, a page
at a time.

`sourceGroupId` is the group the message was sent in; for a sub-group it may be a parent group,
where the message came from. Cursors are the microseconds since the epoch of the last change
returned (Kaizala's sample cursors are .NET ticks: opaque numbers to clients either way)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.events.outbox import now_naive
from kinflow.groups import watch
from kinflow.groups.errors import bad_input, digits, not_found, text
from kinflow.groups.groups import Group
from kinflow.groups.people import Person
from kinflow.groups.signin import epoch_ms
from kinflow.groups.subgroups import descendants
from kinflow.groups.messages import is_message
from kinflow.groups.tables import reactions

KINDS = ("Like", "Comment")
MAX_COMMENT = 4000
PAGE = 50
_EPOCH = datetime(1970, 1, 1)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _cursor(query: dict) -> datetime:
    raw = query.get("cursor")
    if raw in (None, "", "0"):
        return _EPOCH
    if not digits(raw, 17):  # 18 digits would pass the year 9999, where datetime ends
        raise bad_input("cursor", "Enter the cursor of the previous answer.")
    return _EPOCH + timedelta(microseconds=int(raw))


def _source(conn: Connection, group: Group, params: dict) -> str:
    """The group the message was sent in: this group or one of its parents."""
    source = text(params, "sourceGroupId", limit=36, required=False) or group.id
    if source != group.id and group.id not in descendants(conn, source):
        raise bad_input("sourceGroupId", f"The group ({source}) is not this group nor one of its parents.")
    return source


def _message(conn: Connection, source: str, reference_id: object) -> str:
    if not isinstance(reference_id, str) or len(reference_id) > 36 or not is_message(conn, source, reference_id):
        raise not_found("message", str(reference_id)[:40])
    return reference_id


def react(conn: Connection, group: Group, person: Person, body: dict) -> dict:
    source = _source(conn, group, body)
    reference = _message(conn, source, body.get("referenceId"))
    kind = text(body, "reactionType", limit=8)
    if kind not in KINDS:
        raise bad_input("reactionType", f"Enter one of {', '.join(KINDS)}.")
    comment = text(body, "comment", limit=MAX_COMMENT) if kind == "Comment" else ""
    now = now_naive()
    if kind == "Like":
        liked = conn.execute(sa.select(reactions.c.id).where(
            reactions.c.reference_id == reference, reactions.c.person_id == person.id, reactions.c.kind == "Like",
            reactions.c.group_id == group.id)).scalar()
        if liked is not None:  # one like per person and message
            conn.execute(reactions.update().where(reactions.c.id == liked).values(modified_at=now))
            watch.conversation_changed(conn, group.id)
            return {"reactionId": liked}
    reaction_id = str(uuid.uuid4())
    conn.execute(reactions.insert().values(id=reaction_id, group_id=group.id, source_group_id=source,
                                           reference_id=reference, person_id=person.id, kind=kind, comment=comment,
                                           modified_at=now))
    watch.conversation_changed(conn, group.id)
    return {"reactionId": reaction_id}


def _summaries(conn: Connection, where: list, limit: int | None = None) -> tuple[list[dict], datetime | None]:
    latest = sa.func.max(reactions.c.modified_at)
    query = (sa.select(reactions.c.reference_id, reactions.c.kind, sa.func.count(), latest)
             .where(*where).group_by(reactions.c.reference_id, reactions.c.kind))
    counts: dict[str, dict[str, int]] = {}
    last: dict[str, datetime] = {}
    for reference, kind, count, moment in conn.execute(query):
        counts.setdefault(reference, {"like": 0, "comment": 0})[kind.lower()] = count
        last[reference] = max(moment, last.get(reference, moment))
    order = sorted(counts, key=lambda ref: (last[ref], ref))[:limit]
    summary = [{"referenceId": ref, "reactionsCountMap": counts[ref]} for ref in order]
    return summary, (last[order[-1]] if order else None)


def message_summary(conn: Connection, group: Group, reference_id: str, query: dict) -> dict:
    source = _source(conn, group, query)
    reference = _message(conn, source, reference_id)
    summary, _ = _summaries(conn, [reactions.c.group_id == group.id, reactions.c.reference_id == reference])
    return {"summary": summary or [{"referenceId": reference, "reactionsCountMap": {"like": 0, "comment": 0}}]}


def group_summary(conn: Connection, group: Group, query: dict) -> dict:
    """Summaries of the messages whose reactions changed after `cursor`, oldest change first."""
    source = _source(conn, group, query)
    after = _cursor(query)
    changed = sa.select(reactions.c.reference_id).where(
        reactions.c.group_id == group.id, reactions.c.source_group_id == source, reactions.c.modified_at > after)
    summary, last = _summaries(conn, [reactions.c.group_id == group.id, reactions.c.reference_id.in_(changed)], PAGE)
    return {"cursor": _micros(last) if last else _micros(after), "summary": summary}


def details(conn: Connection, group: Group, reference_id: str, query: dict) -> dict:
    source = _source(conn, group, query)
    reference = _message(conn, source, reference_id)
    kind = text(query, "reactionType", limit=8, required=False) or "Like"
    if kind not in KINDS:
        raise bad_input("reactionType", f"Enter one of {', '.join(KINDS)}.")
    after = _cursor(query)
    rows = conn.execute(sa.select(reactions).where(
        reactions.c.group_id == group.id, reactions.c.reference_id == reference, reactions.c.kind == kind,
        reactions.c.modified_at > after).order_by(reactions.c.modified_at, reactions.c.id).limit(PAGE)).all()
    items = [{"reactionId": row.id, "userId": row.person_id, "lastModifiedTime": epoch_ms(row.modified_at),
              **({"comment": row.comment} if kind == "Comment" else {})} for row in rows]
    return {"cursor": _micros(rows[-1].modified_at) if rows else _micros(after), "reactionDetails": items}
