"""Each person's notification inbox: entries written with the change that caused them, listed
newest first, counted and marked read by their owner only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.clock import utc_text
from kinflow.digits import is_digits
from kinflow.errors import integer_param, invalid_input
from kinflow.i18n import N_
from kinflow.storage.database import after_commit
from kinflow.storage.prepared import PreparedInsert
from kinflow.storage.schema import MAX_ID, notifications

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_IDS = 100


@dataclass(frozen=True)
class Entry:
    user: str
    app_id: int
    record_id: int
    kind: str
    title: str
    message: str
    sender: str
    url: str
    created_at: datetime

    def values(self) -> tuple:
        """The row's values in the order of `_COLUMNS`."""
        return (self.user, self.app_id, self.record_id, self.kind, self.title, self.message, self.sender, self.url,
                self.created_at, False)

    def row(self) -> dict:
        return dict(zip(_COLUMNS, self.values(), strict=True))


_COLUMNS = ["user_code", "app_id", "record_id", "kind", "title", "message", "sender", "url", "created_at", "read"]
_INSERT = notifications.insert().returning(notifications.c.id, sort_by_parameter_order=True)
# A change can reach many people: their rows go to the driver in one executemany.
_BULK = PreparedInsert(notifications, _COLUMNS)

# Told (without arguments, on the committing thread) after a transaction that changed inboxes has
# committed: the web interface's live counts listen here. Other processes' changes are not heard;
# listeners look again on their own from time to time.
_watchers: list[Callable[[], None]] = []


def watch(callback: Callable[[], None]) -> None:
    _watchers.append(callback)


def unwatch(callback: Callable[[], None]) -> None:
    if callback in _watchers:
        _watchers.remove(callback)


def _changed() -> None:
    for callback in list(_watchers):
        callback()


def _announce(conn: Connection) -> None:
    if _watchers and "after_commit" in conn.info:  # a transaction of Database.write()
        after_commit(conn, _changed)


def store(conn: Connection, entries: list[Entry], *, with_ids: bool = False) -> list[int]:
    """Write the entries; their ids only when asked (a plain bulk insert is cheaper)."""
    if not entries:
        return []
    _announce(conn)
    if with_ids:
        return list(conn.execute(_INSERT, [e.row() for e in entries]).scalars().all())
    _BULK.run(conn, [e.values() for e in entries])
    return []


def _flag(params: dict, name: str) -> bool:
    raw = params.get(name)
    if raw in (None, "", False, "false"):
        return False
    if raw in (True, "true"):
        return True
    raise invalid_input({name: [N_("Must be true or false.")]})


def list_entries(conn: Connection, user: str, params: dict) -> dict:
    """The user's notifications, newest first; `unread=true` keeps the unread ones."""
    limit = integer_param(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = integer_param(params, "offset", 0, 0, MAX_ID)
    if _flag(params, "unread"):
        query = _newest(user, False, limit + 1).offset(offset)
    else:
        # The inbox index keeps the unread and the read apart: the newest of each, merged.
        both = sa.union_all(*(sa.select(_newest(user, read, offset + limit + 1).subquery())
                              for read in (False, True))).subquery()
        query = sa.select(both).order_by(both.c.id.desc()).limit(limit + 1).offset(offset)
    rows = conn.execute(query).all()
    return {"notifications": [render(row) for row in rows[:limit]], "more": len(rows) > limit}


def _newest(user: str, read: bool, count: int) -> sa.Select:
    """A user's newest read (or unread) notifications: a range of the inbox index."""
    return (sa.select(notifications).where(notifications.c.user_code == user, _read_is(read))
            .order_by(notifications.c.id.desc()).limit(count))


def _read_is(read: bool) -> sa.ColumnElement[bool]:
    # `read = false`, not `NOT read`: an equality is what lets the index's second column narrow the range.
    return notifications.c.read == (sa.true() if read else sa.false())


def render(row) -> dict:  # noqa: ANN001
    return {"id": str(row.id), "app": str(row.app_id), "record": str(row.record_id), "kind": row.kind,
            "title": row.title, "message": row.message, "sender": {"code": row.sender} if row.sender else None,
            "createdAt": utc_text(row.created_at), "read": row.read, "url": row.url}


def count_unread(conn: Connection, user: str) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(notifications).where(
        notifications.c.user_code == user, _read_is(False))).scalar_one()


def mark_read(conn: Connection, user: str, params: dict) -> int:
    """Mark `ids` (or, with `all: true`, every one) of the user's notifications read; how many changed.
    Ids of someone else's notifications change nothing, as if they did not exist."""
    _announce(conn)
    every = _flag(params, "all")
    ids = params.get("ids")
    if every == (ids is not None):
        raise invalid_input({"ids": [N_("Specify either ids or all.")]})
    where = [notifications.c.user_code == user, _read_is(False)]
    if not every:
        if isinstance(ids, (str, int)) and not isinstance(ids, bool):
            ids = [ids]
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_IDS:
            raise invalid_input({"ids": [N_("Enter between 1 and {max_ids} notification ids.", max_ids=MAX_IDS)]})
        numbers = []
        for index, raw in enumerate(ids):
            if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and is_digits(raw.strip()))) \
                    or not 1 <= int(raw) <= 2**62:
                raise invalid_input({f"ids[{index}]": [N_("Enter an integer value.")]})
            numbers.append(int(raw))
        where.append(notifications.c.id.in_(numbers))
    return conn.execute(notifications.update().where(*where).values(read=True)).rowcount
