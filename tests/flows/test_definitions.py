"""Deploy-time checks of flow definitions: both shapes accepted, every problem refused at its path."""

from __future__ import annotations

import copy
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinflow.flows.definitions import DefinitionError, check, order
from kinflow.flows.retry import DEFAULT, RetryPolicy, duration_seconds, is_retried

REQUEST = {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}}

# Power Automate's shape: "When a record is added" -> "Add a record" through the kintone connector.
POWER_AUTOMATE = {
    "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"$connections": {"defaultValue": {}, "type": "Object"},
                   "$authentication": {"defaultValue": {}, "type": "SecureObject"}},
    "triggers": {"When_a_record_is_added": {
        "type": "OpenApiConnectionWebhook",
        "inputs": {"host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kintone",
                            "connectionName": "shared_kintone", "operationId": "webhook-trigger"},
                   "parameters": {"app": "7"}, "authentication": "@parameters('$authentication')"}}},
    "actions": {
        "Add_a_record": {
            "type": "OpenApiConnection", "runAfter": {},
            "inputs": {"host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kintone",
                                "connectionName": "shared_kintone", "operationId": "AddRecord"},
                       "parameters": {"app": "8", "body/record/Title/value": "@triggerBody()?['record']?['Title']?['value']"}}},
    },
}

# Logic Apps' shape of the same flow.
LOGIC_APPS = {
    "triggers": {"When_a_record_is_added": {
        "type": "ApiConnectionWebhook",
        "inputs": {"host": {"connection": {"name": "@parameters('$connections')['kintone']['connectionId']"}},
                   "body": {"url": "@{listCallbackUrl()}"}, "path": "/webhook/add_record"}}},
    "actions": {
        "Add_a_record": {
            "type": "ApiConnection",
            "inputs": {"host": {"connection": {"name": "@parameters('$connections')['kintone']['connectionId']"}},
                       "method": "post", "path": "/k/v1/record.json",
                       "body": {"app": 8, "record": {"Title": {"value": "@triggerBody()?['record']?['Title']?['value']"}}}}},
    },
    "parameters": {"$connections": {"defaultValue": {}, "type": "Object"}},
}

CONTROL = {
    "triggers": REQUEST,
    "actions": {
        "Init": {"type": "InitializeVariable",
                 "inputs": {"variables": [{"name": "n", "type": "integer", "value": 0}]}},
        "Loop": {"type": "Foreach", "foreach": "@triggerBody()?['items']", "runAfter": {"Init": ["Succeeded"]},
                 "actions": {"Add": {"type": "IncrementVariable", "inputs": {"name": "n", "value": "@item()"}}}},
        "Check": {"type": "If", "runAfter": {"Loop": ["Succeeded", "Failed"]},
                  "expression": {"and": [{"greater": ["@variables('n')", 10]}]},
                  "actions": {"Big": {"type": "Compose", "inputs": "big"}},
                  "else": {"actions": {"Small": {"type": "Compose", "inputs": "small"}}}},
        "Route": {"type": "Switch", "expression": "@triggerBody()?['kind']", "runAfter": {"Check": ["Succeeded"]},
                  "cases": {"A": {"case": "a", "actions": {"WasA": {"type": "Compose", "inputs": 1}}}},
                  "default": {"actions": {}}},
        "Poll": {"type": "Until", "expression": "@equals(variables('n'), 0)", "limit": {"count": 3, "timeout": "PT1M"},
                 "runAfter": {"Route": ["Succeeded"]},
                 "actions": {"Down": {"type": "DecrementVariable", "inputs": {"name": "n", "value": 100}}}},
        "Try": {"type": "Scope", "runAfter": {"Poll": ["Succeeded", "TimedOut"]}, "actions": {
            "Call": {"type": "Http", "inputs": {"method": "GET", "uri": "https://example.com/"},
                     "retryPolicy": {"type": "fixed", "count": 2, "interval": "PT5S"}},
            "Pause": {"type": "Wait", "runAfter": {"Call": ["Failed"]},
                      "inputs": {"interval": {"count": 1, "unit": "Second"}}}}},
        "Answer": {"type": "Response", "runAfter": {"Try": ["Succeeded", "Failed", "Skipped"]},
                   "inputs": {"statusCode": 200, "body": "@variables('n')"}},
        "Stop": {"type": "Terminate", "runAfter": {"Answer": ["Failed"]},
                 "inputs": {"runStatus": "Failed", "runError": {"code": "Oops"}}},
    },
}


def problems(document) -> dict[str, list[str]]:
    with pytest.raises(DefinitionError) as caught:
        check(document)
    return caught.value.problems


def changed(document: dict, edit) -> dict:
    document = copy.deepcopy(document)
    edit(document)
    return document


def test_power_automate_and_logic_apps_shapes_are_accepted():
    assert check(POWER_AUTOMATE).trigger_type == "OpenApiConnectionWebhook"
    assert check(LOGIC_APPS).trigger_type == "ApiConnectionWebhook"
    # As exported: the definition inside a resource's properties.
    assert check({"properties": {"definition": POWER_AUTOMATE, "connectionReferences": {}}}).trigger_name == \
        "When_a_record_is_added"


def test_every_built_in_action_and_control_shape_is_accepted():
    definition = check(CONTROL)
    assert definition.has_response()
    assert order(definition.actions) == ["Init", "Loop", "Check", "Route", "Poll", "Try", "Answer", "Stop"]


def test_action_types_ignore_case_as_exports_vary():
    document = changed(CONTROL, lambda d: d["actions"]["Init"].update(type="initializevariable"))
    check(document)


def test_recurrence_trigger():
    check({"triggers": {"Every_hour": {"type": "Recurrence", "recurrence": {"frequency": "Hour", "interval": 1}}},
           "actions": {}})
    assert problems({"triggers": {"Often": {"type": "Recurrence", "recurrence": {"frequency": "Fortnight",
                                                                                 "interval": 0}}}}) == {
        "triggers.Often.recurrence.frequency": ["Enter one of Second, Minute, Hour, Day, Week, Month."],
        "triggers.Often.recurrence.interval": ["Enter a whole number of at least 1."]}


def test_unknown_action_type_is_refused_at_its_path():
    document = changed(CONTROL, lambda d: d["actions"]["Try"]["actions"]["Call"].update(type="Teleport"))
    found = problems(document)
    assert list(found) == ["actions.Try.actions.Call.type"]
    assert "Unknown action type 'Teleport'" in found["actions.Try.actions.Call.type"][0]


def test_run_after_naming_a_missing_action_is_refused():
    document = changed(CONTROL, lambda d: d["actions"]["Answer"]["runAfter"].update(Nowhere=["Succeeded"]))
    assert problems(document) == {"actions.Answer.runAfter.Nowhere": [
        "There is no action 'Nowhere' beside this one (runAfter names an action of the same scope)."]}


def test_run_after_into_another_scope_is_refused():
    # Call sits inside Try: an action outside it cannot wait for it directly.
    document = changed(CONTROL, lambda d: d["actions"]["Answer"]["runAfter"].update(Call=["Succeeded"]))
    assert "actions.Answer.runAfter.Call" in problems(document)


def test_run_after_statuses_are_checked():
    document = changed(CONTROL, lambda d: d["actions"]["Answer"].update(runAfter={"Try": ["Done"]}))
    assert problems(document) == {"actions.Answer.runAfter.Try": [
        "Enter an array of Succeeded, Failed, Skipped, TimedOut."]}


def test_cycles_are_refused():
    document = {"triggers": REQUEST, "actions": {
        "A": {"type": "Compose", "inputs": 1, "runAfter": {"C": ["Succeeded"]}},
        "B": {"type": "Compose", "inputs": 2, "runAfter": {"A": ["Succeeded"]}},
        "C": {"type": "Compose", "inputs": 3, "runAfter": {"B": ["Succeeded"]}},
    }}
    found = problems(document)
    assert len(found) == 1
    (path, [message]), = found.items()
    assert path.startswith("actions.") and path.endswith(".runAfter")
    assert message.startswith("runAfter makes a cycle: ") and all(name in message for name in "ABC")
    with pytest.raises(ValueError):
        order(document["actions"])


def test_an_action_after_itself_is_refused():
    document = {"triggers": REQUEST, "actions": {"A": {"type": "Compose", "inputs": 1, "runAfter": {"A": ["Failed"]}}}}
    assert problems(document) == {"actions.A.runAfter.A": ["An action cannot run after itself."]}


def test_bad_expressions_are_refused_with_their_path():
    document = changed(CONTROL, lambda d: d["actions"]["Route"]["cases"]["A"]["actions"]["WasA"].update(
        inputs={"text": "@{concat('a')"}))
    found = problems(document)
    assert list(found) == ["actions.Route.cases.A.actions.WasA.inputs.text"]
    unknown = changed(CONTROL, lambda d: d["actions"]["Init"]["inputs"]["variables"][0].update(value="@nosuch(1)"))
    [(path, [message])] = problems(unknown).items()
    assert path == "actions.Init.inputs.variables[0].value" and "nosuch" in message


def test_unknown_connector_operation_is_refused():
    document = changed(POWER_AUTOMATE, lambda d: d["actions"]["Add_a_record"]["inputs"]["host"].update(
        operationId="FlyToTheMoon"))
    assert problems(document) == {"actions.Add_a_record.inputs.host.operationId": [
        "The kintone connector has no operation 'FlyToTheMoon'."]}
    as_trigger = changed(POWER_AUTOMATE, lambda d: d["triggers"]["When_a_record_is_added"]["inputs"]["host"].update(
        operationId="AddRecord"))
    assert problems(as_trigger) == {"triggers.When_a_record_is_added.inputs.host.operationId": [
        "AddRecord of the kintone connector is an action, not a trigger."]}
    no_connector = changed(POWER_AUTOMATE, lambda d: d["actions"]["Add_a_record"]["inputs"]["host"].update(
        apiId="/providers/Microsoft.PowerApps/apis/shared_teams"))
    assert "There is no connector 'teams'" in problems(no_connector)["actions.Add_a_record.inputs.host.operationId"][0]


def test_several_problems_are_reported_together():
    document = changed(CONTROL, lambda d: (d["actions"]["Init"].update(type="Nope"),
                                           d["actions"]["Answer"].update(runAfter={"Gone": ["Succeeded"]})))
    assert set(problems(document)) == {"actions.Init.type", "actions.Answer.runAfter.Gone"}


def test_duplicate_action_names_across_scopes_are_refused():
    document = changed(CONTROL, lambda d: d["actions"]["Try"]["actions"].update(
        Init={"type": "Compose", "inputs": 1}))
    assert "actions.Try.actions.Init" in problems(document)


def test_response_needs_a_request_trigger():
    document = changed(LOGIC_APPS, lambda d: d["actions"].update(
        Answer={"type": "Response", "inputs": {"statusCode": 200}}))
    assert problems(document) == {"actions.Answer": [
        "A Response action needs a Request trigger (nobody waits for its answer)."]}


def test_trigger_shape_is_checked():
    assert problems({"triggers": {}, "actions": {}}) == {"triggers": ["Enter an object with exactly one trigger."]}
    assert "triggers.t.type" in problems({"triggers": {"t": {"type": "Email"}}})
    assert problems([1, 2]) == {"$": ["Enter a flow definition: an object with triggers and actions."]}


def test_inputs_of_each_type_are_checked():
    document = {"triggers": REQUEST, "actions": {
        "Set": {"type": "SetVariable", "inputs": {"value": 1}},
        "Init": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "x", "type": "date"}]}},
        "Call": {"type": "Http", "inputs": {"method": "FETCH"}},
        "End": {"type": "Terminate", "inputs": {"runStatus": "Done"}},
        "Loop": {"type": "Foreach", "foreach": "[1,2]", "actions": {},
                 "runtimeConfiguration": {"concurrency": {"repetitions": 100}}},
        "Nap": {"type": "Wait", "inputs": {}},
        "If1": {"type": "If", "expression": {"between": [1, 2]}, "actions": {}},
    }}
    assert set(problems(document)) == {
        "actions.Set.inputs.name", "actions.Init.inputs.variables[0].type", "actions.Call.inputs.method",
        "actions.Call.inputs.uri", "actions.End.inputs.runStatus", "actions.Loop.foreach",
        "actions.Loop.runtimeConfiguration.concurrency.repetitions", "actions.Nap.inputs",
        "actions.If1.expression.between"}


def test_retry_policy_is_checked_at_its_path():
    def with_policy(policy):
        return changed(CONTROL, lambda d: d["actions"]["Try"]["actions"]["Call"].update(retryPolicy=policy))

    check(with_policy({"type": "none"}))
    check(with_policy({"type": "exponential", "count": 90, "interval": "PT10S", "maximumInterval": "PT1H"}))
    base = "actions.Try.actions.Call.retryPolicy"
    assert problems(with_policy({"type": "sometimes"})) == {
        f"{base}.type": ["enter one of default, none, fixed, exponential."]}
    assert set(problems(with_policy({"type": "fixed", "count": 91, "interval": "PT5S"}))) == {f"{base}.count"}
    assert set(problems(with_policy({"type": "fixed", "count": 3, "interval": "PT1S"}))) == {f"{base}.interval"}
    assert set(problems(with_policy({"type": "fixed", "count": 3, "interval": "soon"}))) == {f"{base}.interval"}
    assert set(problems(with_policy({"type": "exponential", "count": 3}))) == {f"{base}.interval"}


def test_default_retry_policy_is_exponential_within_bounds():
    rng = random.Random(7)
    assert DEFAULT == RetryPolicy("exponential", 4, 7.5, 5.0, 45.0)
    bounds = [(5, 7.5), (7.5, 15), (15, 30), (30, 45)]
    for retry, (low, high) in enumerate(bounds, start=1):
        for _ in range(50):
            assert low <= DEFAULT.delay(retry, rng) <= high
    assert DEFAULT.delay(5) is None
    assert RetryPolicy.parse({"type": "none"}).delay(1) is None
    assert RetryPolicy.parse({"type": "fixed", "count": 2, "interval": "PT20S"}).delay(2) == 20
    assert duration_seconds("P1DT1H2M3.5S") == 86400 + 3600 + 123.5
    assert [is_retried(s) for s in (None, 200, 400, 404, 408, 429, 500, 503)] == [
        True, False, False, False, True, True, True, True]


# Any JSON at all, built from the words definitions use, is either accepted or refused with paths.
_WORDS = st.sampled_from(["triggers", "actions", "type", "inputs", "runAfter", "expression", "else", "cases",
                          "default", "case", "foreach", "limit", "count", "timeout", "variables", "name", "value",
                          "retryPolicy", "interval", "runtimeConfiguration", "concurrency", "repetitions",
                          "Compose", "If", "Switch", "Foreach", "Until", "Scope", "Http", "Request", "Recurrence",
                          "InitializeVariable", "SetVariable", "Wait", "Terminate", "Response", "OpenApiConnection",
                          "host", "apiId", "operationId", "connectionName", "parameters", "recurrence", "frequency",
                          "Succeeded", "Failed", "A", "B", "@concat('a')", "@x(", "method", "uri", "conditions"])
_JSON = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | _WORDS,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_WORDS, inner, max_size=4),
                     max_leaves=30)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.dictionaries(_WORDS, _JSON, max_size=4))
def test_any_json_is_accepted_or_refused_with_paths(document):
    try:
        check(document)
    except DefinitionError as error:
        assert error.problems and all(isinstance(path, str) and messages for path, messages in error.problems.items())
