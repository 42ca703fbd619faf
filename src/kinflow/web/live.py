"""Live updates for signed-in pages, as server-sent events: the unread notification count, the
version of a group's conversation, and where a flow's runs stand (their pages then fetch what changed).

A change to an inbox or a conversation committed in this process rings at once
(`kinflow.notifications.inbox.watch`, `kinflow.groups.watch`, `kinflow.flows.runs.watch`); one committed by another process is
seen at the next look, every `RECHECK` seconds. Each stream sends the current value when it opens,
so a page that reconnects catches up with whatever it missed. A stream lasts
at most `LIFETIME` seconds and the browser's EventSource opens the next one by itself (after
`retry`), which also checks again that the session is still alive, and lets a stopping server
finish its connections.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from kinflow.api.kintone.http import error_response
from kinflow.api.threads import run_blocking
from kinflow.directory.identity import not_logged_in
from kinflow.errors import KintoneError
from kinflow.flows import manage, runs
from kinflow.groups import conversation, watch
from kinflow.groups.groups import group_and_role
from kinflow.notifications import inbox
from kinflow.storage.database import Database
from kinflow.web import group_caller
from kinflow.web.sessions import Browser, signed_in

RECHECK = 5.0
LIFETIME = 30.0
RETRY_MS = 2_000


class _Bell:
    """Wakes the streams of this process that wait for a change (from whichever thread committed it):
    all of them, or those of one key (a group's id) when the change names one."""

    def __init__(self, watch: Callable[[Callable[..., None]], None]) -> None:
        self.waiting: dict[asyncio.Event, tuple[asyncio.AbstractEventLoop, str | None]] = {}
        watch(self.ring)

    def ring(self, key: str | None = None) -> None:
        for event, (loop, waits_for) in list(self.waiting.items()):
            if (key is None or waits_for in (None, key)) and not loop.is_closed():
                loop.call_soon_threadsafe(event.set)


_bells: dict[str, _Bell] = {}


def _bell(name: str, watch: Callable[[Callable[..., None]], None]) -> _Bell:
    if name not in _bells:
        _bells[name] = _Bell(watch)
    return _bells[name]


def _stream(bell: _Bell, event_name: str, current: Callable[[], object], key: str | None = None) -> Response:
    """Sends `current()` (run on a database thread) as `event_name` when it opens and whenever it
    changes, until `LIFETIME` has passed, or until `current()` refuses (a member who has left the group:
    the browser's next try is refused before it opens). With a `key`, only changes of that key (or of
    no key) wake it."""
    async def events() -> AsyncIterator[str]:
        event = asyncio.Event()
        bell.waiting[event] = (asyncio.get_running_loop(), key)
        ends = time.monotonic() + LIFETIME
        last = None
        try:
            yield f"retry: {RETRY_MS}\n\n"
            while time.monotonic() < ends:
                event.clear()
                try:
                    value = await run_blocking(current)
                except KintoneError:
                    return
                if value != last:
                    yield f"event: {event_name}\ndata: {value}\n\n"
                    last = value
                try:
                    await asyncio.wait_for(event.wait(), timeout=min(RECHECK, max(0.0, ends - time.monotonic())))
                except TimeoutError:
                    yield ": still here\n\n"
        finally:
            del bell.waiting[event]

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _count(db: Database, browser: Browser) -> int:
    with db.read() as conn:
        return inbox.count_unread(conn, browser.user.code)


def _version(db: Database, browser: Browser, group_id: str) -> str:
    """The conversation's version, for a member of the group (checked again on every look)."""
    with db.read() as conn:
        group, _ = group_and_role(conn, group_id, group_caller.caller_of(conn, browser.user))
        return conversation.version(conn, group.id)


def _progress(db: Database, browser: Browser, flow_id: int) -> str:
    """Where the flow's runs stand, for its owner or an administrator (checked again on every look)."""
    with db.read() as conn:
        flow = manage.get_flow(conn, browser.user.code, flow_id, admin=bool(browser.user.is_admin))
        return runs.progress(conn, flow.id)


async def _signed_in_stream(request: Request, bell: _Bell, event_name: str,
                            look: Callable[[Database, Browser], object], key: str | None = None) -> Response:
    """`_stream` of `look` for the signed-in browser, refused before it opens when the first look is."""
    browser = await signed_in(request)
    if browser is None:
        return error_response(not_logged_in())
    db: Database = request.app.state.db
    try:
        await run_blocking(look, db, browser)
    except KintoneError as error:
        return error_response(error)
    return _stream(bell, event_name, lambda: look(db, browser), key=key)


async def unread_stream(request: Request) -> Response:
    return await _signed_in_stream(request, _bell("inbox", inbox.watch), "unread", _count)


async def conversation_stream(request: Request) -> Response:
    group_id = request.path_params["group"]
    return await _signed_in_stream(request, _bell("groups", watch.watch), "conversation",
                                   lambda db, browser: _version(db, browser, group_id), key=group_id)


async def runs_stream(request: Request) -> Response:
    flow_id = request.path_params["flow"]
    return await _signed_in_stream(request, _bell("runs", runs.watch), "runs",
                                   lambda db, browser: _progress(db, browser, flow_id))
