"""The one clock. Tests move time with `advance`, or start a server ahead of the real time with
KINFLOW_TEST_CLOCK_OFFSET (see `start_ahead`); nothing else calls datetime.now()."""

from __future__ import annotations

import logging
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

    def start_ahead(self, seconds: float) -> None:
        """Run this process `seconds` ahead of the real time (the test setting, applied once in each
        process; setting rather than adding, as one process may read the settings twice)."""
        if seconds and seconds != self._offset_seconds:
            self._offset_seconds = seconds
            logging.getLogger("kinflow").warning(
                "the clock runs %+.0f seconds from the real time (KINFLOW_TEST_CLOCK_OFFSET): for tests only", seconds)


clock = Clock()


def utc_text(moment: datetime) -> str:
    """An instant (naive UTC, as stored, or aware UTC) as kintone writes one: `2012-02-03T09:38:09Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
