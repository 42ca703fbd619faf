"""The address guard: webhooks may not reach private, loopback, link-local or otherwise special
addresses (the classic server-side request forgery targets) unless an allowlist names them."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver
from aiohttp.resolver import ThreadedResolver

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


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


@lru_cache(maxsize=1024)  # asked for every delivery, of a handful of URLs
def literal_refusal(url: str, allow: tuple[Network, ...]) -> str | None:
    """The refusal for a URL whose host is an IP address; names are checked when they are resolved."""
    host = urlsplit(url).hostname or ""
    try:
        return refusal(ipaddress.ip_address(host), allow)
    except ValueError:
        return None


class AddressRefused(OSError):
    """A webhook host resolved only to addresses the guard refuses."""


class GuardedResolver(AbstractResolver):
    """Resolves webhook hosts and drops refused addresses, so the address connected to is the one
    checked (a name cannot resolve to a public address for the check and a private one for the call)."""

    def __init__(self, allow: tuple[Network, ...]) -> None:
        self.allow = allow
        self._resolver = ThreadedResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list:
        results = await self._resolver.resolve(host, port, family)
        allowed = [r for r in results if refusal(ipaddress.ip_address(r["host"]), self.allow) is None]
        if not allowed:
            raise AddressRefused(refusal(ipaddress.ip_address(results[0]["host"]), self.allow))
        return allowed

    async def close(self) -> None:
        await self._resolver.close()
