"""Formula text to syntax tree. Anything that is not a formula is a `FormulaError` with the position
where reading stopped; nothing else escapes from here (a fuzz test holds this)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache, lru_cache
from importlib.resources import files

from lark import Lark, Token, Transformer_NonRecursive
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from kinflow.apps.formulas import errors
from kinflow.apps.formulas.ast import Call, Chain, FieldRef, Node, Number, Sign, Text, children, position
from kinflow.apps.formulas.errors import FormulaError

# Longer than any formula a person writes; kintone's own limit is not documented.
MAX_LENGTH = 10_000
# Parentheses, signs and function calls nest at most this deep, so every later (recursive) pass
# stays within Python's stack however the text is crafted.
MAX_DEPTH = 64

# Symbols typed in full width where kintone expects the half-width one (outside string literals).
_FULL_WIDTH = {"＋": "+", "－": "-", "＊": "*", "／": "/", "＾": "^", "＆": "&", "＝": "=", "＜": "<",
               "＞": ">", "（": "(", "）": ")", "，": ",", "”": '"', "“": '"', "！": "!", "．": "."}
# Operators of other languages, and the one kintone means.
_MISTYPED = {"==": "=", "=>": ">=", "=<": "<=", "><": "<>", "=!": "!="}


@cache
def _parser() -> Lark:
    grammar = files("kinflow.apps.formulas").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual")


def _unquote(token: str) -> str:
    out: list[str] = []
    chars = iter(token[1:-1])
    for char in chars:
        out.append(next(chars, "\\") if char == "\\" else char)
    return "".join(out)


class _ToTree(Transformer_NonRecursive):
    def number(self, children):
        token: Token = children[0]
        return Number(Decimal(token.value), token.start_pos)

    def string(self, children):
        token: Token = children[0]
        return Text(_unquote(token.value), token.start_pos)

    def field(self, children):
        token: Token = children[0]
        return FieldRef(token.value, token.start_pos)

    def call(self, children):
        name, *args = children
        return Call(name.value.upper(), tuple(a for a in args if a is not None), name.start_pos)

    def sign(self, children):
        op, operand = children
        return Sign(op.value == "-", operand, op.start_pos)

    def chain(self, children):
        first, *rest = children
        pairs = tuple((rest[i].value, rest[i + 1], rest[i].start_pos) for i in range(0, len(rest), 2))
        return Chain(first, pairs)


def _scan(text: str) -> None:
    """kintone's friendlier errors for full-width symbols and other languages' operators, found
    outside string literals before parsing."""
    in_string = False
    index = 0
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in _FULL_WIDTH:
            raise errors.full_width(char, _FULL_WIDTH[char], index)
        elif text[index:index + 2] in _MISTYPED:
            pair = text[index:index + 2]
            raise errors.mistyped(pair, _MISTYPED[pair], index)
        index += 1


def _check_depth(tree: Node) -> None:
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise errors.too_deep(MAX_DEPTH, position(node))
        stack.extend((child, depth + 1) for child in children(node))


def parse_formula(text: str) -> Node:
    """The tree of a formula, or a `FormulaError` saying where it goes wrong."""
    if not isinstance(text, str):
        raise errors.syntax()
    return _parse(text)


# Trees are immutable and the same formulas are read on every write: each text is parsed once.
@lru_cache(maxsize=1024)
def _parse(text: str) -> Node:
    if len(text) > MAX_LENGTH:
        raise errors.too_large(MAX_LENGTH)
    _scan(text)
    try:
        tree = _parser().parse(text)
    except UnexpectedCharacters as error:
        raise errors.syntax(error.pos_in_stream) from None
    except UnexpectedInput as error:
        ended = isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END")
        pos = len(text) if ended or error.pos_in_stream is None else error.pos_in_stream
        raise errors.syntax(min(pos, len(text))) from None
    except LarkError:
        raise errors.syntax() from None
    # Lark builds its own tree recursively-free, but `(((...)))` deep enough could still exhaust
    # the transformer's bookkeeping: a tree is measured right after it is built.
    node = _ToTree().transform(tree)
    _check_depth(node)
    return node


__all__ = ["FormulaError", "parse_formula"]
