"""Custom action packages (Kaizala's Actions SDK, actions/anatomy.md): a plain zip of at most 1 MB,
its files at the root, holding a manifest `package.json` (package_manifest_schema.json: `id` in reverse
domain name notation, `schemaVersion`, `version`, `displayName`, `description`, `providerName`, `icon`,
`appModel`, optional `views`) and the files it names. An administrator imports one (Kaizala did it in
its management portal); connectors then subscribe to its events (`objectType: ActionPackage`).

Every refusal says what is wrong with the zip or which manifest field, as a `400`."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.clock import utc_text
from kinflow.errors import KintoneError
from kinflow.events.outbox import now_naive
from kinflow.groups.errors import bad_input, not_found
from kinflow.groups.tables import action_packages

MAX_SIZE = 1024 * 1024  # Kaizala's limit for a package
MANIFEST = "package.json"
MAX_ENTRIES = 200
# Unpacked, a 1 MB zip may claim far more; more than this is not a package but a zip bomb.
MAX_UNPACKED = 16 * 1024 * 1024
MAX_JSON = 256 * 1024  # the manifest and the app model, unpacked
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$")
# Manifest text fields and their longest length (package_manifest_schema.json).
_TEXTS = {"id": 64, "displayName": 64, "description": 128, "providerName": 64, "icon": 64, "appModel": 64}
VIEWS = ("CreationView", "ResponseView", "ResponseResultsView", "ChatCanvasCardView")


def _bad(message: str) -> KintoneError:
    return bad_input("package", message)


def _manifest_error(field: str, message: str) -> KintoneError:
    return bad_input(f"manifest.{field}", message)


@dataclass(frozen=True)
class ActionPackage:
    id: str
    version: str
    display_name: str
    description: str
    provider_name: str
    size: int

    def as_json(self) -> dict:
        return {"id": self.id, "version": self.version, "displayName": self.display_name,
                "description": self.description, "providerName": self.provider_name, "size": self.size}


def _open(archive: bytes) -> zipfile.ZipFile:
    if len(archive) > MAX_SIZE:
        raise KintoneError("PayloadTooLarge", f"An action package is at most {MAX_SIZE} bytes (1 MB).", 413)
    try:
        package = zipfile.ZipFile(io.BytesIO(archive))
        entries = package.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _bad("The package is not a zip file.") from None
    if not entries:
        raise _bad("The zip file is empty.")
    if len(entries) > MAX_ENTRIES:
        raise _bad(f"The zip file holds more than {MAX_ENTRIES} files.")
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise _bad("The zip file is password protected; a package must not be.")
    nested = [entry.filename for entry in entries if "/" in entry.filename.rstrip("/") or entry.is_dir()]
    if nested:
        raise _bad(f"The files of a package are at the root of the zip, not in folders: {nested[0][:100]!r}.")
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED:
        raise _bad(f"The package unpacks to more than {MAX_UNPACKED} bytes.")
    return package


def _json_file(package: zipfile.ZipFile, name: str, field: str) -> dict:
    try:
        info = package.getinfo(name)
    except KeyError:
        raise (_bad(f"The zip file has no manifest {MANIFEST!r} at its root.") if name == MANIFEST else
               _manifest_error(field, f"The package has no file {name[:64]!r}.")) from None
    if info.file_size > MAX_JSON:
        raise _manifest_error(field, f"{name!r} is larger than {MAX_JSON} bytes.")
    try:
        body = orjson.loads(package.read(info))
    except (orjson.JSONDecodeError, zipfile.BadZipFile, NotImplementedError, RuntimeError):
        raise _manifest_error(field, f"{name[:64]!r} is not valid JSON.") from None
    if not isinstance(body, dict):
        raise _manifest_error(field, f"{name[:64]!r} is not a JSON object.")
    return body


def _checked_manifest(manifest: dict, names: set[str]) -> dict:
    for field, limit in _TEXTS.items():
        value = manifest.get(field)
        if not isinstance(value, str) or not value.strip():
            raise _manifest_error(field, "Required field (a string).")
        if len(value) > limit:
            raise _manifest_error(field, f"Enter at most {limit} characters.")
    if not _ID.match(manifest["id"]):
        raise _manifest_error("id", "Use reverse domain name notation, such as com.example.feedback.")
    if isinstance(manifest.get("schemaVersion"), bool) or not isinstance(manifest.get("schemaVersion"), (int, float)):
        raise _manifest_error("schemaVersion", "Required field (a number; the schema's version is 1).")
    version = manifest.get("version")
    if isinstance(version, bool) or not isinstance(version, (str, int)) or not 0 < len(str(version)) <= 32:
        raise _manifest_error("version", "Required field (a version such as 1.0.0).")
    for field in ("icon", "appModel"):
        if manifest[field] not in names:
            raise _manifest_error(field, f"The package has no file {manifest[field]!r}.")
    views = manifest.get("views", {})
    if not isinstance(views, dict):
        raise _manifest_error("views", "Enter an object of views.")
    for view, spec in views.items():
        if view not in VIEWS or not isinstance(spec, dict):
            raise _manifest_error(f"views.{str(view)[:32]}", f"A view is one of {', '.join(VIEWS)}, an object.")
        source = spec.get("sourceLocation")
        if source is not None and source not in names:
            raise _manifest_error(f"views.{view}.sourceLocation", f"The package has no file {str(source)[:64]!r}.")
    return manifest


def import_package(conn: Connection, archive: bytes, importer: str) -> dict:
    """Check the package and keep it; a package of the same id is replaced (a new version)."""
    package = _open(archive)
    names = {entry.filename for entry in package.infolist()}
    manifest = _checked_manifest(_json_file(package, MANIFEST, "package.json"), names)
    _json_file(package, manifest["appModel"], "appModel")
    found = ActionPackage(manifest["id"], str(manifest["version"]), manifest["displayName"], manifest["description"],
                          manifest["providerName"], len(archive))
    values = {"version": found.version, "display_name": found.display_name, "description": found.description,
              "provider_name": found.provider_name, "manifest": manifest, "archive": archive, "size": found.size,
              "sha256": hashlib.sha256(archive).hexdigest(), "imported_at": now_naive(), "importer": importer}
    if conn.execute(sa.select(action_packages.c.id).where(action_packages.c.id == found.id)).first():
        conn.execute(action_packages.update().where(action_packages.c.id == found.id).values(**values))
    else:
        conn.execute(action_packages.insert().values(id=found.id, **values))
    return found.as_json()


def list_packages(conn: Connection) -> list[dict]:
    rows = conn.execute(sa.select(action_packages.c.id, action_packages.c.version, action_packages.c.display_name,
                                  action_packages.c.description, action_packages.c.provider_name,
                                  action_packages.c.size, action_packages.c.imported_at, action_packages.c.importer)
                        .order_by(action_packages.c.id))
    return [{**ActionPackage(r.id, r.version, r.display_name, r.description, r.provider_name, r.size).as_json(),
             "importedAt": utc_text(r.imported_at), "importer": r.importer} for r in rows]


def require_package(conn: Connection, package_id: object) -> str:
    """The id of an imported package (404 otherwise)."""
    if not isinstance(package_id, str) or not package_id or len(package_id) > 64:
        raise not_found("action package", str(package_id)[:64])
    if conn.execute(sa.select(action_packages.c.id).where(action_packages.c.id == package_id)).first() is None:
        raise not_found("action package", package_id)
    return package_id


def delete_package(conn: Connection, package_id: object) -> None:
    conn.execute(action_packages.delete().where(action_packages.c.id == require_package(conn, package_id)))


def app_model(conn: Connection, package_id: str) -> tuple[str, dict] | None:
    """An imported package's display name and app model (its title, questions and properties), or None."""
    row = conn.execute(sa.select(action_packages.c.display_name, action_packages.c.manifest, action_packages.c.archive)
                       .where(action_packages.c.id == package_id)).first()
    if row is None:
        return None
    return row.display_name, _json_file(zipfile.ZipFile(io.BytesIO(row.archive)), row.manifest["appModel"], "appModel")
