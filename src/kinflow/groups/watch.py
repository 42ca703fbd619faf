"""Told (with the group's id, on the committing thread) after a transaction that changed a group's
conversation has committed: a message, an attachment, an action, a response or a reaction. The web
interface's live conversations listen here; changes committed by other processes are not heard, so
listeners also look again on their own from time to time."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection

from kinflow.storage.database import after_commit

_watchers: list[Callable[[str], None]] = []


def watch(callback: Callable[[str], None]) -> None:
    _watchers.append(callback)


def unwatch(callback: Callable[[str], None]) -> None:
    if callback in _watchers:
        _watchers.remove(callback)


def _changed(group_id: str) -> None:
    for callback in list(_watchers):
        callback(group_id)


def conversation_changed(conn: Connection, group_id: str) -> None:
    if _watchers and "after_commit" in conn.info:  # a transaction of Database.write()
        after_commit(conn, lambda: _changed(group_id))
