"""The web interface's addresses, kintone's where kintone has one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from kinflow.web import signin
from kinflow.web.access import PORTAL
from kinflow.web.pages.access_rights import access_rights_page, save_access_rights
from kinflow.web.pages.comments import delete_comment, post_comment
from kinflow.web.pages.delete_record import delete_page, delete_record
from kinflow.web.pages.edit import edit_page, edit_submit
from kinflow.web.pages.files import download_file
from kinflow.web.pages.connections import change_connections, connections_page
from kinflow.web.pages.flow_new import create_flow, new_flow_page
from kinflow.web.pages.flow_runs import change_run, run_page
from kinflow.web.pages.flows import change_flow, flow_page, flows_page
from kinflow.web.live import conversation_stream, runs_stream, unread_stream
from kinflow.web.pages.form_builder import builder_page, change_form, create_app, deploy
from kinflow.web.pages.groups import group_messages, group_page, groups_page, post_message, react, respond
from kinflow.web.pages.inbox import inbox_page, mark_read
from kinflow.web.pages.mentions import mention_candidates
from kinflow.web.pages.notification_rules import notification_rules_page, save_notification_rules
from kinflow.web.pages.notification_settings import notification_settings_page, save_notification_settings
from kinflow.web.pages.permissions import permissions_page, save_permissions
from kinflow.web.pages.personal import personal_page, save_personal
from kinflow.web.pages.portal import portal
from kinflow.web.pages.users import change_users, users_page
from kinflow.web.pages.spaces import change_spaces, spaces_page
from kinflow.web.pages.teams import change_teams, teams_page
from kinflow.web.pages.tokens import change_tokens, tokens_page
from kinflow.web.pages.views import change_views, views_page
from kinflow.web.pages.webhooks import change_webhooks, webhooks_page
from kinflow.web.pages.process import run_action
from kinflow.web.pages.process_settings import process_settings_page, save_process_settings
from kinflow.web.pages.record import record_page
from kinflow.web.pages.records import record_list


async def _home(request: Request) -> Response:
    return RedirectResponse(PORTAL, status_code=303)


# The pages of a signed-in browser (the others send the visitor to sign in first).
PAGES = {
    "/k/": portal,
    "/k/{app:int}/": record_list,
    "/k/{app:int}/show": record_page,
    "/k/guest/{space_id:int}/{app:int}/": record_list,
    "/k/guest/{space_id:int}/{app:int}/show": record_page,
    "/k/{app:int}/edit": edit_page,
    "/k/guest/{space_id:int}/{app:int}/edit": edit_page,
    "/k/{app:int}/delete": delete_page,
    "/k/guest/{space_id:int}/{app:int}/delete": delete_page,
    "/k/file": download_file,
    "/k/guest/{space_id:int}/file": download_file,
    "/k/notifications": inbox_page,
    "/k/mentions.json": mention_candidates,
    "/k/personal": personal_page,
    "/k/admin/app/{app:int}/form": builder_page,
    "/k/admin/users": users_page,
    "/k/admin/app/{app:int}/views": views_page,
    "/k/admin/app/{app:int}/webhooks": webhooks_page,
    "/k/admin/app/{app:int}/tokens": tokens_page,
    "/k/admin/app/{app:int}/acl": permissions_page,
    "/k/admin/app/{app:int}/acl/records": access_rights_page,
    "/k/admin/app/{app:int}/acl/fields": access_rights_page,
    "/k/admin/app/{app:int}/process": process_settings_page,
    "/k/admin/app/{app:int}/notifications": notification_settings_page,
    "/k/admin/app/{app:int}/notifications/perRecord": notification_rules_page,
    "/k/admin/app/{app:int}/notifications/reminder": notification_rules_page,
    "/k/admin/departments": teams_page,
    "/k/admin/groups": teams_page,
    "/k/admin/spaces": spaces_page,
    "/k/flows/": flows_page,
    "/k/flows/new": new_flow_page,
    "/k/flows/connections": connections_page,
    "/k/flows/{flow:int}": flow_page,
    "/k/flows/{flow:int}/runs/{run}": run_page,
    "/k/groups": groups_page,
    "/k/groups/{group}": group_page,
    "/k/groups/{group}/messages": group_messages,
}
# Form posts of a signed-in browser (the page's request token, from our own origin).
FORMS = {
    "/k/{app:int}/edit": edit_submit,
    "/k/guest/{space_id:int}/{app:int}/edit": edit_submit,
    "/k/{app:int}/comment": post_comment,
    "/k/guest/{space_id:int}/{app:int}/comment": post_comment,
    "/k/{app:int}/comment/delete": delete_comment,
    "/k/guest/{space_id:int}/{app:int}/comment/delete": delete_comment,
    "/k/{app:int}/delete": delete_record,
    "/k/guest/{space_id:int}/{app:int}/delete": delete_record,
    "/k/notifications/read": mark_read,
    "/k/{app:int}/status": run_action,
    "/k/guest/{space_id:int}/{app:int}/status": run_action,
    "/k/personal": save_personal,
    "/k/admin/app/new": create_app,
    "/k/admin/app/{app:int}/form": change_form,
    "/k/admin/app/{app:int}/deploy": deploy,
    "/k/admin/users": change_users,
    "/k/admin/app/{app:int}/views": change_views,
    "/k/admin/app/{app:int}/webhooks": change_webhooks,
    "/k/admin/app/{app:int}/tokens": change_tokens,
    "/k/admin/app/{app:int}/acl": save_permissions,
    "/k/admin/app/{app:int}/acl/records": save_access_rights,
    "/k/admin/app/{app:int}/acl/fields": save_access_rights,
    "/k/admin/app/{app:int}/process": save_process_settings,
    "/k/admin/app/{app:int}/notifications": save_notification_settings,
    "/k/admin/app/{app:int}/notifications/perRecord": save_notification_rules,
    "/k/admin/app/{app:int}/notifications/reminder": save_notification_rules,
    "/k/admin/departments": change_teams,
    "/k/admin/groups": change_teams,
    "/k/admin/spaces": change_spaces,
    "/k/flows/new": create_flow,
    "/k/flows/connections": change_connections,
    "/k/flows/{flow:int}": change_flow,
    "/k/flows/{flow:int}/runs/{run}": change_run,
    "/k/groups/{group}/messages": post_message,
    "/k/groups/{group}/reactions": react,
    "/k/groups/{group}/actions/{action}/responses": respond,
}

routes: list[BaseRoute] = [
    Route("/", _home),
    Route("/login", signin.login_page, methods=["GET"]),
    Route("/login", signin.login_submit, methods=["POST"]),
    Route("/logout", signin.logout, methods=["POST"]),
    Route("/k/notifications/stream", unread_stream, methods=["GET"]),
    Route("/k/groups/{group}/stream", conversation_stream, methods=["GET"]),
    Route("/k/flows/{flow:int}/stream", runs_stream, methods=["GET"]),
    *(Route(path, endpoint, methods=["GET"]) for path, endpoint in PAGES.items()),
    *(Route(path, endpoint, methods=["POST"]) for path, endpoint in FORMS.items()),
    Mount("/static", StaticFiles(packages=[("kinflow.web", "static")]), name="static"),
]
