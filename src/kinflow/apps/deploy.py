"""Deploying pre-live settings: the live documents become the pre-live ones and the app's record
tables are altered to the new form, all in one transaction.

kintone deploys asynchronously and clients poll the status; kinflow finishes within the request, so
the first poll already answers SUCCESS or FAIL. A failing app fails the whole batch: the others are
CANCEL and nothing changes (shared/reference/kintone-rest-api.md §6.2).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from kinflow.apps.access.settings import FIELD_ACL, RECORD_ACL, check_against_form
from kinflow.apps.app import App, LiveApp, load_app, parse_id
from kinflow.apps.form import Form
from kinflow.apps.form_fields import check_formulas
from kinflow.apps.formulas.check import is_calculated
from kinflow.apps.formulas.values import Precision
from kinflow.apps.process import settle_records
from kinflow.apps.process_settings import default_document as default_process
from kinflow.apps.files import drop_field_files
from kinflow.apps.record_tables import RecordTables, sync_schema
from kinflow.apps.records import recalculate_all
from kinflow.apps.settings import KINDS, check_revision
from kinflow.directory.tokens import make_live
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_
from kinflow.storage.database import Database
from kinflow.storage.schema import app_settings, apps

MAX_APPS = 300
log = logging.getLogger("kinflow.deploy")


def parse_targets(items: object) -> list[tuple[int, object]]:
    if not isinstance(items, list) or not items:
        raise invalid_input({"apps": [N_("Required field.")]})
    if len(items) > MAX_APPS:
        raise invalid_input({"apps": [N_("Specify up to {max_apps} apps.", max_apps=MAX_APPS)]})
    targets = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            targets.append((parse_id(item.get("app"), f"apps[{index}].app"), item.get("revision")))
        else:
            targets.append((parse_id(item, f"apps[{index}]"), None))
    return targets


def _copy_stage(conn: Connection, app_id: int, source: str, target: str) -> None:
    conn.execute(app_settings.delete().where(app_settings.c.app_id == app_id, app_settings.c.stage == target))
    rows = conn.execute(
        sa.select(app_settings.c.kind, app_settings.c.document).where(
            app_settings.c.app_id == app_id, app_settings.c.stage == source
        )
    ).all()
    for kind, document in rows:
        conn.execute(app_settings.insert().values(app_id=app_id, stage=target, kind=kind, document=document))


def _live_document(conn: Connection, app_id: int, kind: str) -> dict | None:
    return conn.execute(
        sa.select(app_settings.c.document).where(
            app_settings.c.app_id == app_id, app_settings.c.stage == "live", app_settings.c.kind == kind
        )
    ).scalar()


def _formulas(form_document: dict | None, settings: dict | None) -> tuple:
    """What calculated values depend on besides the records: the formulas, and the precision."""
    if form_document is None:
        return ()
    form = Form.from_document(form_document)
    return (sorted((f.code, f.table or "", f.props.get("expression") or "") for f in form.fields.values()
                   if is_calculated(f)), Precision.of(settings))


def _deploy_one(conn: Connection, app: App) -> None:
    old_document = _live_document(conn, app.id, "form")
    before = _formulas(old_document, _live_document(conn, app.id, "settings"))
    _copy_stage(conn, app.id, "preview", "live")
    form_document = _live_document(conn, app.id, "form")
    form = Form.from_document(form_document)
    check_formulas(form_document)  # every save checked them; a form saved before formulas existed may not
    check_against_form(conn, form_document, {kind: _live_document(conn, app.id, kind) or {}
                                             for kind in (RECORD_ACL, FIELD_ACL)})
    tables = RecordTables(app.id, form, conn.dialect.name)
    if old_document is not None and app.deployed:
        drop_field_files(conn, RecordTables(app.id, Form.from_document(old_document), conn.dialect.name), tables)
    sync_schema(conn, tables)
    process = _live_document(conn, app.id, "status")
    if process is not None:
        settle_records(conn, tables.records, process)
    settings = _live_document(conn, app.id, "settings")
    if _formulas(form_document, settings) != before:
        # A deploy that changes a formula (or the number precision) recalculates existing records.
        recalculate_all(conn, LiveApp(app, form, tables, settings, {}, process or default_process(), {}))
    make_live(conn, app.id)
    conn.execute(
        apps.update()
        .where(apps.c.id == app.id)
        .values(live_version=app.live_version + 1, live_revision=app.revision,
                deploy_status="SUCCESS", deploy_reason="", name=settings.get("name", app.name),
                description=settings.get("description", app.description))
    )


def _revert_one(conn: Connection, app: App) -> None:
    if app.deployed:
        _copy_stage(conn, app.id, "live", "preview")
    conn.execute(apps.update().where(apps.c.id == app.id).values(revision=app.revision + 1, deploy_status="CANCEL",
                                                                          deploy_reason=""))


def deploy(db: Database, conn: Connection, targets: list[tuple[int, object]], *, revert: bool,
           guest_space_id: int | None, can_manage) -> None:
    """Deploy (or revert) every target in `conn`'s transaction.

    On a failure the transaction is rolled back by the caller; the FAIL/CANCEL statuses are written
    afterwards in their own transaction (`record_failure`), so a client polling sees them.
    """
    loaded = []
    for app_id, revision in targets:
        app = load_app(conn, app_id, guest_space_id=guest_space_id)
        can_manage(conn, app)
        check_revision(app, revision)
        loaded.append(app)
    failing = None
    try:
        for app in loaded:
            failing = app.id
            if revert:
                _revert_one(conn, app)
            else:
                with conn.begin_nested():
                    _deploy_one(conn, app)
    except IntegrityError as error:
        raise DeployFailed([a.id for a in loaded], failing, str(error.orig)) from None


class DeployFailed(KintoneError):
    """Existing records violate the new form (say, a new unique field)."""

    def __init__(self, app_ids: list[int], failing: int | None, detail: str = "") -> None:
        super().__init__(
            "GAIA_DE01",
            N_("Failed to deploy the app (ID: {app}): existing records violate the new settings.", app=failing),
            400,
        )
        self.app_ids = app_ids
        self.failing = failing
        # The database's first line (the constraint and, on PostgreSQL, the duplicated key), kept short.
        self.reason = self.message + (f" ({detail.strip().splitlines()[0][:300]})" if detail.strip() else "")


def record_failure(conn: Connection, error: DeployFailed) -> None:
    """FAIL for the app that failed and CANCEL for the others of its batch, each with the reason."""
    log.warning("deploy of apps %s failed: %s", ",".join(map(str, error.app_ids)), error.reason)
    for app_id in error.app_ids:
        status = "FAIL" if app_id == error.failing else "CANCEL"
        reason = error.reason if app_id == error.failing else (
            f"Cancelled: the deploy of app {error.failing} in the same request failed.")
        conn.execute(apps.update().where(apps.c.id == app_id).values(deploy_status=status, deploy_reason=reason))


def deploy_statuses(conn: Connection, app_ids: list[int], guest_space_id: int | None, can_manage) -> list[dict]:
    result = []
    for app_id in app_ids:
        app = load_app(conn, app_id, guest_space_id=guest_space_id)
        can_manage(conn, app)
        result.append({"app": str(app.id), "status": app.deploy_status})
        if app.deploy_status in ("FAIL", "CANCEL"):
            # kinflow's own key: kintone's clients read `app` and `status` and ignore the rest.
            result[-1]["reason"] = conn.execute(
                sa.select(apps.c.deploy_reason).where(apps.c.id == app.id)).scalar_one()
    return result
