"""Flows as their owners manage them: deploy (a new version each time), list, enable, disable, delete.

A flow belongs to the user who deployed it; administrators see and manage every flow. The name is
unique per owner, so deploying a definition under a name that exists makes a new version of that flow
rather than a second flow.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.clock import utc_text
from kinflow.digits import is_digits
from kinflow.errors import KintoneError, invalid_input
from kinflow.events.outbox import now_naive
from kinflow.flows.definitions import Definition, DefinitionError, check
from kinflow.flows.tables import flow_versions, flows
from kinflow.secret_key import SecretKey

ENABLED, DISABLED = "Enabled", "Disabled"
MAX_NAME = 128
# A definition's JSON text: Logic Apps' own limit for a workflow is 1 MB.
MAX_DEFINITION_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Flow:
    id: int
    uuid: str
    name: str
    owner: str
    state: str
    version: int
    trigger_type: str
    created_at: object
    updated_at: object

    def as_json(self) -> dict:
        return {"id": str(self.id), "name": self.name, "owner": self.owner, "state": self.state,
                "version": str(self.version), "triggerType": self.trigger_type,
                "createdAt": utc_text(self.created_at), "updatedAt": utc_text(self.updated_at)}


def flow_not_found(flow_id: object) -> KintoneError:
    return KintoneError("KF_FL01", f"The flow (ID: {flow_id}) is not found.", 404)


def _flow(row) -> Flow:  # noqa: ANN001
    return Flow(row.id, row.uuid, row.name, row.owner, row.state, row.version, row.trigger_type,
                row.created_at, row.updated_at)


def checked_definition(document: object) -> Definition:
    """The definition, or `CB_VA01` with each problem under `definition.<path>`."""
    if document is None:
        raise invalid_input({"definition": ["Required field."]})
    if len(orjson.dumps(document)) > MAX_DEFINITION_BYTES:
        raise invalid_input({"definition": [f"A definition has at most {MAX_DEFINITION_BYTES} bytes of JSON."]})
    try:
        return check(document)
    except DefinitionError as error:
        raise invalid_input({f"definition.{path}" if path != "$" else "definition": messages
                             for path, messages in error.problems.items()}) from None


def deploy(conn: Connection, owner: str, name: object, document: object, state: object = ENABLED) -> tuple[Flow, bool]:
    """Create the flow `name` of `owner`, or deploy a new version of it. Returns (flow, created)."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise invalid_input({"name": [f"Enter a name of 1 to {MAX_NAME} characters."]})
    if state not in (ENABLED, DISABLED):
        raise invalid_input({"state": [f"Enter {ENABLED} or {DISABLED}."]})
    definition = checked_definition(document)
    now = now_naive()
    row = conn.execute(sa.select(flows).where(flows.c.owner == owner, flows.c.name == name)).first()
    text = orjson.dumps(definition.document).decode()
    if row is None:
        flow_id = conn.execute(flows.insert().values(
            uuid=str(uuid.uuid4()), name=name, owner=owner, state=state, version=1, run_limit=definition.run_limit,
            trigger_type=definition.trigger_type, created_at=now, updated_at=now)).inserted_primary_key[0]
        version, created = 1, True
    else:
        flow_id, version, created = row.id, row.version + 1, False
        conn.execute(flows.update().where(flows.c.id == flow_id).values(
            version=version, state=state, trigger_type=definition.trigger_type, run_limit=definition.run_limit,
            updated_at=now))
    conn.execute(flow_versions.insert().values(flow_id=flow_id, version=version, definition=text, created_at=now))
    _schedule(conn, flow_id, definition, state)
    return get_flow(conn, owner, flow_id, admin=True), created


def _schedule(conn: Connection, flow_id: int, definition: Definition, state: str) -> None:
    """Set an enabled Recurrence flow's next occurrence (and clear any other flow's)."""
    from kinflow.flows import schedule

    due = None
    if state == ENABLED and definition.trigger_type == "Recurrence":
        due = schedule.first(definition.trigger["recurrence"], now_naive())
    conn.execute(flows.update().where(flows.c.id == flow_id).values(next_occurrence_at=due))


_FLOW = sa.select(flows).where(flows.c.id == sa.bindparam("flow"))
# A trigger call's flow with its current definition, in one statement (built once: every event asks).
_FLOW_AND_DEFINITION = (sa.select(flows, flow_versions.c.definition)
                        .join(flow_versions, sa.and_(flow_versions.c.flow_id == flows.c.id,
                                                     flow_versions.c.version == flows.c.version))
                        .where(flows.c.id == sa.bindparam("flow")))


def _flow_id(flow_id: object) -> int:
    if isinstance(flow_id, str) and is_digits(flow_id):
        flow_id = int(flow_id)
    if isinstance(flow_id, bool) or not isinstance(flow_id, int) or not 0 < flow_id < 2**31:
        raise invalid_input({"id": ["Enter the flow's id."]})
    return flow_id


def get_flow(conn: Connection, caller: str, flow_id: object, *, admin: bool) -> Flow:
    """A flow its caller may manage (their own; any, for an administrator), or 404."""
    flow_id = _flow_id(flow_id)
    row = conn.execute(_FLOW, {"flow": flow_id}).first()
    if row is None or (not admin and row.owner != caller):
        raise flow_not_found(flow_id)
    return _flow(row)


def flow_and_definition(conn: Connection, flow_id: object) -> tuple[Flow, Definition]:
    """Any flow with the definition of its current version, or 404."""
    flow_id = _flow_id(flow_id)
    row = conn.execute(_FLOW_AND_DEFINITION, {"flow": flow_id}).first()
    if row is None:
        raise flow_not_found(flow_id)
    return _flow(row), _checked(row.definition)


_DEFINITION = sa.select(flow_versions.c.definition).where(
    flow_versions.c.flow_id == sa.bindparam("flow"), flow_versions.c.version == sa.bindparam("version"))


def definition_of(conn: Connection, flow_id: int, version: int) -> Definition:
    return _checked(conn.execute(_DEFINITION, {"flow": flow_id, "version": version}).scalar_one())


@lru_cache(maxsize=256)
def _checked(text: str) -> Definition:
    # Every run and trigger call reads its flow's definition: checking it (expressions parsed)
    # costs more than the rest of starting a run, and a version never changes.
    return check(orjson.loads(text))


def list_flows(conn: Connection, caller: str, *, admin: bool, offset: int = 0, limit: int = 100) -> list[Flow]:
    query = sa.select(flows).order_by(flows.c.id).offset(offset).limit(limit)
    if not admin:
        query = query.where(flows.c.owner == caller)
    return [_flow(row) for row in conn.execute(query)]


def set_state(conn: Connection, flow: Flow, state: str) -> Flow:
    conn.execute(flows.update().where(flows.c.id == flow.id).values(state=state, updated_at=now_naive()))
    if state != flow.state:
        _schedule(conn, flow.id, definition_of(conn, flow.id, flow.version), state)
    return get_flow(conn, flow.owner, flow.id, admin=True)


def delete_flow(conn: Connection, flow: Flow) -> None:
    """The flow, its versions and its run history go."""
    conn.execute(flows.delete().where(flows.c.id == flow.id))


def trigger_signature(keys: SecretKey, flow_uuid: str) -> str:
    """The `sig` of a flow's Request trigger URL: whoever holds the URL may start the flow, as with
    Logic Apps' and Power Automate's trigger URLs. Only the server's key makes it."""
    return keys.token_hash(f"flow trigger {flow_uuid}")[:43]


def callback_url(public_url: str, flow_id: int, trigger_name: str, signature: str) -> str:
    return (f"{public_url.rstrip('/')}/kinflow/v1/flows/{flow_id}/triggers/{quote(trigger_name, safe='')}/invoke"
            f"?sig={signature}")
