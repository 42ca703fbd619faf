"""Media of Groups: files uploaded once (`POST /media`, from an attachment or from a URL) and then
sent in actions by the `mediaResource` the upload answers (Kaizala's media.md).

Files are kept in the database, so every kinflow process on every machine serves the same ones.
A `mediaResource` is, as Kaizala's, base64 of a small JSON object naming the files
(`{"ActionType", "Files": [{"Id", "Name", "Size", "Url"}]}`); only the ids count when one comes back:
a file that is not stored here is refused, whatever the rest says. Each file's `Url` is signed with
the server's secret key, so a webhook receiver can fetch it without a token, as Kaizala's were."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.errors import KintoneError
from kinflow.events.outbox import now_naive
from kinflow.groups.errors import bad_input, not_found
from kinflow.groups.media_types import TYPES, media_type
from kinflow.groups.people import Person
from kinflow.groups.tables import media
from kinflow.secret_key import SecretKey
from kinflow.uploads import Upload

# Files in one upload (an album's images come in one).
MAX_FILES = 10
MAX_NAME = 255
# Files up to this size together travel in an event's `mediaContent` (a delivery is at most 1 MB);
# larger ones only by their URLs.
MAX_INLINE = 256 * 1024
# A mediaResource names at most MAX_FILES files: a few hundred characters each is plenty.
MAX_RESOURCE = 8192
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/]+')


@dataclass(frozen=True)
class StoredMedia:
    id: str
    name: str
    content_type: str
    size: int
    kind: str


def too_large(max_bytes: int) -> KintoneError:
    return KintoneError("PayloadTooLarge", f"The media is over {max_bytes} bytes.", 413)


def file_name(name: object, extension: str) -> str:
    """A name fit for a header and a listing: no path, no control characters, the type's extension."""
    text = name if isinstance(name, str) else ""
    text = _UNSAFE_NAME.sub("_", text.replace("\\", "/").rsplit("/", 1)[-1]).strip() or "file"
    if not text.lower().endswith(extension):
        text += extension
    return text[-MAX_NAME:]


def media_url(public_url: str, key: SecretKey, media_id: str) -> str:
    return f"{public_url.rstrip('/')}/kaizala/v1/media/{media_id}?sig={key.media_signature(media_id)}"


def _resource(files: list[StoredMedia], public_url: str, key: SecretKey) -> str:
    kinds = {f.kind for f in files}
    kind = "Album" if len(files) > 1 and kinds == {"Image"} else files[0].kind
    body = {"ActionType": kind, "Files": [{"Id": f.id, "Name": f.name, "Size": f.size,
                                           "Url": media_url(public_url, key, f.id)} for f in files]}
    return base64.b64encode(orjson.dumps(body)).decode()


def store(conn: Connection, person: Person, uploads: list[Upload], *, max_bytes: int, public_url: str,
          key: SecretKey) -> dict:
    """Keep the uploaded files; answer the `mediaResource` that names them."""
    if not uploads:
        raise bad_input("files", "Send a media file.")
    if len(uploads) > MAX_FILES:
        raise bad_input("files", f"Send at most {MAX_FILES} files in one upload.")
    if sum(len(u.data) for u in uploads) > max_bytes:
        raise too_large(max_bytes)
    now = now_naive()
    stored, rows = [], []
    for upload in uploads:
        if not upload.data:
            raise bad_input("files", f"The file {upload.name[:100]!r} is empty.")
        found = media_type(upload.content_type, upload.data, upload.name)
        item = StoredMedia(str(uuid.uuid4()), file_name(upload.name, found.extension), found.mime, len(upload.data),
                           found.kind)
        stored.append(item)
        rows.append({"id": item.id, "person_id": person.id, "file_name": item.name, "content_type": item.content_type,
                     "size": item.size, "sha256": hashlib.sha256(upload.data).hexdigest(), "content": upload.data,
                     "created_at": now})
    conn.execute(media.insert(), rows)
    return {"mediaResource": _resource(stored, public_url, key)}


def _ids(resource: object, field: str) -> list[str]:
    refused = bad_input(field, "Enter a mediaResource answered by POST /media.")
    if not isinstance(resource, str) or not resource or len(resource) > MAX_RESOURCE:
        raise refused
    try:
        body = orjson.loads(base64.b64decode(resource, validate=True))
        ids = [item["Id"] for item in body["Files"]]
    except (binascii.Error, ValueError, orjson.JSONDecodeError, KeyError, TypeError):
        raise refused from None
    if not ids or len(ids) > MAX_FILES or not all(isinstance(i, str) and len(i) == 36 for i in ids):
        raise refused
    return ids


def files_of(conn: Connection, resource: object, field: str = "mediaResource") -> list[StoredMedia]:
    """The stored files a `mediaResource` names, in its order."""
    ids = _ids(resource, field)
    rows = {row.id: row for row in conn.execute(sa.select(
        media.c.id, media.c.file_name, media.c.content_type, media.c.size).where(media.c.id.in_(ids)))}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise bad_input(field, f"The media file {missing[0]} is not stored here: upload it with POST /media.")
    return [StoredMedia(i, rows[i].file_name, rows[i].content_type, rows[i].size,
                        TYPES[rows[i].content_type].kind) for i in ids]


def event_media(conn: Connection, files: list[StoredMedia], public_url: str, key: SecretKey) -> tuple[list, list]:
    """What an event says of its files: `media` (`{mediaUrl, mediaFileName}` each, as EventSchema.md)
    and `mediaContent` (the Power Platform's file objects `{$content-type, $content}`, for the
    connector's "File Content"; empty when the files are over MAX_INLINE together)."""
    links = [{"mediaUrl": media_url(public_url, key, f.id), "mediaFileName": f.name} for f in files]
    if sum(f.size for f in files) > MAX_INLINE:
        return links, []
    ids = [f.id for f in files]
    content = dict(conn.execute(sa.select(media.c.id, media.c.content).where(media.c.id.in_(ids))).all())
    return links, [{"$content-type": f.content_type, "$content": base64.b64encode(content[f.id]).decode()}
                   for f in files]


def read(conn: Connection, media_id: str, signature: str | None, key: SecretKey):  # noqa: ANN201
    """A stored file (with its content) for a signed URL, or for a caller who was let in already
    (`signature` None)."""
    if len(media_id) != 36:
        raise not_found("media file", media_id[:40])
    if signature is not None and not hmac.compare_digest(signature, key.media_signature(media_id)):
        raise not_found("media file", media_id)
    row = conn.execute(sa.select(media).where(media.c.id == media_id)).first()
    if row is None:
        raise not_found("media file", media_id)
    return row


def links_of(conn: Connection, ids: list[str], public_url: str, key: SecretKey) -> dict[str, dict]:
    """`{mediaUrl, mediaFileName}` of each stored file of `ids` (as events and listings show files)."""
    if not ids:
        return {}
    names = dict(conn.execute(sa.select(media.c.id, media.c.file_name).where(media.c.id.in_(set(ids)))).all())
    return {media_id: {"mediaUrl": media_url(public_url, key, media_id), "mediaFileName": name}
            for media_id, name in names.items()}
