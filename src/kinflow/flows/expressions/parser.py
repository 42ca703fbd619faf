"""Text to syntax tree: a JSON string to a `Template`, the text of an expression to its nodes.

Unknown functions and wrong argument counts are found here, so a definition is refused when it is
deployed rather than when a run reaches the expression. Nothing but `ExpressionError` escapes from
here (a fuzz test holds this).
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib.resources import files

from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from kinflow.flows.expressions.ast import Access, Call, Literal, Node, Template
from kinflow.flows.expressions.errors import ExpressionError
from kinflow.flows.expressions.functions import lookup
from kinflow.flows.expressions.values import INT_MAX, INT_MIN

# The service's documented limit for one expression; a JSON string holding several `@{...}` parts is
# bounded by the same number times a few, which no real definition approaches.
MAX_EXPRESSION_LENGTH = 8_192
MAX_STRING_LENGTH = 65_536
# Deeper nesting than any real expression; the cap keeps the (recursive) evaluator within Python's
# stack however the text is crafted.
MAX_DEPTH = 64

_KEYWORDS = {"true": True, "false": False, "null": None}
# At most this much of the offending text is quoted back: the message stays short whatever was sent.
_QUOTED = 40


@cache
def _lark() -> Lark:
    grammar = files("kinflow.flows.expressions").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True)


class _Bad:
    """A bare word that is no keyword: kept in the tree so the check after parsing can say where."""

    def __init__(self, word: str, position: int) -> None:
        self.word, self.position = word, position


class _ToTree(Transformer_NonRecursive):
    def __init__(self, offset: int) -> None:
        super().__init__()
        self.offset = offset

    def _at(self, token: Token) -> int:
        return self.offset + token.start_pos

    def string(self, children):
        token = children[0]
        return Literal(token[1:-1].replace("''", "'"), self._at(token))

    def int(self, children):
        token = children[0]
        return Literal(int(token), self._at(token))

    def float(self, children):
        token = children[0]
        return Literal(float(token), self._at(token))

    def word(self, children):
        token = children[0]
        if token.lower() in _KEYWORDS:
            return Literal(_KEYWORDS[token.lower()], self._at(token))
        return _Bad(str(token), self._at(token))

    def call(self, children):
        name, *args = children
        # Named as the reference spells it (`utcnow` is `utcNow`); an unknown name is refused later.
        function = lookup(name)
        return Call(function.name if function else str(name), tuple(arg for arg in args if arg is not None), self._at(name))

    def _member(self, children, null_safe):
        target, name = children
        return Access(target, Literal(str(name), self._at(name)), null_safe, self._at(name) - (2 if null_safe else 1))

    def dot(self, children):
        return self._member(children, False)

    def safe_dot(self, children):
        return self._member(children, True)

    @v_args(meta=True)
    def index(self, meta, children):
        return Access(children[0], children[1], False, self._index_at(meta, children[1]))

    @v_args(meta=True)
    def safe_index(self, meta, children):
        return Access(children[0], children[1], True, self._index_at(meta, children[1]))

    def _index_at(self, meta, key) -> int:
        # The bracket just before the key; the key's own position is the best handle we have.
        return getattr(key, "position", self.offset + meta.start_pos)


def _check(node, text_offset: int) -> Node:
    """Resolve function names and check argument counts, keywords and depth, without recursion."""
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"Expressions may nest at most {MAX_DEPTH} levels deep.", current.position)
        if isinstance(current, _Bad):
            raise ExpressionError(
                f"'{_quote(current.word)}' is neither a function call nor true, false or null.", current.position)
        if isinstance(current, Literal) and isinstance(current.value, int) and not isinstance(current.value, bool):
            if not INT_MIN <= current.value <= INT_MAX:
                raise ExpressionError("The integer is outside the range of a 64-bit integer.", current.position)
        if isinstance(current, Call):
            _check_call(current)
            stack.extend((arg, depth + 1) for arg in current.args)
        elif isinstance(current, Access):
            stack.extend(((current.target, depth + 1), (current.key, depth + 1)))
    return node


def _check_call(call: Call) -> None:
    function = lookup(call.name)
    if function is None:
        raise ExpressionError(f"The function '{_quote(call.name)}' is not a workflow language function.",
                              call.position)
    count = len(call.args)
    if count < function.min_args or (function.max_args is not None and count > function.max_args):
        given = f"{count} argument{'s' if count != 1 else ''}"
        raise ExpressionError(f"The function '{function.name}' takes {function.arity_text()}, not {given}.",
                              call.position)


def _quote(text: str) -> str:
    return text if len(text) <= _QUOTED else text[:_QUOTED] + "…"


def parse_expression(text: str, offset: int = 0) -> Node:
    """The text of one expression (without its `@`); `offset` places it within its JSON string."""
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"An expression may be at most {MAX_EXPRESSION_LENGTH} characters long.", offset)
    if not text.strip():
        raise ExpressionError("The expression is empty.", offset)
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(text, offset, error) from None
    except LarkError:
        raise ExpressionError("The expression is not valid.", offset) from None
    return _check(_ToTree(offset).transform(tree), offset)


def _syntax_error(text: str, offset: int, error: UnexpectedInput) -> ExpressionError:
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        return ExpressionError("The expression ends too early.", offset + len(text))
    pos = error.pos_in_stream or 0
    if isinstance(error, UnexpectedCharacters) and text[pos] == "'":
        return ExpressionError("The string literal is not closed (a quote inside is written '').", offset + pos)
    found = text[pos:].split(maxsplit=1)
    return ExpressionError(f"Unexpected '{_quote(found[0] if found else text[pos:pos + 1])}'.", offset + pos)


def parse(text: str) -> Template:
    """A JSON string as the workflow language reads it (see `Template`).

    `"@expr"` is an expression whose result keeps its type; `@{expr}` anywhere is replaced by its
    result as text; a leading `@@` stands for a literal `@`, and `@@{` for a literal `@{`.
    """
    if not isinstance(text, str):
        raise ExpressionError("An expression must be a string.")
    if len(text) > MAX_STRING_LENGTH:
        if "@" not in text:
            return Template((text,))
        raise ExpressionError(f"A string holding expressions may be at most {MAX_STRING_LENGTH} characters long.")
    return _parse_cached(text)


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Template:
    # The same definitions are evaluated run after run: each string is parsed once. Templates are
    # immutable; errors are not cached.
    if text.startswith("@") and not text.startswith(("@@", "@{")):
        return Template((parse_expression(text[1:], 1),), whole=True)
    if text.startswith("@@"):
        return Template(_interpolated(text, 2, ["@"]))
    return Template(_interpolated(text, 0, []))


def _interpolated(text: str, start: int, parts: list) -> tuple:
    literal = "".join(parts)
    parts = []
    i = start
    while True:
        found = text.find("@", i)
        if found < 0:
            literal += text[i:]
            break
        literal += text[i:found]
        if text.startswith("@@{", found):
            literal += "@{"
            i = found + 3
        elif text.startswith("@{", found):
            end = _closing_brace(text, found + 2)
            if literal:
                parts.append(literal)
                literal = ""
            parts.append(parse_expression(text[found + 2:end], found + 2))
            i = end + 1
        else:
            literal += "@"
            i = found + 1
    if literal or not parts:
        parts.append(literal)
    return tuple(parts)


def _closing_brace(text: str, start: int) -> int:
    """The `}` closing an `@{` whose expression starts at `start`; braces inside string literals
    do not count."""
    in_string = False
    for i in range(start, len(text)):
        char = text[i]
        if char == "'":
            in_string = not in_string
        elif char == "}" and not in_string:
            return i
    raise ExpressionError("'@{' is not closed by '}'.", start - 2)
