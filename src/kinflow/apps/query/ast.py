"""The syntax tree of a kintone query, exactly as written: no field lookups, no defaults.

`Query.limit`/`offset` stay None when the text names none; compiling applies kintone's defaults.
Field references keep their spelling (`a.b` included) so errors can name what the client wrote.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StringValue:
    text: str


@dataclass(frozen=True)
class NumberValue:
    """A bare number, kept as written (`-1.50`): its meaning depends on the field it meets."""

    text: str


@dataclass(frozen=True)
class Symbol:
    """A bare word inside a function call: `DAYS`, `SUNDAY`, `LAST`."""

    text: str


@dataclass(frozen=True)
class FunctionCall:
    name: str  # upper-cased: kintone's function names are not case-sensitive here
    args: tuple[StringValue | NumberValue | Symbol, ...] = ()


Value = StringValue | NumberValue | FunctionCall


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str  # one of = != > < >= <=
    value: Value


@dataclass(frozen=True)
class InList:
    field: str
    negated: bool
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Like:
    field: str
    negated: bool
    value: Value


@dataclass(frozen=True)
class IsEmpty:
    field: str
    negated: bool


@dataclass(frozen=True)
class And:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Condition, ...]


Leaf = Comparison | InList | Like | IsEmpty
Condition = Leaf | And | Or


@dataclass(frozen=True)
class OrderKey:
    field: str
    descending: bool = False


@dataclass(frozen=True)
class Query:
    condition: Condition | None = None
    order_by: tuple[OrderKey, ...] = ()
    limit: int | None = None
    offset: int | None = None


def leaves(condition: Condition | None) -> list[Leaf]:
    """Every comparison of a condition, left to right."""
    if condition is None:
        return []
    if isinstance(condition, (And, Or)):
        return [leaf for item in condition.items for leaf in leaves(item)]
    return [condition]
