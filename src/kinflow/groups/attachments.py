"""Attachment messages (media.md): an Image, Audio, Document or Album action holding media uploaded
before (`mediaResource`), with an optional caption. Each one announces itself (`AttachmentCreated`)
in its own transaction, in its group and in every sub-group below, where messages flow down."""

from __future__ import annotations

import uuid

from sqlalchemy.engine import Connection

from kinflow.events import kaizala as kaizala_events
from kinflow.events.outbox import now_naive
from kinflow.groups import media, watch
from kinflow.groups.errors import bad_input, text
from kinflow.groups.groups import Group
from kinflow.groups.people import Person
from kinflow.groups.subgroups import descendants
from kinflow.groups.tables import attachments
from kinflow.secret_key import SecretKey

# actionType -> the kind of media it holds (an album holds images).
ACTION_TYPES = {"Image": "Image", "Audio": "Audio", "Document": "Document", "Album": "Image"}
MAX_CAPTION = 4000


def _files(conn: Connection, action_type: str, body: dict) -> list[media.StoredMedia]:
    if action_type == "Album" and isinstance(body.get("mediaResources"), list):
        resources = body["mediaResources"]
        if not resources or len(resources) > media.MAX_FILES:
            raise bad_input("mediaResources", f"Enter 1 to {media.MAX_FILES} media resources.")
        files = [f for index, resource in enumerate(resources)
                 for f in media.files_of(conn, resource, f"mediaResources[{index}]")]
    else:
        files = media.files_of(conn, body.get("mediaResource"))
    if len(files) > media.MAX_FILES:
        raise bad_input("mediaResources", f"An album holds at most {media.MAX_FILES} images.")
    wrong = [f for f in files if f.kind != ACTION_TYPES[action_type]]
    if wrong:
        raise bad_input("mediaResource", f"A {action_type} action holds {ACTION_TYPES[action_type].lower()} files; "
                                         f"{wrong[0].name[:100]!r} is {wrong[0].content_type}.")
    if action_type != "Album" and len(files) > 1:
        raise bad_input("mediaResource", f"A {action_type} action holds one file; send several images as an Album.")
    return files


def send_attachment(conn: Connection, group: Group, sender: Person, action_type: str, body: object, *,
                    public_url: str, key: SecretKey) -> dict:
    """Post an attachment action to the group (its members only: checked by the caller)."""
    if action_type not in ACTION_TYPES:
        raise bad_input("actionType", f"Enter one of {', '.join(ACTION_TYPES)}.")
    if not isinstance(body, dict):
        raise bad_input("actionBody", "Send an object with mediaResource and caption.")
    files = _files(conn, action_type, body)
    caption = text(body, "caption", limit=MAX_CAPTION, required=False)
    reference = str(uuid.uuid4())
    conn.execute(attachments.insert().values(id=reference, group_id=group.id, sender_id=sender.id,
                                             action_type=action_type, caption=caption,
                                             media=[f.id for f in files], created_at=now_naive()))
    links, contents = media.event_media(conn, files, public_url, key)
    reaches = descendants(conn, group.id)
    kaizala_events.attachment_created(conn, group.id, sender, reference, action_type, caption, links, contents,
                                      reaches)
    watch.conversation_changed(conn, group.id, *reaches)
    return {"referenceId": reference}
