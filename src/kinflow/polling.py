"""The loop every background worker runs: do a step of work; when nothing more is due at once, wait
for a wake-up or the poll interval. A failing step is logged, not fatal: the database may be away
for a moment, and what the step did not finish is found again on a later one."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger("kinflow.background")


class Poller:
    def __init__(self, name: str, poll: float) -> None:
        self.name = name
        self.poll = poll
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """There may be work (thread-safe)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wakeup.set)

    async def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()

    async def loop(self, step: Callable[[], Awaitable[bool]]) -> None:
        """Run `step` (True: more may be due at once) until stopped."""
        self._loop = asyncio.get_running_loop()
        while not self._stopping:
            self._wakeup.clear()
            try:
                busy = await step()
            except Exception:
                log.exception("%s", self.name)
                busy = False
            if not busy:
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout=self.poll)
                except TimeoutError:
                    pass

    def listen(self, url: str, channel: str) -> None:
        """Wake on PostgreSQL notifications on `channel` (other processes' commits), from a thread of
        its own, until stopped. Polling stays the safety net: a notification missed while reconnecting
        only delays work."""
        threading.Thread(target=self._listen, args=(url, channel), name=f"kinflow-listen-{channel}",
                         daemon=True).start()

    def _listen(self, url: str, channel: str) -> None:
        import psycopg

        while not self._stopping:
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {channel}")
                    while not self._stopping:
                        for _ in conn.notifies(timeout=1.0):
                            self.wake()
            except psycopg.Error:
                log.warning("%s: listening for notifications on %s failed; retrying", self.name, channel)
                time.sleep(self.poll)
