"""Text messages to a group (at most 4,000 characters, Kaizala's limit), replies to them, and messages
from a public group's admins to its subscribers (all, or chosen ones: at most 1,000 characters, the
Swagger file's limit for them). Each one announces itself (`TextMessageCreated`) in its own transaction,
in its group and in every sub-group below it, where messages flow down."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.events import kaizala as kaizala_events
from kinflow.events.outbox import now_naive
from kinflow.groups import subscribers, watch
from kinflow.groups.errors import bad_input, text
from kinflow.groups.groups import Group
from kinflow.groups.subgroups import descendants
from kinflow.groups.people import Person
from kinflow.groups.tables import actions, attachments, messages
from kinflow.storage.prepared import PreparedInsert

MAX_TEXT = 4000
MAX_TO_SUBSCRIBERS = 1000
_INSERT = PreparedInsert(messages, ["id", "group_id", "sender_id", "text", "reply_to", "audience", "created_at"])


# Every kind of message has a referenceId: a text, an attachment, an action (the `reference_id` of its row).
_MESSAGES = ((messages, messages.c.id), (attachments, attachments.c.id), (actions, actions.c.reference_id))


def is_message(conn: Connection, group_id: str, reference_id: str) -> bool:
    """Whether the group has a message (a text, an attachment or an action) of this referenceId."""
    return any(conn.execute(sa.select(column).where(column == reference_id, table.c.group_id == group_id)).first()
               for table, column in _MESSAGES)


def send_text(conn: Connection, group: Group, role: str, sender: Person, body: dict) -> dict:
    group_id = group.id
    to = subscribers.audience(conn, group, role, body)
    message = text(body, "message", limit=MAX_TEXT if to is None else MAX_TO_SUBSCRIBERS)
    reply_to = text(body, "replyToReferenceId", limit=36, required=False) or None
    if reply_to is not None and not is_message(conn, group_id, reply_to):
        raise bad_input("replyToReferenceId", f"No message ({reply_to}) of this group to reply to.")
    reference = str(uuid.uuid4())
    _INSERT.run(conn, [(reference, group_id, sender.id, message, reply_to, to, now_naive())])
    # A message to a group flows down to its sub-groups (Kaizala's hierarchical groups); one to
    # subscribers stays with them.
    reaches = descendants(conn, group_id) if to is None else []
    kaizala_events.text_message_created(conn, group_id, sender, reference, message, reply_to, reaches)
    watch.conversation_changed(conn, group_id, *reaches)
    return {"referenceId": reference}
