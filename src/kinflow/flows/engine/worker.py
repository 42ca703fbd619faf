"""The run worker: claims due runs under a lease and executes them, several at a time.

One runs inside `kinflow serve` (unless turned off) and any number run as `kinflow worker` processes.
A run started in this process is taken at once; others are found by polling. While a run executes,
the worker renews its lease; if the worker dies, the lease runs out and another worker goes on from
the run's last written result.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from kinflow.config import Settings
from kinflow.flows import recurrence, runs
from kinflow.flows.engine.connectors import ConnectorCalls
from kinflow.flows.engine.executor import Execution
from kinflow.flows.engine.outgoing import Outgoing
from kinflow.flows.engine.services import Services
from kinflow.flows.engine.signals import Suspend, now_naive
from kinflow.polling import Poller
from kinflow.storage.database import Database

log = logging.getLogger("kinflow.flows")
PURGE_INTERVAL = 3600.0
RECURRENCE_INTERVAL = 0.5
DRAIN_SECONDS = 5.0
# Runs ending within this many seconds of one another are settled in one transaction.
SETTLE_DELAY = 0.005
T = TypeVar("T")


class RunWorker(Poller):
    def __init__(self, db: Database, settings: Settings, name: str | None = None) -> None:
        super().__init__(name or f"{socket.gethostname()}:{os.getpid()}", settings.flow_poll)
        self.db = db
        self.concurrency = settings.flow_concurrency
        self.lease = settings.flow_lease
        self.retention = timedelta(days=settings.run_retention_days)
        self.services = Services(Outgoing(timeout=settings.flow_http_timeout, allow=settings.webhook_networks),
                                 ConnectorCalls(db, settings, wait=False), settings.public_url, settings.keys)
        self._running: dict[int, asyncio.Task] = {}
        self._next_renewal = 0.0
        self._next_purge = 0.0
        self._next_recurrence = 0.0
        self._endings: list[tuple[runs.Ending, asyncio.Future]] = []
        self._settler: asyncio.Task | None = None

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        unsubscribe = runs.serve_locally(self.wake)
        if not self.db.is_sqlite:
            self.listen(self.db.url.set(drivername="postgresql").render_as_string(hide_password=False), runs.CHANNEL)
        try:
            await self.loop(self._step)
        finally:
            unsubscribe()
            await self._drain()

    async def _step(self) -> bool:
        now = time.monotonic()
        if now >= self._next_renewal and self._running:
            self._next_renewal = now + self.lease / 3
            await self._in_transaction(runs.renew, self.name, list(self._running), self.lease)
        if now >= self._next_purge:
            self._next_purge = now + PURGE_INTERVAL
            while await self._in_transaction(runs.purge, now_naive() - self.retention) and not self._stopping:
                await asyncio.sleep(0)
        if now >= self._next_recurrence:  # occurrences are whole seconds apart at the closest
            self._next_recurrence = now + RECURRENCE_INTERVAL
            await self._in_transaction(recurrence.start_due, now_naive())
        room = self.concurrency - len(self._running)
        if room <= 0:
            return False
        claimed = await self._in_transaction(runs.claim, self.name, room, self.lease)
        for run_id, loaded in claimed:
            task = asyncio.create_task(self._execute(run_id, loaded))
            self._running[run_id] = task
            task.add_done_callback(lambda _, run_id=run_id: self._finished(run_id))
        return len(claimed) == room

    def _finished(self, run_id: int) -> None:
        self._running.pop(run_id, None)
        self._wakeup.set()  # room for another run

    async def _execute(self, run_id: int, loaded: runs.LoadedRun | None) -> None:
        execution = None
        try:
            if loaded is None:  # the claim could not load it: this raises why
                loaded = await self._in_transaction(runs.load, run_id)

            async def save(written: list[runs.Written]) -> bool:
                stop = await self._in_transaction(runs.save_results, self.name, run_id, written)
                _stored(written)
                return stop

            execution = Execution(loaded, self.services, save)
            status, error = await execution.execute()
            under_way = any(r.status in (runs.RUNNING, runs.WAITING) for r in execution.results.values())
            await self._end(runs.Ending(run_id, status, error, execution.pending, under_way))
        except Suspend as suspended:
            await self._in_transaction(runs.suspend, self.name, run_id, suspended.until,
                                       execution.pending if execution else [])
        except runs.LostClaim:
            log.warning("run %s: worker %s lost its claim (another worker took it over)", run_id, self.name)
        except asyncio.CancelledError:
            await self._in_transaction(runs.release, self.name, run_id)
            raise
        except Exception as exc:  # a bug must end the run with a reason, never leave it looping
            log.exception("run %s", run_id)
            try:
                await self._in_transaction(runs.finish, self.name, run_id, runs.FAILED, {
                    "code": "InternalError",
                    "message": f"kinflow could not go on with this run ({type(exc).__name__}: {str(exc)[:300]})."})
            except Exception:  # the database is away: the lease runs out and the run is retaken
                log.exception("run %s: recording its failure failed", run_id)

    async def _end(self, ending: runs.Ending) -> None:
        """Settle a run together with the others ending about now, in one transaction for them
        all; returns once it has committed (raises `LostClaim` when the run is no longer ours)."""
        settled = asyncio.get_running_loop().create_future()
        self._endings.append((ending, settled))
        if self._settler is None:
            self._settler = asyncio.create_task(self._settle())
        await settled

    async def _settle(self) -> None:
        try:
            while self._endings:
                await asyncio.sleep(SETTLE_DELAY)  # let the runs ending about now join
                batch, self._endings = self._endings, []
                try:
                    lost = set(await self._in_transaction(runs.finish_many, self.name, [e for e, _ in batch]))
                except Exception:
                    log.exception("run worker %s: settling %d runs together failed; settling each alone",
                                  self.name, len(batch))
                    await self._settle_alone(batch)
                    continue
                for ending, settled in batch:
                    if settled.done():  # its run was cancelled while it waited (the worker stops)
                        continue
                    if ending.run_id in lost:
                        settled.set_exception(runs.LostClaim(f"run {ending.run_id}"))
                    else:
                        settled.set_result(None)
        finally:
            self._settler = None

    async def _settle_alone(self, batch: list[tuple[runs.Ending, asyncio.Future]]) -> None:
        # One run that cannot be settled must not keep the others from it.
        for ending, settled in batch:
            try:
                await self._in_transaction(runs.finish, self.name, ending.run_id, ending.status, ending.error,
                                           list(ending.written))
            except Exception as exc:
                if not settled.done():
                    settled.set_exception(exc)
            else:
                if not settled.done():
                    settled.set_result(None)

    async def _drain(self) -> None:
        # Runs under way get a few seconds to reach a pause or their end; those still going then stop
        # where they are, their claims given up so that another worker goes on (repeating the action
        # under way, with the same tracking ids).
        if self._running:
            await asyncio.wait(list(self._running.values()), timeout=DRAIN_SECONDS)
        for task in list(self._running.values()):
            task.cancel()
        if self._running:
            await asyncio.wait(list(self._running.values()), timeout=5)
        await self.services.outgoing.close()
        self.services.connectors.close()

    async def _in_transaction(self, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        def run() -> T:
            with self.db.write() as conn:
                return function(conn, *args, **kwargs)

        # SQLite writes are short and serialised anyway: run them here rather than hop threads, unless
        # another write (an API call's) holds the lock, which would stall the event loop, and with it
        # every request, delivery and run of this process, until that write commits.
        return run() if self.db.is_sqlite and not self.db.writer_busy() else await asyncio.to_thread(run)


def _stored(written: list[runs.Written]) -> None:
    """Once their transaction has committed, later writes of these results update their rows."""
    for entry in written:
        entry.result.stored = True
