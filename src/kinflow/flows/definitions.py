"""Flow definitions in the Workflow Definition Language, checked when a flow is deployed.

Both shapes that exist are accepted: Logic Apps' (`ApiConnection` / `ApiConnectionWebhook`: a
`method`, `path` and `body` against a connection) and Power Automate's (`OpenApiConnection` /
`OpenApiConnectionWebhook`: `host.apiId`, `host.connectionName`, `host.operationId` and path-style
`parameters` such as `body/record/Title/value`). A definition is refused with every problem found,
each at the JSON path where it sits (`actions.Send.runAfter.Get_record`), so that a person can fix
the file; a run never has to discover that its definition was wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kinflow.flows import retry, schedule
from kinflow.flows.schedule import FREQUENCIES
from kinflow.flows.connectors import catalog
from kinflow.flows.expressions import ExpressionError, validate as validate_expressions
from kinflow.flows.expressions.errors import Path, render_path

# The action types the engine runs, as the documentation spells them; a definition may use any case.
CONTROL = ("If", "Switch", "Foreach", "Until", "Scope")
VARIABLES = ("InitializeVariable", "SetVariable", "IncrementVariable", "DecrementVariable",
             "AppendToArrayVariable", "AppendToStringVariable")
CONNECTOR = ("ApiConnection", "OpenApiConnection")
ACTION_TYPES = {name.lower(): name for name in (
    *CONTROL, *VARIABLES, *CONNECTOR, "Compose", "Wait", "Terminate", "Response", "Http")}
WEBHOOK_TRIGGERS = ("ApiConnectionWebhook", "OpenApiConnectionWebhook")
TRIGGER_TYPES = {name.lower(): name for name in ("Request", "Recurrence", *WEBHOOK_TRIGGERS)}
STATUSES = ("Succeeded", "Failed", "Skipped", "TimedOut")
VARIABLE_TYPES = ("string", "integer", "float", "boolean", "array", "object")
RUN_STATUSES = ("Succeeded", "Failed", "Cancelled")
CONDITION_OPERATORS = ("equals", "greater", "greaterOrEquals", "less", "lessOrEquals", "contains",
                       "startsWith", "endsWith")
# Power Automate's and Logic Apps' documented limits of one definition.
MAX_ACTIONS, MAX_DEPTH, MAX_VARIABLES = 500, 8, 250
MAX_NAME = 80


class DefinitionError(Exception):
    """A definition that cannot be deployed: `problems` maps each JSON path to what is wrong there."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        self.problems = problems
        first = next(iter(problems))
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(f"{first}: {problems[first][0]}{more}")


@dataclass(frozen=True)
class Definition:
    """A checked definition: its one trigger and its top-level actions, as JSON."""

    document: dict  # the definition itself (`triggers`, `actions`, `parameters`, ...)
    trigger_name: str
    trigger: dict

    @property
    def actions(self) -> dict:
        return self.document.get("actions") or {}

    @property
    def run_limit(self) -> int | None:
        """The runs the flow may have under way at once (concurrency control), or None."""
        configuration = self.trigger.get("runtimeConfiguration") or {}
        return (configuration.get("concurrency") or {}).get("runs")

    @property
    def trigger_type(self) -> str:
        return TRIGGER_TYPES[self.trigger["type"].lower()]

    def parameter_values(self) -> dict[str, Any]:
        """Each declared parameter's default value."""
        return {name: spec.get("defaultValue") for name, spec in (self.document.get("parameters") or {}).items()
                if isinstance(spec, dict)}

    def has_response(self) -> bool:
        return any(action_type(spec) == "Response" for _, spec, _ in walk(self.actions))


def unwrap(document: Any) -> Any:
    """The definition inside what was given: the definition itself, `{"definition": ...}` (a Logic
    Apps resource's properties) or `{"properties": {"definition": ...}}` (a whole resource or a
    Power Automate export's definition file)."""
    if isinstance(document, dict) and isinstance(document.get("properties"), dict) \
            and "definition" in document["properties"]:
        document = document["properties"]
    if isinstance(document, dict) and isinstance(document.get("definition"), dict) and "triggers" not in document:
        document = document["definition"]
    return document


def action_type(spec: dict) -> str:
    """The canonical name of an action's type (assumes a checked definition)."""
    return ACTION_TYPES[spec["type"].lower()]


def inner_scopes(spec: dict) -> Iterator[tuple[Path, dict]]:
    """The nested action lists of a control action, each with its path below the action:
    `If`: `actions` and `else.actions`; `Switch`: each case's and the default's; `Foreach`, `Until`,
    `Scope`: `actions`."""
    kind = ACTION_TYPES.get(str(spec.get("type", "")).lower())
    if kind not in CONTROL:
        return
    if isinstance(spec.get("actions"), dict):
        yield ("actions",), spec["actions"]
    if kind == "If" and isinstance(spec.get("else"), dict) and isinstance(spec["else"].get("actions"), dict):
        yield ("else", "actions"), spec["else"]["actions"]
    if kind == "Switch" and isinstance(spec.get("cases") or {}, dict):
        for name, case in (spec.get("cases") or {}).items():
            if isinstance(case, dict) and isinstance(case.get("actions"), dict):
                yield ("cases", name, "actions"), case["actions"]
        default = spec.get("default")
        if isinstance(default, dict) and isinstance(default.get("actions"), dict):
            yield ("default", "actions"), default["actions"]


def walk(actions: dict, path: Path = ("actions",)) -> Iterator[tuple[str, dict, Path]]:
    """Every action at any depth: (name, spec, path)."""
    for name, spec in actions.items():
        if not isinstance(spec, dict):
            continue
        yield name, spec, path + (name,)
        for below, inner in inner_scopes(spec):
            yield from walk(inner, path + (name, *below))


def order(actions: dict) -> list[str]:
    """The actions of one scope in an order that respects `runAfter` (dependencies first, otherwise as
    written). Assumes a checked definition, where `runAfter` names siblings and has no cycle."""
    done: list[str] = []
    placed: set[str] = set()
    pending = list(actions)
    while pending:
        for name in pending:
            if all(before in placed for before in (actions[name].get("runAfter") or {})):
                done.append(name)
                placed.add(name)
                pending.remove(name)
                break
        else:  # a cycle: a checked definition has none
            raise ValueError(f"runAfter makes a cycle among {', '.join(pending)}")
    return done


class _Checker:
    def __init__(self, response_allowed: bool) -> None:
        self.problems: dict[str, list[str]] = {}
        self.names: dict[str, Path] = {}
        self.count = 0
        self.response_allowed = response_allowed

    def problem(self, path: Path, message: str) -> None:
        self.problems.setdefault(render_path(path), []).append(message)

    def need_object(self, value: Any, path: Path, what: str = "an object") -> bool:
        if not isinstance(value, dict):
            self.problem(path, f"Enter {what}.")
            return False
        return True

    # -- triggers ------------------------------------------------------------------------------

    def trigger(self, name: str, spec: Any, path: Path) -> None:
        if not self.need_object(spec, path):
            return
        kind = TRIGGER_TYPES.get(str(spec.get("type", "")).lower())
        if kind is None:
            self.problem(path + ("type",), f"Unknown trigger type {spec.get('type')!r}; kinflow runs "
                                           f"{', '.join(TRIGGER_TYPES.values())}.")
            return
        if kind == "Recurrence":
            self.recurrence(spec.get("recurrence"), path + ("recurrence",))
        elif kind == "Request":
            inputs = spec.get("inputs", {})
            if self.need_object(inputs, path + ("inputs",)) and "method" in inputs and \
                    inputs["method"] not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                self.problem(path + ("inputs", "method"), "Enter one of GET, POST, PUT, PATCH, DELETE.")
        else:
            self.connector_inputs(kind, spec.get("inputs"), path + ("inputs",))
        conditions = spec.get("conditions", [])
        if not isinstance(conditions, list):
            self.problem(path + ("conditions",), "Enter an array of {\"expression\": \"@...\"}.")
        else:
            for index, condition in enumerate(conditions):
                if not isinstance(condition, dict) or not isinstance(condition.get("expression"), str):
                    self.problem(path + ("conditions", index), "Enter {\"expression\": \"@...\"}.")
        configuration = spec.get("runtimeConfiguration", {})
        concurrency = configuration.get("concurrency", {}) if isinstance(configuration, dict) else None
        runs = concurrency.get("runs", 1) if isinstance(concurrency, dict) else None
        if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= 100:
            self.problem(path + ("runtimeConfiguration", "concurrency", "runs"), "Enter a whole number from 1 to 100.")
        if "splitOn" in spec and not (isinstance(spec["splitOn"], str) and spec["splitOn"].startswith("@")):
            self.problem(path + ("splitOn",), "Enter an expression (\"@triggerBody()?['value']\").")

    def recurrence(self, spec: Any, path: Path) -> None:
        if not self.need_object(spec, path):
            return
        for where, message in schedule.problems(spec).items():
            self.problem(path + where, message)

    # -- actions -------------------------------------------------------------------------------

    def actions(self, actions: Any, path: Path, depth: int) -> None:
        if not self.need_object(actions, path):
            return
        if depth > MAX_DEPTH:
            self.problem(path, f"Actions nest deeper than {MAX_DEPTH} levels.")
            return
        for name, spec in actions.items():
            self.action(name, spec, path + (name,), actions, depth)
        self.cycles(actions, path)

    def action(self, name: str, spec: Any, path: Path, siblings: dict, depth: int) -> None:
        self.count += 1
        if self.count == MAX_ACTIONS + 1:
            self.problem(path, f"A flow has at most {MAX_ACTIONS} actions.")
        if not name or len(name) > MAX_NAME or any(c in name for c in "<>%&\\?/:#"):
            self.problem(path, f"An action's name has 1 to {MAX_NAME} characters, none of < > % & \\ ? / : #.")
        if name in self.names:
            self.problem(path, f"Another action is named {name!r} (at {render_path(self.names[name])}); "
                               "action names are unique in a flow.")
        self.names.setdefault(name, path)
        if not self.need_object(spec, path):
            return
        kind = ACTION_TYPES.get(str(spec.get("type", "")).lower())
        if kind is None:
            self.problem(path + ("type",), f"Unknown action type {spec.get('type')!r}; kinflow runs "
                                           f"{', '.join(sorted(ACTION_TYPES.values()))}.")
            return
        self.run_after(spec.get("runAfter", {}), path + ("runAfter",), siblings, name)
        if "retryPolicy" in spec:
            try:
                retry.RetryPolicy.parse(spec["retryPolicy"])
            except ValueError as error:
                prop, _, message = str(error).partition(": ")
                self.problem(path + tuple(prop.split(".")), message)
        getattr(self, f"check_{kind}", lambda *_: None)(spec, path)
        if kind == "Response" and not self.response_allowed:
            self.problem(path, "A Response action needs a Request trigger (nobody waits for its answer).")
        for below, inner in inner_scopes(spec):
            self.actions(inner, path + below, depth + 1)

    def run_after(self, run_after: Any, path: Path, siblings: dict, own: str) -> None:
        if not self.need_object(run_after, path):
            return
        for before, statuses in run_after.items():
            if before == own:
                self.problem(path + (before,), "An action cannot run after itself.")
            elif before not in siblings:
                self.problem(path + (before,), f"There is no action {before!r} beside this one "
                                               "(runAfter names an action of the same scope).")
            if not isinstance(statuses, list) or not statuses or any(s not in STATUSES for s in statuses):
                self.problem(path + (before,), f"Enter an array of {', '.join(STATUSES)}.")

    def cycles(self, actions: dict, path: Path) -> None:
        graph = {name: [b for b in (spec.get("runAfter") or {}) if b in actions and b != name]
                 for name, spec in actions.items() if isinstance(spec, dict) and isinstance(spec.get("runAfter"), dict)}
        state: dict[str, int] = {}  # 1: on the current path, 2: done

        def visit(name: str, trail: list[str]) -> None:
            state[name] = 1
            for before in graph.get(name, []):
                if state.get(before) == 1:
                    cycle = trail[trail.index(before):] + [name] if before in trail else [before, name]
                    self.problem(path + (name, "runAfter"), "runAfter makes a cycle: " + " -> ".join(cycle + [cycle[0]]))
                elif before not in state:
                    visit(before, trail + [name])
            state[name] = 2

        for name in graph:
            if name not in state:
                visit(name, [])

    # -- each type's inputs --------------------------------------------------------------------

    def check_If(self, spec: dict, path: Path) -> None:  # noqa: N802 - named for the action type
        self.condition(spec.get("expression"), path + ("expression",))
        if "actions" not in spec:
            self.problem(path + ("actions",), "Required (the actions run when the condition is true).")
        if "else" in spec and self.need_object(spec["else"], path + ("else",)) and "actions" not in spec["else"]:
            self.problem(path + ("else", "actions"), "Required.")

    def condition(self, condition: Any, path: Path) -> None:
        if isinstance(condition, str):
            return  # an expression, checked with the others
        if isinstance(condition, bool):
            return
        if not isinstance(condition, dict) or len(condition) != 1:
            self.problem(path, "Enter an expression or one operator ({\"and\": [...]}, {\"equals\": [a, b]}...).")
            return
        (operator, operands), = condition.items()
        if operator in ("and", "or"):
            if not isinstance(operands, list) or not operands:
                self.problem(path + (operator,), "Enter an array of conditions.")
                return
            for index, inner in enumerate(operands):
                self.condition(inner, path + (operator, index))
        elif operator == "not":
            self.condition(operands, path + (operator,))
        elif operator in CONDITION_OPERATORS:
            if not isinstance(operands, list) or len(operands) != 2:
                self.problem(path + (operator,), "Enter an array of two values.")
        else:
            self.problem(path + (operator,), f"Unknown operator; enter one of and, or, not, "
                                             f"{', '.join(CONDITION_OPERATORS)}.")

    def check_Switch(self, spec: dict, path: Path) -> None:  # noqa: N802
        if "expression" not in spec:
            self.problem(path + ("expression",), "Required.")
        cases = spec.get("cases", {})
        if not self.need_object(cases, path + ("cases",)):
            return
        seen: dict[str, str] = {}
        for name, case in cases.items():
            if not self.need_object(case, path + ("cases", name)):
                continue
            value = case.get("case")
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                self.problem(path + ("cases", name, "case"), "Enter a string or a number.")
            elif str(value) in seen:
                self.problem(path + ("cases", name, "case"), f"The case {seen[str(value)]!r} has the same value.")
            else:
                seen[str(value)] = name
            if "actions" not in case:
                self.problem(path + ("cases", name, "actions"), "Required.")

    def check_Foreach(self, spec: dict, path: Path) -> None:  # noqa: N802
        if not (isinstance(spec.get("foreach"), str) and spec["foreach"].startswith("@")):
            self.problem(path + ("foreach",), "Enter an expression giving an array (\"@body('Get')?['value']\").")
        if "actions" not in spec:
            self.problem(path + ("actions",), "Required.")
        configuration = spec.get("runtimeConfiguration") or {}
        concurrency = configuration.get("concurrency") or {} if isinstance(configuration, dict) else None
        repetitions = concurrency.get("repetitions", 1) if isinstance(concurrency, dict) else None
        if isinstance(repetitions, bool) or not isinstance(repetitions, int) or not 1 <= repetitions <= 50:
            self.problem(path + ("runtimeConfiguration", "concurrency", "repetitions"),
                         "Enter a whole number from 1 to 50.")

    def check_Until(self, spec: dict, path: Path) -> None:  # noqa: N802
        self.condition(spec.get("expression"), path + ("expression",))
        if "actions" not in spec:
            self.problem(path + ("actions",), "Required.")
        limit = spec.get("limit", {})
        if not self.need_object(limit, path + ("limit",)):
            return
        count = limit.get("count", 60)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 5000:
            self.problem(path + ("limit", "count"), "Enter a whole number from 1 to 5000.")
        if "timeout" in limit:
            self.duration(limit["timeout"], path + ("limit", "timeout"))

    def check_Scope(self, spec: dict, path: Path) -> None:  # noqa: N802
        if "actions" not in spec:
            self.problem(path + ("actions",), "Required.")

    def duration(self, value: Any, path: Path) -> None:
        if isinstance(value, str) and value.startswith("@"):
            return
        try:
            retry.duration_seconds(value)
        except ValueError as error:
            self.problem(path, str(error))

    def inputs(self, spec: dict, path: Path) -> dict | None:
        inputs = spec.get("inputs")
        return inputs if self.need_object(inputs, path + ("inputs",)) else None

    def check_InitializeVariable(self, spec: dict, path: Path) -> None:  # noqa: N802
        inputs = self.inputs(spec, path)
        if inputs is None:
            return
        variables = inputs.get("variables")
        if not isinstance(variables, list) or not variables:
            self.problem(path + ("inputs", "variables"), "Enter an array of {\"name\", \"type\", \"value\"}.")
            return
        for index, variable in enumerate(variables):
            where = path + ("inputs", "variables", index)
            if not self.need_object(variable, where):
                continue
            if not isinstance(variable.get("name"), str) or not variable["name"]:
                self.problem(where + ("name",), "Required.")
            if str(variable.get("type", "")).lower() not in VARIABLE_TYPES:
                self.problem(where + ("type",), f"Enter one of {', '.join(VARIABLE_TYPES)}.")

    def named_variable(self, spec: dict, path: Path, value_required: bool) -> None:
        inputs = self.inputs(spec, path)
        if inputs is None:
            return
        if not isinstance(inputs.get("name"), str) or not inputs["name"]:
            self.problem(path + ("inputs", "name"), "Required (the variable's name).")
        if value_required and "value" not in inputs:
            self.problem(path + ("inputs", "value"), "Required.")

    def check_SetVariable(self, spec: dict, path: Path) -> None:  # noqa: N802
        self.named_variable(spec, path, True)

    def check_IncrementVariable(self, spec: dict, path: Path) -> None:  # noqa: N802
        self.named_variable(spec, path, False)

    check_DecrementVariable = check_IncrementVariable  # noqa: N815

    def check_AppendToArrayVariable(self, spec: dict, path: Path) -> None:  # noqa: N802
        self.named_variable(spec, path, True)

    check_AppendToStringVariable = check_AppendToArrayVariable  # noqa: N815

    def check_Wait(self, spec: dict, path: Path) -> None:  # noqa: N802
        inputs = self.inputs(spec, path)
        if inputs is None:
            return
        if isinstance(inputs.get("interval"), dict):
            interval = inputs["interval"]
            if interval.get("unit") not in FREQUENCIES:
                self.problem(path + ("inputs", "interval", "unit"), f"Enter one of {', '.join(FREQUENCIES)}.")
            count = interval.get("count")
            if not (isinstance(count, str) and count.startswith("@")) and (
                    isinstance(count, bool) or not isinstance(count, int) or count < 0):
                self.problem(path + ("inputs", "interval", "count"), "Enter a whole number.")
        elif isinstance(inputs.get("until"), dict) and "timestamp" in inputs["until"]:
            pass
        else:
            self.problem(path + ("inputs",), "Enter {\"interval\": {\"count\", \"unit\"}} or "
                                             "{\"until\": {\"timestamp\"}}.")

    def check_Terminate(self, spec: dict, path: Path) -> None:  # noqa: N802
        inputs = self.inputs(spec, path)
        if inputs is not None and inputs.get("runStatus") not in RUN_STATUSES:
            self.problem(path + ("inputs", "runStatus"), f"Enter one of {', '.join(RUN_STATUSES)}.")

    def check_Response(self, spec: dict, path: Path) -> None:  # noqa: N802
        inputs = self.inputs(spec, path)
        if inputs is None:
            return
        status = inputs.get("statusCode", 200)
        if not (isinstance(status, str) and status.startswith("@")) and (
                isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599):
            self.problem(path + ("inputs", "statusCode"), "Enter an HTTP status from 100 to 599.")

    def check_Http(self, spec: dict, path: Path) -> None:  # noqa: N802
        inputs = self.inputs(spec, path)
        if inputs is None:
            return
        if str(inputs.get("method", "")).upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
            self.problem(path + ("inputs", "method"), "Enter an HTTP method (GET, POST, PUT, PATCH, DELETE...).")
        if not isinstance(inputs.get("uri"), str) or not inputs["uri"]:
            self.problem(path + ("inputs", "uri"), "Required (the address to call).")
        for name in ("headers", "queries"):
            if name in inputs and not isinstance(inputs[name], (dict, str)):
                self.problem(path + ("inputs", name), "Enter an object.")

    def check_ApiConnection(self, spec: dict, path: Path) -> None:  # noqa: N802
        self.connector_inputs("ApiConnection", spec.get("inputs"), path + ("inputs",))

    def check_OpenApiConnection(self, spec: dict, path: Path) -> None:  # noqa: N802
        self.connector_inputs("OpenApiConnection", spec.get("inputs"), path + ("inputs",))

    def connector_inputs(self, kind: str, inputs: Any, path: Path) -> None:
        if not self.need_object(inputs, path):
            return
        host = inputs.get("host")
        if not self.need_object(host, path + ("host",)):
            return
        if kind.startswith("ApiConnection"):
            connection = host.get("connection")
            if not isinstance(connection, dict) or not isinstance(connection.get("name"), str):
                self.problem(path + ("host", "connection", "name"), "Required (the connection to call through).")
            if kind == "ApiConnection":
                if str(inputs.get("method", "")).lower() not in ("get", "put", "post", "delete", "patch"):
                    self.problem(path + ("method",), "Enter an HTTP method.")
                if not isinstance(inputs.get("path"), str) or not inputs["path"].startswith("/"):
                    self.problem(path + ("path",), "Enter the operation's path (\"/k/v1/record.json\").")
            return
        for key in ("apiId", "connectionName", "operationId"):
            if not isinstance(host.get(key), str) or not host[key]:
                self.problem(path + ("host", key), "Required.")
        if "parameters" in inputs and not isinstance(inputs["parameters"], dict):
            self.problem(path + ("parameters",), "Enter an object of parameter keys and values.")
        if isinstance(host.get("apiId"), str) and isinstance(host.get("operationId"), str):
            problem = operation_problem(host["apiId"], host["operationId"], kind.endswith("Webhook"))
            if problem:
                self.problem(path + ("host", "operationId"), problem)


def connector_name(api_id: str) -> str:
    """The shipped connector an `apiId` names: `/providers/Microsoft.PowerApps/apis/shared_kintone`
    (or a custom connector's id ending in `kintone`) is `kintone`."""
    last = api_id.rstrip("/").rsplit("/", 1)[-1].lower()
    last = last.removeprefix("shared_")
    for name in catalog.names():
        if last == name or last.endswith(name) or last.startswith(name + "-"):
            return name
    return last


def operation_problem(api_id: str, operation_id: str, trigger: bool) -> str | None:
    """Why a connector operation cannot be used there, or None."""
    name = connector_name(api_id)
    try:
        connector = catalog.load(name)
    except catalog.UnknownConnector as error:
        return str(error)
    operation = connector.operations().get(operation_id)
    if operation is None:
        return f"The {name} connector has no operation {operation_id!r}."
    if trigger and "x-ms-trigger" not in operation:
        return f"{operation_id} of the {name} connector is an action, not a trigger."
    if not trigger and "x-ms-trigger" in operation:
        return f"{operation_id} of the {name} connector is a trigger, not an action."
    return None


def check(document: Any) -> Definition:
    """A deployable definition, or `DefinitionError` listing every problem at its path."""
    document = unwrap(document)
    problems = _Checker(response_allowed=False)
    if not isinstance(document, dict):
        raise DefinitionError({"$": ["Enter a flow definition: an object with triggers and actions."]})
    triggers = document.get("triggers")
    trigger_name, trigger = "", {}
    if not isinstance(triggers, dict) or len(triggers) != 1:
        problems.problem(("triggers",), "Enter an object with exactly one trigger.")
    else:
        (trigger_name, trigger), = triggers.items()
        problems.trigger(trigger_name, trigger, ("triggers", trigger_name))
    problems.response_allowed = isinstance(trigger, dict) and str(trigger.get("type", "")).lower() == "request"
    problems.actions(document.get("actions", {}), ("actions",), 1)
    parameters = document.get("parameters", {})
    if problems.need_object(parameters, ("parameters",)):
        for name, spec in parameters.items():
            problems.need_object(spec, ("parameters", name), "an object ({\"type\", \"defaultValue\"})")
    _variables(document, problems)
    try:
        validate_expressions({key: value for key, value in document.items() if key != "$schema"})
    except ExpressionError as error:
        problems.problem(error.path, error.message + (f" (at character {error.position + 1})"
                                                      if error.position is not None else ""))
    if problems.problems:
        raise DefinitionError(problems.problems)
    return Definition(document, trigger_name, trigger)


def _variables(document: dict, checker: _Checker) -> None:
    declared = 0
    actions = document.get("actions")
    for _, spec, _ in walk(actions if isinstance(actions, dict) else {}):
        variables = spec["inputs"].get("variables") if isinstance(spec.get("inputs"), dict) else None
        if str(spec.get("type", "")).lower() == "initializevariable" and isinstance(variables, list):
            declared += len(variables)
    if declared > MAX_VARIABLES:
        checker.problem(("actions",), f"A flow has at most {MAX_VARIABLES} variables.")
