"""App routes: create, get, list, form fields, layout, views, general settings, permissions, deploy."""

from __future__ import annotations

from kinflow.api.kintone.calls import Call, route
from kinflow.apps import deploy as deploying
from kinflow.apps import form_fields, process_settings
from kinflow.apps import settings as app_settings
from kinflow.apps.app import app_json, create_app, list_apps, parse_id
from kinflow.apps.formulas.values import number_precision
from kinflow.apps.lookup_settings import check_readers, check_related
from kinflow.apps.permissions import has_permission, token_forbidden
from kinflow.errors import array_param, invalid_input, texts_param
from kinflow.i18n import N_


def _int_param(call: Call, name: str, default: int, low: int, high: int) -> int:
    raw = call.params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise invalid_input({name: [N_("Enter an integer value.")]}) from None
    if not low <= value <= high:
        raise invalid_input({name: [N_("Enter a value between {low} and {high}.", low=low, high=high)]})
    return value


@route("POST", "preview/app")
def add_app(call: Call) -> dict:
    if call.identity.by_token:
        raise token_forbidden()
    app = create_app(call.conn, call.params.get("name"), call.identity.code, call.params.get("space"),
                     call.language)
    return {"app": str(app.id), "revision": str(app.revision)}


@route("GET", "app")
def get_app(call: Call) -> dict:
    return app_json(call.viewable_app("id"))


@route("GET", "apps")
def get_apps(call: Call) -> dict:
    if call.identity.by_token:
        raise token_forbidden()
    params = call.params
    found = list_apps(
        call.conn,
        ids=array_param(params, "ids"),
        codes=texts_param(params, "codes"),
        name=params.get("name"),
        space_ids=array_param(params, "spaceIds"),
        limit=_int_param(call, "limit", 100, 1, 100),
        offset=_int_param(call, "offset", 0, 0, 2_147_483_647),
    )
    visible = [
        app for app in found
        if has_permission(call.conn, app, app_settings.get_document(call.conn, app, "acl", preview=False),
                          call.identity, "view")
        or call.identity.user and call.identity.user.is_admin
    ]
    return {"apps": [app_json(app) for app in visible]}


# --- settings documents -------------------------------------------------------------------


def _read_document(call: Call, kind: str, preview: bool, managers_only: bool) -> tuple[dict, str]:
    app = call.managed_app() if preview or managers_only else call.viewable_app()
    document = app_settings.get_document(call.conn, app, kind, preview=preview)
    return document, app_settings.revision_of(app, preview=preview)


def register_reads(resource: str, kind: str, render, *, managers_only: bool = False) -> None:  # noqa: ANN001
    """GET of a settings document, live and preview. As kintone: the pre-live settings need app
    management; the live ones need record view, unless `managers_only` (who may do what is itself a
    manager's secret: permissions, notification recipients)."""
    for preview in (False, True):
        path = f"preview/{resource}" if preview else resource

        def handler(call: Call, preview: bool = preview) -> dict:
            document, revision = _read_document(call, kind, preview, managers_only)
            return {**render(document), "revision": revision}

        route("GET", path)(handler)


# Permissions per kintone.dev's "Get Form Fields", "Get Form Layout", "Get Views", "Get General
# Settings", "Get Process Management Settings": view records for live, app management for preview;
# "Get App Permissions": app management for both.
register_reads("app/form/fields", "form", lambda d: {"properties": form_fields.public_properties(d)})
register_reads("app/form/layout", "layout", lambda d: {"layout": d["layout"]})
register_reads("app/views", "views", lambda d: {"views": d["views"]})
register_reads("app/settings", "settings", lambda d: dict(d))
register_reads("app/acl", "acl", lambda d: {"rights": d["rights"]}, managers_only=True)
register_reads("app/status", "status", process_settings.render)


def _change(call: Call, kind: str, mutate) -> dict:  # noqa: ANN001
    app = call.managed_app()
    app_settings.check_revision(app, call.params.get("revision"))
    document = app_settings.get_document(call.conn, app, kind, preview=True)
    extra = mutate(document) or {}
    revision = app_settings.put_document(call.conn, app, kind, document, call.identity.code)
    return {**extra, "revision": str(revision)}


def _change_fields(call: Call, mutate, argument: str = "properties") -> dict:  # noqa: ANN001
    """A change of form fields, whose lookups and related records are then checked against the
    apps they read, and against the other apps' that read this one."""
    def change(document: dict) -> None:
        mutate(document, call.params.get(argument))
        app_id = parse_id(call.params.get("app"), "app")
        check_related(call.conn, app_id, document)
        check_readers(call.conn, app_id, document)
    return _change(call, "form", change)


@route("POST", "preview/app/form/fields")
def add_form_fields(call: Call) -> dict:
    return _change_fields(call, form_fields.add_fields)


@route("PUT", "preview/app/form/fields")
def update_form_fields(call: Call) -> dict:
    return _change_fields(call, form_fields.update_fields)


@route("DELETE", "preview/app/form/fields")
def delete_form_fields(call: Call) -> dict:
    return _change_fields(call, form_fields.delete_fields, "fields")


@route("PUT", "preview/app/form/layout")
def update_layout(call: Call) -> dict:
    layout = call.params.get("layout")
    if not isinstance(layout, list):
        raise invalid_input({"layout": [N_("Required field.")]})
    return _change(call, "layout", lambda d: d.update(layout=layout))


def _default_sort(call: Call) -> str:
    """kintone lists a view saved without a sort by record number, newest first."""
    form = app_settings.get_document(call.conn, call.managed_app(), "form", preview=True)
    code = next((code for code, prop in form["properties"].items() if prop.get("type") == "RECORD_NUMBER"), None)
    return f"{code} desc" if code else "$id desc"


@route("PUT", "preview/app/views")
def update_views(call: Call) -> dict:
    views = call.params.get("views")
    if not isinstance(views, dict):
        raise invalid_input({"views": [N_("Required field.")]})
    default_sort = _default_sort(call)

    def mutate(document: dict) -> dict:
        old = document.get("views", {})
        next_id = max([int(v.get("id", 0)) for v in old.values()] + [0]) + 1
        stored = {}
        for name, view in views.items():
            if not isinstance(view, dict) or view.get("type") not in ("LIST", "CALENDAR", "CUSTOM"):
                raise invalid_input({f"views.{name}.type": [N_("Enter LIST, CALENDAR or CUSTOM.")]})
            if view.get("filterCond"):
                from kinflow.apps.query.parser import parse_condition

                parse_condition(view["filterCond"])
            view_id = old.get(name, {}).get("id")
            if view_id is None:
                view_id, next_id = str(next_id), next_id + 1
            stored[name] = {"filterCond": "", "sort": default_sort, **view, "id": view_id, "name": name,
                            "index": str(view.get("index", len(stored)))}
        document["views"] = stored
        return {"views": {name: {"id": v["id"]} for name, v in stored.items()}}

    return _change(call, "views", mutate)


_SETTING_KEYS = {
    "name", "description", "icon", "theme", "titleField", "enableThumbnails", "enableBulkDeletion",
    "enableComments", "enableDuplicateRecord", "enableInlineRecordEditing", "numberPrecision",
    "firstMonthOfFiscalYear",
}


@route("PUT", "preview/app/settings")
def update_settings(call: Call) -> dict:
    changes = {k: v for k, v in call.params.items() if k in _SETTING_KEYS}
    for flag in ("enableThumbnails", "enableBulkDeletion", "enableComments", "enableDuplicateRecord",
                 "enableInlineRecordEditing"):
        if flag in changes and not isinstance(changes[flag], bool):
            raise invalid_input({flag: [N_("Must be true or false.")]})
    if "name" in changes and (not isinstance(changes["name"], str) or not changes["name"].strip()):
        raise invalid_input({"name": [N_("Required field.")]})
    title = changes.get("titleField")
    if title is not None:
        if not isinstance(title, dict) or title.get("selectionMode") not in ("AUTO", "MANUAL"):
            raise invalid_input({"titleField.selectionMode": [N_("Enter AUTO or MANUAL.")]})

    def mutate(document: dict) -> None:
        if "numberPrecision" in changes:
            changes["numberPrecision"] = number_precision(changes["numberPrecision"],
                                                          document.get("numberPrecision") or {})
        if title and title.get("selectionMode") == "MANUAL":
            form = app_settings.get_document(call.conn, call.managed_app(), "form", preview=True)
            if title.get("code") not in form["properties"]:
                raise invalid_input({"titleField.code": [N_("The field ({code}) is not found.",
                                                            code=title.get("code"))]})
        document.update(changes)

    return _change(call, "settings", mutate)


_RIGHT_FLAGS = ("appEditable", "recordViewable", "recordAddable", "recordEditable", "recordDeletable",
                "recordImportable", "recordExportable")


@route("PUT", "preview/app/acl")
def update_acl(call: Call) -> dict:
    rights = call.params.get("rights")
    if not isinstance(rights, list):
        raise invalid_input({"rights": [N_("Required field.")]})
    stored = []
    for index, right in enumerate(rights):
        entity = right.get("entity") if isinstance(right, dict) else None
        if not isinstance(entity, dict) or entity.get("type") not in ("USER", "GROUP", "ORGANIZATION", "CREATOR"):
            raise invalid_input({f"rights[{index}].entity.type": [N_("Enter USER, GROUP, ORGANIZATION or CREATOR.")]})
        entry = {"entity": {"type": entity["type"], "code": entity.get("code")},
                 "includeSubs": bool(right.get("includeSubs", False))}
        for flag in _RIGHT_FLAGS:
            entry[flag] = bool(right.get(flag, False))
        stored.append(entry)
    return _change(call, "acl", lambda d: d.update(rights=stored))


@route("PUT", "preview/app/status")
def update_process(call: Call) -> dict:
    app = call.managed_app()
    app_settings.check_revision(app, call.params.get("revision"))
    document = app_settings.get_document(call.conn, app, "status", preview=True)
    form = app_settings.get_document(call.conn, app, "form", preview=True)
    changed = process_settings.apply_change(call.conn, document, call.params, form)
    process_settings.show_status_fields(form, bool(changed.get("enable")))
    revision = app_settings.put_documents(call.conn, app, {"status": changed, "form": form}, call.identity.code)
    return {"revision": str(revision)}


# --- deploy -------------------------------------------------------------------------------


@route("POST", "preview/app/deploy")
def deploy_apps(call: Call) -> dict:
    targets = deploying.parse_targets(call.params.get("apps"))
    revert = call.params.get("revert") in (True, "true")
    deploying.deploy(call.db, call.conn, targets, revert=revert, guest_space_id=call.guest_space_id,
                     can_manage=call.require_manage)
    return {}


@route("GET", "preview/app/deploy")
def deploy_status(call: Call) -> dict:
    raw = call.params.get("apps")
    if not isinstance(raw, list) or not raw:
        raise invalid_input({"apps": [N_("Required field.")]})
    ids = [parse_id(a, f"apps[{i}]") for i, a in enumerate(raw)]
    return {"apps": deploying.deploy_statuses(call.conn, ids, call.guest_space_id, call.require_manage)}
