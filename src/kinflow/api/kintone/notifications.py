"""Notification settings routes: app/notifications/{general,perRecord,reminder}.json (+ preview)."""

from __future__ import annotations

from kinflow.api.kintone.apps import register_reads
from kinflow.api.kintone.calls import Call, route
from kinflow.apps import notification_settings
from kinflow.apps import settings as app_settings

_KINDS = {
    "general": notification_settings.GENERAL,
    "perRecord": notification_settings.PER_RECORD,
    "reminder": notification_settings.REMINDER,
}


def _update(call: Call, kind: str) -> dict:
    app = call.managed_app()
    app_settings.check_revision(app, call.params.get("revision"))
    document = app_settings.get_document(call.conn, app, kind, preview=True)
    form = app_settings.get_document(call.conn, app, "form", preview=True)
    changed = notification_settings.apply_change(call.conn, kind, document, call.params, form)
    return {"revision": str(app_settings.put_document(call.conn, app, kind, changed, call.identity.code))}


for _name, _kind in _KINDS.items():
    # kintone.dev "Get General/Per Record/Reminder Notification Settings": app management, live and
    # preview (recipients and conditions are the managers' business).
    register_reads(f"app/notifications/{_name}", _kind, dict, managers_only=True)
    route("PUT", f"preview/app/notifications/{_name}")(lambda call, kind=_kind: _update(call, kind))
