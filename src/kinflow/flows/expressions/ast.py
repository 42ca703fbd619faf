"""The syntax tree of an expression, and of a JSON string that may hold expressions.

Every node carries `position`: its offset within the JSON string it came from, so an error found
while evaluating it points at the right place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True)
class Literal:
    value: Any  # str, int, float, bool or None
    position: int


@dataclass(frozen=True)
class Call:
    name: str  # the function's name as the reference spells it (`triggerBody`), whatever the case used
    args: tuple[Node, ...]
    position: int


@dataclass(frozen=True)
class Access:
    """`target.name`, `target['name']` or `target[0]`; `null_safe` for `?.` and `?[`."""

    target: Node
    key: Node
    null_safe: bool
    position: int


Node = Union[Literal, Call, Access]


@dataclass(frozen=True)
class Template:
    """A JSON string as the workflow language reads it.

    `whole` is True for `"@expr"`: the value is the expression's result, of its own type. Otherwise
    the value is a string: the text parts as they are, each `@{...}` part replaced by its result as
    text.
    """

    parts: tuple[str | Node, ...]
    whole: bool = False

    @property
    def has_expressions(self) -> bool:
        return self.whole or any(not isinstance(part, str) for part in self.parts)

    def nodes(self) -> tuple[Node, ...]:
        return tuple(part for part in self.parts if not isinstance(part, str))
