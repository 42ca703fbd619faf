"""A file as a client uploaded it, before it is kept: the groups API's media and kintone's files."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Upload:
    """A file as received: its name, declared media type and content."""
    name: str
    content_type: str
    data: bytes
