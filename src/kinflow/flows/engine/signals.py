"""How an action tells the walk to stop where it is: the run waits (`Suspend`) or ends (`Stop`)."""

from __future__ import annotations

from datetime import datetime

from kinflow.clock import clock


class Suspend(Exception):
    """The run waits (a retry, a `Wait`) until `until`; the worker gives it up meanwhile."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until


class Stop(Exception):
    """The run ends here: a `Terminate` action, or a cancel."""

    def __init__(self, status: str, error: dict | None) -> None:
        super().__init__(status)
        self.status = status
        self.error = error


def now_naive() -> datetime:
    """Now in UTC, naive, as the database keeps moments."""
    return clock.now().replace(tzinfo=None)
