"""Who runs a query, where and when: what the functions `LOGINUSER()`, `TODAY()` ... stand for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo


@dataclass(frozen=True)
class QueryContext:
    user_code: str
    primary_organization: str | None
    timezone: tzinfo  # the caller's: kintone evaluates TODAY() and friends in it
    now: datetime  # aware, UTC; from the one clock so tests can move it
