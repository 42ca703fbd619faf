"""Record and field permission routes: record/acl.json and field/acl.json (+ preview)."""

from __future__ import annotations

from kinflow.api.kintone.apps import register_reads
from kinflow.api.kintone.calls import Call, route
from kinflow.apps import access_settings
from kinflow.apps import settings as app_settings

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
