"""The one clock. Tests move time by replacing `now`; nothing else calls datetime.now()."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


class Clock:
    def __init__(self) -> None:
        self._offset_seconds = 0.0

    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        now = datetime.now(timezone.utc)
        return now + timedelta(seconds=self._offset_seconds) if self._offset_seconds else now

    def advance(self, seconds: float) -> None:
        self._offset_seconds += seconds


clock = Clock()


def utc_text(moment: datetime) -> str:
    """An instant (naive UTC, as stored, or aware UTC) as kintone writes one: `2012-02-03T09:38:09Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
