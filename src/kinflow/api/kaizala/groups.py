"""Groups, their members and their messages: `/groups`, `/groups/{groupId}`, `.../members`,
`.../messages`. Each checks the access token, then the connector's scope, then membership."""

from __future__ import annotations

from kinflow.api.kaizala.http import Call, caller_of, send_to_all
from kinflow.groups import groups, members, messages, reactions, subgroups, subscribers
from kinflow.groups.groups import Group
from kinflow.groups.signin import Caller

_caller = caller_of


def _in_group(call: Call, scope: str) -> tuple[Caller, Group, str]:
    """The caller, the group of the path and the caller's role in it."""
    who = _caller(call)
    who.require(scope)
    group, role = groups.group_and_role(call.conn, call.path["groupId"], who)
    return who, group, role


def create_group(call: Call) -> dict:
    return groups.create_group(call.conn, _caller(call), call.body)


def list_groups(call: Call) -> dict:
    return groups.list_groups(call.conn, _caller(call), call.query)


def group_details(call: Call) -> dict:
    return groups.group_details(call.conn, _caller(call), call.path["groupId"])


def list_members(call: Call) -> dict:
    _, group, _ = _in_group(call, "groupmember.read")
    return members.list_members(call.conn, group.id)


def add_members(call: Call) -> dict:
    who, group, role = _in_group(call, "groupmember.write")
    return members.add_members(call.conn, group.id, who.person, role, call.body)


def remove_member(call: Call) -> dict:
    who, group, role = _in_group(call, "groupmember.remove")
    return members.remove_member(call.conn, group.id, who.person, role, call.path["memberId"])


def send_message(call: Call) -> dict:
    who, group, role = _in_group(call, "textmessage.write")
    return messages.send_text(call.conn, group, role, who.person, send_to_all(call))


def create_subgroup(call: Call) -> dict:
    return subgroups.create_subgroup(call.conn, _caller(call), call.path["groupId"], call.body)


def add_subgroups(call: Call) -> dict:
    return subgroups.add_subgroups(call.conn, _caller(call), call.path["groupId"], call.body)


def list_subgroups(call: Call) -> dict:
    return subgroups.list_subgroups(call.conn, _caller(call), call.path["groupId"], call.query)


def remove_subgroup(call: Call) -> dict:
    return subgroups.remove_subgroup(call.conn, _caller(call), call.path["groupId"], call.path["subGroupId"])


def add_subscribers(call: Call) -> dict:
    _, group, role = _in_group(call, "groupmember.write")
    return subscribers.add_subscribers(call.conn, group, role, call.body)


def remove_subscribers(call: Call) -> dict:
    _, group, role = _in_group(call, "groupmember.remove")
    return subscribers.remove_subscribers(call.conn, group, role, call.body)


def list_subscribers(call: Call) -> dict:
    _, group, role = _in_group(call, "groupmember.read")
    return subscribers.list_subscribers(call.conn, group, role, call.body)


def react(call: Call) -> dict:
    who, group, _ = _in_group(call, "reaction.write")
    return reactions.react(call.conn, group, who.person, call.body)


def reaction_summary(call: Call) -> dict:
    _, group, _ = _in_group(call, "reaction.read")
    return reactions.message_summary(call.conn, group, call.path["referenceId"], call.query)


def group_reaction_summary(call: Call) -> dict:
    _, group, _ = _in_group(call, "reaction.read")
    return reactions.group_summary(call.conn, group, call.query)


def reaction_details(call: Call) -> dict:
    _, group, _ = _in_group(call, "reaction.read")
    return reactions.details(call.conn, group, call.path["referenceId"], call.query)
