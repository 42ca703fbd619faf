"""An app's live notification settings, read once per deploy with their conditions parsed: every
record write consults them, so they must cost nothing after the first."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.app import LiveApp
from kinflow.apps.notification_settings import GENERAL, PER_RECORD, default_documents
from kinflow.apps.query.ast import Condition
from kinflow.apps.query.parser import parse_condition
from kinflow.storage.schema import app_settings


@dataclass(frozen=True)
class PerRecord:
    title: str
    targets: list[dict]
    condition: Condition | None


@dataclass(frozen=True)
class Rules:
    general: list[dict]
    notify_commenters: bool
    per_record: list[PerRecord]

    @property
    def empty(self) -> bool:
        return not self.general and not self.per_record and not self.notify_commenters


_cache: dict[tuple[int, int], Rules] = {}
_lock = threading.Lock()


def condition_of(text: str | None) -> Condition | None:
    return parse_condition(text) if text else None


def live_rules(conn: Connection, live: LiveApp) -> Rules:
    key = (live.id, live.app.live_version)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    documents = {**default_documents(), **dict(conn.execute(
        sa.select(app_settings.c.kind, app_settings.c.document).where(
            app_settings.c.app_id == live.id, app_settings.c.stage == "live",
            app_settings.c.kind.in_([GENERAL, PER_RECORD]))).all())}
    general = documents[GENERAL]
    rules = Rules(
        general=list(general.get("notifications") or []),
        notify_commenters=bool(general.get("notifyToCommenter")),
        per_record=[PerRecord(item.get("title") or "", item.get("targets") or [], condition_of(item.get("filterCond")))
                    for item in documents[PER_RECORD].get("notifications") or []],
    )
    with _lock:
        for stale in [k for k in _cache if k[0] == live.id]:
            del _cache[stale]
        _cache[key] = rules
    return rules
