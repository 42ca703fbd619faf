"""Actions posted to a group: `POST /groups/{groupId}/actions` `{actionType, actionBody}` (actions_post.md,
media.md). Each kind of action has its own domain module; this picks it."""

from __future__ import annotations

from dataclasses import replace

from kinflow.api.kaizala.http import Call, caller_of, send_to_all
from kinflow.groups import action_details, actions, attachments, groups, reminders, responses
from kinflow.groups.errors import bad_input, text
from kinflow.groups.questions import canonical

ACTION_TYPES = (*actions.KINDS, *attachments.ACTION_TYPES, "Custom")
# The Power Automate connector names kinds in lower case (`job`, `survey`) and a package's instance `Action Package`.
_SPELLED = {**{kind.lower(): kind for kind in ACTION_TYPES}, "action package": "Custom"}


def _request(call: Call) -> dict:
    """The body; the connector sends `actionType`, `id` and `sendToAll` in the query instead. The
    Swagger's announcement sample says `actiontype`; a custom action package's instance gives its `id`."""
    body = canonical(send_to_all(call), ("actionType", "actionBody", "id"))
    for name in ("actionType", "id"):
        if body.get(name) in (None, "") and call.query.get(name):
            body[name] = call.query[name]
    return body


def send_action(call: Call) -> dict:
    who = caller_of(call)
    who.require("action.write")
    group = groups.load_group(call.conn, call.path["groupId"])
    body = _request(call)
    action_type = text(body, "actionType", limit=32, required=not body.get("id")) or "Custom"
    action_type = _SPELLED.get(action_type.lower(), action_type)
    if action_type not in ACTION_TYPES:
        raise bad_input("actionType", f"Enter one of {', '.join(ACTION_TYPES)}, or the id of an action package.")
    role = actions.poster_role(call.conn, group, who, action_type)  # only members post
    if action_type in attachments.ACTION_TYPES:
        return attachments.send_attachment(call.conn, group, who.person, action_type, body.get("actionBody"),
                                           public_url=call.settings.public_url, key=call.settings.keys)
    return actions.send(call.conn, group, role, who.person, action_type, body, public_url=call.settings.public_url,
                        key=call.settings.keys)


def _reader(call: Call, scope: str):  # noqa: ANN202
    who = caller_of(call)
    who.require(scope)
    group = groups.load_group(call.conn, call.path["groupId"])
    groups.role_of(call.conn, group, who)  # only members read
    return who, group


def list_actions(call: Call) -> dict:
    _, group = _reader(call, "action.read")
    return action_details.list_actions(call.conn, group, call.query, public_url=call.settings.public_url,
                                       key=call.settings.keys)


def get_action(call: Call) -> dict:
    who, group = _reader(call, "action.read")
    return action_details.action_details(call.conn, group, who.person, call.path["actionId"], call.query,
                                         public_url=call.settings.public_url, key=call.settings.keys)


def respond(call: Call) -> dict:
    who = caller_of(call)
    who.require("action.update" if responses.is_update(call.body) else "action.write")
    group = groups.load_group(call.conn, call.path["groupId"])
    if not responses.sent_to_subscriber(call.conn, group, call.path["actionId"], who.person):
        groups.role_of(call.conn, group, who)  # otherwise only members respond
    return responses.respond(call.conn, group, who.person, call.path["actionId"], call.body,
                             public_url=call.settings.public_url, key=call.settings.keys)


def remind(call: Call) -> dict:
    who = caller_of(call)
    who.require("action.write")
    group = groups.load_group(call.conn, call.path["groupId"])
    send_to_all(call)  # the connector's sendToAll is checked; a reminder goes where its action went
    return reminders.remind(call.conn, group, groups.role_of(call.conn, group, who), who.person,
                            call.path["actionId"], call.query)


def remind_named_in_body(call: Call) -> dict:
    """The connector's reminder: the action is `actionId` in the body, not in the path."""
    caller_of(call, count=False)  # signed in before the body is judged (`remind` counts the call)
    return remind(replace(call, path={**call.path, "actionId": text(call.body, "actionId", limit=64)}))
