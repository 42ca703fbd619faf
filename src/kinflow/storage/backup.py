"""Backups of an embedded SQLite kinflow, taken while it runs, and their restore into a new data folder.

A backup is one tar file holding `kinflow.db`, a consistent copy of the database, and the data
folder's other files: the secret key above all, without which the restored API tokens (kept as keyed
hashes) and webhook signing secrets (encrypted with it) are useless. The file is private (0600), as
everything it holds is.

The copy uses SQLite's online backup API. The API starts over whenever another connection writes
between two of its steps, which a busy server does every few milliseconds; so the copy reads inside
one read transaction held from its first step to its last. In WAL mode that transaction sees one
snapshot, the last commit before the backup began, and holds back no writer: they go on appending to
the WAL, which is checkpointed in full once the backup ends.

PostgreSQL has its own tools (`pg_dump`, `pg_restore`): the README says how, and what else to keep.
"""

from __future__ import annotations

import os
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import sqlalchemy as sa

DATABASE_MEMBER = "kinflow.db"
# Pages copied per step: each step reports progress; the read transaction spans them all.
STEP_PAGES = 1024
# The database's own files, which the consistent copy replaces.
_DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")

Progress = Callable[[int, int], None]


class BackupError(Exception):
    """What stops a backup or a restore, in one line for the person running it."""


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for any other database."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(parsed.database).resolve()


def _require_sqlite(url: str, tool: str) -> Path:
    path = sqlite_path(url)
    if path is None:
        raise BackupError(f"this handles SQLite only, the database is {sa.make_url(url).get_backend_name()}: "
                          f"use {tool} (see the README) and keep the data folder's secret key file with it")
    return path


def _copy_database(source: Path, target: Path, progress: Progress | None) -> None:
    src = sqlite3.connect(source, isolation_level=None)
    dst = sqlite3.connect(target, isolation_level=None)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here
        src.backup(dst, pages=STEP_PAGES, sleep=0,
                   progress=None if progress is None else lambda _status, left, total: progress(total - left, total))
        src.execute("COMMIT")
        # The copy keeps the source's WAL mode; fold it into the one file the archive holds.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _data_files(data_dir: Path, database: Path, skip: set[Path]) -> list[Path]:
    """The data folder's files besides the database's own (the secret key, for one)."""
    if not data_dir.is_dir():
        return []
    own = {database.parent / f"{database.name}{suffix}" for suffix in _DATABASE_SUFFIXES}
    found = []
    for path in sorted(data_dir.resolve().rglob("*")):
        if path.is_symlink() or not path.is_file() or path in own or any(part in skip for part in (path, *path.parents)):
            continue
        found.append(path)
    return found


def _add(archive: tarfile.TarFile, path: Path, name: str) -> None:
    info = archive.gettarinfo(str(path), arcname=name)
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    with path.open("rb") as handle:
        archive.addfile(info, handle)


def backup(url: str, data_dir: Path, target: Path, progress: Progress | None = None) -> list[str]:
    """Write a backup of the running SQLite kinflow at `url` (data folder `data_dir`) to `target`;
    returns the names it holds. `progress(done, total)` is called with pages as the copy advances."""
    database = _require_sqlite(url, "pg_dump")
    if not database.is_file():
        raise BackupError(f"no database at {database}")
    target = target.resolve()
    if target.is_dir():
        raise BackupError(f"{target} is a folder: name the backup file to write")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".kinflow-backup-", dir=target.parent) as work:
        work_dir = Path(work)
        os.chmod(work_dir, 0o700)
        copy = work_dir / DATABASE_MEMBER
        try:
            _copy_database(database, copy, progress)
        except sqlite3.Error as exc:
            raise BackupError(f"cannot copy the database {database}: {exc}") from None
        partial = work_dir / "backup.tar"
        names = [DATABASE_MEMBER]
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as archive:
            _add(archive, copy, DATABASE_MEMBER)
            for path in _data_files(data_dir, database, {work_dir, target}):
                name = path.relative_to(data_dir.resolve()).as_posix()
                _add(archive, path, name)
                names.append(name)
            archive.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)  # a backup is whole or absent
    return names


def _members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = archive.getmembers()
    for member in members:
        name = PurePosixPath(member.name)
        if not member.isfile() or name.is_absolute() or ".." in name.parts:
            raise BackupError(f"not a kinflow backup: it holds {member.name!r}")
    if DATABASE_MEMBER not in {member.name for member in members}:
        raise BackupError(f"not a kinflow backup: it holds no {DATABASE_MEMBER}")
    return members


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def restore(source: Path, url: str, data_dir: Path) -> Path:
    """Restore the backup `source` into the empty data folder `data_dir` (its database at `url`);
    returns the data folder. Refuses a folder that holds anything: a restore never mixes two states."""
    database = _require_sqlite(url, "pg_restore")
    data_dir = data_dir.resolve()
    if not _is_empty(data_dir):
        raise BackupError(f"the data folder {data_dir} is not empty: restore into a new or empty folder")
    if database.exists():
        raise BackupError(f"a database exists already at {database}: restore into a new one")
    try:
        archive = tarfile.open(source, mode="r")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"cannot read the backup {source}: {exc}") from None
    with archive:
        members = _members(archive)
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(data_dir, 0o700)
        for member in members:
            path = database if member.name == DATABASE_MEMBER else data_dir / member.name
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out, archive.extractfile(member) as data:  # type: ignore[union-attr]
                while chunk := data.read(1 << 20):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
    return data_dir
