"""A group's conversation as its members see it: its text messages (with what they reply to), its
attachments and its actions (with their results and the viewer's own response), each with its likes
and comments, newest last, a page at a time. Kaizala's REST API has no such read (its apps keep
the conversation themselves); the web interface shows it, and `version` tells when it changed.

Results follow the rules of an action's details (`action_details`): an action sent with
`isSenderOnly` shows its results to its sender only, and an anonymous one never shows who answered."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from kinflow.clock import utc_text
from kinflow.events.outbox import now_naive
from kinflow.groups import media
from kinflow.groups.errors import bad_input, digits
from kinflow.groups.groups import Group
from kinflow.groups.people import Person
from kinflow.groups.questions import summary
from kinflow.groups.subgroups import ancestors
from kinflow.groups.tables import actions, attachments, groups, messages, people, reactions, responses
from kinflow.secret_key import SecretKey
from kinflow.storage.prepared import Prepared

PAGE = 50
# Comments shown under one message (the newest); the count says how many there are.
MAX_COMMENTS = 20
_EPOCH = datetime(1970, 1, 1)
_NO_FILE = {"mediaUrl": "", "mediaFileName": ""}


def _cursor(value: object) -> tuple[datetime, str] | None:
    """`before`: where the previous page began (`{microseconds}.{referenceId}`)."""
    if value in (None, ""):
        return None
    moment, _, reference = str(value).partition(".")
    if not digits(moment, 17) or not 0 < len(reference) <= 36:
        raise bad_input("before", "Enter the cursor of the page that came after.")
    return _EPOCH + timedelta(microseconds=int(moment)), reference


def cursor_of(moment: datetime, reference: str) -> str:
    return f"{(moment - _EPOCH) // timedelta(microseconds=1)}.{reference}"


def _to_everyone(column: sa.Column) -> sa.ColumnElement:
    """A message's or action's audience is the whole group (not chosen subscribers): SQL NULL, or
    JSON null as an ORM insert stores None."""
    return sa.or_(column.is_(None), sa.cast(column, sa.Text) == "null")


def _flowed_down(table: sa.Table, above: list[str]) -> sa.ColumnElement:
    """What flows from the groups above into a sub-group (`kinflow.groups.messages`, `actions`,
    `attachments`): text messages and announcements to the whole group, and attachments."""
    inherited = table.c.group_id.in_(above)
    if table is messages:
        return sa.and_(inherited, _to_everyone(messages.c.audience))
    if table is actions:
        return sa.and_(inherited, actions.c.action_type == "Announcement", _to_everyone(actions.c.audience))
    return inherited


def _in_conversation(table: sa.Table, group_id: str, above: list[str]) -> sa.ColumnElement:
    own = table.c.group_id == group_id
    return sa.or_(own, _flowed_down(table, above)) if above else own


def _newest(conn: Connection, table: sa.Table, reference: sa.Column, where: sa.ColumnElement,
            before: tuple[datetime, str] | None, limit: int) -> list[Row]:
    query = sa.select(table).where(where)
    if before is not None:
        at, ref = before
        query = query.where(sa.or_(table.c.created_at < at, sa.and_(table.c.created_at == at, reference < ref)))
    return conn.execute(query.order_by(table.c.created_at.desc(), reference.desc()).limit(limit + 1)).all()


def _page(conn: Connection, group: Group, above: list[str], before: tuple[datetime, str] | None,
          limit: int) -> tuple[list[tuple[str, Row]], bool]:
    """The newest `limit` messages of every kind before the cursor (the group's own and those that
    flowed down from the groups `above` it), oldest first; and whether more are older."""
    found: list[tuple[str, Row]] = []
    for kind, table, reference in (("Text", messages, messages.c.id), ("Attachment", attachments, attachments.c.id),
                                   ("Action", actions, actions.c.reference_id)):
        found += [(kind, row) for row in _newest(conn, table, reference, _in_conversation(table, group.id, above),
                                                 before, limit)]
    found.sort(key=lambda item: (item[1].created_at, _reference(*item)), reverse=True)
    return list(reversed(found[:limit])), len(found) > limit


def _reference(kind: str, row: Row) -> str:
    return row.reference_id if kind == "Action" else row.id


def _replied(conn: Connection, group: Group, references: set[str]) -> dict[str, tuple[str, str]]:
    """(sender, what it says) of the messages replied to: a text, an attachment's caption, an action's title."""
    found: dict[str, tuple[str, str]] = {}
    for table, reference, said in ((messages, messages.c.id, messages.c.text),
                                   (attachments, attachments.c.id, attachments.c.caption),
                                   (actions, actions.c.reference_id, actions.c.title)):
        rows = conn.execute(sa.select(reference, table.c.sender_id, said).where(
            table.c.group_id == group.id, reference.in_(references)))
        found.update((ref, (sender, text)) for ref, sender, text in rows)
    return found


# Summaries of actions' answers, by (action, number of responses, latest change): reading every answer
# of a busy survey at each page view would cost more than the rest of the page, and a summary changes
# only with its action's responses, which always change one of the two. Each process keeps its own.
_SUMMARIES: dict[tuple[str, int, object], list[dict]] = {}
_MAX_SUMMARIES = 10_000


class _Results:
    """The responses to the page's actions: how many, their summary, the viewer's own latest response,
    and who has completed each job."""

    def __init__(self, conn: Connection, rows: list[Row], viewer: Person) -> None:
        ids = [row.id for row in rows]
        self.counts: dict[str, int] = {}
        self.mine: dict[str, Row] = {}
        self.done: dict[str, set[str]] = {}
        self.summaries: dict[str, list[dict]] = {}
        if not ids:
            return
        latest = {}
        for action_id, count, last in conn.execute(sa.select(
                responses.c.action_id, sa.func.count(), sa.func.max(responses.c.modified_at))
                .where(responses.c.action_id.in_(ids)).group_by(responses.c.action_id)):
            self.counts[action_id], latest[action_id] = count, last
        for row in conn.execute(sa.select(responses.c.id, responses.c.action_id, responses.c.answers).where(
                responses.c.action_id.in_(ids), responses.c.person_id == viewer.id)
                .order_by(responses.c.modified_at, responses.c.id)):
            self.mine[row.action_id] = row
        jobs = [row.id for row in rows if row.action_type == "Job"]
        for action_id, person_id, answers in conn.execute(sa.select(
                responses.c.action_id, responses.c.person_id, responses.c.answers)
                .where(responses.c.action_id.in_(jobs))) if jobs else []:
            if answers.get("isCompleted"):
                self.done.setdefault(action_id, set()).add(person_id)
        keys = {row.id: (row.id, self.counts.get(row.id, 0), latest.get(row.id))
                for row in rows if row.action_type not in ("Announcement", "Job")}
        missing = [row for row in rows if row.id in keys and keys[row.id] not in _SUMMARIES]
        if missing:
            given: dict[str, list] = {}
            for action_id, answers in conn.execute(sa.select(responses.c.action_id, responses.c.answers).where(
                    responses.c.action_id.in_([row.id for row in missing]))):
                given.setdefault(action_id, []).append(answers)
            if len(_SUMMARIES) + len(missing) > _MAX_SUMMARIES:
                _SUMMARIES.clear()
            for row in missing:
                _SUMMARIES[keys[row.id]] = summary(row.questions, given.get(row.id, []))
        self.summaries = {action_id: _SUMMARIES[key] for action_id, key in keys.items()}


class _Around:
    """What the page's messages need from elsewhere, each read once: people, replied-to messages,
    reactions, responses and files."""

    def __init__(self, conn: Connection, group: Group, page: list[tuple[str, Row]], viewer: Person,
                 public_url: str, key: SecretKey) -> None:
        references = [_reference(kind, row) for kind, row in page]
        replied = {row.reply_to for kind, row in page if kind == "Text" and row.reply_to}
        self.replied = _replied(conn, group, replied) if replied else {}
        self.reactions: dict[str, list[Row]] = {}
        for row in conn.execute(sa.select(reactions).where(
                reactions.c.group_id == group.id, reactions.c.reference_id.in_(references))
                .order_by(reactions.c.modified_at, reactions.c.id)) if references else []:
            self.reactions.setdefault(row.reference_id, []).append(row)
        self.results = _Results(conn, [row for kind, row in page if kind == "Action"], viewer)
        person_ids = {row.sender_id for _, row in page} | {sender for sender, _ in self.replied.values()} | {
            row.person_id for rows in self.reactions.values() for row in rows} | {
            person for done in self.results.done.values() for person in done}
        self.people = {row.id: {"id": row.id, "mobile": row.mobile, "name": row.name} for row in conn.execute(
            sa.select(people.c.id, people.c.mobile, people.c.name).where(people.c.id.in_(person_ids)))}
        files = [i for kind, row in page if kind == "Attachment" for i in row.media]
        files += [i for kind, row in page if kind == "Action" for i in row.details.get("media", [])]
        files += [choice["image"] for kind, row in page if kind == "Action"
                  for choice in row.details.get("choices", []) if "image" in choice]
        self.links = media.links_of(conn, files, public_url, key)

    def person(self, person_id: str) -> dict:
        return self.people.get(person_id, {"id": person_id, "mobile": "", "name": ""})

    def files(self, ids: list[str]) -> list[dict]:
        return [self.links.get(i, _NO_FILE) for i in ids]


def _reactions(around: _Around, reference: str, viewer: Person) -> dict:
    mine = around.reactions.get(reference, [])
    likes = [row for row in mine if row.kind == "Like"]
    comments = [row for row in mine if row.kind == "Comment"]
    return {"likes": len(likes), "liked": any(row.person_id == viewer.id for row in likes),
            "commentCount": len(comments),
            "comments": [{"sender": around.person(row.person_id), "comment": row.comment,
                          "at": utc_text(row.modified_at)} for row in comments[-MAX_COMMENTS:]]}


def _text(row: Row, around: _Around) -> dict:
    item: dict = {"text": row.text, "replyTo": None}
    if row.reply_to:
        sender, said = around.replied.get(row.reply_to, (None, ""))
        item["replyTo"] = {"referenceId": row.reply_to, "sender": around.person(sender) if sender else None,
                           "text": said}
    return item


def _action(row: Row, around: _Around, viewer: Person, now: datetime) -> dict:
    results = around.results
    mine = results.mine.get(row.id)
    item: dict = {"actionId": row.id, "actionType": row.action_type, "title": row.title,
                  "packageId": row.package_id, "expiresAt": utc_text(row.expires_at) if row.expires_at else None,
                  "expired": row.expires_at is not None and row.expires_at <= now and row.action_type != "Job",
                  "responseCount": results.counts.get(row.id, 0),
                  "myResponse": {"responseId": mine.id, "answers": mine.answers} if mine else None}
    details = row.details
    if row.action_type == "Announcement":
        item.update(message=details["message"], media=around.files(details["media"]))
        return item
    if row.action_type == "Job":
        by_mobile = {around.person(person)["mobile"] for person in results.done.get(row.id, ())}
        item.update(assignedTo=[{"mobile": mobile, "done": mobile in by_mobile} for mobile in details["assignedTo"]],
                    isAssignee=viewer.mobile in details["assignedTo"])
        item["isCompleted"] = all(a["done"] for a in item["assignedTo"])
        return item
    shown = not row.sender_only or row.sender_id == viewer.id
    item.update(questions=row.questions, multiple=bool(row.multiple), anonymous=bool(row.anonymous),
                senderOnly=bool(row.sender_only),
                summary=results.summaries.get(row.id) if shown else None)
    if row.action_type == "Poll":
        item["choices"] = [{"title": choice["title"],
                            "image": around.links.get(choice.get("image", ""), _NO_FILE)["mediaUrl"]}
                           for choice in details["choices"]]
    elif row.action_type == "LetsMeet":
        item.update(startingTime=details["startingTime"], duration=details["duration"], agenda=details["agenda"],
                    place=details.get("place"))
    elif row.action_type == "Custom":
        item["properties"] = details.get("properties", [])
    return item


def conversation(conn: Connection, group: Group, viewer: Person, query: dict, *, public_url: str,
                 key: SecretKey, limit: int = PAGE) -> dict:
    """A page of the group's conversation for `viewer` (a member): `messages` oldest first (with what
    flowed down from the groups above, `fromGroup` naming where it was sent), and `before`, the cursor
    of the page of older ones (None when there are none)."""
    above = ancestors(conn, group.id)
    page, more = _page(conn, group, above, _cursor(query.get("before")), limit)
    around = _Around(conn, group, page, viewer, public_url, key)
    names = dict(conn.execute(sa.select(groups.c.id, groups.c.name).where(groups.c.id.in_(above))).all()) \
        if above else {}
    now = now_naive()
    items = []
    for kind, row in page:
        reference = _reference(kind, row)
        item = {"referenceId": reference, "kind": kind, "sender": around.person(row.sender_id),
                "mine": row.sender_id == viewer.id, "sentAt": utc_text(row.created_at),
                "reactions": _reactions(around, reference, viewer),
                # A message from a group above: reactions to it name that group as their source.
                "sourceGroupId": row.group_id, "fromGroup": names.get(row.group_id)}
        if kind == "Text":
            item.update(_text(row, around))
        elif kind == "Attachment":
            item.update(actionType=row.action_type, caption=row.caption, media=around.files(row.media))
        else:
            item.update(_action(row, around, viewer, now))
        items.append(item)
    first = page[0] if page else None
    return {"messages": items,
            "before": cursor_of(first[1].created_at, _reference(*first)) if more and first else None}


def _tally(table: sa.Table | sa.Join, moment: sa.Column, where: sa.ColumnElement) -> list:
    """How many rows, and the latest moment among them, as two scalar subqueries."""
    return [sa.select(sa.func.count()).select_from(table).where(where).scalar_subquery(),
            sa.select(sa.func.max(moment)).select_from(table).where(where).scalar_subquery()]


_GROUP = sa.bindparam("group")
# Asked by every live conversation page at each look: one statement, compiled once.
_VERSION = Prepared(sa.select(
    *_tally(messages, messages.c.created_at, messages.c.group_id == _GROUP),
    *_tally(attachments, attachments.c.created_at, attachments.c.group_id == _GROUP),
    *_tally(actions, actions.c.created_at, actions.c.group_id == _GROUP),
    *_tally(responses.join(actions, actions.c.id == responses.c.action_id), responses.c.modified_at,
            actions.c.group_id == _GROUP),
    *_tally(reactions, reactions.c.modified_at, reactions.c.group_id == _GROUP)))


def version(conn: Connection, group_id: str) -> str:
    """A value that changes whenever the group's conversation does (a message, an attachment, an
    action, a response or a reaction is added or changed, here or flowing down from above)."""
    parts = list(_VERSION.first(conn, group=group_id) or ())
    above = ancestors(conn, group_id)
    if above:
        parts += conn.execute(sa.select(*(part for table in (messages, attachments, actions)
                                          for part in _tally(table, table.c.created_at, _flowed_down(table, above))))
                              ).one()
    return ".".join(str((value - _EPOCH) // timedelta(microseconds=1)) if isinstance(value, datetime)
                    else str(value or 0) for value in parts)
