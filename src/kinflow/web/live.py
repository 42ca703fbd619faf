"""Live updates for signed-in pages, as server-sent events: the unread notification count.

A change to an inbox committed in this process rings at once (`kinflow.notifications.inbox.watch`);
one committed by another process is seen at the next look, every `RECHECK` seconds. A stream lasts
at most `LIFETIME` seconds and the browser's EventSource opens the next one by itself (after
`retry`), which also checks again that the session is still alive, and lets a stopping server
finish its connections.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from kinflow.api.kintone.http import error_response
from kinflow.api.threads import run_blocking
from kinflow.directory.identity import not_logged_in
from kinflow.notifications import inbox
from kinflow.storage.database import Database
from kinflow.web.sessions import signed_in

RECHECK = 5.0
LIFETIME = 30.0
RETRY_MS = 2_000


class _Bell:
    """Wakes every stream of this process (from whichever thread committed the change)."""

    def __init__(self) -> None:
        self.waiting: dict[asyncio.Event, asyncio.AbstractEventLoop] = {}
        inbox.watch(self.ring)

    def ring(self) -> None:
        for event, loop in list(self.waiting.items()):
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)


_bell: _Bell | None = None


def _count(db: Database, user: str) -> int:
    with db.read() as conn:
        return inbox.count_unread(conn, user)


async def unread_stream(request: Request) -> Response:
    global _bell
    browser = await signed_in(request)
    if browser is None:
        return error_response(not_logged_in())
    if _bell is None:
        _bell = _Bell()
    bell = _bell
    db: Database = request.app.state.db
    user = browser.user.code

    async def events() -> AsyncIterator[str]:
        event = asyncio.Event()
        bell.waiting[event] = asyncio.get_running_loop()
        ends = time.monotonic() + LIFETIME
        last = None
        try:
            yield f"retry: {RETRY_MS}\n\n"
            while time.monotonic() < ends:
                event.clear()
                count = await run_blocking(_count, db, user)
                if count != last:
                    yield f"event: unread\ndata: {count}\n\n"
                    last = count
                try:
                    await asyncio.wait_for(event.wait(), timeout=min(RECHECK, max(0.0, ends - time.monotonic())))
                except TimeoutError:
                    yield ": still here\n\n"
        finally:
            del bell.waiting[event]

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
