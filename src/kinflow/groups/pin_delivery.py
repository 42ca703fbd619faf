"""How a sign-in PIN reaches its phone. kinflow has no SMS of its own: with `KINFLOW_PIN_WEBHOOK_URL`
it posts `{"to": <number>, "text": <message>}` to an SMS gateway; without one it writes the PIN to the
server log, for development, and says so every time."""

from __future__ import annotations

import logging
import threading

import httpx

from kinflow.config import Settings

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


def deliver(settings: Settings, mobile: str, connector_name: str, pin: str) -> None:
    """Send the PIN (called once the transaction that stored it has committed)."""
    if settings.pin_webhook_url:
        text = f"{pin} is your PIN for {connector_name}. It expires in 10 minutes."
        # Off the request's thread: a slow gateway must not hold a database thread; a PIN lost in a
        # crash is simply asked for again.
        threading.Thread(target=_post, args=(settings.pin_webhook_url, mobile, text), daemon=True).start()
        return
    log.warning("PIN %s for %s (connector %r) -- delivered to the server log: no SMS gateway is configured "
                "(KINFLOW_PIN_WEBHOOK_URL), do not use this delivery in production", pin, mobile, connector_name)
