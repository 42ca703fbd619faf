"""The threads the HTTP layer runs blocking database work on: a few, not anyio's default 40.

With many threads, most of them wait for the GIL rather than for the database, and each hand-over
costs. Measured on 2 cores against PostgreSQL, single-record `PUT record.json` at concurrency 16:
647 requests/s on 16 threads, 905 on 4 (p99 45 → 25 ms); `POST record.json` 1,560 → 1,770.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

import anyio
import anyio.to_thread

DATABASE_THREADS = 4

_T = TypeVar("_T")
_limiter: anyio.CapacityLimiter | None = None


async def run_blocking(func: Callable[..., _T], *args: object) -> _T:
    """`func(*args)` on one of the database threads."""
    global _limiter
    if _limiter is None:  # made inside the event loop, which anyio needs
        _limiter = anyio.CapacityLimiter(DATABASE_THREADS)
    return await anyio.to_thread.run_sync(partial(func, *args), limiter=_limiter)
