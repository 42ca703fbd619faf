"""An app's live notification settings, worked out once per deploy with their conditions parsed:
every record write consults them, so they must cost nothing after the first."""

from __future__ import annotations

from dataclasses import dataclass

from kinflow.apps.app import LiveApp
from kinflow.apps.notification_settings import GENERAL, PER_RECORD, default_documents
from kinflow.apps.query.ast import Condition
from kinflow.apps.query.parser import parse_condition


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


def condition_of(text: str | None) -> Condition | None:
    return parse_condition(text) if text else None


def live_rules(live: LiveApp) -> Rules:
    return live.derived("notification_rules", _rules)


def _rules(live: LiveApp) -> Rules:
    documents = {**default_documents(), **live.documents}
    general = documents[GENERAL]
    return Rules(
        general=list(general.get("notifications") or []),
        notify_commenters=bool(general.get("notifyToCommenter")),
        per_record=[PerRecord(item.get("title") or "", item.get("targets") or [], condition_of(item.get("filterCond")))
                    for item in documents[PER_RECORD].get("notifications") or []],
    )
