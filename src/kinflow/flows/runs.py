"""Runs in the database: started by a trigger, claimed by workers under a lease, each action's result
written as it finishes, listed as run history, resubmitted and cancelled.

Runs are claimed the way webhook deliveries are (`events/queue.py`): a claim is a lease, on PostgreSQL
taken with `FOR UPDATE SKIP LOCKED`, so any number of `kinflow worker` processes share the runs; if a
worker dies, its runs fall due again when the lease runs out and another worker goes on from the last
result written. Every write a worker makes checks that the lease is still its own.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from kinflow.errors import KintoneError, invalid_input
from kinflow.events.outbox import now_naive
from kinflow.flows.definitions import Definition
from kinflow.flows.manage import Flow, definition_of
from kinflow.flows.tables import flow_action_results, flow_runs, flows
from kinflow.storage.database import after_commit

WAITING, RUNNING, SUCCEEDED, FAILED, CANCELLED = "Waiting", "Running", "Succeeded", "Failed", "Cancelled"
SKIPPED, TIMED_OUT = "Skipped", "TimedOut"
RUN_STATUSES = (WAITING, RUNNING, SUCCEEDED, FAILED, CANCELLED)
# The statuses of an action that is over; Running and Waiting ones are still under way.
FINISHED_ACTION = (SUCCEEDED, FAILED, SKIPPED, TIMED_OUT, CANCELLED)
MAX_TRACKING_ID = 128

_local_wakers: list[Callable[[], None]] = []
CHANNEL = "kinflow_runs"
_NOTIFY = sa.text(f"NOTIFY {CHANNEL}")


_watchers: list[Callable[[], None]] = []


def watch(callback: Callable[[], None]) -> None:
    """Call `callback` after each commit in this process that starts a run, moves one on (an action's
    result, a claim, a pause) or ends one: the web pages' live run status listens here."""
    _watchers.append(callback)


def _changed() -> None:
    for callback in list(_watchers):
        callback()


def _moved(conn: Connection) -> None:
    if _watchers and "after_commit" in conn.info:  # a transaction of Database.write()
        after_commit(conn, _changed)


def serve_locally(wake: Callable[[], None]) -> Callable[[], None]:
    """Call `wake` when this process starts a run; returns a function that stops it."""
    _local_wakers.append(wake)
    return lambda: _local_wakers.remove(wake)


def _wake() -> None:
    for wake in list(_local_wakers):
        wake()


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def loads(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


class LostClaim(Exception):
    """Another worker has taken the run over (this worker's lease ran out)."""


def run_not_found(run: object) -> KintoneError:
    return KintoneError("KF_FL02", f"The run {run} is not found.", 404)


def start_run(conn: Connection, flow: Flow, trigger_outputs: dict, *, client_tracking_id: str | None = None,
              event_id: str | None = None, resubmitted_from: str | None = None) -> str | None:
    """Queue a run of the flow's current version. Returns its id, or None when a run was already
    started for this event (one event is one run)."""
    run_uuid = str(uuid.uuid4())
    now = now_naive()
    values = {"uuid": run_uuid, "flow_id": flow.id, "version": flow.version, "status": WAITING,
              "trigger_outputs": dumps({"name": "", "outputs": trigger_outputs, "startTime": _iso(now)}),
              "client_tracking_id": (client_tracking_id or run_uuid)[:MAX_TRACKING_ID], "event_id": event_id,
              "resubmitted_from": resubmitted_from, "due_at": now, "created_at": now}
    # The same event delivered twice, even at once: the second insert finds the first and does nothing.
    if conn.execute(_start_statement(conn.dialect.name), values).first() is None:
        return None
    after_commit(conn, _wake)
    _moved(conn)
    if conn.dialect.name == "postgresql":  # workers of other processes hear of it once it commits
        conn.execute(_NOTIFY)
    return run_uuid


@lru_cache(maxsize=None)
def _start_statement(dialect: str):  # noqa: ANN202
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(flow_runs)
    return (insert.on_conflict_do_nothing(index_elements=[flow_runs.c.flow_id, flow_runs.c.event_id])
            .returning(flow_runs.c.id))


# --- claims ------------------------------------------------------------------------------------

_DUE = (
    sa.select(flow_runs.c.id, flow_runs.c.flow_id, flow_runs.c.started_at, flows.c.run_limit)
    .join(flows, flows.c.id == flow_runs.c.flow_id)
    .where(flow_runs.c.finished_at.is_(None), flow_runs.c.due_at <= sa.bindparam("now"),
           sa.or_(flow_runs.c.lease_until.is_(None), flow_runs.c.lease_until < sa.bindparam("now")))
    .order_by(flow_runs.c.due_at, flow_runs.c.id)
    .limit(sa.bindparam("limit"))
)
_DUE_LOCKED = _DUE.with_for_update(skip_locked=True, of=flow_runs)
_ACTIVE = (sa.select(flow_runs.c.flow_id, sa.func.count())
           .where(flow_runs.c.flow_id.in_(sa.bindparam("flows", expanding=True)),
                  flow_runs.c.started_at.is_not(None), flow_runs.c.finished_at.is_(None))
           .group_by(flow_runs.c.flow_id))
_LIMITED = sa.select(flows.c.id).where(flows.c.id.in_(sa.bindparam("flows", expanding=True))).with_for_update()


# The statements a run's every step makes, built once: building them per call (SQLAlchemy's
# coercions and cache keys) cost more than the database took to run them.
_b = sa.bindparam
_CLAIMED = (flow_runs.update().where(flow_runs.c.id.in_(_b("ids", expanding=True)))
            .values(lease_until=_b("until"), lease_owner=_b("worker"), status=RUNNING,
                    started_at=sa.func.coalesce(flow_runs.c.started_at, _b("now"))))
_OWN = (flow_runs.c.id == _b("run"), flow_runs.c.lease_owner == _b("worker"), flow_runs.c.finished_at.is_(None))
# A result's write: the claim checked (and the variables or response it changed kept) in one statement,
# which also tells whether the run was asked to stop.
_TOUCH = (flow_runs.update().where(*_OWN)
          .values(variables=sa.func.coalesce(_b("variables", type_=sa.Text), flow_runs.c.variables),
                  response=sa.func.coalesce(_b("response", type_=sa.Text), flow_runs.c.response))
          .returning(flow_runs.c.cancel_requested))
_RESULT_COLUMNS = ("status", "code", "inputs", "outputs", "error", "attempts", "history", "tracking_id",
                   "started_at", "finished_at", "resume_at")
_RESULT_KEY = (flow_action_results.c.run_id == _b("key_run"), flow_action_results.c.name == _b("key_name"),
               flow_action_results.c.repetition == _b("key_repetition"))
_UPDATE_RESULT = flow_action_results.update().where(*_RESULT_KEY).values(
    {name: _b(f"new_{name}") for name in _RESULT_COLUMNS})
_INSERT_RESULT = flow_action_results.insert()
_SUSPEND = flow_runs.update().where(*_OWN).values(due_at=_b("until"), lease_until=None, lease_owner=None)
_FINISH = flow_runs.update().where(*_OWN).values(status=_b("new_status"), error=_b("new_error"), finished_at=_b("now"),
                                                 lease_until=None, lease_owner=None)
_FINISH_WITH = (flow_runs.update().where(*_OWN).values(
    status=_b("new_status"), error=_b("new_error"), finished_at=_b("now"), lease_until=None, lease_owner=None,
    variables=sa.func.coalesce(_b("variables", type_=sa.Text), flow_runs.c.variables),
    response=sa.func.coalesce(_b("response", type_=sa.Text), flow_runs.c.response)))
_UNDER_WAY_CANCELLED = flow_action_results.update().where(
    flow_action_results.c.run_id == _b("run"), flow_action_results.c.status.in_((RUNNING, WAITING))).values(
    status=CANCELLED, finished_at=_b("now"), resume_at=None)
_RUNS = (sa.select(flow_runs, flows.c.name, flows.c.owner, flows.c.uuid.label("flow_uuid"))
         .join(flows, flows.c.id == flow_runs.c.flow_id).where(flow_runs.c.id.in_(_b("runs", expanding=True))))
_RESULTS = sa.select(flow_action_results).where(flow_action_results.c.run_id.in_(_b("runs", expanding=True)))


def claim(conn: Connection, worker: str, limit: int, lease_seconds: float) -> list[tuple[int, LoadedRun | None]]:
    """Lease up to `limit` due runs to `worker`, each loaded in the same transaction (or None when
    it could not be: its executor loads it again and fails the run with the reason)."""
    now = now_naive()
    on_postgresql = conn.dialect.name != "sqlite"
    candidates = conn.execute(_DUE_LOCKED if on_postgresql else _DUE, {"now": now, "limit": limit}).all()
    ids = _admitted(conn, candidates, on_postgresql)
    if not ids:
        return []
    conn.execute(_CLAIMED, {"ids": list(ids), "until": now + timedelta(seconds=lease_seconds), "worker": worker,
                            "now": now})
    _moved(conn)
    loaded = _load_many(conn, ids)
    return [(run_id, loaded.get(run_id)) for run_id in ids]


def _admitted(conn: Connection, candidates: list, postgresql: bool) -> list[int]:
    """The due runs that may start: a flow with concurrency control (`runtimeConfiguration.concurrency.runs`
    on its trigger) has at most that many runs under way (started, waiting included); the others wait
    their turn. Claims of such a flow are serialised by a lock on its row."""
    limited = sorted({c.flow_id for c in candidates if c.run_limit})
    active: dict[int, int] = {}
    if limited:
        if postgresql:
            conn.execute(_LIMITED, {"flows": limited})
        active = dict(conn.execute(_ACTIVE, {"flows": limited}).all())
    ids = []
    for candidate in candidates:
        if candidate.run_limit and candidate.started_at is None:
            if active.get(candidate.flow_id, 0) >= candidate.run_limit:
                continue
            active[candidate.flow_id] = active.get(candidate.flow_id, 0) + 1
        ids.append(candidate.id)
    return ids


def renew(conn: Connection, worker: str, ids: list[int], lease_seconds: float) -> None:
    """Extend the leases of the runs this worker is executing."""
    if ids:
        conn.execute(flow_runs.update().where(flow_runs.c.id.in_(ids), flow_runs.c.lease_owner == worker,
                                              flow_runs.c.finished_at.is_(None))
                     .values(lease_until=now_naive() + timedelta(seconds=lease_seconds)))


def _mine(conn: Connection, statement, params: dict) -> None:  # noqa: ANN001
    if not conn.execute(statement, params).rowcount:
        raise LostClaim(f"run {params['run']}")


# --- what a worker reads and writes ------------------------------------------------------------

@dataclass
class Result:
    """One action's result (of one repetition, inside loops)."""

    name: str
    repetition: str
    status: str
    tracking_id: str
    started_at: datetime
    code: str = ""
    inputs: Any = None
    outputs: Any = None
    error: Any = None
    attempts: int = 0
    history: list = None  # type: ignore[assignment]
    finished_at: datetime | None = None
    resume_at: datetime | None = None
    stored: bool = False  # written already: the next write of it updates its row

    def __post_init__(self) -> None:
        if self.history is None:
            self.history = []

    def record(self, client_tracking_id: str) -> dict:
        """The action as expressions see it (`actions('Name')`)."""
        return {"name": self.name, "inputs": self.inputs, "outputs": self.outputs, "status": self.status,
                "code": self.code or None, "startTime": _iso(self.started_at), "endTime": _iso(self.finished_at),
                "trackingId": self.tracking_id, "clientTrackingId": client_tracking_id, "error": self.error}

    def row(self) -> dict:
        return {"name": self.name, "repetition": self.repetition, "status": self.status, "code": self.code,
                "inputs": dumps(self.inputs), "outputs": dumps(self.outputs),
                "error": None if self.error is None else dumps(self.error), "attempts": self.attempts,
                "history": dumps(self.history), "tracking_id": self.tracking_id, "started_at": self.started_at,
                "finished_at": self.finished_at, "resume_at": self.resume_at}


@dataclass
class LoadedRun:
    id: int
    uuid: str
    flow_id: int
    flow_uuid: str
    flow_name: str
    owner: str
    version: int
    definition: Definition
    trigger: dict
    variables: dict
    client_tracking_id: str
    results: dict[tuple[str, str], Result]
    responded: bool


def load(conn: Connection, run_id: int) -> LoadedRun:
    loaded = _load_many(conn, [run_id], strict=True)
    return loaded[run_id]


def _load_many(conn: Connection, ids: Sequence[int], *, strict: bool = False) -> dict[int, LoadedRun]:
    """The runs with their results, in two statements for all of them. A run that cannot be loaded
    (its definition no longer checks) is left out, unless `strict`, when its error is raised."""
    results: dict[int, dict[tuple[str, str], Result]] = {run_id: {} for run_id in ids}
    for r in conn.execute(_RESULTS, {"runs": list(ids)}):
        results[r.run_id][(r.name, r.repetition)] = Result(
            r.name, r.repetition, r.status, r.tracking_id, r.started_at, r.code, loads(r.inputs), loads(r.outputs),
            loads(r.error), r.attempts, loads(r.history), r.finished_at, r.resume_at, stored=True)
    definitions: dict[tuple[int, int], Definition] = {}
    loaded = {}
    for row in conn.execute(_RUNS, {"runs": list(ids)}):
        try:
            key = (row.flow_id, row.version)
            definition = definitions.get(key)
            if definition is None:
                definition = definitions[key] = definition_of(conn, *key)
            trigger = loads(row.trigger_outputs)
            trigger["name"] = definition.trigger_name
            loaded[row.id] = LoadedRun(row.id, row.uuid, row.flow_id, row.flow_uuid, row.name, row.owner, row.version,
                                       definition, trigger, loads(row.variables) or {}, row.client_tracking_id,
                                       results[row.id], row.response is not None)
        except Exception:
            if strict:
                raise
    if strict and len(loaded) < len(ids):
        raise run_not_found(next(run_id for run_id in ids if run_id not in loaded))
    return loaded


@dataclass(frozen=True)
class Written:
    """A result as it stood when the executor wrote it down, and what it changed with it."""

    result: Result
    row: dict
    variables: str | None = None
    response: str | None = None


def save_results(conn: Connection, worker: str, run_id: int, written: list[Written]) -> bool:
    """Write results (and the variables or the trigger's response they changed); returns whether
    the run has been asked to stop. Raises `LostClaim` when the run is no longer this worker's. The
    caller marks the results `stored` once the transaction has committed."""
    variables = next((w.variables for w in reversed(written) if w.variables is not None), None)
    response = next((w.response for w in reversed(written) if w.response is not None), None)
    touched = conn.execute(_TOUCH, {"run": run_id, "worker": worker, "variables": variables,
                                    "response": response}).first()
    if touched is None:
        raise LostClaim(f"run {run_id}")
    inserted: set[tuple[str, str]] = set()
    for entry in written:
        key = (entry.result.name, entry.result.repetition)
        if entry.result.stored or key in inserted:
            conn.execute(_UPDATE_RESULT, {"key_run": run_id, "key_name": key[0], "key_repetition": key[1],
                                          **{f"new_{name}": entry.row[name] for name in _RESULT_COLUMNS}})
        else:
            conn.execute(_INSERT_RESULT, {"run_id": run_id, **entry.row})
            inserted.add(key)
    _moved(conn)
    return bool(touched.cancel_requested)


def suspend(conn: Connection, worker: str, run_id: int, until: datetime, written: list[Written] = ()) -> None:
    """Put the run off until `until` (a retry or a Wait) and give up the claim, writing the results
    not written yet in the same transaction. A run asked to stop while this worker held it ends
    Cancelled here: put off, it would only stop at its next action, after `until`."""
    if save_results(conn, worker, run_id, list(written)):
        finish(conn, worker, run_id, CANCELLED, {"code": "Cancelled", "message": "The run was cancelled."})
        return
    _mine(conn, _SUSPEND, {"run": run_id, "worker": worker, "until": until})
    _moved(conn)


def release(conn: Connection, worker: str, run_id: int) -> None:
    """Give up the claim of a run this worker stops without finishing (it is shutting down)."""
    conn.execute(flow_runs.update().where(flow_runs.c.id == run_id, flow_runs.c.lease_owner == worker)
                 .values(lease_until=None, lease_owner=None))


def finish(conn: Connection, worker: str, run_id: int, status: str, error: dict | None,
           written: list[Written] = ()) -> None:
    """Settle the run, writing the results not written yet in the same transaction; actions still
    under way (a control action around a Terminate) end as Cancelled."""
    if written:
        save_results(conn, worker, run_id, list(written))
    now = now_naive()
    _mine(conn, _FINISH, {"run": run_id, "worker": worker, "new_status": status,
                          "new_error": None if error is None else dumps(error), "now": now})
    _moved(conn)
    conn.execute(_UNDER_WAY_CANCELLED, {"run": run_id, "now": now})


@dataclass(frozen=True)
class Ending:
    """How a run ended, with the results its executor has not written yet."""

    run_id: int
    status: str
    error: dict | None
    written: Sequence[Written]
    under_way: bool  # some action of it is still Running or Waiting (it ends Cancelled)


def finish_many(conn: Connection, worker: str, endings: Sequence[Ending]) -> list[int]:
    """Settle many runs in one transaction, as `finish` settles one, their new results inserted in
    one statement. Returns the runs no longer this worker's, which are left as they are."""
    now = now_naive()
    lost, inserted = [], []
    for ending in endings:
        variables = next((w.variables for w in reversed(ending.written) if w.variables is not None), None)
        response = next((w.response for w in reversed(ending.written) if w.response is not None), None)
        if not conn.execute(_FINISH_WITH, {"run": ending.run_id, "worker": worker, "new_status": ending.status,
                                           "new_error": None if ending.error is None else dumps(ending.error),
                                           "now": now, "variables": variables, "response": response}).rowcount:
            lost.append(ending.run_id)
            continue
        new: dict[tuple[str, str], dict] = {}  # a result written twice since: its last state is inserted
        for entry in ending.written:
            key = (entry.result.name, entry.result.repetition)
            if key in new:
                new[key].update(entry.row)
            elif entry.result.stored:
                conn.execute(_UPDATE_RESULT, {"key_run": ending.run_id, "key_name": key[0], "key_repetition": key[1],
                                              **{f"new_{name}": entry.row[name] for name in _RESULT_COLUMNS}})
            else:
                new[key] = {"run_id": ending.run_id, **entry.row}
        inserted.extend(new.values())
        if ending.under_way:
            conn.execute(_UNDER_WAY_CANCELLED, {"run": ending.run_id, "now": now})
    if inserted:
        conn.execute(_INSERT_RESULT, inserted)
    _moved(conn)
    return lost


# --- run history -------------------------------------------------------------------------------

def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


def _run_json(row) -> dict:  # noqa: ANN001
    duration = (row.finished_at - row.started_at).total_seconds() * 1000 if row.finished_at and row.started_at else None
    return {"id": row.uuid, "flow": str(row.flow_id), "version": str(row.version), "status": row.status,
            "createdAt": _iso(row.created_at), "startTime": _iso(row.started_at), "endTime": _iso(row.finished_at),
            "durationMs": duration, "clientTrackingId": row.client_tracking_id, "error": loads(row.error),
            "resubmittedFrom": row.resubmitted_from}


def list_runs(conn: Connection, flow: Flow, *, status: str | None, offset: int, limit: int) -> list[dict]:
    """A flow's runs, newest first."""
    query = (sa.select(flow_runs).where(flow_runs.c.flow_id == flow.id)
             .order_by(flow_runs.c.id.desc()).offset(offset).limit(limit))
    if status is not None:
        if status not in RUN_STATUSES:
            raise invalid_input({"status": [f"Enter one of {', '.join(RUN_STATUSES)}."]})
        query = query.where(flow_runs.c.status == status)
    return [_run_json(row) for row in conn.execute(query)]


def _run_row(conn: Connection, flow: Flow, run: object):  # noqa: ANN202
    if not isinstance(run, str) or not run:
        raise invalid_input({"run": ["Enter the run's id."]})
    row = conn.execute(sa.select(flow_runs).where(flow_runs.c.flow_id == flow.id, flow_runs.c.uuid == run)).first()
    if row is None:
        raise run_not_found(run)
    return row


def get_run(conn: Connection, flow: Flow, run: object) -> dict:
    """One run with its trigger outputs and each action's inputs, outputs, status, attempts and duration."""
    row = _run_row(conn, flow, run)
    actions = []
    for r in conn.execute(sa.select(flow_action_results).where(flow_action_results.c.run_id == row.id)
                          .order_by(flow_action_results.c.started_at, flow_action_results.c.id)):
        duration = (r.finished_at - r.started_at).total_seconds() * 1000 if r.finished_at else None
        actions.append({"name": r.name, "repetition": r.repetition or None, "status": r.status, "code": r.code or None,
                        "inputs": loads(r.inputs), "outputs": loads(r.outputs), "error": loads(r.error),
                        "attempts": r.attempts, "history": loads(r.history), "trackingId": r.tracking_id,
                        "startTime": _iso(r.started_at), "endTime": _iso(r.finished_at), "durationMs": duration})
    trigger = loads(row.trigger_outputs)
    return {**_run_json(row), "trigger": trigger, "response": loads(row.response), "actions": actions}


def progress(conn: Connection, flow_id: int, newest: int = 50) -> str:
    """Where the flow's newest runs stand, as a short text that changes whenever one of them starts,
    moves on (an action's result written) or ends: what a page showing them compares to know it is
    out of date. Reads the newest runs and the results of those under way only."""
    rows = conn.execute(sa.select(flow_runs.c.id, flow_runs.c.status, flow_runs.c.finished_at)
                        .where(flow_runs.c.flow_id == flow_id).order_by(flow_runs.c.id.desc()).limit(newest)).all()
    under_way = [row.id for row in rows if row.finished_at is None]
    results = conn.execute(
        sa.select(flow_action_results.c.run_id, sa.func.count(), sa.func.count(flow_action_results.c.finished_at),
                  sa.func.sum(flow_action_results.c.attempts))
        .where(flow_action_results.c.run_id.in_(under_way)).group_by(flow_action_results.c.run_id)).all() \
        if under_way else []
    seen = ";".join(f"{row.id}:{row.status}" for row in rows) + "|" + ";".join(
        f"{run}:{count}:{done}:{attempts}" for run, count, done, attempts in sorted(results))
    return hashlib.sha256(seen.encode()).hexdigest()[:16]


def response_of(conn: Connection, run_uuid: str) -> tuple[dict | None, str]:
    """(what a Response action answered, the run's status), for the trigger's waiting caller."""
    row = conn.execute(sa.select(flow_runs.c.response, flow_runs.c.status).where(flow_runs.c.uuid == run_uuid)).one()
    return loads(row.response), row.status


def cancel(conn: Connection, flow: Flow, run: object) -> dict:
    """Stop a run: at once when no worker holds it, else at its next action."""
    row = _run_row(conn, flow, run)
    if row.finished_at is not None:
        raise KintoneError("KF_FL03", f"The run {run} has already finished ({row.status}).", 409)
    now = now_naive()
    idle = conn.execute(flow_runs.update().where(
        flow_runs.c.id == row.id, flow_runs.c.finished_at.is_(None),
        sa.or_(flow_runs.c.lease_until.is_(None), flow_runs.c.lease_until < now))
        .values(status=CANCELLED, finished_at=now, cancel_requested=True, lease_owner=None, lease_until=None,
                error=dumps({"code": "Cancelled", "message": "The run was cancelled."}))).rowcount
    if idle:
        conn.execute(flow_action_results.update().where(
            flow_action_results.c.run_id == row.id, flow_action_results.c.status.in_((RUNNING, WAITING)))
            .values(status=CANCELLED, finished_at=now, resume_at=None))
    else:
        conn.execute(flow_runs.update().where(flow_runs.c.id == row.id).values(cancel_requested=True))
    _moved(conn)
    return get_run(conn, flow, run)


def resubmit(conn: Connection, flow: Flow, run: object) -> str:
    """A new run from the same trigger outputs, of the flow's current version."""
    row = _run_row(conn, flow, run)
    outputs = loads(row.trigger_outputs).get("outputs") or {}
    return start_run(conn, flow, outputs, resubmitted_from=row.uuid)  # type: ignore[return-value]


def purge(conn: Connection, cutoff: datetime, limit: int = 5000) -> int:
    """Forget up to `limit` finished runs older than `cutoff`, with their action results."""
    ids = conn.execute(sa.select(flow_runs.c.id).where(flow_runs.c.finished_at.is_not(None),
                                                       flow_runs.c.finished_at < cutoff)
                       .order_by(flow_runs.c.id).limit(limit)).scalars().all()
    if ids:
        conn.execute(flow_runs.delete().where(flow_runs.c.id.in_(ids)))
    return len(ids)
