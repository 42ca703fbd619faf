"""Flows brought in from Power Automate (or written by hand), their connection references mapped to
the importing person's connections.

Three shapes are read:
- a definition (JSON): the definition itself, or a file holding it under `definition` or
  `properties.definition` (which is what Power Automate's `definition.json` is);
- a flow's export package ("Export → Package (.zip)"): `manifest.json` and, per flow,
  `Microsoft.Flow/flows/<id>/definition.json` (beside `apisMap.json` and `connectionsMap.json`,
  which name resources of the exporting tenant and mean nothing here);
- a solution (.zip with `solution.xml` and `customizations.xml`): each cloud flow in
  `Workflows/<Name>-<GUID>.json`, its display name in `customizations.xml`.

A connection reference is the name the flow's connector actions give as `host.connectionName`
(`shared_kintone`, `shared_kintone_1`...). Power Automate lists them in `properties.connectionReferences`,
each with its connector (`id` `/providers/Microsoft.PowerApps/apis/shared_kintone` in an export package,
`api.name` in a solution); a bare definition names the connector in the actions' `host.apiId`. On
import, each reference is mapped to one of the importer's connections of that connector — the only
one, or the one named for it — in the definition's `$connections` parameter, which is where the
runtime looks a reference up (`kinflow.flows.engine.connectors`), as Logic Apps does.
"""

from __future__ import annotations

import codecs
import copy
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection as Db

from kinflow.errors import KintoneError, invalid_input
from kinflow.flows import connections, manage
from kinflow.flows.connectors import catalog
from kinflow.flows.definitions import connector_name, unwrap, walk
from kinflow.storage.schema import users

MAX_PACKAGE = 16 * 1024 * 1024
MAX_MEMBER = 2 * 1024 * 1024
MAX_FLOWS = 100
MAX_REFERENCES = 100
LEGACY_FLOWS = re.compile(r"Microsoft\.Flow/flows/([^/]+)/definition\.json")
SOLUTION_FLOWS = re.compile(r"Workflows/([^/]+)\.json")
# A solution's flow file is `<Name>-<GUID>.json`: the name without its GUID, when customizations.xml
# does not give the display name.
_GUID_SUFFIX = re.compile(r"-[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$")


@dataclass(frozen=True)
class Found:
    """A flow read from a file: its name, its document, and its connection references (each
    reference's name → the connector's api id as written, `shared_kintone` or its full id)."""

    name: str
    document: object
    references: dict[str, str]


def _refused(message: str) -> KintoneError:
    return invalid_input({"file": [message]})


def _json(raw: bytes, where: str) -> object:
    try:  # orjson: nesting is bounded; a solution's files may start with a byte order mark
        return orjson.loads(raw.removeprefix(codecs.BOM_UTF8))
    except orjson.JSONDecodeError as error:
        raise _refused(f"{where}: not JSON ({error}).") from None


def _read(package: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    if member.file_size > MAX_MEMBER:
        raise _refused(f"{member.filename} is over {MAX_MEMBER // (1024 * 1024)} MB.")
    return package.read(member)


def references_of(document: object) -> dict[str, str]:
    """The connection references a flow uses: those Power Automate lists with it, those its connector
    actions and trigger name (`host.connectionName` with `host.apiId`), and those its `$connections`
    parameter describes with an `id`."""
    found: dict[str, str] = {}
    properties = document.get("properties") if isinstance(document, dict) else None
    listed = properties.get("connectionReferences") if isinstance(properties, dict) else None
    for name, reference in (listed or {}).items() if isinstance(listed, dict) else ():
        if isinstance(reference, dict):
            api = reference.get("api") if isinstance(reference.get("api"), dict) else {}
            for candidate in (reference.get("id"), api.get("name"), api.get("id"), reference.get("apiName")):
                if isinstance(candidate, str) and candidate:
                    found[str(name)] = candidate
                    break
    definition = unwrap(document)
    if not isinstance(definition, dict):
        return found
    parameters = definition.get("parameters") if isinstance(definition.get("parameters"), dict) else {}
    described = (parameters.get("$connections") or {}).get("defaultValue") \
        if isinstance(parameters.get("$connections"), dict) else None
    for name, value in (described or {}).items() if isinstance(described, dict) else ():
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            found.setdefault(str(name), value["id"])
    triggers = definition.get("triggers") if isinstance(definition.get("triggers"), dict) else {}
    actions = definition.get("actions") if isinstance(definition.get("actions"), dict) else {}
    for _, spec, _ in [*walk(triggers, ("triggers",)), *walk(actions)]:
        host = (spec.get("inputs") or {}).get("host") if isinstance(spec.get("inputs"), dict) else None
        if isinstance(host, dict) and isinstance(host.get("connectionName"), str) \
                and isinstance(host.get("apiId"), str):
            found.setdefault(host["connectionName"], host["apiId"])
    return found


def _found(document: object, fallback: str) -> Found:
    properties = document.get("properties") if isinstance(document, dict) else None
    name = properties.get("displayName") if isinstance(properties, dict) else None
    name = name if isinstance(name, str) and name.strip() else fallback
    return Found(name[:manage.MAX_NAME], document, references_of(document))


def _solution_names(package: zipfile.ZipFile) -> dict[str, str]:
    """Each flow file's display name (`Workflows/X.json` → `Name`) from customizations.xml."""
    member = next((m for m in package.infolist() if m.filename.lower() == "customizations.xml"), None)
    if member is None:
        return {}
    try:  # expat refuses entity expansion bombs (2.4.1 and later); the size is capped besides
        root = ElementTree.fromstring(_read(package, member))
    except ElementTree.ParseError as error:
        raise _refused(f"customizations.xml: not XML ({error}).") from None
    names = {}
    for workflow in root.iter("Workflow"):
        file_name = (workflow.findtext("JsonFileName") or "").strip().lstrip("/")
        if file_name and workflow.get("Name"):
            names[file_name] = workflow.get("Name")
    return names


def _from_package(package: zipfile.ZipFile, label: str) -> list[Found]:
    legacy = [(m, match[1]) for m in package.infolist() if (match := LEGACY_FLOWS.fullmatch(m.filename))]
    solution = [(m, match[1]) for m in package.infolist() if (match := SOLUTION_FLOWS.fullmatch(m.filename))]
    members = legacy or solution
    if not members:
        raise _refused(f"{label} holds no Microsoft.Flow/flows/<id>/definition.json nor Workflows/<name>.json: "
                       "is it a flow's export package or a solution?")
    if len(members) > MAX_FLOWS:
        raise _refused(f"{label} holds more than {MAX_FLOWS} flows.")
    names = {} if legacy else _solution_names(package)
    found = []
    for member, stem in members:
        fallback = names.get(member.filename) or _GUID_SUFFIX.sub("", stem)
        found.append(_found(_json(_read(package, member), member.filename), fallback))
    return found


def flows_in(data: bytes, label: str) -> list[Found]:
    """Each flow in a definition, an export package or a solution (`label` names the file in errors)."""
    if len(data) > MAX_PACKAGE:
        raise _refused(f"{label} is over {MAX_PACKAGE // (1024 * 1024)} MB.")
    if not data.startswith(b"PK"):
        try:
            document = orjson.loads(data.removeprefix(codecs.BOM_UTF8))
        except orjson.JSONDecodeError as error:
            raise _refused(f"{label} is neither a JSON definition nor a zip package ({error}).") from None
        return [_found(document, label.rsplit("/", 1)[-1].removesuffix(".json"))]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return _from_package(package, label)
    # What a damaged, encrypted or oddly compressed archive raises while it is read.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            zlib.error) as error:
        raise _refused(f"{label}: not a readable zip package ({error}).") from None


def _connector_of(reference: str, api: str) -> str:
    name = connector_name(api)
    if name not in catalog.names():
        raise invalid_input({f"connections.{reference}": [
            f"The connection reference {reference!r} is of the connector {api.rsplit('/', 1)[-1]!r}, "
            f"which kinflow does not have (it has {', '.join(catalog.names())})."]})
    return name


def _pick(reference: str, connector: str, mine: list[connections.Connection], chosen: str | None,
          owner: str) -> connections.Connection:
    def refused(message: str) -> KintoneError:
        return invalid_input({f"connections.{reference}": [message]})

    if chosen is not None:
        named = [c for c in mine if c.id == chosen] or [c for c in mine if c.name == chosen]
        if len(named) != 1:
            raise refused(f"The connection {chosen!r} named for the reference {reference!r} is "
                          f"{'not one of ' + owner + chr(39) + 's connections' if not named else 'ambiguous: name it by id'}.")
        if named[0].connector != connector:
            raise refused(f"The connection {chosen!r} is a {named[0].connector} connection; the reference "
                          f"{reference!r} needs a {connector} connection.")
        return named[0]
    candidates = [c for c in mine if c.connector == connector]
    if not candidates:
        raise refused(f"The flow's connection reference {reference!r} needs a {connector} connection, and "
                      f"{owner} has none: make one first.")
    if len(candidates) > 1:
        listed = ", ".join(f"{c.id} ({c.name})" for c in candidates)
        raise refused(f"The flow's connection reference {reference!r} could use any of {owner}'s {connector} "
                      f"connections {listed}: name one for it ({reference}=CONNECTION).")
    return candidates[0]


def connected(found: Found, mine: list[connections.Connection], chosen: dict[str, str], owner: str) -> dict:
    """The flow's definition with each of its connection references mapped, in its `$connections`
    parameter, to one of `mine` (the importer's connections)."""
    definition = copy.deepcopy(unwrap(found.document))
    if not isinstance(definition, dict):
        return definition  # refused by the definition's check, with its reason
    mapped = {}
    for reference, api in found.references.items():
        picked = _pick(reference, _connector_of(reference, api), mine, chosen.get(reference), owner)
        mapped[reference] = {"connectionId": picked.id, "connectionName": picked.name,
                             "id": f"/providers/Microsoft.PowerApps/apis/shared_{picked.connector}"}
    if mapped:
        parameters = definition.get("parameters")
        parameters = dict(parameters) if isinstance(parameters, dict) else {}
        parameters["$connections"] = {"type": "Object", "defaultValue": mapped}
        definition["parameters"] = parameters
    return definition


def import_flows(conn: Db, owner: str, data: bytes, label: str, chosen: dict[str, str] | None = None,
                 state: str = manage.ENABLED) -> list[tuple[manage.Flow, bool]]:
    """Deploy every flow of the file as `owner`'s, under its display name (a new version of a flow of
    that name), its references mapped to their connections; `chosen` names a connection (id or name)
    for a reference. Nothing is deployed unless every flow can be."""
    chosen = chosen or {}
    found = flows_in(data, label)
    known = {reference for flow in found for reference in flow.references}
    unknown = sorted(set(chosen) - known)
    if unknown:
        raise invalid_input({f"connections.{unknown[0]}": [
            f"The file has no connection reference {unknown[0]!r}; its references are "
            f"{', '.join(sorted(known)) or 'none'}."]})
    if len(known) > MAX_REFERENCES:
        raise _refused(f"{label} has more than {MAX_REFERENCES} connection references.")
    owner_id = conn.execute(sa.select(users.c.id).where(users.c.code == owner)).scalar()
    mine = connections.list_connections(conn, owner_id) if owner_id is not None else []
    definitions = [(flow.name, connected(flow, mine, chosen, owner)) for flow in found]
    return [manage.deploy(conn, owner, name, definition, state) for name, definition in definitions]
