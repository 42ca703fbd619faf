"""The connectors kinflow ships: each a folder of this package holding the two files of a Power
Platform custom connector, `apiDefinition.swagger.json` (Swagger 2.0 with the `x-ms-*` extensions)
and `apiProperties.json` (connection parameters, policies). Adding a connector is adding a folder.

kinflow reads one extension of its own: `x-kinflow-throttling` in the definition, the calls allowed
per connection in a renewal period, as the Power Platform documents them for each connector (kintone
100 per 60 s, Kaizala 500 per 60 s); Power Automate ignores it and throttles by its own table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

DEFINITION = "apiDefinition.swagger.json"
PROPERTIES = "apiProperties.json"


class UnknownConnector(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"There is no connector {name!r}; the connectors are {', '.join(names())}.")


@dataclass(frozen=True)
class Throttling:
    calls: int
    period: float  # seconds


@dataclass(frozen=True)
class Connector:
    name: str
    definition: dict
    properties: dict

    @property
    def throttling(self) -> Throttling | None:
        limit = self.definition.get("x-kinflow-throttling")
        return Throttling(int(limit["calls"]), float(limit["renewalPeriod"])) if limit else None

    def operations(self) -> dict[str, dict]:
        """Every operation by its id."""
        return {operation["operationId"]: operation for item in self.definition["paths"].values()
                for method, operation in item.items() if not method.startswith("x-")}

    def triggers(self) -> list[str]:
        return [op_id for op_id, operation in self.operations().items() if "x-ms-trigger" in operation]


def _folder():  # noqa: ANN202
    return resources.files(__package__)


def names() -> list[str]:
    return sorted(entry.name for entry in _folder().iterdir() if entry.joinpath(DEFINITION).is_file())


@cache
def _read(name: str) -> tuple[str, str]:
    if name not in names():
        raise UnknownConnector(name)
    folder = _folder().joinpath(name)
    return folder.joinpath(DEFINITION).read_text("utf-8"), folder.joinpath(PROPERTIES).read_text("utf-8")


def load(name: str) -> Connector:
    """A fresh copy of a shipped connector (callers may change it)."""
    definition, properties = _read(name)
    return Connector(name, json.loads(definition), json.loads(properties))


def export(name: str, directory: Path, server_url: str | None = None) -> list[Path]:
    """Write a connector's two files into `directory`, ready to import into Power Automate as a
    custom connector. With `server_url`, the definition points at that server (its host, and its
    scheme first)."""
    connector = load(name)
    if server_url:
        parts = urlsplit(server_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{server_url!r} is not an http or https address.")
        connector.definition["host"] = parts.netloc
        connector.definition["schemes"] = [parts.scheme, *(s for s in ("https", "http") if s != parts.scheme)]
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, document in ((DEFINITION, connector.definition), (PROPERTIES, connector.properties)):
        path = directory / file_name
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
        written.append(path)
    return written
