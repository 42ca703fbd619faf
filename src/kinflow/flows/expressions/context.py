"""What a running flow shows its expressions: the engine fills a `Context` for each evaluation.

The records of the trigger and of actions have the shape the workflow functions document
(`actions('Get_user')` returns it whole): `name`, `inputs`, `outputs` (with `statusCode`, `headers`
and `body` for HTTP-like operations), `status`, `code`, `startTime`, `endTime`, `trackingId`,
`clientTrackingId`, `error`. Missing keys read as null.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kinflow.clock import clock


@dataclass(frozen=True)
class Loop:
    """A `Foreach` (its current `item`) or an `Until` (its current `index`) around the expression."""

    name: str
    item: Any = None
    index: int = 0


@dataclass
class Context:
    trigger: Mapping[str, Any] | None = None
    # Records of the actions that have run, by action name (a mapping the engine may load lazily).
    actions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    # Innermost last: `item()` is the last loop's item, `items('Name')` any loop's by name.
    loops: Sequence[Loop] = ()
    # `workflow()`: id, name, type, location, tags and `run` (id, name, type).
    workflow: Mapping[str, Any] = field(default_factory=dict)
    # For `result('Scope')`: the names of each scoped action's top-level inner actions, in order.
    scopes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # `action()`: the record of the action whose `unsubscribe`, `trackedProperties` or `Until`
    # condition is being evaluated.
    current_action: Mapping[str, Any] | None = None
    # `listCallbackUrl()`: the URL that calls this flow's trigger, when it has one.
    callback_url: str | None = None
    # `utcNow()`, `getFutureTime()`, `getPastTime()`: the one clock, so tests can move time.
    now: Callable[[], datetime] = clock.now
