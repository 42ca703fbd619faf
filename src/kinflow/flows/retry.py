"""An action's `retryPolicy`, as Logic Apps documents it.

Requests that fail with 408, 429, a 5xx status or no answer at all are retried. Without a policy the
default applies: exponential, 4 retries, intervals scaled by 7.5 s and kept within 5-45 s. The
`n`-th exponential retry waits a random time in `[max(2^(n-2)·interval, minimum),
min(2^(n-1)·interval, maximum)]`; a `fixed` policy waits its interval each time; `none` never
retries. Counts are 1-90 and intervals ISO 8601 durations within PT5S-P1D.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

MIN_INTERVAL, MAX_INTERVAL = 5.0, 86_400.0
MAX_COUNT = 90
_DURATION = re.compile(
    r"P(?:(?P<days>\d+(?:\.\d+)?)D)?(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?")
_SECONDS = {"days": 86_400, "hours": 3_600, "minutes": 60, "seconds": 1}


def duration_seconds(text: Any) -> float:
    """Seconds of an ISO 8601 duration without years or months (`PT7.5S`, `P1DT2H`)."""
    match = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as PT10S or P1D.")
    return sum(float(value) * _SECONDS[unit] for unit, value in match.groupdict().items() if value)


def is_retried(status: int | None) -> bool:
    """Whether an answer with this status (None: no answer) is worth another attempt."""
    return status is None or status in (408, 429) or status >= 500


@dataclass(frozen=True)
class RetryPolicy:
    type: str  # none | fixed | exponential
    count: int = 0
    interval: float = 0.0
    minimum: float = MIN_INTERVAL
    maximum: float = MAX_INTERVAL

    def delay(self, retry: int, rng: random.Random | None = None) -> float | None:
        """Seconds before retry number `retry` (1-based), or None when there is no such retry."""
        if self.type == "none" or retry > self.count:
            return None
        if self.type == "fixed":
            return self.interval
        low = max(2 ** (retry - 2) * self.interval, self.minimum)
        high = min(2 ** (retry - 1) * self.interval, self.maximum)
        return (rng or random).uniform(min(low, high), high)

    @classmethod
    def parse(cls, spec: Any) -> RetryPolicy:
        """The policy an action's `retryPolicy` describes (None or absent: the default). Raises
        ValueError naming the property at fault as `property: message`."""
        if spec is None:
            return DEFAULT
        if not isinstance(spec, dict):
            raise ValueError("retryPolicy: enter an object.")
        kind = spec.get("type")
        kind = kind.lower() if isinstance(kind, str) else kind
        if kind == "default":
            return DEFAULT
        if kind == "none":
            return NONE
        if kind not in ("fixed", "exponential"):
            raise ValueError("retryPolicy.type: enter one of default, none, fixed, exponential.")
        count = spec.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
            raise ValueError(f"retryPolicy.count: enter an integer from 1 to {MAX_COUNT}.")
        values = {}
        for key, name, required in (("interval", "interval", True), ("minimum", "minimumInterval", False),
                                    ("maximum", "maximumInterval", False)):
            if name not in spec:
                if required:
                    raise ValueError(f"retryPolicy.{name}: required (an ISO 8601 duration such as PT10S).")
                continue
            if kind == "fixed" and not required:
                raise ValueError(f"retryPolicy.{name}: only an exponential policy has one.")
            try:
                seconds = duration_seconds(spec[name])
            except ValueError as error:
                raise ValueError(f"retryPolicy.{name}: {error}") from None
            if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
                raise ValueError(f"retryPolicy.{name}: enter a duration from PT5S to P1D.")
            values[key] = seconds
        policy = cls(kind, count, **values)
        if policy.minimum > policy.maximum:
            raise ValueError("retryPolicy.minimumInterval: it is longer than maximumInterval.")
        return policy


DEFAULT = RetryPolicy("exponential", 4, 7.5, 5.0, 45.0)
NONE = RetryPolicy("none")
