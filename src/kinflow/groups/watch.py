"""Told (with each group's id, on the committing thread) after a transaction that changed a group's
conversation has committed (and the conversations of the sub-groups a message flows down to): a message, an attachment, an action, a response or a reaction. The web
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


def conversation_changed(conn: Connection, *group_ids: str) -> None:
    if _watchers and "after_commit" in conn.info:  # a transaction of Database.write()
        for group_id in group_ids:
            after_commit(conn, lambda group_id=group_id: _changed(group_id))
