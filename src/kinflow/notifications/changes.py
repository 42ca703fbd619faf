"""Notifications of record changes and comments, written in the transaction of the change (so none
is lost and none is sent for a change that rolled back). `kinflow.events.kintone` calls these where
every change is announced, so no write path can forget them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.access import who_may_view
from kinflow.apps.app import LiveApp
from kinflow.apps.comments import Comment
from kinflow.apps.links import comment_link, permalink
from kinflow.apps.records import StoredRecord, fetch_records
from kinflow.apps.query.context import query_context
from kinflow.config import Settings
from kinflow.directory.identity import Identity
from kinflow.directory.users import entity_names, readers
from kinflow.i18n import DEFAULT, N_, translate
from kinflow.notifications import mail
from kinflow.notifications.inbox import Entry, store
from kinflow.notifications.recipients import KIND, Reason, for_change, for_comment, reachable
from kinflow.notifications.rules import live_rules
from kinflow.storage.schema import record_comments

MAX_MESSAGE = 500


def record_title(live: LiveApp, rec: StoredRecord, language: str = DEFAULT) -> str:
    """The stored value of the app's title field, else the record's number."""
    code = live.title_field()
    value = rec.values.get(code) if code else None
    return str(value) if value not in (None, "") else translate(N_("Record {number}", number=rec.id), language)


def _what(event_kind: str, reason: Reason, actor: str, rec: StoredRecord) -> str:
    if reason.kind == "mention":
        return N_("{actor} mentioned you", actor=actor)
    if event_kind == "status_changed":
        return N_("{actor} changed the status to {status}", actor=actor, status=rec.status)
    if event_kind == "record_added":
        return N_("{actor} added the record", actor=actor)
    if event_kind == "record_edited":
        return N_("{actor} edited the record", actor=actor)
    return N_("{actor} commented", actor=actor)


def _message(event_kind: str, reason: Reason, actor_name: str, rec: StoredRecord, language: str,
             text: str = "") -> str:
    """`event_kind` is what happened (the general kind); a mention says so instead. In the
    recipient's language; the comment's own text as written."""
    what = translate(_what(event_kind, reason, actor_name, rec), language)
    # Japanese and Chinese put a full-width colon before the comment.
    return (translate(N_("{what}: {text}", what=what, text=text), language) if text else what)[:MAX_MESSAGE]


def _write(conn: Connection, live: LiveApp, settings: Settings, entries: list[Entry]) -> None:
    with_mail = mail.enabled(settings)
    ids = store(conn, entries, with_ids=with_mail)
    if with_mail and entries:
        mail.queue(conn, entries, ids, live.app.name)


def record_changed(conn: Connection, live: LiveApp, identity: Identity, settings: Settings, event_type: str,
                   records: list[StoredRecord], moment: datetime) -> None:
    rules = live_rules(live)
    if rules.empty or not records:
        return
    ctx = query_context(identity)
    wanted = {rec.id: for_change(conn, live, rules, event_type, rec, ctx) for rec in records}
    allowed = reachable(conn, live, {user for each in wanted.values() for user in each}, identity.code)
    if not allowed:
        return
    actor = identity.code
    actor_name = entity_names(conn, "USER", {actor}).get(actor, actor)
    created = moment.replace(tzinfo=None)
    languages = {user: reader.language for user, reader in readers(conn, allowed, settings.language).items()}
    entries = []
    for rec in records:
        viewers = who_may_view(conn, live, rec, allowed & set(wanted[rec.id]), ctx)
        for user, reason in sorted(wanted[rec.id].items()):
            if user in viewers:
                language = languages[user]
                entries.append(Entry(user, live.id, rec.id, reason.kind,  # type: ignore[arg-type]
                                     reason.title or record_title(live, rec, language),
                                     _message(KIND[event_type], reason, actor_name, rec, language), actor,
                                     permalink(settings.public_url, live, rec.id), created))  # type: ignore[arg-type]
    _write(conn, live, settings, entries)


def comment_added(conn: Connection, live: LiveApp, settings: Settings, comment: Comment) -> None:
    rules = live_rules(live)
    if rules.empty and not comment.mentions:
        return
    rec = fetch_records(conn, live, [comment.record_id])[comment.record_id]
    commenters: set[str] = set()
    if rules.notify_commenters:
        commenters = set(conn.execute(sa.select(record_comments.c.creator).distinct().where(
            record_comments.c.app_id == live.id, record_comments.c.record_id == comment.record_id,
            sa.not_(record_comments.c.deleted))).scalars())
    wanted = for_comment(conn, live, rules, rec, comment.mentions, commenters)
    allowed = who_may_view(conn, live, rec, reachable(conn, live, set(wanted), comment.creator))
    if not allowed:
        return
    actor = comment.creator
    actor_name = entity_names(conn, "USER", {actor}).get(actor, actor)
    url = comment_link(settings.public_url, live, rec.id, comment.number)  # type: ignore[arg-type]
    languages = {user: reader.language
                 for user, reader in readers(conn, set(wanted) & allowed, settings.language).items()}
    entries = [Entry(user, live.id, rec.id, reason.kind,  # type: ignore[arg-type]
                     record_title(live, rec, languages[user]),
                     _message("comment", reason, actor_name, rec, languages[user], comment.text), actor, url,
                     comment.created_at)
               for user, reason in sorted(wanted.items()) if user in allowed]
    _write(conn, live, settings, entries)
