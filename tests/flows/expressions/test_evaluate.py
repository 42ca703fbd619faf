"""Evaluating JSON values against a running flow: types kept or turned to text, property access,
the workflow functions, and errors that say where they happened."""

from __future__ import annotations

import pytest

from kinflow.flows.expressions import Context, ExpressionError, Loop, evaluate, validate

GET_USER = {
    "name": "Get_user",
    "status": "Succeeded",
    "outputs": {"statusCode": 200, "headers": {"Content-Type": "application/json"},
                "body": {"FullName": "Contoso Corporation", "Id": 283541717, "status": "Succeeded"}},
}


@pytest.fixture
def context() -> Context:
    return Context(
        trigger={"name": "manual", "outputs": {"headers": {"X": "1"}, "body": {"record": {"Title": {"value": "Hi"}},
                                                                                 "123": 7, "tags": ["a", "b"]}}},
        actions={"Get_user": GET_USER, "Inner": {"name": "Inner", "status": "Failed"}},
        variables={"counter": 3, "names": ["x"]},
        parameters={"myBirthMonth": "January", "myAge": 42},
        loops=(Loop("Until_done", index=2), Loop("For_each", item={"id": 9}),
               Loop("For_each_tag", item="b")),
        workflow={"name": "my-flow", "run": {"name": "08585"}},
        scopes={"Scope": ["Inner", "Not_run"]},
        current_action={"name": "Wait_for_it", "outputs": {"body": {"done": True}}},
        callback_url="https://flows.example/hook",
    )


# The function reference's own table of how JSON values are read.
@pytest.mark.parametrize(
    "value, result",
    [
        ("Sophia Owen", "Sophia Owen"),
        ("array[1]", "array[1]"),
        ("@@", "@"),
        (" @", " @"),
        ("@parameters('myBirthMonth')", "January"),
        ("@{parameters('myBirthMonth')}", "January"),
        ("@parameters('myAge')", 42),
        ("@{parameters('myAge')}", "42"),
        ("My age is @{parameters('myAge')}", "My age is 42"),
        ("@concat('My age is ', string(parameters('myAge')))", "My age is 42"),
        ("My age is @@{parameters('myAge')}", "My age is @{parameters('myAge')}"),
    ],
)
def test_documented_string_forms(context, value, result):
    assert evaluate(value, context) == result


def test_interpolation_writes_values_as_text(context):
    context.variables = {"n": None, "t": True, "f": 2.5, "o": {"a": [1, "x"]}, "i": -3}
    value = "[@{variables('n')}|@{variables('t')}|@{variables('f')}|@{variables('o')}|@{variables('i')}]"
    assert evaluate(value, context) == '[|True|2.5|{"a":[1,"x"]}|-3]'


def test_whole_expressions_keep_their_type(context):
    assert evaluate("@triggerBody()?['tags']", context) == ["a", "b"]
    assert evaluate("@triggerBody()?['123']", context) == 7
    assert evaluate("@{triggerBody()?['123']}", context) == "7"
    assert evaluate("@null", context) is None


def test_json_values_are_walked_and_keys_left_alone(context):
    value = {"@{x}": ["@variables('counter')", {"deep": "n=@{variables('counter')}"}], "n": 1, "b": False,
             "z": None}
    assert evaluate(value, context) == {"@{x}": [3, {"deep": "n=3"}], "n": 1, "b": False, "z": None}


def test_trigger_functions(context):
    assert evaluate("@triggerBody()['record']['Title']['value']", context) == "Hi"
    assert evaluate("@triggerBody()?.record.Title.value", context) == "Hi"
    assert evaluate("@triggerOutputs()['headers']['X']", context) == "1"
    assert evaluate("@trigger().name", context) == "manual"


def test_action_functions(context):
    assert evaluate("@actions('Get_user').outputs.body.status", context) == "Succeeded"
    assert evaluate("@body('Get_user')", context) == GET_USER["outputs"]["body"]
    assert evaluate("@actionBody('Get_user')?['Id']", context) == 283541717
    assert evaluate("@outputs('Get_user')['statusCode']", context) == 200
    assert evaluate("@actionOutputs('Get_user').headers['Content-Type']", context) == "application/json"
    assert evaluate("@body('Inner')", context) is None  # an action without outputs has no body
    assert evaluate("@action().outputs.body.done", context) is True
    assert evaluate("@result('Scope')", context) == [{"name": "Inner", "status": "Failed"}]
    assert evaluate("@first(result('Scope'))['status']", context) == "Failed"


def test_loop_functions(context):
    assert evaluate("@item()", context) == "b"
    assert evaluate("@items('For_each').id", context) == 9
    assert evaluate("@iterationIndexes('Until_done')", context) == 2


def test_variables_parameters_workflow(context):
    assert evaluate("@variables('names')", context) == ["x"]
    assert evaluate("@workflow().run.name", context) == "08585"
    assert evaluate("@listCallbackUrl()", context) == "https://flows.example/hook"


@pytest.mark.parametrize(
    "value, words",
    [
        ("@body('Missing')", "'Missing' has not run"),
        ("@variables('nope')", "'nope' has not been initialized"),
        ("@parameters('nope')", "'nope' is not defined"),
        ("@items('Nowhere')", "not inside the Foreach loop 'Nowhere'"),
        ("@result('Get_user')", "not a Scope"),
        ("@triggerBody().missing", "property 'missing' does not exist"),
        ("@triggerBody()?['missing'].deeper", "cannot be selected from null"),
        ("@triggerBody()['tags'][2]", "index 2 is outside"),
        ("@triggerBody()['tags']['a']", "integer index"),
        ("@triggerBody()['record'][0]", "named by a string"),
        ("@variables('counter').x", "cannot be selected from Integer"),
    ],
)
def test_evaluation_errors(context, value, words):
    with pytest.raises(ExpressionError) as caught:
        evaluate({"inputs": [value]}, context)
    assert words in caught.value.message
    assert caught.value.path == ("inputs", 0)
    assert caught.value.position is not None


def test_null_safe_access_gives_null(context):
    assert evaluate("@triggerBody()?['missing']", context) is None
    assert evaluate("@triggerBody()?['missing']?['deeper']", context) is None
    assert evaluate("@triggerBody()?['tags']?[5]", context) is None
    assert evaluate("@coalesce(triggerBody()?['missing'], 'none')", context) == "none"


def test_outside_a_loop_or_trigger():
    empty = Context()
    for value, words in [("@item()", "inside a repeating action"), ("@triggerBody()", "trigger"),
                         ("@action()", "action()"), ("@listCallbackUrl()", "callback URL")]:
        with pytest.raises(ExpressionError, match=words.replace("(", r"\(").replace(")", r"\)")):
            evaluate(value, empty)


def test_error_position_points_into_the_string(context):
    with pytest.raises(ExpressionError) as caught:
        evaluate("Hello @{body('Get_user')?['FullName']} and @{body('Gone')}", context)
    assert caught.value.position == 45
    assert "at character 46" in str(caught.value)


def test_validate_reports_the_json_path():
    definition = {"actions": {"Send message": {"inputs": {"body": ["ok", "@{frob()}"]}}}}
    with pytest.raises(ExpressionError) as caught:
        validate(definition)
    assert caught.value.path == ("actions", "Send message", "inputs", "body", 1)
    assert "frob" in str(caught.value)
    assert "in actions['Send message'].inputs.body[1]" in str(caught.value)


def test_validate_accepts_a_good_definition():
    validate({"a": ["@triggerBody()?['x']", "plain", 1, None, {"b": "@{guid()}"}]})
