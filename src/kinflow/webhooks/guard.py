"""The address guard: webhooks may only reach globally routable addresses unless an allowlist names
the network (private, loopback, link-local, shared and other special addresses are the classic
server-side request forgery targets; 100.100.100.200 is a cloud metadata service).

A host is checked the way the connection will treat it. Resolvers read `2130706433`, `127.1`,
`0x7f.1` and `017700000001` as 127.0.0.1 (`inet_aton`'s legacy forms, also WHATWG's URL standard),
and aiohttp connects to an all-digit host without asking our resolver, so such spellings are turned
into the address they mean before the check; other names are checked on the addresses they resolve
to, at connect time (`GuardedResolver`)."""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver
from aiohttp.resolver import ThreadedResolver

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries to its destination (mapped, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


_SHARED = ipaddress.ip_network("100.64.0.0/10")


def _kind(address: Address) -> str | None:
    """What kind of special address this is, or None for a globally routable one."""
    if isinstance(address, ipaddress.IPv6Address):
        if (embedded := _embedded_ipv4(address)) is not None:
            return _kind(embedded)
        if address.is_site_local:  # fec0::/10, deprecated but still routed inside some networks
            return "site-local"
    for kind, special in (("unspecified", address.is_unspecified), ("loopback", address.is_loopback),
                          ("link-local", address.is_link_local), ("multicast", address.is_multicast),
                          ("shared (carrier-grade NAT, cloud metadata)", address in _SHARED),
                          ("private", address.is_private), ("reserved", address.is_reserved)):
        if special:
            return kind
    # is_global also leaves out documentation and protocol ranges the names above do not cover.
    return None if address.is_global else "not globally routable"


def refusal(address: Address, allow: tuple[Network, ...]) -> str | None:
    """Why `address` may not be called, or None when it may."""
    embedded = _embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else None
    if any(address in network or (embedded or address) in network for network in allow):
        return None
    kind = _kind(address)
    return f"The address {address} is {kind} and not in KINFLOW_WEBHOOK_ALLOW." if kind else None


def _ipv4_part(text: str) -> int | None:
    if text[:2] in ("0x", "0X"):
        digits, base = text[2:] or "0", 16
    elif len(text) > 1 and text.startswith("0"):
        digits, base = text[1:], 8
    else:
        digits, base = text, 10
    try:
        return int(digits, base) if digits.isalnum() else None
    except ValueError:
        return None


def _ipv4_spelling(host: str) -> ipaddress.IPv4Address | None | bool:
    """The IPv4 address a numeric host means (`127.1`, `0x7f.1`, `2130706433`...); None for a name;
    False for numbers that are no address (`1.2.3.4.5`, `256.1.1.1`)."""
    parts = host.removesuffix(".").split(".")
    numbers = [_ipv4_part(part) for part in parts] if all(parts) else [None]
    if any(number is None for number in numbers):
        return None
    *high, last = numbers
    if len(parts) > 4 or any(n > 255 for n in high) or last >= 256 ** (5 - len(parts)):  # type: ignore[operator]
        return False
    value = last
    for position, number in enumerate(high):
        value += number << (8 * (3 - position))  # type: ignore[operator]
    return ipaddress.IPv4Address(value)


def host_address(host: str) -> Address | None | bool:
    """The address a URL's host names, None when it is a name to resolve, False when it is neither
    (a malformed number or IPv6 literal)."""
    if ":" in host:  # only IPv6 literals have colons in a host; aiohttp connects to them directly
        try:
            return ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    address = _ipv4_spelling(host)
    # All digits but no address (`08.1`): aiohttp would still skip our resolver for it.
    return False if address is None and host.replace(".", "").isdigit() else address


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
    """The refusal for a URL whose host is an address, in any spelling; names are checked when
    they are resolved."""
    host = urlsplit(url).hostname or ""
    address = host_address(host)
    if address is False:
        return f"The host {host} is not a valid address."
    return None if address is None else refusal(address, allow)  # type: ignore[arg-type]


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
        allowed = [r for r in results if refusal(_resolved(r["host"]), self.allow) is None]
        if not allowed:
            raise AddressRefused(refusal(_resolved(results[0]["host"]), self.allow))
        return allowed

    async def close(self) -> None:
        await self._resolver.close()


def _resolved(host: str) -> Address:
    return ipaddress.ip_address(host.split("%", 1)[0])  # a link-local result may carry its zone


def allowed_address(host: str, port: int, allow: tuple[Network, ...]) -> Address:
    """For a blocking client: the first address of `host` the guard lets through, resolved now, so
    the caller connects to the very address checked. Raises `AddressRefused` with the reason."""
    address = host_address(host)
    if address is False:
        raise AddressRefused(f"The host {host} is not a valid address.")
    if address is not None:
        candidates = [address]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise AddressRefused(f"The host {host[:255]} cannot be resolved ({exc.strerror}).") from None
        except UnicodeError:  # `a..b`, a label over 63 characters: no name a resolver takes
            raise AddressRefused(f"The host {host[:255]} is not a valid name.") from None
        candidates = list(dict.fromkeys(_resolved(info[4][0]) for info in infos))
    for candidate in candidates:
        if refusal(candidate, allow) is None:  # type: ignore[arg-type]
            return candidate  # type: ignore[return-value]
    raise AddressRefused(refusal(candidates[0], allow))  # type: ignore[arg-type]
