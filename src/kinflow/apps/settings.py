"""An app's settings documents in kintone's two stages: pre-live ("preview") and live.

Every change goes to the pre-live stage and bumps the app's one revision counter; a deploy copies
the pre-live documents to the live stage. `revision` on a change is the caller's expectation of the
current pre-live revision: `-1` or absent skips the check, a stale one is `GAIA_CO02`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.access.settings import default_documents as default_access
from kinflow.apps.app import App, parse_id
from kinflow.apps.form import new_form_document
from kinflow.apps.notification_settings import default_documents as default_notifications
from kinflow.apps.process_settings import default_document as default_process
from kinflow.clock import clock
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_
from kinflow.storage.schema import app_settings, apps

KINDS = ("form", "layout", "views", "settings", "acl", "status", *default_notifications(), *default_access())


def initial_documents(name: str, creator: str, language: str = "en") -> dict[str, dict]:
    return {
        "form": new_form_document(language),
        "layout": {"layout": []},
        "views": {"views": {}},
        "settings": {
            "name": name,
            "description": "",
            "icon": {"type": "PRESET", "key": "APP72"},
            "theme": "WHITE",
            "titleField": {"selectionMode": "AUTO", "code": ""},
            "enableThumbnails": True,
            "enableBulkDeletion": False,
            "enableComments": True,
            "enableDuplicateRecord": True,
            "enableInlineRecordEditing": True,
            "numberPrecision": {"digits": "16", "decimalPlaces": "4", "roundingMode": "HALF_EVEN"},
            "firstMonthOfFiscalYear": "4",
        },
        # kintone's default app permissions: the creator manages, everyone uses records.
        "acl": {
            "rights": [
                _right({"type": "CREATOR", "code": None}, app=True),
                _right({"type": "GROUP", "code": "everyone"}, app=False),
            ]
        },
        "status": default_process(language),
        **default_notifications(),
        **default_access(),
    }


def _right(entity: dict, *, app: bool) -> dict:
    return {
        "entity": entity,
        "includeSubs": False,
        "appEditable": app,
        "recordViewable": True,
        "recordAddable": True,
        "recordEditable": True,
        "recordDeletable": True,
        "recordImportable": True,
        "recordExportable": True,
    }


def get_document(conn: Connection, app: App, kind: str, *, preview: bool) -> dict:
    stage = "preview" if preview else "live"
    document = conn.execute(
        sa.select(app_settings.c.document).where(
            app_settings.c.app_id == app.id, app_settings.c.stage == stage, app_settings.c.kind == kind
        )
    ).scalar()
    if document is None:
        # Never deployed: the live stage is empty, as for a brand-new kintone app.
        document = initial_documents(app.name, app.creator)[kind]
    return document


def revision_of(app: App, *, preview: bool) -> str:
    return str(app.revision if preview else app.live_revision)


def check_revision(app: App, revision: object) -> None:
    if revision is None or revision == "" or str(revision) == "-1":
        return
    expected = parse_id(revision, "revision")
    if expected != app.revision:
        raise KintoneError(
            "GAIA_CO02",
            N_("The revision is not the latest. Someone may update the app settings. (revision: {expected}, latest: "
               "{revision})", expected=expected, revision=app.revision),
            409,
        )


def put_document(conn: Connection, app: App, kind: str, document: dict, user: str) -> int:
    """Store a pre-live document and bump the revision; returns the new revision."""
    return put_documents(conn, app, {kind: document}, user)


def put_documents(conn: Connection, app: App, documents: dict[str, dict], user: str) -> int:
    """Store several pre-live documents as one change: the revision grows by one."""
    if app.deploy_status == "PROCESSING":
        raise KintoneError("GAIA_AP02", N_("The app is being deployed. Try again later."), 400)
    for kind, document in documents.items():
        updated = conn.execute(
            app_settings.update()
            .where(app_settings.c.app_id == app.id, app_settings.c.stage == "preview", app_settings.c.kind == kind)
            .values(document=document)
        )
        if updated.rowcount == 0:
            conn.execute(app_settings.insert().values(app_id=app.id, stage="preview", kind=kind, document=document))
    new_revision = app.revision + 1
    conn.execute(
        apps.update()
        .where(apps.c.id == app.id)
        .values(revision=new_revision, modifier=user, modified_at=clock.now().replace(tzinfo=None))
    )
    return new_revision


def require_object(value: object, name: str) -> dict:
    if not isinstance(value, dict):
        raise invalid_input({name: [N_("Required field.") if value is None else N_("Must be an object.")]})
    return value
