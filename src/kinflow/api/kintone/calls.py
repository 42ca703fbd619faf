"""One kintone API call, independent of HTTP, so `bulkRequest.json` can run several in one
transaction through the very handlers the single routes use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from kinflow import i18n
from kinflow.apps import settings as app_settings
from kinflow.apps.app import App, LiveApp, load_app, load_live
from kinflow.apps.permissions import require
from kinflow.config import Settings
from kinflow.directory.identity import Identity
from kinflow.errors import KintoneError
from kinflow.i18n import N_
from kinflow.storage.database import Database


@dataclass
class Call:
    db: Database
    conn: Connection
    identity: Identity
    params: dict
    guest_space_id: int | None
    method: str
    resource: str
    settings: Settings
    accept_language: str = ""

    @property
    def language(self) -> str:
        """The caller's language: their setting, else their `Accept-Language`, else the server's."""
        setting = self.identity.user.language if self.identity.user is not None else None
        return i18n.choose(setting, self.accept_language, self.settings.language)

    def live(self, permission: str, key: str = "app") -> LiveApp:
        """The deployed app named by `params[key]`, after checking the caller may `permission` it."""
        live = load_live(self.conn, self.params.get(key), guest_space_id=self.guest_space_id)
        require(self.conn, live.app, live.acl, self.identity, permission)
        return live

    def managed_app(self, key: str = "app") -> App:
        """An app whose settings the caller may manage (deployed or not)."""
        app = load_app(self.conn, self.params.get(key), guest_space_id=self.guest_space_id)
        self.require_manage(self.conn, app)
        return app

    def viewable_app(self, key: str = "app") -> App:
        """An app (deployed or not) the caller may view."""
        app = load_app(self.conn, self.params.get(key), guest_space_id=self.guest_space_id)
        acl = app_settings.get_document(self.conn, app, "acl", preview=False)
        require(self.conn, app, acl, self.identity, "view")
        return app

    def require_manage(self, conn: Connection, app: App) -> None:
        acl = app_settings.get_document(conn, app, "acl", preview=False)
        require(conn, app, acl, self.identity, "manage")


@dataclass(frozen=True)
class Created:
    """A handler's answer when it made something addressable: `201` with a `Location`."""

    body: dict
    location: str


@dataclass(frozen=True)
class Download:
    """A handler's answer that is a file, not JSON."""

    content: bytes
    content_type: str
    name: str


Handler = Callable[[Call], "dict | Created | Download"]
ROUTES: dict[tuple[str, str], Handler] = {}
# Handlers that only read: they run in a read transaction.
READ_ONLY: set[tuple[str, str]] = set()


def route(method: str, resource: str, *, writes: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler; a GET runs in a read-only transaction unless it `writes`."""

    def register(handler: Handler) -> Handler:
        ROUTES[(method, resource)] = handler
        if method == "GET" and not writes:
            READ_ONLY.add((method, resource))
        return handler

    return register


def not_found_api(method: str, resource: str) -> KintoneError:
    return KintoneError("GAIA_NF01", N_("The API ({method} {resource}.json) is not found.",
                                        method=method, resource=resource), 404)
