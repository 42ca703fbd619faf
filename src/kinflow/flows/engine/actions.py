"""The built-in actions that are not control actions: Compose, the variable actions, Wait, Terminate,
Response, Http and connector operations. Each gets the action's result (new, or waiting from an
earlier attempt) and ends by writing it through the execution.

`Http` and connector actions are retried by their `retryPolicy` on 408, 429, 5xx and no answer, the
wait being at least what `Retry-After` asks. A retry's wait is not spent holding a worker: the run is
put off until then and any worker takes it up again. Every attempt carries the same tracking headers:
`x-ms-client-tracking-id` (the run's) and `x-ms-action-tracking-id` (this action's, in this repetition).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from kinflow.digits import is_digits
from kinflow.flows.engine.signals import Stop, Suspend, now_naive
from kinflow.flows.expressions import Context, ExpressionError, evaluate
from kinflow.flows.expressions.timestamps import parse_timestamp
from kinflow.flows.retry import RetryPolicy, is_retried
from kinflow.flows.runs import FAILED, SUCCEEDED, WAITING, Result

if TYPE_CHECKING:
    from kinflow.flows.engine.executor import Execution

_UNIT_SECONDS = {"Second": 1, "Minute": 60, "Hour": 3600, "Day": 86_400, "Week": 604_800, "Month": 2_592_000}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def run(ex: Execution, kind: str, result: Result, spec: dict, context: Context) -> str:
    if result.status == WAITING and result.resume_at is not None and result.resume_at > now_naive():
        raise Suspend(result.resume_at)
    return await _HANDLERS[kind](ex, result, spec, context)


def _failed(message: str, code: str) -> dict:
    return {"code": code, "message": message}


async def compose(ex: Execution, result: Result, spec: dict, context: Context) -> str:
    result.inputs = evaluate(spec.get("inputs"), context)
    return await ex.finish(result, SUCCEEDED, outputs=result.inputs)


# -- variables ---------------------------------------------------------------------------------

def _typed(value: Any, kind: str, name: str) -> Any:
    ok = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }[kind]
    if value is not None and not ok:
        raise ValueError(f"The variable '{name}' is of type {kind}; the value {str(value)[:100]!r} is not.")
    return value


async def initialize_variable(ex: Execution, result: Result, spec: dict, context: Context) -> str:
    inputs = evaluate(spec.get("inputs"), context)
    result.inputs = inputs
    for variable in inputs["variables"]:
        name, kind = variable["name"], str(variable["type"]).lower()
        if name in ex.variables:
            return await ex.finish(result, FAILED, code="InvalidVariable", error=_failed(
                f"The variable '{name}' is already initialized.", "InvalidVariable"))
        try:
            ex.variables[name] = _typed(variable.get("value"), kind, name)
        except ValueError as error:
            return await ex.finish(result, FAILED, code="InvalidVariable", error=_failed(str(error), "InvalidVariable"))
        ex.types[name] = kind
    ex.dirty = True
    return await ex.finish(result, SUCCEEDED)


async def change_variable(ex: Execution, result: Result, spec: dict, context: Context) -> str:
    kind = spec["type"].lower()
    inputs = evaluate(spec.get("inputs"), context)
    result.inputs = inputs
    name = inputs["name"]
    if name not in ex.variables:
        return await ex.finish(result, FAILED, code="InvalidVariable", error=_failed(
            f"The variable '{name}' has not been initialized.", "InvalidVariable"))
    current, declared = ex.variables[name], ex.types.get(name, "object")
    value = inputs.get("value")
    try:
        if kind == "setvariable":
            new = _typed(value, declared, name)
        elif kind in ("incrementvariable", "decrementvariable"):
            if declared not in ("integer", "float"):
                raise ValueError(f"The variable '{name}' is of type {declared}: only numbers are incremented.")
            step = 1 if value is None else value
            if isinstance(step, bool) or not isinstance(step, (int, float)):
                raise ValueError(f"The value {step!r} is not a number.")
            new = _typed((current or 0) + (step if kind == "incrementvariable" else -step), declared, name)
        elif kind == "appendtoarrayvariable":
            if declared != "array":
                raise ValueError(f"The variable '{name}' is of type {declared}, not array.")
            new = [*(current or []), value]
        else:  # appendtostringvariable
            if declared != "string":
                raise ValueError(f"The variable '{name}' is of type {declared}, not string.")
            new = (current or "") + (value if isinstance(value, str) else str(value))
    except ValueError as error:
        return await ex.finish(result, FAILED, code="InvalidVariable", error=_failed(str(error), "InvalidVariable"))
    ex.variables[name] = new
    ex.dirty = True
    return await ex.finish(result, SUCCEEDED, outputs={"body": {"name": name, "value": new}})


# -- flow control ------------------------------------------------------------------------------

async def wait(ex: Execution, result: Result, spec: dict, context: Context) -> str:
    if result.status == WAITING:  # its time has come
        return await ex.finish(result, SUCCEEDED)
    inputs = evaluate(spec.get("inputs"), context)
    result.inputs = inputs
    if isinstance(inputs.get("interval"), dict):
        count = inputs["interval"].get("count")
        if isinstance(count, bool) or not isinstance(count, (int, float)) or count < 0:
            raise ExpressionError(f"The interval's count {count!r} is not a whole number.")
        until = now_naive() + timedelta(seconds=count * _UNIT_SECONDS[inputs["interval"]["unit"]])
    else:
        moment = parse_timestamp(inputs["until"]["timestamp"])
        until = moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
    if until <= now_naive():
        return await ex.finish(result, SUCCEEDED)
    result.status, result.resume_at = WAITING, until
    ex.results[(result.name, result.repetition)] = result
    await ex.write(result)
    raise Suspend(until)


async def terminate(ex: Execution, result: Result, spec: dict, context: Context) -> str:
    inputs = evaluate(spec.get("inputs"), context)
    result.inputs = inputs
    await ex.finish(result, SUCCEEDED)
    status = inputs["runStatus"]
    error = inputs.get("runError") if status == FAILED else None
    raise Stop(status, error if isinstance(error, dict) else ({"code": "Terminated", "message": str(error)}
                                                              if error else None))


async def respond(ex: Execution, result: Result, spec: dict, context: Context) -> str:
    inputs = evaluate(spec.get("inputs"), context)
    result.inputs = inputs
    if ex.run.responded:
        return await ex.finish(result, FAILED, code="ActionResponseAlreadySent", error=_failed(
            "The trigger's caller has had its answer already (a run answers once).", "ActionResponseAlreadySent"))
    status = inputs.get("statusCode", 200)
    if isinstance(status, str) and is_digits(status):
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ExpressionError(f"The statusCode {status!r} is not an HTTP status.")
    headers = inputs.get("headers") or {}
    response = {"statusCode": status, "headers": {str(k): str(v) for k, v in headers.items()}
                if isinstance(headers, dict) else {}, "body": inputs.get("body")}
    ex.run.responded = True
    return await ex.finish(result, SUCCEEDED, outputs=response, response=response)


# -- calls over HTTP ---------------------------------------------------------------------------

def tracking_headers(ex: Execution, result: Result) -> dict[str, str]:
    return {"x-ms-workflow-run-id": ex.run.uuid, "x-ms-workflow-name": ex.run.flow_name[:128],
            "x-ms-client-tracking-id": ex.run.client_tracking_id, "x-ms-action-tracking-id": result.tracking_id}


async def http(ex: Execution, result: Result, spec: dict, context: Context) -> str:
    inputs = evaluate(spec.get("inputs"), context)
    result.inputs = inputs
    headers = inputs.get("headers") or {}
    queries = inputs.get("queries") or None
    if not isinstance(headers, dict) or (queries is not None and not isinstance(queries, dict)):
        raise ExpressionError("The headers and queries of an Http action must be objects.")
    sent = {str(k): str(v) for k, v in headers.items()}

    async def attempt():  # noqa: ANN202
        return await ex.services.outgoing.request(
            str(inputs["method"]).upper(), str(inputs["uri"]), headers={**sent, **tracking_headers(ex, result)},
            params={str(k): str(v) for k, v in queries.items()} if queries else None, body=inputs.get("body"))

    return await with_retries(ex, result, spec, attempt)


async def connector(ex: Execution, result: Result, spec: dict, context: Context) -> str:
    kind = "OpenApiConnection" if spec["type"].lower() == "openapiconnection" else "ApiConnection"
    inputs = evaluate(spec.get("inputs"), context)
    result.inputs = inputs

    async def attempt():  # noqa: ANN202
        return await ex.services.connectors.call(kind, inputs, ex.run.owner, ex.parameters, tracking_headers(ex, result))

    return await with_retries(ex, result, spec, attempt)


async def with_retries(ex: Execution, result: Result, spec: dict, attempt) -> str:  # noqa: ANN001
    started = now_naive()
    answer = await attempt()
    ended = now_naive()
    if answer.throttled:  # nothing was sent: the run waits for the connection's window, no attempt spent
        result.status, result.resume_at = WAITING, ended + timedelta(seconds=max(answer.retry_after, 0.05))
        ex.results[(result.name, result.repetition)] = result
        await ex.write(result)
        raise Suspend(result.resume_at)
    result.attempts += 1
    result.history.append({"attempt": result.attempts, "startTime": _iso(started), "endTime": _iso(ended),
                           "durationMs": round(answer.elapsed_ms, 3), "statusCode": answer.status,
                           "error": answer.error or None})
    result.outputs = answer.outputs
    if answer.status is not None and answer.status < 400:
        return await ex.finish(result, SUCCEEDED)
    if not answer.permanent and is_retried(answer.status):
        delay = RetryPolicy.parse(spec.get("retryPolicy")).delay(result.attempts)
        if delay is not None:
            result.status, result.resume_at = WAITING, ended + timedelta(seconds=max(delay, answer.retry_after))
            ex.results[(result.name, result.repetition)] = result
            await ex.write(result)
            raise Suspend(result.resume_at)
    if answer.status is None:
        code, message = "ConnectionFailed", answer.error
    else:
        try:
            code = HTTPStatus(answer.status).phrase.replace(" ", "").replace("-", "")
        except ValueError:
            code = f"Http{answer.status}"
        message = answer.error or f"The request failed with status {answer.status}."
    return await ex.finish(result, FAILED, code=code, error=_failed(message, code))


_HANDLERS = {
    "Compose": compose,
    "InitializeVariable": initialize_variable,
    "SetVariable": change_variable,
    "IncrementVariable": change_variable,
    "DecrementVariable": change_variable,
    "AppendToArrayVariable": change_variable,
    "AppendToStringVariable": change_variable,
    "Wait": wait,
    "Terminate": terminate,
    "Response": respond,
    "Http": http,
    "ApiConnection": connector,
    "OpenApiConnection": connector,
}
