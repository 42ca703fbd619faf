"""The background work of a kinflow process: webhook deliveries, flow runs, reminders at their time and, with
SMTP configured, notification e-mails. `kinflow serve` runs it beside HTTP (unless told not to);
`kinflow worker` runs only this, on as many processes and machines as needed."""

from __future__ import annotations

import asyncio
from typing import Protocol

from kinflow.config import Settings
from kinflow.events.worker import DeliveryWorker
from kinflow.flows.engine.worker import RunWorker
from kinflow.notifications import mail
from kinflow.notifications.reminders import ReminderScheduler
from kinflow.storage.database import Database


class Worker(Protocol):
    async def run(self) -> None: ...

    async def stop(self) -> None: ...


class Background:
    def __init__(self, db: Database, settings: Settings, name: str | None = None) -> None:
        self.delivery = DeliveryWorker(db, settings, name)
        self.runs = RunWorker(db, settings, name)
        self.workers: list[Worker] = [self.delivery, self.runs, ReminderScheduler(db, settings)]
        if mail.enabled(settings):
            self.workers.append(mail.MailWorker(db, settings))

    async def run(self) -> None:
        """Until `stop()`."""
        await asyncio.gather(*(worker.run() for worker in self.workers))

    async def stop(self) -> None:
        for worker in self.workers:
            await worker.stop()
