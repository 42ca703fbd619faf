"""Who runs a query, where and when: what the functions `LOGINUSER()`, `TODAY()` ... stand for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kinflow.clock import clock
from kinflow.directory.identity import Identity


@dataclass(frozen=True)
class QueryContext:
    user_code: str
    primary_organization: str | None
    timezone: tzinfo  # the caller's: kintone evaluates TODAY() and friends in it
    now: datetime  # aware, UTC; from the one clock so tests can move it


def query_context(identity: Identity) -> QueryContext:
    user = identity.user
    try:
        zone = ZoneInfo(user.timezone if user else "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return QueryContext(
        user_code=identity.code,
        primary_organization=user.primary_department if user else None,
        timezone=zone,
        now=clock.now(),
    )
