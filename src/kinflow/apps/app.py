"""Apps themselves: create, look up, list; and the live form of a deployed app, cached per deploy."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.form import Form
from kinflow.apps.process_settings import default_document as default_process
from kinflow.apps.record_tables import RecordTables
from kinflow.clock import clock
from kinflow.digits import is_digits
from kinflow.errors import KintoneError, app_not_found, invalid_input
from kinflow.i18n import N_
from kinflow.storage.prepared import Prepared
from kinflow.storage.schema import MAX_ID, app_settings, apps, spaces


@dataclass(frozen=True)
class App:
    id: int
    code: str
    name: str
    description: str
    space_id: int | None
    thread_id: int | None
    created_at: datetime
    creator: str
    modified_at: datetime
    modifier: str
    revision: int
    live_version: int
    live_revision: int
    deploy_status: str
    guest_space: bool
    webhooks_revision: int = 0

    @property
    def deployed(self) -> bool:
        return self.live_version > 0


_T = TypeVar("_T")


@dataclass(frozen=True)
class LiveApp:
    """A deployed app with what record handling needs: its live form and record tables."""

    app: App
    form: Form
    tables: RecordTables
    settings: dict
    acl: dict
    process: dict  # the live process management settings (kind `status`)
    documents: dict  # every live settings document, by kind
    # Values other modules work out from this live version (see `derived`), shared by every copy
    # of the cached app until the next deploy replaces it.
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def id(self) -> int:
        return self.app.id

    def derived(self, name: str, build: Callable[["LiveApp"], _T]) -> _T:
        """`build(self)`, worked out once per deploy (e.g. parsed notification conditions). Two
        threads may both build it the first time; either result is the same."""
        try:
            return self._derived[name]
        except KeyError:
            value = self._derived[name] = build(self)
            return value

    def title_field(self) -> str | None:
        """The code of the field that titles a record: kintone's `titleField` when chosen by hand,
        else (AUTO) the first single-line text field."""
        setting = self.settings.get("titleField") or {}
        code = setting.get("code") if setting.get("selectionMode") == "MANUAL" else None
        return code or next((f.code for f in self.form.top_level if f.type == "SINGLE_LINE_TEXT"), None)


# Every record call loads its app: compiled once (see `storage.prepared`).
_LOAD_APP = Prepared(
    sa.select(apps.c.id, apps.c.code, apps.c.name, apps.c.description, apps.c.space_id, apps.c.thread_id,
              apps.c.created_at, apps.c.creator, apps.c.modified_at, apps.c.modifier, apps.c.revision,
              apps.c.live_version, apps.c.live_revision, apps.c.deploy_status, spaces.c.is_guest,
              apps.c.webhooks_revision)
    .select_from(apps.outerjoin(spaces, spaces.c.id == apps.c.space_id))
    .where(apps.c.id == sa.bindparam("app_id"))
)


def load_app(conn: Connection, app_id: object, *, guest_space_id: int | None = None) -> App:
    """The app, checked against the path it was called through (guest space or not)."""
    number = parse_id(app_id, "app")
    row = _LOAD_APP.first(conn, app_id=number)
    if row is None:
        raise app_not_found(number)
    app = App(*row[:14], bool(row[14]), row[15])
    check_space(app, guest_space_id)
    return app


def check_space(app: App, guest_space_id: int | None) -> None:
    # kintone: an app in a guest space must be called through /k/guest/{id}/v1/ (GAIA_IL23), and a
    # guest path reaches only the apps of that guest space (CB_NO02).
    if guest_space_id is None:
        if app.guest_space:
            raise KintoneError(
                "GAIA_IL23",
                N_("To use the API for an app in a guest space, specify the guest space ID in the request URL "
                   "(/k/guest/{space_id}/v1/...).", space_id=app.space_id),
                400,
            )
    elif not app.guest_space or app.space_id != guest_space_id:
        raise KintoneError("CB_NO02", N_("No privilege to proceed."), 403)




def parse_id(value: object, name: str) -> int:
    """kintone accepts ids as numbers or numeric strings."""
    if value is None or value == "":
        raise invalid_input({name: [N_("Required field.")]})
    if isinstance(value, bool):
        raise invalid_input({name: [N_("Enter an integer value.")]})
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and is_digits(value.strip().lstrip("-")):
        number = int(value.strip())
    else:
        raise invalid_input({name: [N_("Enter an integer value.")]})
    if number < 1:
        raise invalid_input({name: [N_("Enter an integer value of 1 or more.")]})
    if number > MAX_ID:
        raise invalid_input({name: [N_("Enter an integer value of {max_id} or less.", max_id=MAX_ID)]})
    return number


def create_app(conn: Connection, name: object, creator: str, space: object = None, language: str = "en") -> App:
    """A new app, not yet deployed; its system fields are named in `language`, its creator's."""
    from kinflow.apps.settings import initial_documents

    if not isinstance(name, str) or not name.strip():
        raise invalid_input({"name": [N_("Required field.")]})
    if len(name) > 64:
        raise invalid_input({"name": [N_("Enter less than 65 characters.")]})
    space_id = None
    if space not in (None, ""):
        space_id = parse_id(space, "space")
        if conn.execute(sa.select(spaces.c.id).where(spaces.c.id == space_id)).first() is None:
            raise KintoneError("GAIA_SP01", N_("The space (ID: {space_id}) not found.", space_id=space_id), 404)
    now = clock.now().replace(tzinfo=None)
    app_id = conn.execute(
        apps.insert().values(
            name=name, creator=creator, modifier=creator, created_at=now, modified_at=now,
            space_id=space_id, thread_id=space_id, revision=1,
        )
    ).inserted_primary_key[0]
    for kind, document in initial_documents(name, creator, language).items():
        conn.execute(app_settings.insert().values(app_id=app_id, stage="preview", kind=kind, document=document))
    return load_app(conn, app_id, guest_space_id=_guest(conn, space_id))


def _guest(conn: Connection, space_id: int | None) -> int | None:
    if space_id is None:
        return None
    is_guest = conn.execute(sa.select(spaces.c.is_guest).where(spaces.c.id == space_id)).scalar()
    return space_id if is_guest else None


def create_space(conn: Connection, name: str, *, guest: bool = False) -> int:
    return conn.execute(spaces.insert().values(name=name, is_guest=guest)).inserted_primary_key[0]


def app_json(app: App) -> dict:
    return {
        "appId": str(app.id),
        "code": app.code,
        "name": app.name,
        "description": app.description,
        "spaceId": str(app.space_id) if app.space_id else None,
        "threadId": str(app.thread_id) if app.thread_id else None,
        "createdAt": iso(app.created_at),
        "creator": {"code": app.creator, "name": app.creator},
        "modifiedAt": iso(app.modified_at),
        "modifier": {"code": app.modifier, "name": app.modifier},
    }


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def list_apps(conn: Connection, *, ids=None, codes=None, name=None, space_ids=None, limit=100, offset=0) -> list[App]:
    query = sa.select(apps.c.id).order_by(apps.c.id)
    if ids:
        query = query.where(apps.c.id.in_([parse_id(i, f"ids[{n}]") for n, i in enumerate(ids)]))
    if codes:
        query = query.where(apps.c.code.in_(codes))
    if name:
        query = query.where(sa.func.lower(apps.c.name).contains(str(name).lower(), autoescape=True))
    if space_ids:
        query = query.where(apps.c.space_id.in_([parse_id(i, f"spaceIds[{n}]") for n, i in enumerate(space_ids)]))
    query = query.limit(limit).offset(offset)
    return [load_app_anywhere(conn, app_id) for app_id in conn.execute(query).scalars()]


def load_app_anywhere(conn: Connection, app_id: object) -> App:
    """An app whatever space it is in (for lists and kinflow's own API, which have no guest path)."""
    number = parse_id(app_id, "app")
    row = _LOAD_APP.first(conn, app_id=number)
    if row is None:
        raise app_not_found(number)
    return App(*row[:14], bool(row[14]), row[15])


_live_cache: dict[tuple[int, int], LiveApp] = {}
_live_lock = threading.Lock()


def load_live(conn: Connection, app_id: object, *, guest_space_id: int | None = None) -> LiveApp:
    """A deployed app with its live form; an app never deployed is not found, as in kintone."""
    app = load_app(conn, app_id, guest_space_id=guest_space_id)
    if not app.deployed:
        raise app_not_found(app.id)
    key = (app.id, app.live_version)
    cached = _live_cache.get(key)
    if cached is not None:
        return LiveApp(app, cached.form, cached.tables, cached.settings, cached.acl, cached.process,
                       cached.documents, cached._derived)
    documents = dict(
        conn.execute(
            sa.select(app_settings.c.kind, app_settings.c.document).where(
                app_settings.c.app_id == app.id, app_settings.c.stage == "live"
            )
        ).all()
    )
    form = Form.from_document(documents["form"])
    # Apps made before process management existed have no `status` document: theirs is the default.
    process = documents.get("status") or default_process()
    live = LiveApp(app, form, RecordTables(app.id, form, conn.dialect.name), documents["settings"], documents["acl"],
                   process, documents)
    with _live_lock:
        for stale in [k for k in _live_cache if k[0] == app.id]:
            del _live_cache[stale]
        _live_cache[key] = live
    return live


def load_live_anywhere(conn: Connection, app_id: int) -> LiveApp:
    """A deployed app whatever space it is in: the app another app's lookup or related records
    field points at."""
    app = load_app_anywhere(conn, app_id)
    return load_live(conn, app.id, guest_space_id=app.space_id if app.guest_space else None)


def app_by_code(conn: Connection, code: str) -> int:
    """The id of the app with this app code (GAIA_AP01 when none has it)."""
    found = conn.execute(sa.select(apps.c.id).where(apps.c.code == code)).scalar() if code else None
    if found is None:
        raise app_not_found(code)
    return found
