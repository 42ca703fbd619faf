"""Kaizala connections, made by phone sign-in as the connector's "Known issues" describe: the user gives
their mobile number, the groups server sends a PIN to it (`generatePin`), the user gives the PIN back
(`loginWithPinAndApplicationId`), and the connection keeps the refresh token it gets, encrypted.
Calls need an access token (24 h): the runtime fetches one from the refresh token when it has none
or it has expired or been refused, and keeps a renewed refresh token the server hands back.

The sign-in is made for an application registered on the groups server (its id and secret: a
connector in Kaizala's words, `kinflow groups connector create` on a kinflow server)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from kinflow.digits import is_digits
from kinflow.errors import invalid_input
from kinflow.flows.connectors.runtime import ConnectorError, Outgoing, origin

MAX_ID = 64
API = "/kaizala/v1"
# Renew an access token this long before it expires, so a call never starts with one about to lapse.
MARGIN_S = 300


class SignInFailed(ConnectorError):
    """The groups server refused a sign-in step or an access token."""


def _post(outgoing: Outgoing, base_url: str, path: str, body: dict) -> httpx.Response:
    return _request(outgoing, "POST", base_url, path, json=body)


def _request(outgoing: Outgoing, method: str, base_url: str, path: str, **kwargs: object) -> httpx.Response:
    url, headers, extensions = outgoing.target(base_url.rstrip("/") + path)
    headers = {**headers, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    try:
        with httpx.Client(timeout=outgoing.timeout) as client:
            return client.request(method, url, headers=headers, extensions=extensions,
                                  **kwargs)  # type: ignore[arg-type]
    except httpx.TransportError as error:
        raise SignInFailed(f"The groups server at {urlsplit(base_url).netloc} does not answer: "
                           f"{error or type(error).__name__}") from None


def _json(answer: httpx.Response) -> dict:
    """The answer's JSON object, or an empty one for anything else (a proxy's HTML page...)."""
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _refusal(answer: httpx.Response, field: str) -> None:
    if answer.status_code != 200:
        message = _json(answer).get("message") or f"HTTP {answer.status_code}"
        raise invalid_input({field: [f"The groups server refused it: {str(message)[:200]}"]})


def send_pin(outgoing: Outgoing, base_url: str, mobile: str, application_id: str) -> None:
    """Ask the groups server to send a sign-in PIN to this number."""
    try:
        answer = _post(outgoing, base_url, f"{API}/generatePin", {"mobileNumber": mobile,
                                                                  "applicationId": application_id})
    except ConnectorError as error:
        raise invalid_input({"endpoint": [str(error)]}) from None
    _refusal(answer, "mobileNumber")


def refresh_token_for(outgoing: Outgoing, base_url: str, mobile: str, application_id: str, pin: object) -> str:
    """The refresh token the PIN signs in for."""
    if not isinstance(pin, (str, int)) or isinstance(pin, bool) or not is_digits(str(pin)) or len(str(pin)) > 12:
        raise invalid_input({"pin": ["Enter the PIN sent to the mobile number."]})
    try:
        answer = _post(outgoing, base_url, f"{API}/loginWithPinAndApplicationId",
                       {"mobileNumber": mobile, "applicationId": application_id, "pin": int(pin)})
    except ConnectorError as error:
        raise invalid_input({"endpoint": [str(error)]}) from None
    _refusal(answer, "pin")
    token = _json(answer).get("refreshToken")
    if not isinstance(token, str) or not token:
        raise invalid_input({"pin": ["The groups server gave no refresh token."]})
    return token


@dataclass
class AccessToken:
    token: str
    base_url: str  # the origin of the endpoint the token is for
    expires_at: float  # epoch seconds


_cache: dict[str, AccessToken] = {}
_lock = threading.Lock()


def fetch_access_token(outgoing: Outgoing, base_url: str, application_id: str, application_secret: str,
                       refresh_token: str) -> tuple[AccessToken, str | None]:
    """An access token, and the renewed refresh token when the server hands one back."""
    answer = _request(outgoing, "GET", base_url, f"{API}/accessToken", headers={
        "applicationId": application_id, "applicationSecret": application_secret, "refreshToken": refresh_token})
    body = _json(answer)
    token, expiry, endpoint = body.get("accessToken"), body.get("accessTokenExpiry", 0), body.get("endpointUrl")
    if answer.status_code != 200 or not isinstance(token, str) or not token:
        raise SignInFailed(f"The groups server refused an access token (HTTP {answer.status_code}); "
                           "sign in to the connection again.")
    if not isinstance(endpoint, str) or urlsplit(endpoint).scheme not in ("http", "https"):
        endpoint = base_url
    expires_at = expiry / 1000 if isinstance(expiry, (int, float)) and not isinstance(expiry, bool) else 0
    renewed = body.get("refreshToken")
    return AccessToken(token, origin(endpoint), expires_at), renewed if isinstance(renewed, str) and renewed else None


@dataclass
class KaizalaLive:
    """A Kaizala connection as the runtime calls with it: `accessToken` fetched on first use, renewed
    when it expires or the server refuses it (`renew`); `keep` stores a renewed refresh token."""
    id: str
    sign_in_url: str
    application_id: str
    application_secret: str
    refresh_token: str
    outgoing: Outgoing
    keep: Callable[[str], None] = lambda token: None
    now: Callable[[], float] = time.time
    _token: AccessToken | None = field(default=None, init=False, repr=False)

    def _current(self) -> AccessToken:
        with _lock:
            cached = _cache.get(self.id)
        if cached is None or cached.expires_at - MARGIN_S <= self.now():
            cached, renewed = fetch_access_token(self.outgoing, self.sign_in_url, self.application_id,
                                                 self.application_secret, self.refresh_token)
            if renewed:
                self.refresh_token = renewed
                self.keep(renewed)
            with _lock:
                _cache[self.id] = cached
        return cached

    @property
    def base_url(self) -> str:
        return self._current().base_url

    def auth_headers(self) -> dict[str, str]:
        return {"accessToken": self._current().token}

    def renew(self) -> None:
        with _lock:
            _cache.pop(self.id, None)
