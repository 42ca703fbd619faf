"""Syntax tree to value: nodes evaluated against a `Context`, JSON values walked for their strings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kinflow.flows.expressions.ast import Access, Call, Literal, Node, Template
from kinflow.flows.expressions.context import Context
from kinflow.flows.expressions.errors import ExpressionError, Path
from kinflow.flows.expressions.functions import lookup
from kinflow.flows.expressions.parser import parse
from kinflow.flows.expressions.values import as_text, checked_text, kind

# The deepest JSON value walked; definitions are far shallower, and the walk is recursive.
MAX_JSON_DEPTH = 100


def evaluate_node(node: Node, context: Context) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Access):
        return _access(node, context)
    return _call(node, context)


def _call(node: Call, context: Context) -> Any:
    function = lookup(node.name)
    if function.lazy:
        args = [(lambda arg=arg: evaluate_node(arg, context)) for arg in node.args]
    else:
        args = [evaluate_node(arg, context) for arg in node.args]
    if function.context:
        args.insert(0, context)
    try:
        return function.impl(*args)
    except ExpressionError as error:
        if error.position is not None:
            raise  # raised by an argument evaluated lazily: it knows where it happened
        raise ExpressionError(f"{function.name}(): {error.message}", node.position) from None
    except (ValueError, TypeError, ArithmeticError, KeyError, IndexError, OverflowError) as error:
        # A gap in a function's own checks must still end as the language's error, never a traceback.
        raise ExpressionError(f"{function.name}(): the arguments are not valid ({error}).", node.position) from None


def _access(node: Access, context: Context) -> Any:
    target = evaluate_node(node.target, context)
    key = evaluate_node(node.key, context)
    if target is None:
        if node.null_safe:
            return None
        raise ExpressionError(f"The property '{as_text(key)}' cannot be selected from null "
                              "(use ?[...] to allow a missing value).", node.position)
    if isinstance(target, Mapping):
        if not isinstance(key, str):
            raise ExpressionError(f"An object's property is named by a string, not {kind(key)}.", node.position)
        if key in target:
            return target[key]
        if node.null_safe:
            return None
        names = ", ".join(list(target)[:20])
        raise ExpressionError(f"The property '{key}' does not exist; the object has: {names or 'no properties'}.",
                              node.position)
    if isinstance(target, (list, tuple)):
        if isinstance(key, bool) or not isinstance(key, int):
            raise ExpressionError(f"An array's item is selected by an integer index, not {kind(key)}.", node.position)
        if 0 <= key < len(target):
            return target[key]
        if node.null_safe:
            return None
        raise ExpressionError(f"The index {key} is outside the array's {len(target)} items.", node.position)
    raise ExpressionError(f"A property cannot be selected from {kind(target)}.", node.position)


def evaluate_template(template: Template, context: Context) -> Any:
    if template.whole:
        return evaluate_node(template.parts[0], context)
    if not template.has_expressions:
        return template.parts[0]
    text = "".join(part if isinstance(part, str) else as_text(evaluate_node(part, context))
                   for part in template.parts)
    try:
        return checked_text(text)
    except ExpressionError as error:
        raise error.at(0) from None


def evaluate(value: Any, context: Context) -> Any:
    """`value` (any JSON value) with every expression in its strings evaluated.

    A string that is one `@expr` becomes the expression's result, of whatever type; a string with
    `@{...}` parts stays a string. Object keys are never evaluated. Raises `ExpressionError` with
    the JSON path of the string at fault.
    """
    return _walk(value, (), lambda text, path: _evaluate_string(text, path, context))


def validate(value: Any) -> None:
    """Parse every expression in `value` (any JSON value): unknown functions, wrong argument counts
    and syntax errors raise `ExpressionError` with the JSON path of the string at fault."""
    def check(text: str, path: Path) -> str:
        try:
            parse(text)
        except ExpressionError as error:
            raise error.within(path) from None
        return text

    _walk(value, (), check)


def _evaluate_string(text: str, path: Path, context: Context) -> Any:
    try:
        return evaluate_template(parse(text), context)
    except ExpressionError as error:
        raise error.within(path) from None


def _walk(value: Any, path: Path, on_string) -> Any:
    if len(path) > MAX_JSON_DEPTH:
        raise ExpressionError(f"The value nests deeper than {MAX_JSON_DEPTH} levels.", path=path)
    if isinstance(value, str):
        return on_string(value, path)
    if isinstance(value, Mapping):
        return {key: _walk(item, path + (key,), on_string) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(item, path + (index,), on_string) for index, item in enumerate(value)]
    return value
