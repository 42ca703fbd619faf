"""Files of FILE fields: uploaded with `POST file.json`, attached to records by the key it answers,
downloaded with `GET file.json` by the key records show.

kintone's rules (shared/reference/kintone-rest-api.md §10.1): an upload answers a temporary
`fileKey`, usable once, kept 3 days when no record takes it; a record's FILE value lists files as
`{contentType, fileKey, name, size}` where `fileKey` is a download key, not the upload key; an update
replaces the whole list, so a file is kept by sending its download key again. The files live in the
database (`record_files`), so every kinflow process on every machine serves the same ones.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.form import Form
from kinflow.apps.record_tables import RecordTables
from kinflow.apps.values import MAX_FILE_KEY
from kinflow.clock import clock
from kinflow.directory.identity import Identity
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_
from kinflow.storage.schema import record_files
from kinflow.uploads import Upload

# kintone deletes an upload no record took after 3 days.
UPLOAD_LIFETIME = timedelta(days=3)
MAX_NAME = 255
MAX_CONTENT_TYPE = 255
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\\/]+")
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$")


def file_not_found(key: str) -> KintoneError:
    return KintoneError("GAIA_BL01", N_("The specified file (id: {key}) not found.", key=key[:MAX_FILE_KEY]), 404)


def too_large(max_bytes: int) -> KintoneError:
    return KintoneError("CB_VA01", N_("Missing or invalid input."), 413,
                        {"file": [f"The file is over {max_bytes} bytes."]})


def _name(raw: str) -> str:
    """The file's own name: no folders, no control characters, at most MAX_NAME characters."""
    name = _UNSAFE_NAME.sub("_", raw.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return (name or "file")[-MAX_NAME:]


def _content_type(raw: str) -> str:
    media = raw.split(";", 1)[0].strip().lower()
    return media if len(media) <= MAX_CONTENT_TYPE and _MEDIA_TYPE.match(media) else "application/octet-stream"


def _now() -> datetime:
    return clock.now().replace(tzinfo=None)


def upload(conn: Connection, identity: Identity, received: Upload | None, *, max_bytes: int) -> dict:
    """Keep an uploaded file for a record to take; answer its upload key."""
    if received is None:
        raise invalid_input({"file": [N_("Required field.")]})
    if len(received.data) > max_bytes:
        raise too_large(max_bytes)
    now = _now()
    # Uploads no record took in time go now (an indexed delete: nothing to do most of the time).
    conn.execute(record_files.delete().where(record_files.c.record_id.is_(None),
                                             record_files.c.created_at < now - UPLOAD_LIFETIME))
    key = str(uuid.uuid4())
    conn.execute(record_files.insert().values(
        # Download keys look like kintone's: the upload's time, then random hex.
        id=now.strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex.upper(), upload_key=key, app_id=None, record_id=None,
        name=_name(received.name), content_type=_content_type(received.content_type), size=len(received.data),
        content=received.data, uploader=identity.code, created_at=now))
    return {"fileKey": key}


def _file_codes(form: Form) -> tuple[list[str], dict[str, list[str]]]:
    top = [f.code for f in form.top_level if f.type == "FILE"]
    inner = {t.code: codes for t in form.subtables
             if (codes := [f.code for f in form.inner_fields(t.code) if f.type == "FILE"])}
    return top, inner


class Attachments:
    """The FILE values of one batch of writes to one app: every key the records name resolved to
    its file (before validation, so an unknown key fails the batch before anything is written), then
    the uploads taken bound to their records (after the records have ids)."""

    def __init__(self, conn: Connection, app_id: int, form: Form) -> None:
        self.conn = conn
        self.app_id = app_id
        self.top, self.inner = _file_codes(form)
        # (record, file id) of every upload the batch takes.
        self.taken: list[tuple[object, str]] = []

    def _values(self, rec) -> list[list[dict]]:  # noqa: ANN001
        """The FILE values of a record (a `StoredRecord`), top level and in table rows."""
        found = [rec.values.get(code) or [] for code in self.top]
        for table, codes in self.inner.items():
            for row in rec.tables.get(table, []):
                found.extend(row.values.get(code) or [] for code in codes)
        return found

    def resolve(self, records: list) -> None:
        if not (self.top or self.inner):
            return
        keys = {item["fileKey"] for rec in records for value in self._values(rec) for item in value}
        if not keys:
            return
        files = record_files.c
        rows = self.conn.execute(sa.select(files.id, files.upload_key, files.app_id, files.record_id, files.name,
                                           files.content_type, files.size, files.created_at)
                                 .where(sa.or_(files.id.in_(keys), files.upload_key.in_(keys)))).all()
        attached = {row.id: row for row in rows if row.record_id is not None and row.app_id == self.app_id}
        expiry = _now() - UPLOAD_LIFETIME
        uploads = {row.upload_key: row for row in rows if row.upload_key is not None and row.created_at >= expiry}
        for rec in records:
            for value in self._values(rec):
                for index, item in enumerate(value):
                    key = item["fileKey"]
                    row = attached.get(key)
                    if row is None or rec.id is None or row.record_id != rec.id:
                        row = uploads.pop(key, None)  # usable once, even within one batch
                        if row is None:
                            raise file_not_found(key)
                        self.taken.append((rec, row.id))
                    value[index] = {"contentType": row.content_type, "fileKey": row.id, "name": row.name,
                                    "size": str(row.size)}

    def bind(self) -> None:
        """Give the uploads taken to their records; another write that took one first fails this one."""
        files = record_files.c
        for rec, file_id in self.taken:
            taken = self.conn.execute(record_files.update()
                                      .where(files.id == file_id, files.upload_key.is_not(None))
                                      .values(upload_key=None, app_id=self.app_id, record_id=rec.id))
            if taken.rowcount != 1:
                raise file_not_found(file_id)
        self.taken = []

    def release(self, records: list) -> None:
        """Delete the files these (updated) records no longer list: kintone replaces a FILE value whole."""
        if not (self.top or self.inner) or not records:
            return
        for rec in records:
            kept = {item["fileKey"] for value in self._values(rec) for item in value}
            self.conn.execute(record_files.delete().where(
                record_files.c.app_id == self.app_id, record_files.c.record_id == rec.id,
                record_files.c.id.not_in(kept)))


def delete_files(conn: Connection, app_id: int, record_ids: list[int]) -> None:
    """The files of deleted records go with them."""
    conn.execute(record_files.delete().where(record_files.c.app_id == app_id,
                                             record_files.c.record_id.in_(record_ids)))


@dataclass(frozen=True)
class StoredFile:
    app_id: int
    record_id: int
    name: str
    content_type: str
    content: bytes


def read_file(conn: Connection, key: object) -> StoredFile:
    """An attached file by its download key (an upload key downloads nothing, as in kintone)."""
    if not isinstance(key, str) or not key:
        raise invalid_input({"fileKey": [N_("Required field.")]})
    if len(key) > MAX_FILE_KEY:
        raise file_not_found(key)
    files = record_files.c
    row = conn.execute(sa.select(files.app_id, files.record_id, files.name, files.content_type, files.content)
                       .where(files.id == key, files.record_id.is_not(None))).first()
    if row is None:
        raise file_not_found(key)
    return StoredFile(row.app_id, row.record_id, row.name, row.content_type, bytes(row.content))


# Files deleted per statement when a deploy drops a FILE field.
_DELETE_BATCH = 500


def drop_field_files(conn: Connection, old: RecordTables, new: RecordTables) -> None:
    """The files of the FILE fields a deploy drops (or turns into another type), deleted before the
    deploy drops their columns: nothing could reach them afterwards."""
    kept = {(new.table_of(f).name, f.column_name) for f in new.form.fields.values() if f.type == "FILE"}
    for f in old.form.fields.values():
        table = old.table_of(f) if f.type == "FILE" else None
        if table is None or (table.name, f.column_name) in kept:
            continue
        keys = [item["fileKey"] for value in conn.execute(sa.select(table.c[f.column_name])).scalars()
                for item in value or []]
        for start in range(0, len(keys), _DELETE_BATCH):
            conn.execute(record_files.delete().where(record_files.c.app_id == old.app_id,
                                                     record_files.c.id.in_(keys[start:start + _DELETE_BATCH])))
