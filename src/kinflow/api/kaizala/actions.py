"""Actions posted to a group: `POST /groups/{groupId}/actions` `{actionType, actionBody}` (actions_post.md,
media.md). Each kind of action has its own domain module; this picks it."""

from __future__ import annotations

from kinflow.api.kaizala.http import Call, caller_of
from kinflow.groups import actions, attachments, groups
from kinflow.groups.errors import bad_input, text
from kinflow.groups.questions import canonical

ACTION_TYPES = (*actions.KINDS, *attachments.ACTION_TYPES)


def send_action(call: Call) -> dict:
    who = caller_of(call)
    who.require("action.write")
    group = groups.load_group(call.conn, call.path["groupId"])
    body = canonical(call.body, ("actionType", "actionBody"))  # the Swagger's announcement sample says `actiontype`
    action_type = text(body, "actionType", limit=32)
    if action_type not in ACTION_TYPES:
        raise bad_input("actionType", f"Enter one of {', '.join(ACTION_TYPES)}.")
    role = actions.poster_role(call.conn, group, who, action_type)  # only members post
    if action_type in attachments.ACTION_TYPES:
        return attachments.send_attachment(call.conn, group, who.person, action_type, body.get("actionBody"),
                                           public_url=call.settings.public_url, key=call.settings.keys)
    return actions.send(call.conn, group, role, who.person, action_type, body, public_url=call.settings.public_url,
                        key=call.settings.keys)

