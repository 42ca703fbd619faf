"""Media from a URL (the connector's "Upload media from url"): kinflow fetches the file itself, through
the same address guard as webhook deliveries (a URL cannot make kinflow read its own network), no
larger than the media limit, following at most a few redirects, each one checked again."""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit

import aiohttp

from kinflow.digits import is_digits
from kinflow.groups.errors import bad_input
from kinflow.groups.media import Upload, too_large
from kinflow.webhooks.guard import AddressRefused, GuardedResolver, Network, literal_refusal, url_problem

TIMEOUT = 30.0
MAX_REDIRECTS = 3
MAX_URL = 2048
CHUNK = 64 * 1024


def checked_url(value: object) -> str:
    if isinstance(value, str) and len(value) > MAX_URL:
        raise bad_input("mediaUrl", f"Enter a URL of at most {MAX_URL} characters.")
    problem = url_problem(value)
    if problem:
        raise bad_input("mediaUrl", problem)
    return value  # type: ignore[return-value]


async def _read(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if is_digits(declared) and int(declared) > max_bytes:
        raise too_large(max_bytes)
    data = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK):
        data += chunk
        if len(data) > max_bytes:
            raise too_large(max_bytes)
    return bytes(data)


async def fetch(url: str, allow: tuple[Network, ...], max_bytes: int, timeout: float = TIMEOUT) -> Upload:
    """The file at `url`, named by its path, typed by the answer's Content-Type (checked later)."""
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(allow), limit=1)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout),
                                         headers={"User-Agent": "kinflow-media"}) as session:
            for _ in range(MAX_REDIRECTS + 1):
                refused = literal_refusal(url, allow)  # a name is checked where it resolves
                if refused:
                    raise bad_input("mediaUrl", refused)
                async with session.get(url, allow_redirects=False) as response:
                    if response.status in (301, 302, 303, 307, 308) and "Location" in response.headers:
                        url = checked_url(urljoin(url, response.headers["Location"]))
                        continue
                    if not 200 <= response.status < 300:
                        raise bad_input("mediaUrl", f"The URL answered HTTP {response.status}.")
                    data = await _read(response, max_bytes)
                    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
                    return Upload(name, response.headers.get("Content-Type", ""), data)
            raise bad_input("mediaUrl", f"The URL redirected more than {MAX_REDIRECTS} times.")
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, AddressRefused):
            raise bad_input("mediaUrl", str(exc.os_error)) from None
        raise bad_input("mediaUrl", f"The URL could not be reached: {exc}"[:300]) from None
    except TimeoutError:
        raise bad_input("mediaUrl", f"The URL did not send the file within {timeout:g} seconds.") from None
    except aiohttp.ClientError as exc:
        raise bad_input("mediaUrl", f"Fetching the URL failed: {type(exc).__name__}: {exc}"[:300]) from None
