"""A signed-in browser in Groups: the person of its user's mobile number, calling the groups API's own
handlers (`kinflow.api.kaizala`), so that a page checks and writes exactly as the API does.

Groups knows people by phone number; an administrator gives a kinflow user theirs (users page,
`mobileNumber`). The web interface is kinflow's own client, not a registered connector: its calls
carry every scope, and membership, roles and the rules of each write stay the handlers' own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from starlette.datastructures import Headers

from kinflow.api.kaizala.http import Call, JsonBody
from kinflow.config import Settings
from kinflow.directory.users import User
from kinflow.groups.connectors import SCOPES, Connector
from kinflow.groups.errors import forbidden
from kinflow.groups.people import Person
from kinflow.groups.signin import Caller
from kinflow.groups.tables import people
from kinflow.storage.schema import users

WEB = Connector(id="kinflow-web", name="kinflow web interface", scopes=SCOPES, created_at=datetime(1970, 1, 1),
                creator="")


def mobile_of(conn: Connection, user: User) -> str | None:
    return conn.execute(sa.select(users.c.mobile_number).where(users.c.id == user.id)).scalar()


def person_of(conn: Connection, user: User) -> Person | None:
    """The user's person in Groups; None without a mobile number, or when no group has that number yet."""
    mobile = mobile_of(conn, user)
    if not mobile:
        return None
    row = conn.execute(sa.select(people).where(people.c.mobile == mobile)).first()
    return Person(row.id, row.mobile, row.name, bool(row.provisioned)) if row else None


def caller_of(conn: Connection, user: User) -> Caller:
    """The user as a caller of the groups API; one with no person is a member of no group."""
    person = person_of(conn, user)
    if person is None:
        raise forbidden("You are not a member of any group: your user has no mobile number a group knows.")
    return Caller(person, WEB)


Handler = Callable[[Call], object]


def call(conn: Connection, settings: Settings, caller: Caller, handler: Handler, *, path: Mapping[str, str],
         body: dict | None = None, query: Mapping[str, str] | None = None) -> dict:
    """One of the groups API's handlers, as `caller`, inside the page's transaction."""
    result = handler(Call(conn, JsonBody(body or {}), query or {}, path, Headers(), settings, caller=caller))
    assert isinstance(result, dict), result  # the handlers pages call answer JSON
    return result
