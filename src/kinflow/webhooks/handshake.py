"""The validation handshake Kaizala makes before it creates a subscription (WebHookValidaton.md):
GET `callBackUrl?validationToken=<token>`, which must answer 2xx with the token as plain text within
5 seconds. The request goes through the same address guard as deliveries."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit, urlunsplit, urlencode

import aiohttp

from kinflow.webhooks.guard import AddressRefused, GuardedResolver, Network, literal_refusal

TIMEOUT = 5.0
MAX_ANSWER = 1024


def _with_token(url: str, token: str) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=query + urlencode({"validationToken": token})))


async def validation_problem(url: str, allow: tuple[Network, ...], timeout: float = TIMEOUT) -> str | None:
    """Why `url` failed the handshake, or None when it echoed the token in time."""
    refused = literal_refusal(url, allow)
    if refused:
        return refused
    token = secrets.token_urlsafe(24)
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(allow), limit=1)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout),
                                         headers={"User-Agent": "kinflow-webhooks"}) as session:
            async with session.get(_with_token(url, token), allow_redirects=False) as response:
                answer = await response.content.read(MAX_ANSWER)
                status = response.status
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, AddressRefused):
            return str(exc.os_error)
        return f"The callback URL could not be reached: {exc}"[:300]
    except TimeoutError:
        return f"The callback URL did not answer the validation request within {timeout:g} seconds."
    except aiohttp.ClientError as exc:
        return f"The validation request failed: {type(exc).__name__}: {exc}"[:300]
    if not 200 <= status < 300:
        return f"The callback URL answered the validation request with HTTP {status}."
    if answer.decode(errors="replace").strip() != token:
        return "The callback URL did not echo the validationToken as plain text."
    return None
