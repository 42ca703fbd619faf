"""Flows brought in from elsewhere: a definition file, or the export package Power Automate makes of a
flow ("Export → Package (.zip)": `manifest.json` and `Microsoft.Flow/flows/<id>/definition.json`,
whose `properties` hold the `displayName`, the `definition` and the `connectionReferences`).

Connection references are not carried over: at run time a connector action uses the owner's
connection of that connector (see `kinflow.flows.engine.connectors`), so an imported flow runs once
its owner has one connection per connector it uses.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

MAX_PACKAGE = 16 * 1024 * 1024
MAX_MEMBER = 2 * 1024 * 1024
MAX_FLOWS = 100


class ImportError_(ValueError):  # noqa: N801 - not the built-in ImportError
    pass


def _named(document: object, fallback: str) -> tuple[str, object]:
    properties = document.get("properties") if isinstance(document, dict) else None
    name = properties.get("displayName") if isinstance(properties, dict) else None
    return (name if isinstance(name, str) and name.strip() else fallback)[:128], document


def flows_in(path: Path) -> list[tuple[str, object]]:
    """(name, definition document) of each flow in a definition file or an export package."""
    if path.stat().st_size > MAX_PACKAGE:
        raise ImportError_(f"{path} is over {MAX_PACKAGE // (1024 * 1024)} MB.")
    if not zipfile.is_zipfile(path):
        try:
            return [_named(json.loads(path.read_text("utf-8")), path.stem)]
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ImportError_(f"{path} is neither a JSON definition nor a zip package ({error}).") from None
    found = []
    with zipfile.ZipFile(path) as package:
        members = [m for m in package.infolist() if m.filename.endswith("/definition.json")
                   and m.filename.startswith("Microsoft.Flow/flows/")]
        if not members:
            raise ImportError_(f"{path} holds no Microsoft.Flow/flows/<id>/definition.json: is it a flow's "
                               "export package?")
        if len(members) > MAX_FLOWS:
            raise ImportError_(f"{path} holds more than {MAX_FLOWS} flows.")
        for member in members:
            if member.file_size > MAX_MEMBER:
                raise ImportError_(f"{member.filename} is over {MAX_MEMBER // (1024 * 1024)} MB.")
            try:
                document = json.loads(package.read(member).decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise ImportError_(f"{member.filename}: not JSON ({error}).") from None
            found.append(_named(document, member.filename.split("/")[2]))
    return found
