"""Kaizala's webhook events: which changes of Groups produce them and their payloads, in Kaizala's
envelope (shared/reference/kaizala-docs/EventSchema.md):

    {objectId, objectType, eventType, eventId, data, context, fromUser, fromUserId, fromUserName,
     fromUserProfilePic}

`data` holds the fields of the event-schema page and every field of the connector's Definition for
the event (shared/seeds/kaizala-connector.txt: TextMessageCreatedSchema, MemberAddedSchema, ...), so
a flow trigger finds what the connector promises.

`context` is the subscriber's own `callBackContext`, so each subscription gets its own copy of an
event (its own `eventId`); the outbox delivers them like every other event. A subscription made by the
Power Automate connector's trigger gets the event flat, `data`'s fields beside the envelope's, as the
connector's Definitions describe a trigger's body."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.events.outbox import Batch, Listener, now_naive, queue_events
from kinflow.groups.people import Person
from kinflow.groups.tables import members, subscriptions
from kinflow.storage.prepared import Prepared
from kinflow.storage.schema import webhooks

SOURCE = "kaizala"
# Kaizala's event types (webHooks.md), and the connector's UserJoined.
EVENT_TYPES = (
    "ActionCreated", "ActionResponse", "SurveyCreated", "JobCreated", "SurveyResponse", "JobResponse",
    "TextMessageCreated", "AttachmentCreated", "Announcement", "MemberAdded", "MemberRemoved",
    "GroupAdded", "GroupRemoved", "UserJoined",
)


def _sender(person: Person) -> dict:
    return {"fromUser": person.mobile, "fromUserId": person.id, "fromUserName": person.name,
            "fromUserProfilePic": person.profile_pic}


# Asked for every event of Groups: the subscriptions to its group, action or action package, with
# their webhooks, compiled once. A subscription to an action or a package hears only of groups its
# subscriber is a member of; an object left out is bound to NULL, which matches nothing.
_LISTENING = Prepared(
    sa.select(subscriptions.c.id, subscriptions.c.context, subscriptions.c.object_type, subscriptions.c.object_id,
              subscriptions.c.shape, subscriptions.c.valid_until, webhooks.c.id, webhooks.c.events, webhooks.c.url,
              webhooks.c.secret, webhooks.c.headers, webhooks.c.disable_on_failure)
    .select_from(subscriptions.join(webhooks, sa.and_(webhooks.c.source == sa.literal_column(f"'{SOURCE}'"),
                                                      webhooks.c.scope == subscriptions.c.id)))
    .where(sa.or_(*(sa.and_(subscriptions.c.object_type == sa.literal_column(f"'{kind}'"),
                            subscriptions.c.object_id == sa.bindparam(kind))
                    for kind in ("Group", "Action", "ActionPackage"))),
           webhooks.c.active,
           sa.or_(subscriptions.c.object_type == sa.literal_column("'Group'"), sa.exists().where(
               members.c.group_id == sa.bindparam("Group"), members.c.person_id == subscriptions.c.person_id)))
)


def _publish(conn: Connection, group_id: str, event_type: str, sender: Person, datas: Sequence[dict],
             subjects: Sequence[str], objects: Sequence[tuple[str, str]] = ()) -> None:
    """One event per item of `datas` (about the matching `subjects`), for each live subscription to the
    group, or to the `objects` (`(objectType, objectId)`: the group, an action, an action package) when
    given.

    Kaizala promises no order between events, so each event has its own subject: deliveries to one
    receiver go out side by side instead of one after another (ordering by group held a busy group's
    receiver to one request at a time)."""
    found = {"Group": group_id, "Action": None, "ActionPackage": None, **dict(objects)}
    now = now_naive()
    batches = []
    for (subscription_id, context, object_type, object_id, shape, valid_until,
         *webhook) in _LISTENING.all(conn, **found):
        listener = Listener(*webhook)
        if valid_until <= now or event_type not in listener.events:
            continue
        envelope = {"objectId": object_id, "objectType": object_type, "eventType": event_type,
                    "context": context, **_sender(sender)}
        flat = shape == "connector"
        batches.append(Batch(subscription_id, subjects,
                             [{**envelope, **data} if flat else {**envelope, "data": data} for data in datas],
                             [listener]))
    queue_events(conn, SOURCE, event_type, batches, id_key="eventId")


def text_message_created(conn: Connection, group_id: str, sender: Person, message_id: str, text: str,
                         reply_to: str | None, reaches: Sequence[str] = ()) -> None:
    """The message's event in its group and in each group it `reaches` down the hierarchy, where
    `groupId` is that group and `sourceGroupId` the one it was sent in."""
    for target in (group_id, *reaches):
        data = {"text": text, "textMessage": text, **_sender(sender), "groupId": target, "sourceGroupId": group_id,
                "messageId": message_id, "isReply": reply_to is not None, "originalMessageId": reply_to or ""}
        _publish(conn, target, "TextMessageCreated", sender, [data], [message_id])


def attachment_created(conn: Connection, group_id: str, sender: Person, message_id: str, action_type: str,
                       caption: str, media: list[dict], media_content: list[dict], reaches: Sequence[str] = ()) -> None:
    """An Image, Audio, Document or Album message, in its group and each group it `reaches` below."""
    for target in (group_id, *reaches):
        data = {"actionType": action_type, "caption": caption, "media": media, "mediaContent": media_content,
                **_sender(sender), "groupId": target, "sourceGroupId": group_id, "messageId": message_id}
        _publish(conn, target, "AttachmentCreated", sender, [data], [message_id])


def announcement(conn: Connection, group_id: str, sender: Person, message_id: str, title: str, text: str,
                 media: list[dict], media_content: list[dict], reaches: Sequence[str] = ()) -> None:
    """An Announcement, in its group and each group it `reaches` below (AnnouncementSchema)."""
    for target in (group_id, *reaches):
        data = {"text": text, "title": title, "media": media, "mediaContent": media_content, **_sender(sender),
                "groupId": target, "sourceGroupId": group_id, "messageId": message_id}
        _publish(conn, target, "Announcement", sender, [data], [message_id])


# A survey and a job have their own events; every other action with responses (a poll, a meeting, a
# custom action package's instance) has the generic ones.
CREATED = {"Survey": "SurveyCreated", "Job": "JobCreated"}
RESPONDED = {"Survey": "SurveyResponse", "Job": "JobResponse"}


def _action_objects(group_id: str, action_id: str | None, package_id: str | None) -> list[tuple[str, str]]:
    """Who hears of an action: its group's subscribers, the action's own (for its responses) and its
    package's (a custom action's ActionCreated and ActionResponse)."""
    return [("Group", group_id), *([("Action", action_id)] if action_id else []),
            *([("ActionPackage", package_id)] if package_id else [])]


def action_created(conn: Connection, group_id: str, sender: Person, action_id: str, message_id: str,
                   action_type: str, title: str, fields: dict, package_id: str | None = None) -> None:
    """SurveyCreated (SurveyCreatedSchema), JobCreated (the event-schema page's fields) or ActionCreated
    (ActionCreatedSchema), with the kind's own `fields` (questions, due date, assignees ...)."""
    common = {**_sender(sender), "groupId": group_id, "actionId": action_id, "messageId": message_id}
    event_type = CREATED.get(action_type, "ActionCreated")
    if event_type == "SurveyCreated":
        data = {"surveyTitle": title, **common, **fields}
    elif event_type == "JobCreated":
        data = {"title": title, **common, **fields}
    else:
        data = {"actionTitle": title, "actionType": package_id or action_type, "actionPackageId": package_id or "",
                **common,
                **fields}
    _publish(conn, group_id, event_type, sender, [data], [action_id],
             _action_objects(group_id, None, package_id))


def response_posted(conn: Connection, group_id: str, responder: Person, action_id: str, action_type: str,
                    package_id: str | None, response_id: str, updated: bool, anonymous: bool,
                    details: dict) -> None:
    """JobResponse, SurveyResponse or ActionResponse (the event-schema page's fields); an anonymous
    response names no responder, in its data or its envelope."""
    if anonymous:
        responder = Person("", "", "", False)
    event_type = RESPONDED.get(action_type, "ActionResponse")
    data = {"actionId": action_id, "groupId": group_id, "responseId": response_id, "responseDetails": details}
    if event_type != "JobResponse":
        data.update({"isUpdateResponse": updated, "responder": responder.mobile, "responderName": responder.name,
                     "responderProfilePic": responder.profile_pic, "isAnonymous": anonymous})
    _publish(conn, group_id, event_type, responder, [data], [response_id],
             _action_objects(group_id, action_id, package_id))


def members_changed(conn: Connection, event_type: str, group_id: str, by: Person,
                    changed: Sequence[tuple[Person, str]]) -> None:
    """`MemberAdded` or `MemberRemoved`, one event per member."""
    by_fields = {"fromUser": by.mobile, "fromUserName": by.name, "fromUserProfilePic": by.profile_pic}
    _publish(conn, group_id, event_type, by, [
        {"member": person.mobile, "memberName": person.name, "memberProfilePic": person.profile_pic,
         "type": role, **by_fields} for person, role in changed], [person.id for person, _ in changed])


def group_changed(conn: Connection, event_type: str, parent_id: str, child: object, by: Person) -> None:
    """`GroupAdded` or `GroupRemoved`: `child` (a `kinflow.groups.groups.Group`) joined or left the parent."""
    _publish(conn, parent_id, event_type, by, [{
        "groupId": child.id, "groupName": child.name, "groupPicUrl": "", "groupType": child.group_type,  # type: ignore[attr-defined]
        "fromUser": by.mobile, "fromUserName": by.name, "fromUserProfilePic": by.profile_pic}], [child.id])  # type: ignore[attr-defined]


def user_joined(conn: Connection, person: Person) -> None:
    """`UserJoined` in every group the person was added to before signing in for the first time."""
    group_ids = conn.execute(sa.select(members.c.group_id).where(members.c.person_id == person.id)).scalars().all()
    for group_id in group_ids:
        _publish(conn, group_id, "UserJoined", person, [{**_sender(person), "groupId": group_id}], [person.id])
