"""The one clock. Tests move time by replacing `now`; nothing else calls datetime.now()."""

from __future__ import annotations

from datetime import datetime, timezone


class Clock:
    def __init__(self) -> None:
        self._offset_seconds = 0.0

    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        from datetime import timedelta

        return datetime.now(timezone.utc) + timedelta(seconds=self._offset_seconds)

    def advance(self, seconds: float) -> None:
        self._offset_seconds += seconds


clock = Clock()
