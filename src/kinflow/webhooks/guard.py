"""The address guard: webhooks may not reach private, loopback, link-local or otherwise special
addresses (the classic server-side request forgery targets) unless an allowlist names them."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_allowlist(text: str) -> tuple[Network, ...]:
    """Comma-separated networks (`127.0.0.0/8`) or single addresses."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def _special(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
            or address.is_reserved or address.is_unspecified)


def refusal(address: Address, allow: tuple[Network, ...]) -> str | None:
    """Why `address` may not be called, or None when it may."""
    if _special(address) and not any(address in network for network in allow):
        return f"The address {address} is private, loopback or link-local and not in KINFLOW_WEBHOOK_ALLOW."
    return None


def url_problem(url: object) -> str | None:
    """What is wrong with a webhook URL's form, or None."""
    if not isinstance(url, str) or not url:
        return "Required field."
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter an http or https URL."
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "Enter an http or https URL."
    return None


def literal_refusal(url: str, allow: tuple[Network, ...]) -> str | None:
    """The refusal for a URL whose host is an IP address; names are checked when they are resolved."""
    host = urlsplit(url).hostname or ""
    try:
        return refusal(ipaddress.ip_address(host), allow)
    except ValueError:
        return None


async def resolved_refusal(url: str, allow: tuple[Network, ...]) -> str | None:
    """Resolve the URL's host and refuse it when any of its addresses is refused."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        return refusal(ipaddress.ip_address(host), allow)
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"The host {host} could not be resolved: {exc}"
    for info in infos:
        problem = refusal(ipaddress.ip_address(info[4][0]), allow)
        if problem:
            return problem
    return None
