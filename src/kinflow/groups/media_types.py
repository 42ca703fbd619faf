"""The media types Groups accepts (Kaizala's media.md: images, audio, documents, videos) and the check
that a file is what its declared type says. Anything else is refused with `415`, as Kaizala did.

The first bytes are checked too: a file is served back from kinflow's own address, so an HTML page
sent as `image/png` must not get in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kinflow.errors import KintoneError


def _ole(data: bytes) -> bool:  # Word, Excel and PowerPoint before 2007
    return data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def _zip(data: bytes) -> bool:  # the Office Open XML formats are zip files
    return data.startswith(b"PK\x03\x04")


def _mp4(data: bytes) -> bool:  # MP4 and 3GPP: an `ftyp` box first
    return data[4:8] == b"ftyp"


def _mp3(data: bytes) -> bool:  # an ID3 tag, or straight into an MPEG frame
    return data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


def _wav(data: bytes) -> bool:
    return data.startswith(b"RIFF") and data[8:12] == b"WAVE"


def _jpeg(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8\xff")


def _png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n")


def _pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")


@dataclass(frozen=True)
class MediaType:
    mime: str
    kind: str  # Kaizala's actionType: Image | Audio | Document | Video
    extension: str
    looks_like: Callable[[bytes], bool]  # whether the first bytes are of this type


_OFFICE = "application/vnd.openxmlformats-officedocument."
TYPES = {t.mime: t for t in (
    MediaType("image/jpeg", "Image", ".jpg", _jpeg),
    MediaType("image/png", "Image", ".png", _png),
    MediaType("audio/mpeg", "Audio", ".mp3", _mp3),
    MediaType("audio/wav", "Audio", ".wav", _wav),
    MediaType("audio/x-wav", "Audio", ".wav", _wav),
    MediaType("audio/wave", "Audio", ".wav", _wav),
    MediaType("application/pdf", "Document", ".pdf", _pdf),
    MediaType("application/msword", "Document", ".doc", _ole),
    MediaType("application/vnd.ms-excel", "Document", ".xls", _ole),
    MediaType("application/vnd.ms-powerpoint", "Document", ".ppt", _ole),
    MediaType(_OFFICE + "wordprocessingml.document", "Document", ".docx", _zip),
    MediaType(_OFFICE + "spreadsheetml.sheet", "Document", ".xlsx", _zip),
    MediaType(_OFFICE + "presentationml.presentation", "Document", ".pptx", _zip),
    MediaType("video/mp4", "Video", ".mp4", _mp4),
    MediaType("video/3gpp", "Video", ".3gpp", _mp4),
)}


def unsupported(message: str) -> KintoneError:
    return KintoneError("UnsupportedMediaType", message, 415)


def media_type(content_type: object, data: bytes, name: str) -> MediaType:
    """The type of a file declared as `content_type`; 415 when it is not one Groups takes, or the
    content is not of that type."""
    mime = content_type.split(";", 1)[0].strip().lower() if isinstance(content_type, str) else ""
    if not mime:
        raise unsupported(f"Send the media type (Content-Type) of {name[:100]!r}.")
    found = TYPES.get(mime)
    if found is None:
        raise unsupported(f"The media type {mime[:100]!r} is not supported; send one of {', '.join(sorted(TYPES))}.")
    if not found.looks_like(data[:16]):
        raise unsupported(f"The content of {name[:100]!r} is not {mime}.")
    return found
