"""The syntax tree of a formula, exactly as written; `pos` is the 0-based offset of the node's
first character (or its operator), for error messages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Number:
    value: Decimal
    pos: int


@dataclass(frozen=True)
class Text:
    value: str
    pos: int


@dataclass(frozen=True)
class FieldRef:
    code: str
    pos: int


@dataclass(frozen=True)
class Sign:
    negative: bool
    operand: Node
    pos: int


@dataclass(frozen=True)
class Chain:
    """`first op1 rest[0] op2 rest[1] ...` at one precedence level, applied left to right."""

    first: Node
    rest: tuple[tuple[str, Node, int], ...]  # (operator, operand, operator's position)


@dataclass(frozen=True)
class Call:
    name: str  # upper-cased
    args: tuple[Node, ...]
    pos: int


Node = Number | Text | FieldRef | Sign | Chain | Call


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Sign):
        return (node.operand,)
    if isinstance(node, Chain):
        return (node.first, *(operand for _, operand, _ in node.rest))
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children (iteratively: trees are bounded, but this
    is also used to measure them)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children(current)))
    return out


def position(node: Node) -> int:
    return node.first.pos if isinstance(node, Chain) else node.pos  # type: ignore[union-attr]
