"""When a failed delivery is tried again: a schedule of delays with jitter, then a final failure."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetrySchedule:
    delays: tuple[float, ...]
    # Each delay is stretched or shrunk by up to this fraction, so receivers that come back after an
    # outage are not hit by every retry at the same instant.
    jitter: float = 0.2

    @classmethod
    def parse(cls, text: str, jitter: float = 0.2) -> "RetrySchedule":
        delays = tuple(float(part) for part in text.split(",") if part.strip())
        if any(d < 0 for d in delays):
            raise ValueError("retry delays must not be negative")
        return cls(delays, jitter)

    def delay_after(self, attempt: int) -> float | None:
        """Seconds to wait after failed attempt number `attempt` (1-based), or None when it was the last."""
        if attempt > len(self.delays):
            return None
        base = self.delays[attempt - 1]
        return base * (1 + random.uniform(-self.jitter, self.jitter))
