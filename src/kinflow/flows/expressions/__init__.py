"""Workflow Definition Language expressions, as Logic Apps and Power Automate write them.

A string in a flow definition is read three ways:

- `"@expr"` is an expression; its value keeps the result's type (`"@parameters('age')"` → 42).
- `"text @{expr} text"` interpolates: each `@{...}` is replaced by its result as text (null is
  empty, objects and arrays are JSON), and the value is a string.
- Anything else is text as it is; a leading `@@` stands for `@`, and `@@{` for a literal `@{`.

Expressions are function calls (`concat('a', 'b')`), literals (`'it''s'`, `42`, `-1.5`, `true`,
`false`, `null`) and property access (`.name`, `['name']`, `[0]`; `?.name` and `?['name']` give null
instead of failing when the value or property is missing). Function names ignore case.

The public interface:

- `parse(text)` → `Template`: the syntax tree of one JSON string; unknown functions and wrong
  argument counts are refused here.
- `validate(value)`: parse every string in a JSON value (a whole definition, say).
- `evaluate(value, context)`: the JSON value with every expression evaluated against a `Context`
  (trigger and action records, variables, parameters, loops, workflow details).
- `ExpressionError`: the one error type, with `message`, `position` (offset within the string) and
  `path` (where the string sits in the JSON value).
"""

from kinflow.flows.expressions.ast import Template
from kinflow.flows.expressions.context import Context, Loop
from kinflow.flows.expressions.errors import ExpressionError
from kinflow.flows.expressions.evaluator import evaluate, validate
from kinflow.flows.expressions.parser import parse

__all__ = ["Context", "ExpressionError", "Loop", "Template", "evaluate", "parse", "validate"]
