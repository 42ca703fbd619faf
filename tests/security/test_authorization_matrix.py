"""Every route x every kind of caller, from the route tables themselves: a route added without a rule
here fails `test_every_route_has_a_rule`, so it is covered the day it is added.

A rule says who may call a route; the matrix checks the outcome class of each cell: `401` for a
caller who is not signed in, `403` (`GAIA_NO01` or `CB_NO02`; the groups API's `Forbidden`) for one
who may not, and anything but `401`/`403` (and never a `500`) for one who may. Bodies are the
smallest that pass authorization, so a permitted call may still answer `400`/`404`: what is checked
is who is let in, not what they do.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest

from kinflow.api import admin as admin_api
from kinflow.api import flows as flows_api
from kinflow.api import workflows as workflows_api
from kinflow.api.kaizala import routes as groups_api
from kinflow.api.kintone.calls import ROUTES as KINTONE_ROUTES
from kinflow.api.kintone.http import kintone_endpoint  # noqa: F401 - registers every kintone handler
from kinflow.api.server import create_app
from kinflow.config import Settings
from kinflow.web import routes as web_pages
from tests.conftest import ADMIN_PASSWORD, deploy_and_wait, make_app, make_token, password_header
from tests.groups.conftest import create_connector, new_number
from tests.groups.conftest import signed_in as groups_signed_in
from tests.web.conftest import XHR, request_token, signed_in

# --- who may call what ------------------------------------------------------------------------

PUBLIC = "public"  # anyone, signed in or not
ADMIN = "admin"  # administrators only
PERSON = "person"  # any signed-in user (their own inbox, their own apps), never a token
SIGNED_IN = "signed in"  # any user or token (a cursor is found only by its owner)
GROUPS = "groups"  # the groups API signs in with its own access token: every kintone caller is 401
PAGE = "page"  # a web page: a browser session (see `_page_cells`); others are sent to sign in
OWNER = "owner"  # a person's own flow (the administrator's in the matrix): others find no such flow
MEMBER = "group member"  # a page of a group: members of it by their mobile number (the administrator's)


@dataclass(frozen=True)
class App:
    """Permissions on the app named in the body; `tokens=False`: never with a token, whatever it may."""

    permissions: frozenset[str]
    tokens: bool = True


def app(*permissions: str, tokens: bool = True) -> App:
    return App(frozenset(permissions), tokens)


# Placeholders in bodies: {app}, {record}, {prefix} (/k/v1 or the guest path), {unique}.
RECORD = {"app": "{app}", "id": "{record}"}
MISSING = 999_999
KINTONE_RULES: dict[tuple[str, str], tuple[object, dict]] = {
    ("POST", "preview/app"): (PERSON, {"name": "Matrix"}),
    ("GET", "apps"): (PERSON, {}),
    ("GET", "app"): (app("view"), {"id": "{app}"}),
    # Settings (kintone.dev "Get Form Fields", "Get Views", ...: view records for live, app
    # management for preview; "Get App Permissions" and notification settings: management for both).
    **{("GET", resource): (app("view"), {"app": "{app}"})
       for resource in ("app/form/fields", "app/form/layout", "app/views", "app/settings", "app/status")},
    **{("GET", f"preview/{resource}"): (app("manage"), {"app": "{app}"})
       for resource in ("app/form/fields", "app/form/layout", "app/views", "app/settings", "app/status")},
    **{("GET", f"{preview}app/{resource}"): (app("manage"), {"app": "{app}"})
       for preview in ("", "preview/")
       for resource in ("acl", "notifications/general", "notifications/perRecord", "notifications/reminder")},
    # kintone.dev "Get Record Permissions", "Get Field Permissions": app management, live and preview.
    **{("GET", f"{preview}{kind}/acl"): (app("manage"), {"app": "{app}"})
       for preview in ("", "preview/") for kind in ("record", "field")},
    **{("PUT", f"preview/{kind}/acl"): (app("manage"), {"app": "{app}", "rights": []}) for kind in ("record", "field")},
    # kintone.dev "Evaluate Record Permissions": password or session only; record view (or add).
    ("GET", "records/acl/evaluate"): (app("view", tokens=False), {"app": "{app}", "ids": ["{record}"]}),
    ("POST", "preview/app/form/fields"): (app("manage"), {"app": "{app}", "properties": {}}),
    ("PUT", "preview/app/form/fields"): (app("manage"), {"app": "{app}", "properties": {}}),
    ("DELETE", "preview/app/form/fields"): (app("manage"), {"app": "{app}", "fields": ["no_such_field"]}),
    ("PUT", "preview/app/form/layout"): (app("manage"), {"app": "{app}", "layout": []}),
    ("PUT", "preview/app/views"): (app("manage"), {"app": "{app}", "views": {}}),
    ("PUT", "preview/app/settings"): (app("manage"), {"app": "{app}"}),
    ("PUT", "preview/app/acl"): (app("manage"), {"app": "{app}", "rights": "{rights}"}),
    ("PUT", "preview/app/status"): (app("manage"), {"app": "{app}"}),
    **{("PUT", f"preview/app/notifications/{kind}"): (app("manage"), {"app": "{app}"})
       for kind in ("general", "perRecord", "reminder")},
    ("POST", "preview/app/deploy"): (app("manage"), {"apps": [{"app": "{app}"}]}),
    ("GET", "preview/app/deploy"): (app("manage"), {"apps": ["{app}"]}),
    ("GET", "record"): (app("view"), RECORD),
    ("POST", "record"): (app("add"), {"app": "{app}", "record": {}}),
    ("PUT", "record"): (app("edit"), {**RECORD, "record": {}}),
    ("GET", "records"): (app("view"), {"app": "{app}"}),
    ("POST", "records"): (app("add"), {"app": "{app}", "records": [{}]}),
    ("PUT", "records"): (app("edit"), {"app": "{app}", "records": [{"id": "{record}", "record": {}}]}),
    ("DELETE", "records"): (app("delete"), {"app": "{app}", "ids": [MISSING]}),
    ("POST", "records/cursor"): (app("view"), {"app": "{app}"}),
    ("GET", "records/cursor"): (SIGNED_IN, {"id": "no-such-cursor"}),
    ("DELETE", "records/cursor"): (SIGNED_IN, {"id": "no-such-cursor"}),
    ("GET", "record/comments"): (app("view"), {"app": "{app}", "record": "{record}"}),
    ("POST", "record/comment"): (app("view"), {"app": "{app}", "record": "{record}", "comment": {"text": "hi"}}),
    ("DELETE", "record/comment"): (app("view"), {"app": "{app}", "record": "{record}", "comment": MISSING}),
    ("PUT", "record/status"): (app("view"), {**RECORD, "action": "Start"}),
    ("PUT", "records/status"): (app("view"), {"app": "{app}", "records": [{"id": "{record}", "action": "Start"}]}),
    # kintone: changing assignees needs app management as well as view.
    ("PUT", "record/assignees"): (app("view", "manage"), {**RECORD, "assignees": []}),
    # kintone asks no permission for an upload; a download asks view permission on the record's app.
    ("POST", "file"): (SIGNED_IN, {}),
    ("GET", "file"): (app("view"), {"fileKey": "{file}"}),
    ("POST", "bulkRequest"): (app("add"), {"requests": [
        {"method": "POST", "api": "{prefix}/record.json", "payload": {"app": "{app}", "record": {}}}]}),
    # The subscriptions connectors make: an address that is refused, so no webhook is left behind.
    ("POST", "integration/preview/app/webhook"): (
        app("manage"), {"app": "{app}", "url": "ftp://matrix.invalid/", "type": "ADD_RECORD"}),
    **{("POST", f"integration/preview/app/webhook/{event}"): (
        app("manage"), {"app": "{app}", "url": "ftp://matrix.invalid/"})
       for event in ("update_record", "delete_record", "add_record_comment", "update_status")},
    ("DELETE", "integration/preview/app/webhook"): (app("manage"), {"app": "{app}", "id": MISSING}),
    ("GET", "integration/app/record/schema"): (app("view"), {"app": "{app}", "type": "ACTION_POST_RECORD"}),
}

WEBHOOK = {"app": "{app}", "id": MISSING}
ADMIN_RULES: dict[tuple[str, str], tuple[object, dict]] = {
    ("GET", "notifications"): (PERSON, {}),
    ("GET", "notifications/count"): (PERSON, {}),
    ("PUT", "notifications/read"): (PERSON, {"all": True}),
    ("GET", "users"): (ADMIN, {}),
    ("POST", "users"): (ADMIN, {"code": "{unique}"}),
    ("PUT", "users"): (ADMIN, {"code": "{unique}"}),
    ("DELETE", "users"): (ADMIN, {"code": "{unique}"}),
    ("POST", "departments"): (ADMIN, {"code": "{unique}"}),
    ("GET", "departments"): (ADMIN, {}),
    ("PUT", "departments"): (ADMIN, {"code": "{unique}"}),
    ("DELETE", "departments"): (ADMIN, {"code": "{unique}"}),
    ("GET", "department/users"): (ADMIN, {"code": "{unique}"}),
    ("POST", "groups"): (ADMIN, {"code": "{unique}"}),
    ("GET", "groups"): (ADMIN, {}),
    ("PUT", "groups"): (ADMIN, {"code": "{unique}"}),
    ("DELETE", "groups"): (ADMIN, {"code": "{unique}"}),
    ("GET", "group/users"): (ADMIN, {"code": "{unique}"}),
    ("POST", "spaces"): (ADMIN, {"name": "{unique}"}),
    ("GET", "spaces"): (ADMIN, {}),
    ("DELETE", "spaces"): (ADMIN, {"id": MISSING}),
    ("GET", "space/members"): (ADMIN, {"id": MISSING}),
    ("PUT", "space/members"): (ADMIN, {"id": MISSING, "members": []}),
    ("GET", "apiTokens"): (app("manage", tokens=False), {"app": "{app}"}),
    ("POST", "apiTokens"): (app("manage", tokens=False), {"app": "{app}", "permissions": {"view": True}}),
    ("PUT", "apiTokens"): (app("manage", tokens=False), {"app": "{app}", "id": MISSING, "permissions": {}}),
    ("DELETE", "apiTokens"): (app("manage", tokens=False), {"app": "{app}", "id": MISSING}),
    ("GET", "webhooks"): (app("manage"), {"app": "{app}"}),
    ("POST", "webhooks"): (app("manage"), {"app": "{app}", "url": "ftp://matrix.invalid/", "events": ["ADD_RECORD"]}),
    ("PUT", "webhooks"): (app("manage"), WEBHOOK),
    ("DELETE", "webhooks"): (app("manage"), WEBHOOK),
    ("GET", "webhook/deliveries"): (app("manage"), WEBHOOK),
    ("POST", "webhook/redeliver"): (app("manage"), WEBHOOK),
    # Flows belong to people: tokens are refused, and another's flow is as missing as none.
    ("POST", "flows"): (PERSON, {"name": "{unique}", "definition": {"triggers": {}}}),
    ("POST", "flows/import"): (PERSON, {"package": "e30=", "fileName": "{unique}"}),
    ("GET", "flows"): (PERSON, {}),
    **{(method, resource): (PERSON, {"id": MISSING, "run": "no-such-run"}) for method, resource in (
        ("GET", "flow"), ("DELETE", "flow"), ("POST", "flow/enable"), ("POST", "flow/disable"),
        ("GET", "flow/runs"), ("GET", "flow/run"), ("POST", "flow/run/resubmit"), ("POST", "flow/run/cancel"))},
}

# The flows API: a person's own connections (another's are as missing as none; tokens are refused).
FLOWS_RULES: dict[tuple[str, str], tuple[object, dict]] = {
    ("GET", flows_api.CONNECTIONS): (PERSON, {}),
    ("POST", flows_api.CONNECTIONS): (PERSON, {"connector": "none"}),
    ("PUT", flows_api.CONNECTIONS): (PERSON, {"id": "no-such-connection", "pin": "1234"}),
    ("DELETE", flows_api.CONNECTIONS): (PERSON, {"id": "no-such-connection"}),
}

K = groups_api.KAIZALA
# The groups API (kinflow.api.kaizala.routes.TABLE) signs in with its own access token, so a route
# under /kaizala/v1/ is GROUPS (every kintone caller 401) unless it is named here; a route of the
# table outside /kaizala/v1/ must be named here.
GROUPS_RULES: dict[tuple[str, str], tuple[object, dict]] = {
    # Asking for a PIN and signing in with it take no credentials (a bad body is 400 for anyone).
    ("POST", f"{K}/generatePin"): (PUBLIC, {}),
    ("POST", f"{K}/loginWithPinAndApplicationId"): (PUBLIC, {}),
    ("POST", groups_api.REPLY): (GROUPS, {}),
    ("POST", groups_api.ACTIONS_V2): (GROUPS, {}),
    ("POST", groups_api.ADMIN_CONNECTORS): (ADMIN, {"name": "{unique}", "scopes": []}),
    ("GET", groups_api.ADMIN_CONNECTORS): (ADMIN, {}),
    ("DELETE", groups_api.ADMIN_CONNECTORS): (ADMIN, {"applicationId": "no-such-connector"}),
    ("POST", groups_api.ADMIN_PACKAGES): (ADMIN, {"package": "not a zip"}),
    ("GET", groups_api.ADMIN_PACKAGES): (ADMIN, {}),
    ("DELETE", groups_api.ADMIN_PACKAGES): (ADMIN, {"id": "com.example.no-such-package"}),
}


def groups_rule(method: str, path: str) -> tuple[object, dict] | None:
    default = (GROUPS, {}) if path.startswith(f"{K}/") else None
    return GROUPS_RULES.get((method, path), default)


# Every path mounted on the application that is not in a handler table above, and its rule.
MOUNTS = {
    "/k/v1/{resource:path}.json": "kintone",
    "/k/guest/{space_id:int}/v1/{resource:path}.json": "kintone in a guest space",
    "/k/integration/v1/{resource:path}.json": "integration",
    "/kinflow/v1/{resource:path}.json": "kinflow",
    "/openapi.json": PUBLIC,
    "/healthz": PUBLIC,
    "/metrics": ADMIN,  # and the scraper's bearer token (tests/api/test_metrics.py)
    "/kaizala/openapi.json": PUBLIC,
    f"{K}/{{rest:path}}": PUBLIC,  # any other path under the groups API: 404 for anyone
    flows_api.CONNECTIONS: "flows (FLOWS_RULES)",
    # A flow's Request trigger: its URL's signature is the credential (tests/api/test_flows.py).
    workflows_api.INVOKE: "signed trigger URL",
    # The web interface: sign-in and its assets for anyone, pages for a signed-in browser.
    "/": PUBLIC,  # to the portal
    "/login": PUBLIC,
    "/static": PUBLIC,
    "/logout": PAGE,
    "/k/notifications/stream": PERSON,  # a browser session's live count (tests/web/test_inbox.py)
    # A group's live conversation: its members only (tests/web/test_groups_pages.py).
    "/k/groups/{group}/stream": MEMBER,
    # A flow's live run status: its owner and administrators (tests/web/test_flows_pages.py).
    "/k/flows/{flow:int}/stream": OWNER,
    **{path: PAGE for path in [*web_pages.PAGES, *web_pages.FORMS]},
}
# The path each public mount is called at.
PUBLIC_PATHS = {"/openapi.json": "/openapi.json", "/healthz": "/healthz", "/": "/", "/login": "/login",
                "/static": "/static/kinflow.css",
                "/kaizala/openapi.json": "/kaizala/openapi.json", f"{K}/{{rest:path}}": f"{K}/no/such/path"}
INTEGRATION = "integration/"

# --- callers --------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
SEPARATOR_TOKEN = "separator-only token"
STRANGER = "user without permission"
VIEW_TOKEN = "view-only token"
MANAGE_TOKEN = "manage-only token"
OTHER_TOKEN = "another app's token"
ADMINISTRATOR = "administrator"
# A browser session calls the API as kintone's pages do (X-Requested-With, the request token): it
# may what its user may with a password.
STRANGER_SESSION = "user without permission, by session"
ADMINISTRATOR_SESSION = "administrator, by session"
SESSION_OF = {STRANGER_SESSION: STRANGER, ADMINISTRATOR_SESSION: ADMINISTRATOR}
CALLERS = [ANONYMOUS, SEPARATOR_TOKEN, STRANGER, VIEW_TOKEN, MANAGE_TOKEN, OTHER_TOKEN, ADMINISTRATOR,
           *SESSION_OF]
TOKEN_PERMISSIONS = {VIEW_TOKEN: {"view"}, MANAGE_TOKEN: {"manage"}, OTHER_TOKEN: set()}

ALLOWED, REFUSED, UNAUTHENTICATED, HIDDEN = "allowed", "refused", "401", "404 as for a missing one"


def expected(rule: object, caller: str) -> str:
    caller = SESSION_OF.get(caller, caller)
    if rule == PUBLIC:
        return ALLOWED
    if caller in (ANONYMOUS, SEPARATOR_TOKEN):
        return UNAUTHENTICATED
    if rule == GROUPS:
        return UNAUTHENTICATED
    if caller == ADMINISTRATOR or rule == SIGNED_IN:
        return ALLOWED
    if rule == OWNER:
        return HIDDEN
    is_token = caller in TOKEN_PERMISSIONS
    if rule == ADMIN:
        return REFUSED
    if rule == PERSON:
        return REFUSED if is_token else ALLOWED
    if rule == MEMBER:  # the administrator is in the group; nobody else is
        return REFUSED
    assert isinstance(rule, App), rule
    if caller == STRANGER or not rule.tokens:
        return REFUSED
    return ALLOWED if rule.permissions <= TOKEN_PERMISSIONS[caller] else REFUSED


def test_every_route_has_a_rule(tmp_path):
    """The application's mounts and both handler tables, against the rules above."""
    application = create_app(Settings(data_dir=tmp_path))
    mounted = {route.path for route in application.routes}
    assert mounted - set(MOUNTS) - set(groups_api.TABLE) == set(), "a route is mounted without a rule in MOUNTS"
    assert set(KINTONE_ROUTES) - set(KINTONE_RULES) == set(), "a kintone route has no rule"
    assert set(admin_api.ROUTES) - set(ADMIN_RULES) == set(), "a /kinflow/v1/ route has no rule"
    groups_routes = {(method, path) for path, methods in groups_api.TABLE.items() for method in methods}
    assert {route for route in groups_routes if groups_rule(*route) is None} == set(), "a groups route has no rule"
    assert {path for path, rule in MOUNTS.items() if rule == PUBLIC} == set(PUBLIC_PATHS)
    flows_routes = {(method, route.path) for route in flows_api.routes for method in flows_api.METHODS}
    assert flows_routes == set(FLOWS_RULES), "a flows route has no rule"


# --- the world the matrix runs in -----------------------------------------------------------

# Only the creator (the administrator) has rights: a signed-in user has none.
CREATOR_ONLY = [{"entity": {"type": "CREATOR", "code": None}, "appEditable": True, "recordViewable": True,
                 "recordAddable": True, "recordEditable": True, "recordDeletable": True}]


@dataclass
class Target:
    """One app the matrix calls, the path prefix it is called through, and its callers' headers."""

    prefix: str
    app: str
    record: str
    headers: dict[str, dict[str, str]]
    file: str  # the download key of the record's file
    group: str = ""  # a group of Groups the administrator is a member of, and a poll in it (its message)
    action: str = ""
    message: str = ""


def _target(admin, space: int | None, stranger: dict[str, str], other_token: str,
            sessions: dict[str, dict[str, str]]) -> Target:
    prefix = f"/k/guest/{space}/v1" if space else "/k/v1"
    app_id = make_app(admin, {"f": {"type": "FILE", "code": "f", "label": "File"}}, name="Matrix", space=space)
    changed = admin.put(f"{prefix}/preview/app/acl.json", json={"app": app_id, "rights": CREATOR_ONLY})
    assert changed.status_code == 200, changed.text
    assert deploy_and_wait_at(admin, prefix, app_id) == "SUCCESS"
    uploaded = admin.post(f"{prefix}/file.json", files={"file": ("matrix.txt", b"matrix", "text/plain")})
    assert uploaded.status_code == 200, uploaded.text
    added = admin.post(f"{prefix}/record.json",
                       json={"app": app_id, "record": {"f": {"value": [{"fileKey": uploaded.json()["fileKey"]}]}}})
    assert added.status_code == 200, added.text
    shown = admin.get(f"{prefix}/record.json", params={"app": app_id, "id": added.json()["id"]}).json()["record"]
    headers = {
        ANONYMOUS: {},
        SEPARATOR_TOKEN: {"X-Cybozu-API-Token": ","},
        STRANGER: stranger,
        VIEW_TOKEN: {"X-Cybozu-API-Token": _token(admin, prefix, app_id, view=True)},
        MANAGE_TOKEN: {"X-Cybozu-API-Token": _token(admin, prefix, app_id, view=False, manage=True)},
        OTHER_TOKEN: {"X-Cybozu-API-Token": other_token},
        ADMINISTRATOR: dict(admin.headers),
        **sessions,
    }
    return Target(prefix, app_id, added.json()["id"], headers, shown["f"]["value"][0]["fileKey"])


def _group_of_the_administrator(server, admin) -> tuple[str, str, str]:
    """A group (made on the groups API by someone else) with the administrator in it by their mobile
    number, and a poll in it; the stranger has no number the group knows."""
    mobile = new_number()
    changed = admin.put("/kinflow/v1/users.json", json={"code": "Administrator", "mobileNumber": mobile})
    assert changed.status_code == 200, changed.text
    owner = groups_signed_in(server, create_connector(server))
    created = owner.client.post("/groups", json={"name": "Matrix group", "welcomeMessage": "Hi", "members": [mobile]})
    assert created.status_code == 200, created.text
    group = created.json()["groupId"]
    poll = owner.client.post(f"/groups/{group}/actions", json={"actionType": "Poll", "actionBody": {
        "question": "Matrix?", "choices": [{"title": "Yes"}, {"title": "No"}]}})
    assert poll.status_code == 200, poll.text
    owner.client.close()
    return group, poll.json()["actionId"], poll.json()["referenceId"]


def deploy_and_wait_at(admin, prefix: str, app_id: str) -> str:
    if prefix == "/k/v1":
        return deploy_and_wait(admin, app_id)
    assert admin.post(f"{prefix}/preview/app/deploy.json", json={"apps": [{"app": app_id}]}).status_code == 200
    for _ in range(100):
        state = admin.get(f"{prefix}/preview/app/deploy.json", params={"apps[0]": app_id}).json()["apps"][0]["status"]
        if state != "PROCESSING":
            return state
    raise AssertionError("deploy did not finish")


def _token(admin, prefix: str, app_id: str, **permissions: bool) -> str:
    created = admin.post("/kinflow/v1/apiTokens.json", json={"app": app_id, "permissions": permissions})
    assert created.status_code == 200, created.text
    assert deploy_and_wait_at(admin, prefix, app_id) == "SUCCESS"
    return created.json()["token"]


def _fill(template: object, target: Target) -> object:
    if isinstance(template, dict):
        return {key: _fill(value, target) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, target) for value in template]
    if template == "{rights}":
        return CREATOR_ONLY
    if template == "{unique}":
        return f"matrix-{uuid.uuid4().hex[:10]}"
    if isinstance(template, str):
        return template.replace("{app}", target.app).replace("{record}", target.record).replace(
            "{prefix}", target.prefix).replace("{file}", target.file)
    return template


def _session(server, login: str, password: str) -> dict[str, str]:
    """The headers of a browser's API calls: its session cookie, kintone's X-Requested-With and the
    page's request token."""
    with signed_in(server, login, password) as client:
        token = request_token(client)
        cookie = client.cookies["kinflow_session"]
    return {"Cookie": f"kinflow_session={cookie}", **XHR, "X-Request-Token": token}


def _error_code(body: object) -> str | None:
    if not isinstance(body, dict):
        return None
    if "results" in body:  # a bulk request's failure sits at its index
        return next((_error_code(result) for result in body["results"] if result), None)
    return body.get("code")


def _outcome(response) -> str:
    if response.status_code == 401:
        return UNAUTHENTICATED
    if response.status_code == 403 and _error_code(response.json()) in ("GAIA_NO01", "CB_NO02", "Forbidden"):
        return REFUSED
    if response.status_code in (401, 403) or response.status_code >= 500:
        return f"unexpected {response.status_code}"
    return ALLOWED


def _cells(targets: list[Target]):
    """(path, method, rule, body template, target) of every route as mounted."""
    plain = targets[0]
    for (method, resource), (rule, body) in sorted(KINTONE_RULES.items()):
        if resource.startswith(INTEGRATION):
            yield f"/k/integration/v1/{resource[len(INTEGRATION):]}.json", method, rule, body, plain
            continue
        for target in targets:
            yield f"{target.prefix}/{resource}.json", method, rule, body, target
    for (method, resource), (rule, body) in sorted(ADMIN_RULES.items()):
        if (method, resource) in admin_api.ROUTES:
            yield f"/kinflow/v1/{resource}.json", method, rule, body, plain
    for path, methods in sorted(groups_api.TABLE.items()):
        for method in sorted(methods):
            rule, body = groups_rule(method, path)
            yield re.sub(r"\{(\w+)\}", r"no-such-\1", path), method, rule, body, plain
    for (method, path), (rule, body) in sorted(FLOWS_RULES.items()):
        yield path, method, rule, body, plain
    for path in PUBLIC_PATHS.values():
        yield path, "GET", PUBLIC, None, plain
    yield "/metrics", "GET", ADMIN, None, plain


# Each page, the address it is called at, and who may see it. Pages take a browser session only: a
# caller without one (even with a password or a token) is sent to sign in.
PAGE_RULES = {
    "/k/": (PERSON, "/k/"),
    "/k/{app:int}/": (app("view"), "/k/{app}/"),
    "/k/{app:int}/show": (app("view"), "/k/{app}/show?record={record}"),
    "/k/guest/{space_id:int}/{app:int}/": (app("view"), "/k/guest/{space}/{app}/"),
    "/k/guest/{space_id:int}/{app:int}/show": (app("view"), "/k/guest/{space}/{app}/show?record={record}"),
    "/k/{app:int}/edit": (app("view"), "/k/{app}/edit"),
    "/k/guest/{space_id:int}/{app:int}/edit": (app("view"), "/k/guest/{space}/{app}/edit"),
    "/k/{app:int}/delete": (app("view"), "/k/{app}/delete?record={record}"),
    "/k/guest/{space_id:int}/{app:int}/delete": (app("view"), "/k/guest/{space}/{app}/delete?record={record}"),
    "/k/file": (app("view"), "/k/file?fileKey={file}"),
    "/k/guest/{space_id:int}/file": (app("view"), "/k/guest/{space}/file?fileKey={file}"),
    "/k/notifications": (PERSON, "/k/notifications"),
    "/k/mentions.json": (PERSON, "/k/mentions.json?q=a"),
    "/k/personal": (PERSON, "/k/personal"),
    "/k/admin/app/{app:int}/form": (app("manage"), "/k/admin/app/{app}/form"),
    "/k/admin/users": (ADMIN, "/k/admin/users"),
    "/k/admin/app/{app:int}/views": (app("manage"), "/k/admin/app/{app}/views"),
    "/k/admin/app/{app:int}/webhooks": (app("manage"), "/k/admin/app/{app}/webhooks"),
    "/k/admin/app/{app:int}/tokens": (app("manage"), "/k/admin/app/{app}/tokens"),
    "/k/admin/departments": (ADMIN, "/k/admin/departments"),
    "/k/admin/groups": (ADMIN, "/k/admin/groups"),
    "/k/admin/app/{app:int}/acl": (app("manage"), "/k/admin/app/{app}/acl"),
    "/k/admin/app/{app:int}/acl/records": (app("manage"), "/k/admin/app/{app}/acl/records"),
    "/k/admin/app/{app:int}/acl/fields": (app("manage"), "/k/admin/app/{app}/acl/fields"),
    "/k/admin/app/{app:int}/notifications": (app("manage"), "/k/admin/app/{app}/notifications"),
    "/k/admin/app/{app:int}/notifications/perRecord": (app("manage"), "/k/admin/app/{app}/notifications/perRecord"),
    "/k/admin/app/{app:int}/notifications/reminder": (app("manage"), "/k/admin/app/{app}/notifications/reminder"),
    "/k/admin/spaces": (ADMIN, "/k/admin/spaces"),
    "/k/admin/app/{app:int}/process": (app("manage"), "/k/admin/app/{app}/process"),
    "/k/flows/": (PERSON, "/k/flows/"),
    "/k/flows/new": (PERSON, "/k/flows/new"),
    "/k/flows/connections": (PERSON, "/k/flows/connections"),  # each person's own
    "/k/flows/{flow:int}": (OWNER, "/k/flows/{flow}"),
    "/k/flows/{flow:int}/runs/{run}": (OWNER, "/k/flows/{flow}/runs/{run}"),
    "/k/groups": (PERSON, "/k/groups"),
    "/k/groups/{group}": (MEMBER, "/k/groups/{group}"),
    "/k/groups/{group}/messages": (MEMBER, "/k/groups/{group}/messages"),
}
# Form posts (the session callers send the page's request token in X-Request-Token).
FORM_RULES = {
    "/k/{app:int}/edit": (app("add"), "/k/{app}/edit"),
    "/k/guest/{space_id:int}/{app:int}/edit": (app("add"), "/k/guest/{space}/{app}/edit"),
    "/k/{app:int}/comment": (app("view"), "/k/{app}/comment"),
    "/k/guest/{space_id:int}/{app:int}/comment": (app("view"), "/k/guest/{space}/{app}/comment"),
    "/k/notifications/read": (PERSON, "/k/notifications/read"),
    "/k/{app:int}/status": (app("view"), "/k/{app}/status"),
    "/k/guest/{space_id:int}/{app:int}/status": (app("view"), "/k/guest/{space}/{app}/status"),
    "/k/personal": (PERSON, "/k/personal"),
    "/k/admin/app/new": (PERSON, "/k/admin/app/new"),  # an empty name: 400 for anyone
    "/k/admin/app/{app:int}/form": (app("manage"), "/k/admin/app/{app}/form"),
    "/k/admin/app/{app:int}/deploy": (app("manage"), "/k/admin/app/{app}/deploy"),
    "/k/admin/users": (ADMIN, "/k/admin/users"),
    "/k/admin/app/{app:int}/views": (app("manage"), "/k/admin/app/{app}/views"),
    "/k/admin/app/{app:int}/webhooks": (app("manage"), "/k/admin/app/{app}/webhooks"),
    "/k/admin/app/{app:int}/tokens": (app("manage"), "/k/admin/app/{app}/tokens"),
    "/k/admin/departments": (ADMIN, "/k/admin/departments"),
    "/k/admin/groups": (ADMIN, "/k/admin/groups"),
    "/k/admin/app/{app:int}/acl": (app("manage"), "/k/admin/app/{app}/acl"),
    "/k/admin/app/{app:int}/acl/records": (app("manage"), "/k/admin/app/{app}/acl/records"),
    "/k/admin/app/{app:int}/acl/fields": (app("manage"), "/k/admin/app/{app}/acl/fields"),
    "/k/admin/app/{app:int}/notifications": (app("manage"), "/k/admin/app/{app}/notifications"),
    "/k/admin/app/{app:int}/notifications/perRecord": (app("manage"), "/k/admin/app/{app}/notifications/perRecord"),
    "/k/admin/app/{app:int}/notifications/reminder": (app("manage"), "/k/admin/app/{app}/notifications/reminder"),
    "/k/admin/spaces": (ADMIN, "/k/admin/spaces"),
    "/k/admin/app/{app:int}/process": (app("manage"), "/k/admin/app/{app}/process"),
    "/k/flows/new": (PERSON, "/k/flows/new"),  # no `op`: 400 for anyone
    "/k/flows/connections": (PERSON, "/k/flows/connections"),  # no `op`: 400 for anyone
    "/k/flows/{flow:int}": (OWNER, "/k/flows/{flow}"),  # no `op`: 400 for the owner
    "/k/flows/{flow:int}/runs/{run}": (OWNER, "/k/flows/{flow}/runs/{run}"),
    "/k/groups/{group}/messages": (MEMBER, "/k/groups/{group}/messages"),
    "/k/groups/{group}/reactions": (MEMBER, "/k/groups/{group}/reactions"),
    "/k/groups/{group}/actions/{action}/responses": (MEMBER, "/k/groups/{group}/actions/{action}/responses"),
    # No comment named: 400 for those who may view the record.
    "/k/{app:int}/comment/delete": (app("view"), "/k/{app}/comment/delete"),
    "/k/guest/{space_id:int}/{app:int}/comment/delete": (app("view"), "/k/guest/{space}/{app}/comment/delete"),
    # Last: the administrator's session deletes the target record.
    "/k/{app:int}/delete": (app("delete"), "/k/{app}/delete"),
    "/k/guest/{space_id:int}/{app:int}/delete": (app("delete"), "/k/guest/{space}/{app}/delete"),
}
PAGE_CALLERS = [ANONYMOUS, ADMINISTRATOR, STRANGER_SESSION, ADMINISTRATOR_SESSION]
SIGN_IN = "sent to sign in"


def _page_outcome(response) -> str:
    if response.status_code == 303 and response.headers["location"].startswith("/login?next="):
        return SIGN_IN
    if response.status_code == 403:
        return REFUSED
    if response.status_code == 404:
        return HIDDEN
    # A form post may be refused for what it says (400), or done and sent on (303).
    return ALLOWED if response.status_code in (200, 303, 400) else f"unexpected {response.status_code}"


def _page_cells(targets: list[Target], rules: dict, flow: dict[str, str]):
    """(url, caller, expected outcome, target) of each page; `flow`: the administrator's flow and run."""
    for target in targets:
        guest = target.prefix != "/k/v1"
        for path, (rule, address) in rules.items():
            if guest != path.startswith("/k/guest/"):  # pages of no app are called once, as plain ones
                continue
            space = target.prefix.split("/")[3] if guest else ""
            url = address.replace("{app}", target.app).replace("{record}", target.record).replace(
                "{space}", space).replace("{file}", target.file).replace(
                "{flow}", flow["id"]).replace("{run}", flow["run"]).replace("{group}", target.group).replace(
                "{action}", target.action)
            for caller in PAGE_CALLERS:
                want = expected(rule, caller) if caller in SESSION_OF else SIGN_IN
                yield url, caller, want, target


def _flow_with_a_run(server, admin) -> dict[str, str]:
    """A flow of the administrator's (a Request trigger) and a run of it."""
    deployed = admin.post("/kinflow/v1/flows.json", json={"name": f"matrix-{uuid.uuid4().hex[:8]}", "definition": {
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}}, "actions": {}}})
    assert deployed.status_code == 200, deployed.text
    with server.client() as client:
        started = client.post("/kinflow/" + deployed.json()["callbackUrl"].split("/kinflow/", 1)[1], json={})
    assert started.status_code == 202, started.text
    return {"id": deployed.json()["id"], "run": started.json()["run"]}


def test_page_rules_cover_every_page():
    assert set(PAGE_RULES) == set(web_pages.PAGES)
    assert set(FORM_RULES) == set(web_pages.FORMS)


def test_authorization_matrix(server, admin):
    stranger_code = f"matrix-{uuid.uuid4().hex[:8]}"
    assert admin.post("/kinflow/v1/users.json", json={"code": stranger_code, "password": "pw"}).status_code == 200
    other_app = make_app(admin, {}, name="Another app")
    other_token = _token(admin, "/k/v1", other_app, view=True, add=True, edit=True, delete=True, manage=True)
    space = int(admin.post("/kinflow/v1/spaces.json", json={"name": "Matrix guests", "isGuest": True}).json()["id"])
    stranger = password_header(stranger_code, "pw")
    sessions = {STRANGER_SESSION: _session(server, stranger_code, "pw"),
                ADMINISTRATOR_SESSION: _session(server, "Administrator", ADMIN_PASSWORD)}
    targets = [_target(admin, None, stranger, other_token, sessions),
               _target(admin, space, stranger, other_token, sessions)]
    flow = _flow_with_a_run(server, admin)
    targets[0].group, targets[0].action, targets[0].message = _group_of_the_administrator(server, admin)

    clients = {caller: server.client() for caller in CALLERS}
    wrong = []
    try:
        for path, method, rule, template, target in _cells(targets):
            for caller in CALLERS:
                body = _fill(template, target)
                response = clients[caller].request(method, path, headers=target.headers[caller],
                                                   **({"json": body} if body else {}))
                got, want = _outcome(response), expected(rule, caller)
                if got != want:
                    wrong.append(f"{method} {path} as {caller}: {got}, expected {want} ({response.text[:160]})")
                if path.endswith("records/cursor.json") and method == "POST" and response.status_code == 200:
                    clients[caller].delete(path, headers=target.headers[caller], params={"id": response.json()["id"]})
        for url, caller, want, target in _page_cells(targets, PAGE_RULES, flow):
            got = _page_outcome(clients[caller].get(url, headers=target.headers[caller]))
            if got != want:
                wrong.append(f"page {url} as {caller}: {got}, expected {want}")
        for url, caller, want, target in _page_cells(targets, FORM_RULES, flow):
            form = {"record": target.record, "text": "matrix", "referenceId": target.message}
            got = _page_outcome(clients[caller].post(url, data=form, headers=target.headers[caller]))
            if got != want:
                wrong.append(f"form {url} as {caller}: {got}, expected {want}")
    finally:
        for client in clients.values():
            client.close()
    assert wrong == [], f"{len(wrong)} cells differ:\n" + "\n".join(wrong)
