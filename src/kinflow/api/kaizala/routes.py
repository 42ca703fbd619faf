"""The route table of the groups API (Kaizala's Swagger paths under `/kaizala/v1/`) and of connector
administration. The OpenAPI document and the authorization tests read this table."""

from __future__ import annotations

from starlette.routing import Route

from kinflow.api.kaizala import actions, connector_schemas, connectors, groups, media, packages, signin, webhooks
from kinflow.api.kaizala.http import METHODS, endpoint, error_response, json_response, not_found_route
from kinflow.api.kaizala.openapi import openapi_document

KAIZALA = "/kaizala/v1"
REPLY = "/kaizala/groups/{groupId}/messages"
ACTIONS_V2 = "/kaizala/v2/groups/{groupId}/actions"
ADMIN_CONNECTORS = "/kinflow/v1/groups/connectors.json"
ADMIN_PACKAGES = "/kinflow/v1/groups/actionPackages.json"
ADMIN = (ADMIN_CONNECTORS, ADMIN_PACKAGES)  # signed in with a kinflow login

# path -> method -> (handler, writes?), or a Checked call (see http.endpoint)
TABLE = {
    f"{KAIZALA}/generatePin": {"POST": (signin.generate_pin, True)},
    f"{KAIZALA}/loginWithPinAndApplicationId": {"POST": (signin.login_with_pin, True)},
    f"{KAIZALA}/accessToken": {"GET": (signin.access_token, True)},
    f"{KAIZALA}/groups": {"POST": (groups.create_group, True), "GET": (groups.list_groups, False)},
    f"{KAIZALA}/groups/{{groupId}}": {"GET": (groups.group_details, False)},
    f"{KAIZALA}/groups/{{groupId}}/members": {"GET": (groups.list_members, False),
                                             "PUT": (groups.add_members, True)},
    f"{KAIZALA}/groups/{{groupId}}/members/{{memberId}}": {"DELETE": (groups.remove_member, True)},
    f"{KAIZALA}/groups/{{groupId}}/subgroups": {"POST": (groups.create_subgroup, True)},
    f"{KAIZALA}/groups/{{groupId}}/subGroups": {"PUT": (groups.add_subgroups, True),
                                               "GET": (groups.list_subgroups, False)},
    f"{KAIZALA}/groups/{{groupId}}/subGroups/{{subGroupId}}": {"DELETE": (groups.remove_subgroup, True)},
    f"{KAIZALA}/groups/{{groupId}}/subscribers": {"POST": (groups.list_subscribers, False)},
    f"{KAIZALA}/groups/{{groupId}}/subscribers/add": {"PUT": (groups.add_subscribers, True)},
    f"{KAIZALA}/groups/{{groupId}}/subscribers/remove": {"PUT": (groups.remove_subscribers, True)},
    f"{KAIZALA}/groups/{{groupId}}/reaction": {"POST": (groups.react, True)},
    # Before `reaction/{referenceId}`: the first route that matches a path serves it.
    f"{KAIZALA}/groups/{{groupId}}/reaction/summary": {"GET": (groups.group_reaction_summary, False)},
    f"{KAIZALA}/groups/{{groupId}}/reaction/{{referenceId}}/summary": {"GET": (groups.reaction_summary, False)},
    f"{KAIZALA}/groups/{{groupId}}/reaction/{{referenceId}}": {"GET": (groups.reaction_details, False)},
    f"{KAIZALA}/groups/{{groupId}}/messages": {"POST": (groups.send_message, True)},
    # The Power Automate connector's "Send reply to a message" posts here (without the version).
    REPLY: {"POST": (groups.send_message, True)},
    f"{KAIZALA}/groups/{{groupId}}/actions": {"POST": (actions.send_action, True),
                                             "GET": (actions.list_actions, False)},
    # The connector's "Send action on a group" (SendActions_v2) posts here.
    ACTIONS_V2: {"POST": (actions.send_action, True)},
    # The connector's reminder names its action in the body; before `actions/{actionId}`, which would
    # take `reminder` for an action id.
    f"{KAIZALA}/groups/{{groupId}}/actions/reminder": {"POST": (actions.remind_named_in_body, True)},
    f"{KAIZALA}/groups/{{groupId}}/actions/{{actionId}}": {"GET": (actions.get_action, False)},
    f"{KAIZALA}/groups/{{groupId}}/actions/{{actionId}}/responses": {"POST": (actions.respond, True)},
    # The Power Automate connector's "Send action reminder on a group" (Kaizala's REST documents none).
    f"{KAIZALA}/groups/{{groupId}}/actions/{{actionId}}/reminder": {"POST": (actions.remind, True)},
    f"{KAIZALA}/media": {"POST": media.upload},
    f"{KAIZALA}/media/attachment": {"POST": media.upload_attachment},
    f"{KAIZALA}/media/url": {"POST": media.upload_url},
    f"{KAIZALA}/media/{{mediaId}}": {"GET": (media.download, False)},
    f"{KAIZALA}/webhook": {"POST": webhooks.subscribe, "GET": (webhooks.list_subscriptions, False)},
    f"{KAIZALA}/webhook/{{webhookId}}": {"PUT": webhooks.change, "DELETE": (webhooks.unsubscribe, True)},
    # What the Power Automate connector's dynamic schemas ask for.
    f"{KAIZALA}/connector/actionSchema": {"GET": (connector_schemas.action_schema, False)},
    f"{KAIZALA}/connector/eventSchema": {"GET": (connector_schemas.event_schema, False)},
    # The Power Automate connector's triggers (201 + Location).
    f"{KAIZALA}/webhook/{{objectType}}/{{eventType}}": {"POST": webhooks.subscribe_trigger},
    ADMIN_CONNECTORS: {"POST": (connectors.create_connector, True), "GET": (connectors.list_connectors, False),
                       "DELETE": (connectors.delete_connector, True)},
    ADMIN_PACKAGES: {"POST": packages.import_package, "GET": (packages.list_packages, False),
                     "DELETE": (packages.delete_package, True)},
}


async def _unknown(request) -> object:  # noqa: ANN001
    return error_response(not_found_route(request.method, request.url.path))


async def _openapi(request) -> object:  # noqa: ANN001
    return json_response(openapi_document())


routes = [
    Route("/kaizala/openapi.json", _openapi),
    *(Route(path, endpoint(handlers, kinflow_login=path in ADMIN), methods=METHODS)
      for path, handlers in TABLE.items()),
    Route(f"{KAIZALA}/{{rest:path}}", _unknown, methods=METHODS),
]
