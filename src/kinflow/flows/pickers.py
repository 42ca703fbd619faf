"""The choices a template's parameter offers, as Power Automate's pickers list them: the values its
connector's `x-ms-dynamic-values` gives (your apps, your groups), asked through your connection of that
connector, found the way a run finds it. Without one usable connection, or without an answer, there are
no choices and the value is typed in.

Asked with no transaction open: the connector's server may be this one."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from kinflow.config import Settings
from kinflow.errors import KintoneError
from kinflow.flows.connectors import catalog, dynamic
from kinflow.flows.connectors.runtime import ConnectorError
from kinflow.flows.engine.connectors import ConnectionNotFound, ConnectionRequest, ConnectorCalls
from kinflow.storage.database import Database

log = logging.getLogger(__name__)
MAX_CHOICES = 500


@dataclass(frozen=True)
class Picker:
    connector: str
    operation: str  # whose parameter `key` has the x-ms-dynamic-values
    key: str


def choices(db: Database, settings: Settings, owner: str, picker: Picker) -> list[dict[str, str]]:
    """`{"value", "title"}` of each choice, at most `MAX_CHOICES`."""
    calls = ConnectorCalls(db, settings, wait=False)
    try:
        found = calls.find(ConnectionRequest(owner, picker.connector, f"shared_{picker.connector}", {}))
        if found.state != "ready":
            return []
        values = dynamic.dynamic_values(catalog.load(found.connector).definition, calls.live(found), picker.operation,
                                        picker.key, {}, calls.outgoing)
    except ConnectionNotFound:
        return []
    except (ConnectorError, KintoneError, httpx.HTTPError) as error:
        log.info("no choices for %s of %s: %s", picker.key, picker.operation, error)
        return []
    return [{"value": str(v["value"]), "title": str(v["title"] if v.get("title") is not None else v["value"])}
            for v in values if isinstance(v.get("value"), (str, int))][:MAX_CHOICES]
