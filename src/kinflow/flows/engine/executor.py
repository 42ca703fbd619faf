"""One run, executed an action at a time, each result written before the next action starts.

A run may be executed many times over: after a crash, after a retry's wait, after a `Wait`. Each time
the walk starts from the top and goes through the definition in `runAfter` order; actions with a
finished result are not run again (their result stands), and the first unfinished one runs. Control
actions write their decision (the branch an `If` took, the items of a `Foreach`, the iterations an
`Until` has done) when they start, so a walk that comes back finds the same path through the flow
whatever the variables have become since. Variables are written with the result of each action
that changes them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kinflow.clock import clock
from kinflow.flows.definitions import action_type, inner_scopes, order, walk
from kinflow.flows.engine import actions as simple
from kinflow.flows.engine.services import Services
from kinflow.flows.engine.signals import Stop, now_naive
from kinflow.flows.expressions import Context, ExpressionError, Loop, evaluate
from kinflow.flows.expressions.functions import lookup
from kinflow.flows.retry import duration_seconds
from kinflow.flows.runs import (
    CANCELLED,
    FAILED,
    FINISHED_ACTION,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    TIMED_OUT,
    LoadedRun,
    Result,
    Written,
    dumps,
)

MAX_FOREACH_ITEMS = 100_000
_TRACKING = uuid.UUID("6f1c4f7e-6a43-4b8e-9d55-2f0d8d1c2b11")


class _Records(Mapping):
    """The records of actions as seen from one repetition: an action inside the same loop iteration
    first, then outside it."""

    def __init__(self, results: dict[tuple[str, str], Result], repetition: str, client_tracking_id: str) -> None:
        self._results = results
        self._repetition = repetition
        self._client = client_tracking_id

    def _repetitions(self) -> Iterator[str]:
        repetition = self._repetition
        while repetition:
            yield repetition
            repetition = repetition.rpartition("-")[0]
        yield ""

    def __getitem__(self, name: str) -> dict:
        for repetition in self._repetitions():
            result = self._results.get((name, repetition))
            if result is not None:
                return result.record(self._client)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter({name for name, _ in self._results})

    def __len__(self) -> int:
        return len({name for name, _ in self._results})


@dataclass
class Execution:
    run: LoadedRun
    services: Services
    # Writes results down; returns whether the run was asked to stop.
    save: Callable[[list[Written]], Awaitable[bool]]
    dirty: bool = False
    pending: list[Written] = field(default_factory=list)
    scopes: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.results = self.run.results
        self.variables: dict[str, Any] = dict(self.run.variables.get("values") or {})
        self.types: dict[str, str] = dict(self.run.variables.get("types") or {})
        self.parameters = {**self.run.definition.parameter_values()}
        self.workflow = {"id": str(self.run.flow_id), "name": self.run.flow_name, "type": "kinflow/flows",
                         "run": {"id": self.run.uuid, "name": self.run.uuid, "type": "kinflow/flows/runs"}}
        for name, spec, _ in walk(self.run.definition.actions):
            inner = [child for _, scope in inner_scopes(spec) for child in scope]
            if inner:
                self.scopes[name] = inner

    # -- the walk ------------------------------------------------------------------------------

    async def execute(self) -> tuple[str, dict | None]:
        """Run to the end: (the run's status, its error). Raises `Suspend` when it has to wait."""
        try:
            status = await self.scope(self.run.definition.actions, "", ())
        except Stop as stop:
            return stop.status, stop.error
        if status == SUCCEEDED:
            return SUCCEEDED, None
        return FAILED, {"code": "ActionFailed", "message": "An action failed. No dependent actions succeeded."}

    async def scope(self, actions: dict, repetition: str, loops: tuple[Loop, ...]) -> str:
        statuses: dict[str, str] = {}
        for name in order(actions):
            statuses[name] = await self.action(name, actions[name], repetition, loops, statuses)
        return scope_status(actions, statuses)

    def context(self, repetition: str, loops: tuple[Loop, ...], current: dict | None = None) -> Context:
        return Context(trigger=self.run.trigger, actions=_Records(self.results, repetition, self.run.client_tracking_id),
                       variables=self.variables, parameters=self.parameters, loops=loops, workflow=self.workflow,
                       scopes=self.scopes, current_action=current, callback_url=self.services.callback_url(self.run),
                       now=clock.now)

    def tracking_id(self, name: str, repetition: str) -> str:
        # The same for every attempt and every worker that runs this action of this run: a receiver
        # that sees it twice knows the second request is a repeat.
        return str(uuid.uuid5(_TRACKING, f"{self.run.uuid}/{name}/{repetition}"))

    def new_result(self, name: str, repetition: str, status: str = RUNNING) -> Result:
        return Result(name, repetition, status, self.tracking_id(name, repetition), now_naive())

    async def write(self, result: Result, response: dict | None = None) -> None:
        """Write the result down. It reaches the database before the next action starts (`flush`),
        or with the run's end or pause in one transaction: an action's effect never comes before
        the results it follows."""
        dirty, self.dirty = self.dirty, False
        variables = dumps({"values": self.variables, "types": self.types}) if dirty else None
        self.pending.append(Written(result, result.row(), variables, None if response is None else dumps(response)))

    async def flush(self) -> None:
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        try:
            stop = await self.save(pending)
        except BaseException:
            self.pending = pending + self.pending
            raise
        if stop:
            raise Stop(CANCELLED, {"code": "Cancelled", "message": "The run was cancelled."})

    async def finish(self, result: Result, status: str, *, code: str = "", outputs: Any = None,
                     error: dict | None = None, response: dict | None = None) -> str:
        result.status, result.code, result.error = status, code, error
        if outputs is not None:
            result.outputs = outputs
        result.finished_at, result.resume_at = now_naive(), None
        self.results[(result.name, result.repetition)] = result
        await self.write(result, response)
        return status

    async def action(self, name: str, spec: dict, repetition: str, loops: tuple[Loop, ...],
                     statuses: dict[str, str]) -> str:
        existing = self.results.get((name, repetition))
        if existing is not None and existing.status in FINISHED_ACTION:
            return existing.status
        if existing is None:
            unmet = [(before, allowed, statuses.get(before)) for before, allowed in (spec.get("runAfter") or {}).items()
                     if statuses.get(before) not in allowed]
            if unmet:
                before, allowed, actual = unmet[0]
                return await self.finish(self.new_result(name, repetition), SKIPPED, code="ActionConditionFailed", error={
                    "code": "ActionConditionFailed",
                    "message": f"The execution of action '{name}' is skipped: its runAfter condition for '{before}' "
                               f"expects {' or '.join(allowed)}, and it is {actual}."})
        kind = action_type(spec)
        result = existing or self.new_result(name, repetition)
        runner = getattr(self, f"run_{kind}", None)
        await self.flush()  # what came before is in the database before this action does anything
        try:
            if runner is not None:
                return await runner(result, spec, repetition, loops)
            return await simple.run(self, kind, result, spec, self.context(repetition, loops))
        except ExpressionError as error:
            return await self.finish(result, FAILED, code="InvalidTemplate", error={
                "code": "InvalidTemplate",
                "message": f"Unable to process the template language expressions in action '{name}': {error}"})

    # -- control actions -----------------------------------------------------------------------

    async def started(self, result: Result, inputs: Any) -> None:
        """A control action writes its decision before running what it contains."""
        if result.attempts == 0:
            result.inputs, result.attempts = inputs, 1
            self.results[(result.name, result.repetition)] = result
            await self.write(result)

    async def run_Scope(self, result: Result, spec: dict, repetition: str, loops: tuple) -> str:  # noqa: N802
        await self.started(result, None)
        status = await self.scope(spec.get("actions") or {}, repetition, loops)
        return await self.contained(result, status)

    async def contained(self, result: Result, status: str) -> str:
        if status == SUCCEEDED:
            return await self.finish(result, SUCCEEDED)
        return await self.finish(result, FAILED, code="ActionFailed", error={
            "code": "ActionFailed", "message": "An action failed. No dependent actions succeeded."})

    async def run_If(self, result: Result, spec: dict, repetition: str, loops: tuple) -> str:  # noqa: N802
        if result.attempts == 0:
            verdict = condition(spec.get("expression"), self.context(repetition, loops))
            await self.started(result, {"expressionResult": verdict})
        verdict = bool((result.inputs or {}).get("expressionResult"))
        branch = spec.get("actions") or {} if verdict else (spec.get("else") or {}).get("actions") or {}
        return await self.contained(result, await self.scope(branch, repetition, loops))

    async def run_Switch(self, result: Result, spec: dict, repetition: str, loops: tuple) -> str:  # noqa: N802
        if result.attempts == 0:
            value = evaluate(spec.get("expression"), self.context(repetition, loops))
            chosen = next((name for name, case in (spec.get("cases") or {}).items() if case.get("case") == value), None)
            await self.started(result, {"expressionValue": value, "case": chosen})
        chosen = (result.inputs or {}).get("case")
        cases = spec.get("cases") or {}
        branch = cases[chosen].get("actions") if chosen in cases else (spec.get("default") or {}).get("actions")
        return await self.contained(result, await self.scope(branch or {}, repetition, loops))

    async def run_Foreach(self, result: Result, spec: dict, repetition: str, loops: tuple) -> str:  # noqa: N802
        if result.attempts == 0:
            items = evaluate(spec.get("foreach"), self.context(repetition, loops))
            if not isinstance(items, list):
                return await self.finish(result, FAILED, code="InvalidTemplate", error={
                    "code": "InvalidTemplate", "message": f"The 'foreach' of action '{result.name}' must give an "
                                                          f"array; it gave {type(items).__name__}."})
            if len(items) > MAX_FOREACH_ITEMS:
                return await self.finish(result, FAILED, code="InvalidTemplate", error={
                    "code": "InvalidTemplate", "message": f"A Foreach runs over at most {MAX_FOREACH_ITEMS} items."})
            await self.started(result, items)
        # Repetitions run `repetitions` at a time (Power Automate's default: one after the other).
        configuration = (spec.get("runtimeConfiguration") or {}).get("concurrency") or {}
        at_once = configuration.get("repetitions", 1)

        async def repeat(index: int, item: Any) -> str:
            inner = f"{repetition}-{index:06d}" if repetition else f"{index:06d}"
            return await self.scope(spec.get("actions") or {}, inner, (*loops, Loop(result.name, item=item)))

        items = list(enumerate(result.inputs or []))
        statuses: list[str] = []
        for start in range(0, len(items), at_once):
            statuses += await asyncio.gather(*(repeat(index, item) for index, item in items[start:start + at_once]))
        return await self.contained(result, SUCCEEDED if all(s == SUCCEEDED for s in statuses) else FAILED)

    async def run_Until(self, result: Result, spec: dict, repetition: str, loops: tuple) -> str:  # noqa: N802
        limit = spec.get("limit") or {}
        count = limit.get("count", 60)
        timeout = duration_seconds(limit["timeout"]) if "timeout" in limit else 3600.0
        await self.started(result, {"limit": {"count": count, "timeout": limit.get("timeout", "PT1H")}})
        done = (result.outputs or {}).get("iterations", 0)
        while True:
            inner = f"{repetition}-{done:06d}" if repetition else f"{done:06d}"
            inside = (*loops, Loop(result.name, index=done))
            status = await self.scope(spec.get("actions") or {}, inner, inside)
            done += 1
            if status != SUCCEEDED:
                result.outputs = {"iterations": done}
                return await self.contained(result, status)
            if condition(spec.get("expression"), self.context(inner, inside, result.record(self.run.client_tracking_id))):
                return await self.finish(result, SUCCEEDED, outputs={"iterations": done})
            if done >= count:
                return await self.finish(result, SUCCEEDED, outputs={"iterations": done})
            if (now_naive() - result.started_at).total_seconds() >= timeout:
                return await self.finish(result, TIMED_OUT, code="ActionTimedOut", outputs={"iterations": done}, error={
                    "code": "ActionTimedOut", "message": f"The Until loop ran past its timeout {limit.get('timeout')}."})
            result.outputs = {"iterations": done}
            await self.write(result)


def scope_status(actions: dict, statuses: dict[str, str]) -> str:
    """Failed when an action failed (or timed out) and no action beside it runs after that status:
    a failure that another action handles (a `runAfter` on Failed) does not fail its scope."""
    for name, status in statuses.items():
        if status in (FAILED, TIMED_OUT):
            handled = any(status in ((spec.get("runAfter") or {}).get(name) or ()) for spec in actions.values())
            if not handled:
                return FAILED
    return SUCCEEDED


def condition(spec: Any, context: Context) -> bool:
    """An `If`/`Until` condition: an expression, or Power Automate's object form
    (`{"and": [{"greater": ["@variables('n')", 10]}]}`), whose operators are the functions of the same name."""
    if isinstance(spec, dict) and len(spec) == 1:
        (operator, operands), = spec.items()
        if operator == "and":
            return all(condition(inner, context) for inner in operands)
        if operator == "or":
            return any(condition(inner, context) for inner in operands)
        if operator == "not":
            return not condition(operands, context)
        values = evaluate(operands, context)
        try:
            return bool(lookup(operator).impl(*values))
        except ExpressionError:
            raise
        except (TypeError, ValueError) as error:
            raise ExpressionError(f"{operator}: the values cannot be compared ({error}).") from None
    value = evaluate(spec, context)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise ExpressionError(f"The condition must give true or false; it gave {value!r}.")
    return value
