"""Record and field permission routes: record/acl.json and field/acl.json (+ preview), and one
user's rights on some records (records/acl/evaluate.json)."""

from __future__ import annotations

from kinflow.api.kintone.apps import register_reads
from kinflow.api.kintone.calls import Call, route
from kinflow.apps import access
from kinflow.apps.access import settings as access_settings
from kinflow.apps import settings as app_settings
from kinflow.apps.app import load_live, parse_id
from kinflow.apps.permissions import has_permission, token_forbidden
from kinflow.apps.records import fetch_records
from kinflow.errors import array_param, invalid_input, no_privilege, record_not_found
from kinflow.i18n import N_

_KINDS = {"record": access_settings.RECORD_ACL, "field": access_settings.FIELD_ACL}
_BUILD = {"record": access_settings.record_rights, "field": access_settings.field_rights}


def _update(call: Call, name: str) -> dict:
    # kintone.dev: the app is `id` or `app`, `id` winning when both are given.
    key = "id" if call.params.get("id") not in (None, "") else "app"
    app = call.managed_app(key)
    app_settings.check_revision(app, call.params.get("revision"))
    form = app_settings.get_document(call.conn, app, "form", preview=True)
    document = _BUILD[name](call.conn, call.params.get("rights"), form)
    return {"revision": str(app_settings.put_document(call.conn, app, _KINDS[name], document, call.identity.code))}


for _name, _kind in _KINDS.items():
    # kintone.dev "Get Record Permissions", "Get Field Permissions": app management, live and preview.
    register_reads(f"{_name}/acl", _kind, lambda d: {"rights": d["rights"]}, managers_only=True)
    route("PUT", f"preview/{_name}/acl")(lambda call, name=_name: _update(call, name))


@route("GET", "records/acl/evaluate")
def evaluate(call: Call) -> dict:
    # kintone.dev: password or session authentication only; record view or add permission.
    if call.identity.by_token:
        raise token_forbidden()
    live = load_live(call.conn, call.params.get("app"), guest_space_id=call.guest_space_id)
    if not (has_permission(call.conn, live.app, live.acl, call.identity, "view")
            or has_permission(call.conn, live.app, live.acl, call.identity, "add")):
        raise no_privilege()
    raw = array_param(call.params, "ids")
    if not raw:
        raise invalid_input({"ids": [N_("Required field.")]})
    if len(raw) > access.MAX_EVALUATE:
        raise invalid_input({"ids": [N_("Specify up to {limit} record IDs.", limit=access.MAX_EVALUATE)]})
    ids = [parse_id(value, f"ids[{index}]") for index, value in enumerate(raw)]
    found = fetch_records(call.conn, live, ids)
    missing = next((i for i in ids if i not in found), None)
    if missing is not None:
        raise record_not_found(missing)
    app_rights = {flag: has_permission(call.conn, live.app, live.acl, call.identity, permission)
                  for flag, permission in (("viewable", "view"), ("editable", "edit"), ("deletable", "delete"))}
    return {"rights": access.evaluate(call.conn, live, call.identity, [found[i] for i in ids], app_rights)}
