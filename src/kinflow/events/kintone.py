"""kintone's webhook events: which changes produce them and their payloads, exactly as kintone sends
them (`ADD_RECORD`, `UPDATE_RECORD`, `UPDATE_STATUS`, `DELETE_RECORD`, `ADD_RECORD_COMMENT`).

This is where every record change and comment is announced, so it also writes the notifications
people receive (`kinflow.notifications.changes`), in the same transaction.

Unlike kintone, the bulk record APIs produce events too (one per record)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Connection

from kinflow.apps.app import LiveApp
from kinflow.apps.comments import Comment, render_comments
from kinflow.apps.links import comment_link, permalink
from kinflow.apps.records import StoredRecord, collect_names, render_record
from kinflow.clock import utc_text
from kinflow.config import Settings
from kinflow.directory.identity import Identity
from kinflow.directory.users import entity_names
from kinflow.events.outbox import publish
from kinflow.notifications import changes as notifications

SOURCE = "kintone"
RECORD_EVENTS = ("ADD_RECORD", "UPDATE_RECORD", "UPDATE_STATUS")
EVENT_TYPES = (*RECORD_EVENTS, "DELETE_RECORD", "ADD_RECORD_COMMENT")


def record_title(live: LiveApp, record: dict) -> str:
    """The value of the app's title field in a rendered record."""
    code = live.title_field()
    value = record.get(code, {}).get("value") if code else None
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _app(live: LiveApp) -> dict:
    return {"id": str(live.app.id), "name": live.app.name}


class RecordEvents:
    """Publishes the events of record changes made by one identity in one transaction."""

    def __init__(self, conn: Connection, live: LiveApp, identity: Identity, settings: Settings) -> None:
        self.conn = conn
        self.live = live
        self.identity = identity
        self.settings = settings

    def __call__(self, event_type: str, records: list[StoredRecord], moment: datetime) -> None:
        build: Callable[[], list[dict]] = (
            (lambda: self._deleted(records, moment)) if event_type == "DELETE_RECORD"
            else (lambda: self._changed(event_type, records)))
        publish(self.conn, SOURCE, str(self.live.app.id), event_type, [str(r.id) for r in records], build,
                revision=self.live.app.webhooks_revision)
        if event_type != "DELETE_RECORD":
            notifications.record_changed(self.conn, self.live, self.identity, self.settings, event_type, records,
                                         moment)

    def _changed(self, event_type: str, records: list[StoredRecord]) -> list[dict]:
        names = collect_names(self.conn, self.live, records)
        payloads = []
        for rec in records:
            record = render_record(self.live, rec, names)
            payloads.append({
                "type": event_type, "app": _app(self.live), "record": record,
                "recordTitle": record_title(self.live, record),
                "url": permalink(self.settings.public_url, self.live, rec.id),  # type: ignore[arg-type]
            })
        return payloads

    def _deleted(self, records: list[StoredRecord], moment: datetime) -> list[dict]:
        code = self.identity.code
        deleted_by = {"code": code, "name": entity_names(self.conn, "USER", {code}).get(code, code)}
        return [{"type": "DELETE_RECORD", "app": _app(self.live), "recordId": str(rec.id),
                 "deletedBy": deleted_by, "deletedAt": utc_text(moment)} for rec in records]


class CommentEvents:
    """Publishes `ADD_RECORD_COMMENT` for a comment posted in this transaction."""

    def __init__(self, conn: Connection, live: LiveApp, settings: Settings) -> None:
        self.conn = conn
        self.live = live
        self.settings = settings

    def __call__(self, comment: Comment) -> None:
        def build() -> list[dict]:
            (rendered,) = render_comments(self.conn, [comment])
            url = comment_link(self.settings.public_url, self.live, comment.record_id, comment.number)
            return [{"type": "ADD_RECORD_COMMENT", "app": _app(self.live), "recordId": str(comment.record_id),
                     "comment": rendered, "url": url}]

        # The record is the subject: its comments and changes reach a receiver in order.
        publish(self.conn, SOURCE, str(self.live.app.id), "ADD_RECORD_COMMENT", [str(comment.record_id)], build,
                revision=self.live.app.webhooks_revision)
        notifications.comment_added(self.conn, self.live, self.settings, comment)
