"""Workflow functions: what the running flow knows (its trigger, actions, variables, loops)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kinflow.flows.expressions.context import Context, Loop
from kinflow.flows.expressions.functions.registry import function
from kinflow.flows.expressions.values import fail, need_text


def _trigger(context: Context) -> Any:
    if context.trigger is None:
        fail("the flow's trigger has no outputs here.")
    return context.trigger


def _action(context: Context, name: Any) -> Any:
    name = need_text(name, "the action name")
    record = context.actions.get(name)
    if record is None:
        fail(f"the action '{name}' has not run (or does not exist) at this point of the flow.")
    return record


def _outputs(record: Any) -> Any:
    return record.get("outputs") if isinstance(record, Mapping) else None


def _body(record: Any) -> Any:
    outputs = _outputs(record)
    return outputs.get("body") if isinstance(outputs, Mapping) else None


@function("trigger", 0, context=True)
def trigger(context):
    return _trigger(context)


@function("triggerOutputs", 0, context=True)
def trigger_outputs(context):
    return _outputs(_trigger(context))


@function("triggerBody", 0, context=True)
def trigger_body(context):
    return _body(_trigger(context))


@function("actions", 1, context=True)
def actions(context, name):
    return _action(context, name)


@function("outputs", 1, context=True)
def outputs(context, name):
    return _outputs(_action(context, name))


@function("actionOutputs", 1, context=True)
def action_outputs(context, name):
    return _outputs(_action(context, name))


@function("body", 1, context=True)
def body(context, name):
    return _body(_action(context, name))


@function("actionBody", 1, context=True)
def action_body(context, name):
    return _body(_action(context, name))


@function("action", 0, context=True)
def action(context):
    if context.current_action is None:
        fail("action() is only available in a webhook action's unsubscribe, trackedProperties "
             "or an Until condition.")
    return context.current_action


@function("result", 1, context=True)
def result(context, name):
    name = need_text(name, "the scoped action name")
    if name not in context.scopes:
        fail(f"'{name}' is not a Scope, Foreach or Until action.")
    return [context.actions[inner] for inner in context.scopes[name] if inner in context.actions]


def _loop(context: Context, name: str, what: str) -> Loop:
    for loop in reversed(context.loops):
        if loop.name == name:
            return loop
    fail(f"the expression is not inside the {what} '{name}'.")


@function("items", 1, context=True)
def items(context, name):
    return _loop(context, need_text(name, "the loop name"), "Foreach loop").item


@function("item", 0, context=True)
def item(context):
    if not context.loops:
        fail("item() is only available inside a repeating action.")
    return context.loops[-1].item


@function("iterationIndexes", 1, context=True)
def iteration_indexes(context, name):
    return _loop(context, need_text(name, "the loop name"), "Until loop").index


@function("variables", 1, context=True)
def variables(context, name):
    name = need_text(name, "the variable name")
    if name not in context.variables:
        fail(f"the variable '{name}' has not been initialized.")
    return context.variables[name]


@function("parameters", 1, context=True)
def parameters(context, name):
    name = need_text(name, "the parameter name")
    if name not in context.parameters:
        fail(f"the parameter '{name}' is not defined.")
    return context.parameters[name]


@function("workflow", 0, context=True)
def workflow(context):
    return dict(context.workflow)


@function("listCallbackUrl", 0, context=True)
def list_callback_url(context):
    if context.callback_url is None:
        fail("this flow's trigger has no callback URL.")
    return context.callback_url
