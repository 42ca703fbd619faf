"""Notification e-mails: queued in the transaction that writes the notification (a durable outbox),
sent after commit by a mail worker over SMTP, retried on failure.

A mail is claimed under a lease, as webhook deliveries are: on PostgreSQL with `FOR UPDATE SKIP
LOCKED`, so several processes send different mails; a process that dies mid-send leaves its claim
to run out and the mail is sent by the next claim (at least once: a receiver may see a duplicate,
never a gap).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.config import Settings
from kinflow.polling import Poller
from kinflow.events.outbox import now_naive
from kinflow.notifications.inbox import Entry
from kinflow.storage.database import Database, after_commit
from kinflow.storage.schema import PENDING, is_pending, notification_mails, users

log = logging.getLogger("kinflow.mail")
SENT, FAILED = "sent", "failed"
# Seconds before each retry of a mail the SMTP server did not take; then it has failed.
RETRY_DELAYS = (10, 60, 300, 1800, 3600, 14400)
LEASE_SECONDS = 120
BATCH = 20

_local_wakers: list[Callable[[], None]] = []


def _wake() -> None:
    for wake in list(_local_wakers):
        wake()


def enabled(settings: Settings) -> bool:
    return bool(settings.smtp_host)


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def header_text(text: str) -> str:
    """`text` fit for a header: line breaks and other control characters become one space (a
    record title with a line break must neither break the header nor add one)."""
    return _CONTROL.sub(" ", text).strip()


def queue(conn: Connection, entries: list[Entry], ids: list[int], app_name: str) -> None:
    """Queue an e-mail for each entry whose recipient has an address."""
    addresses = dict(conn.execute(sa.select(users.c.code, users.c.email).where(
        users.c.code.in_({e.user for e in entries}), users.c.email != "")).all())
    now = now_naive()
    rows = [{"notification_id": notification_id, "to_address": addresses[entry.user],
             "subject": header_text(f"[{app_name}] {entry.title}"), "body": f"{entry.message}\n\n{entry.url}\n",
             "state": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now}
            for entry, notification_id in zip(entries, ids) if entry.user in addresses]
    if rows:
        conn.execute(notification_mails.insert(), rows)
        after_commit(conn, _wake)


@dataclass(frozen=True)
class Mail:
    id: int
    attempts: int
    to: str
    subject: str
    body: str


_DUE = (sa.select(notification_mails.c.id)
        .where(is_pending(notification_mails), notification_mails.c.next_attempt_at <= sa.bindparam("now"),
               sa.or_(notification_mails.c.lease_until.is_(None),
                      notification_mails.c.lease_until < sa.bindparam("now")))
        .order_by(notification_mails.c.next_attempt_at, notification_mails.c.id).limit(BATCH))


def claim(conn: Connection, worker: str) -> list[Mail]:
    now = now_naive()
    due = _DUE if conn.dialect.name == "sqlite" else _DUE.with_for_update(skip_locked=True)
    ids = conn.execute(due, {"now": now}).scalars().all()
    if not ids:
        return []
    conn.execute(notification_mails.update().where(notification_mails.c.id.in_(ids)).values(
        lease_until=now + timedelta(seconds=LEASE_SECONDS), lease_owner=worker,
        attempts=notification_mails.c.attempts + 1))
    rows = conn.execute(sa.select(notification_mails).where(notification_mails.c.id.in_(ids))
                        .order_by(notification_mails.c.id))
    return [Mail(r.id, r.attempts, r.to_address, r.subject, r.body) for r in rows]


def settle(conn: Connection, worker: str, mail: Mail, error: str | None, *, final: bool = False) -> None:
    """Mark the mail sent (no error), or retried later, or failed for good (`final`, or after the
    last retry)."""
    now = now_naive()
    values: dict = {"lease_until": None, "lease_owner": None,
                    "last_error": (error or "").replace("\x00", "\ufffd")[:2000]}
    if error is None:
        values.update(state=SENT, sent_at=now)
    elif final or mail.attempts > len(RETRY_DELAYS):
        values["state"] = FAILED
    else:
        values["next_attempt_at"] = now + timedelta(seconds=RETRY_DELAYS[mail.attempts - 1])
    settled = conn.execute(notification_mails.update().where(
        notification_mails.c.id == mail.id, notification_mails.c.lease_owner == worker,
        notification_mails.c.state == PENDING).values(**values))
    if not settled.rowcount:
        log.warning("mail %s: worker %s lost its claim (the lease ran out and another worker took it)",
                    mail.id, worker)


def send(settings: Settings, mail: Mail) -> None:
    """Hand one mail to the SMTP server (blocking)."""
    if _CONTROL.search(mail.to):
        raise ValueError(f"The address {mail.to!r} has a line break or control character.")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = mail.to
    message["Subject"] = header_text(mail.subject)  # also for mails queued before titles were cleaned
    message["X-Kinflow-Mail-Id"] = str(mail.id)
    message.set_content(mail.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


class MailWorker(Poller):
    """Sends queued notification e-mails when SMTP is configured."""

    def __init__(self, db: Database, settings: Settings, poll: float = 5.0) -> None:
        super().__init__(f"{socket.gethostname()}:{os.getpid()}:mail", poll)
        self.db = db
        self.settings = settings

    async def run(self) -> None:
        _local_wakers.append(self.wake)
        try:
            await self.loop(lambda: asyncio.to_thread(self._step))
        finally:
            _local_wakers.remove(self.wake)

    def _step(self) -> bool:
        with self.db.write() as conn:
            mails = claim(conn, self.name)
        for mail in mails:
            self._send(mail)
        return len(mails) == BATCH

    def _send(self, mail: Mail) -> None:
        """Send one mail and settle it; whatever happens to it, the others of the batch go on."""
        final = False
        try:
            send(self.settings, mail)
            error = None
        except (OSError, smtplib.SMTPException) as exc:  # the server or the network: try again later
            error = f"{type(exc).__name__}: {exc}"
            log.warning("mail %s to %s: %s", mail.id, mail.to, error)
        except Exception as exc:  # the mail itself cannot be sent: failed with its error, no retry
            error, final = f"{type(exc).__name__}: {exc}", True
            log.exception("mail %s to %s cannot be sent", mail.id, mail.to)
        try:
            with self.db.write() as conn:
                settle(conn, self.name, mail, error, final=final)
        except Exception:  # its lease runs out and it is claimed again; the batch goes on
            log.exception("mail %s: settling it failed", mail.id)
