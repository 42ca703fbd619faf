"""Reminders of actions: `POST /groups/{groupId}/actions/{actionId}/reminder`, as the Power Automate
connector's SendActionReminder calls it (Kaizala's REST documentation has no such call).

Kaizala's app showed a reminder as a message about the action; kinflow posts it as a text message
replying to the action's message (`Reminder: <title>`, saying how many have not responded yet), to
whom the action went (the group and its sub-groups, or the chosen subscribers), so it fires
`TextMessageCreated` with `isReply` and the action's `referenceId` as `originalMessageId`. The
action's sender and the group's admins send reminders, while the action still takes responses."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.clock import utc_text
from kinflow.events import kaizala as kaizala_events
from kinflow.events.outbox import now_naive
from kinflow.groups.errors import bad_input, forbidden, text
from kinflow.groups.groups import Group
from kinflow.groups.people import Person
from kinflow.groups.responses import load_action
from kinflow.groups.subgroups import descendants
from kinflow.groups.tables import members, messages, responses


def _waiting(conn: Connection, action) -> int:  # noqa: ANN001
    """How many have not responded yet: a job's assignees who have not completed it, or the members."""
    if action.action_type == "Job":
        done = sum(bool(answers.get("isCompleted")) for answers in conn.execute(
            sa.select(responses.c.answers).where(responses.c.action_id == action.id)).scalars())
        return len(action.details["assignedTo"]) - done
    everyone = conn.execute(sa.select(sa.func.count()).select_from(members).where(
        members.c.group_id == action.group_id)).scalar_one()
    responded = conn.execute(sa.select(sa.func.count(sa.distinct(responses.c.person_id))).where(
        responses.c.action_id == action.id)).scalar_one()
    return max(everyone - responded, 0)


def remind(conn: Connection, group: Group, role: str, sender: Person, action_id: str, query: dict) -> dict:
    action = load_action(conn, group, action_id)
    kind = text(query, "actionType", limit=64, required=False)
    if kind and kind.lower() not in (action.action_type.lower(), (action.package_id or "").lower(),
                                     "action package" if action.package_id else ""):
        raise bad_input("actionType", f"The action ({action.id}) is a {action.package_id or action.action_type}.")
    if action.action_type == "Announcement":
        raise bad_input("actionId", "An announcement takes no responses: there is nothing to remind of.")
    if action.sender_id != sender.id and role != "Admin":
        raise forbidden(f"Only the sender of the action ({action.id}) and the group's admins send reminders.")
    now = now_naive()
    if action.action_type != "Job" and action.expires_at is not None and action.expires_at <= now:
        raise bad_input("actionId", f"The {action.action_type} expired at {utc_text(action.expires_at)}.")
    reminder = f"Reminder: {action.title} ({_waiting(conn, action)} yet to respond)"
    reference = str(uuid.uuid4())
    conn.execute(messages.insert().values(id=reference, group_id=group.id, sender_id=sender.id, text=reminder,
                                          reply_to=action.reference_id, audience=action.audience, created_at=now))
    reaches = descendants(conn, group.id) if action.audience is None else []
    kaizala_events.text_message_created(conn, group.id, sender, reference, reminder, action.reference_id, reaches)
    return {"referenceId": reference, "actionId": action.id}
