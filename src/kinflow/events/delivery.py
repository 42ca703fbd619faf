"""What a worker holds while it delivers: a delivery it has claimed, and the attempt it made."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kinflow.webhooks.sender import Outcome


@dataclass(frozen=True)
class Claimed:
    id: int
    attempt: int
    url: str
    secret: str  # as stored: encrypted (the worker decrypts it to sign)
    payload: bytes
    event_uuid: str
    event_type: str
    headers: dict[str, str] = field(default_factory=dict)  # the webhook's own, sent with each attempt
    # A webhook disabled when a delivery fails for good (Kaizala's) retries on its own schedule.
    disable_on_failure: bool = False


@dataclass(frozen=True)
class Attempt:
    """One try at a claimed delivery: when it began and how it went."""
    claimed: Claimed
    started_at: datetime
    outcome: Outcome
