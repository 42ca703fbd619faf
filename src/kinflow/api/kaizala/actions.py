"""Actions posted to a group: `POST /groups/{groupId}/actions` `{actionType, actionBody}`
(actions_post.md, media.md). Each kind of action has its own domain module; this picks it."""

from __future__ import annotations

from kinflow.api.kaizala.http import Call, caller_of
from kinflow.groups import attachments, groups
from kinflow.groups.errors import bad_input, text

ACTION_TYPES = tuple(attachments.ACTION_TYPES)


def send_action(call: Call) -> dict:
    who = caller_of(call)
    who.require("action.write")
    group = groups.load_group(call.conn, call.path["groupId"])
    groups.role_of(call.conn, group, who)  # only members post
    action_type = text(call.body, "actionType", limit=32)
    if action_type in attachments.ACTION_TYPES:
        return attachments.send_attachment(call.conn, group, who.person, action_type, call.body.get("actionBody"),
                                           public_url=call.settings.public_url, key=call.settings.keys)
    raise bad_input("actionType", f"Enter one of {', '.join(ACTION_TYPES)}.")
