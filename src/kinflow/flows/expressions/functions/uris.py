"""URI parsing functions."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from kinflow.flows.expressions.functions.registry import function
from kinflow.flows.expressions.values import fail, need_text

_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}


def _split(uri) -> SplitResult:
    text = need_text(uri, "the URI")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        fail(f"'{text[:40]}' is not an absolute URI.")
    if not parts.scheme or not parts.netloc:
        fail(f"'{text[:40]}' is not an absolute URI.")
    return parts


@function("uriScheme", 1)
def uri_scheme(uri):
    return _split(uri).scheme


@function("uriHost", 1)
def uri_host(uri):
    return _split(uri).hostname or ""


@function("uriPort", 1)
def uri_port(uri):
    parts = _split(uri)
    if parts.port is not None:
        return parts.port
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        fail(f"the scheme '{parts.scheme}' has no default port.")
    return _DEFAULT_PORTS[parts.scheme.lower()]


@function("uriPath", 1)
def uri_path(uri):
    return _split(uri).path or "/"


@function("uriQuery", 1)
def uri_query(uri):
    query = _split(uri).query
    return f"?{query}" if query else ""


@function("uriPathAndQuery", 1)
def uri_path_and_query(uri):
    return uri_path(uri) + uri_query(uri)
