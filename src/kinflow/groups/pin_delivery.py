"""How a sign-in PIN reaches its phone. kinflow has no SMS of its own: when the number is that of an
active kinflow user with an e-mail address and SMTP is set up (`KINFLOW_SMTP_HOST`), the PIN goes to
that address by the notification mail sender; otherwise, with `KINFLOW_PIN_WEBHOOK_URL`, it posts
`{"to": <number>, "text": <message>}` to an SMS gateway; without one it writes the PIN to the server
log, for development, and says so every time.

A PIN is sent once, straight after its transaction commits, and never queued: a queue would keep it
in the database, readable; a PIN lost in a crash is simply asked for again."""

from __future__ import annotations

import logging
import threading

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.config import Settings
from kinflow.notifications import mail
from kinflow.storage.schema import users

log = logging.getLogger("kinflow.groups")
TIMEOUT = 10.0


def _post(url: str, mobile: str, text: str) -> None:
    try:
        response = httpx.post(url, json={"to": mobile, "text": text}, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        log.warning("PIN for %s not delivered: the SMS gateway failed (%s: %s)", mobile, type(exc).__name__, exc)
        return
    if not response.is_success:
        log.warning("PIN for %s not delivered: the SMS gateway answered HTTP %s", mobile, response.status_code)


def _mail(settings: Settings, address: str, mobile: str, connector_name: str, text: str) -> None:
    try:
        mail.send(settings, mail.Mail(0, 1, address, f"Your PIN for {connector_name}", text))
    except Exception as exc:  # noqa: BLE001 - whatever the SMTP server did, the PIN is asked for again
        log.warning("PIN for %s not delivered: the mail to the user's address failed (%s)", mobile,
                    type(exc).__name__)


def address_of(conn: Connection, mobile: str) -> str:
    """The e-mail address of the active kinflow user whose mobile number this is, or ""."""
    return conn.execute(sa.select(users.c.email).where(
        users.c.mobile_number == mobile, users.c.active, users.c.email != "")).scalar() or ""


def deliver(settings: Settings, mobile: str, connector_name: str, pin: str, address: str = "") -> None:
    """Send the PIN (called once the transaction that stored it has committed); `address` is the
    e-mail address of the user the number belongs to, if any."""
    text = f"{pin} is your PIN for {connector_name}. It expires in 10 minutes."
    # Off the request's thread: a slow gateway or SMTP server must not hold a database thread.
    if address and mail.enabled(settings):
        threading.Thread(target=_mail, args=(settings, address, mobile, connector_name, text), daemon=True).start()
        return
    if settings.pin_webhook_url:
        threading.Thread(target=_post, args=(settings.pin_webhook_url, mobile, text), daemon=True).start()
        return
    log.warning("PIN %s for %s (connector %r) -- delivered to the server log: no SMS gateway is configured "
                "(KINFLOW_PIN_WEBHOOK_URL), do not use this delivery in production", pin, mobile, connector_name)
