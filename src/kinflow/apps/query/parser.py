"""Text to syntax tree: `parse_query` for `query` parameters, `parse_condition` for filterCond.

Any text that is not a query is `CB_VA01`; nothing else escapes from here (a fuzz test holds this).
The `limit`/`offset` ceilings are checked here too: they need no form.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib.resources import files

from lark import Lark, Transformer_NonRecursive
from lark.exceptions import LarkError, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from kinflow.apps.query import errors
from kinflow.apps.query.ast import (
    And,
    Comparison,
    Condition,
    FunctionCall,
    InList,
    IsEmpty,
    Like,
    NumberValue,
    Or,
    OrderKey,
    Query,
    StringValue,
    Symbol,
)
from kinflow.digits import is_digits
from kinflow.errors import KintoneError
from kinflow.i18n import N_

# Deeper nesting than any real filter; the cap keeps every later (recursive) pass within Python's
# stack however the text is crafted.
MAX_DEPTH = 64
# A query is bounded in size before any work is spent on it: its text (kintone's own URL limit is
# 8 KB; a POST with `X-HTTP-Method-Override: GET` may carry more), and the conditions and listed
# values it holds, each of which costs compiling and database work.
MAX_LENGTH = 100_000
MAX_TERMS = 1_000

_ESCAPES = {"t": "\t", "n": "\n"}


@cache
def _parser() -> Lark:
    grammar = files("kinflow.apps.query").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", start=["query", "filter"])


def _unquote(token: str) -> str:
    """The text of a string literal: `\\"` and `\\\\` as documented, `\\t` and `\\n` as observed."""
    out: list[str] = []
    chars = iter(token[1:-1])
    for char in chars:
        if char == "\\":
            escaped = next(chars)
            out.append(_ESCAPES.get(escaped, escaped))
        else:
            out.append(char)
    return "".join(out)


def _count(text: str | None) -> int | None:
    if text is None:
        return None
    if not is_digits(text):
        raise errors.syntax_error(N_("limit and offset take a whole number."))
    return int(text)


def _join(kind: type[And] | type[Or], items: list[Condition]) -> Condition:
    """`a and (b and c)` is `a and b and c`: flat lists keep later passes simple."""
    flat: list[Condition] = []
    for item in items:
        flat.extend(item.items if isinstance(item, kind) else (item,))
    return kind(tuple(flat))


class _ToTree(Transformer_NonRecursive):
    def string(self, children):
        return StringValue(_unquote(children[0]))

    def number(self, children):
        return NumberValue(children[0].value)

    def symbol(self, children):
        return Symbol(children[0].value)

    def call(self, children):
        name, *args = children
        return FunctionCall(name.value.upper(), tuple(a for a in args if a is not None))

    def field(self, children):
        return ".".join(token.value for token in children)

    def value_list(self, children):
        return tuple(children)

    def comparison(self, children):
        field, op, value = children
        return Comparison(field, op.value, value)

    def in_list(self, children):
        return InList(children[0], False, children[1])

    def not_in_list(self, children):
        return InList(children[0], True, children[1])

    def like(self, children):
        return Like(children[0], False, children[1])

    def not_like(self, children):
        return Like(children[0], True, children[1])

    def is_empty(self, children):
        return IsEmpty(children[0], False)

    def is_not_empty(self, children):
        return IsEmpty(children[0], True)

    def and_expr(self, children):
        return _join(And, children)

    def or_expr(self, children):
        return _join(Or, children)

    def order_key(self, children):
        direction = children[1].value.lower() if len(children) > 1 else "asc"
        return OrderKey(children[0], direction == "desc")

    def order_clause(self, children):
        return ("order_by", tuple(children))

    def limit_clause(self, children):
        return ("limit", children[0].value)

    def offset_clause(self, children):
        return ("offset", children[0].value)

    def query(self, children):
        parts: dict = {"condition": None}
        for child in children:
            if isinstance(child, tuple) and len(child) == 2 and child[0] in ("order_by", "limit", "offset"):
                parts[child[0]] = child[1]
            else:
                parts["condition"] = child
        return Query(**parts)

    def filter(self, children):
        return children[0] if children else None


def _depth(condition: Condition | None) -> int:
    deepest, stack = 0, [(condition, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (And, Or)):
            deepest = max(deepest, depth)
            stack.extend((item, depth + 1) for item in node.items)
    return deepest


def _terms(condition: Condition | None) -> int:
    """Conditions and the values of `in` lists: what the query costs to compile and run."""
    count, stack = 0, [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, (And, Or)):
            stack.extend(node.items)
        elif isinstance(node, InList):
            count += len(node.values)
        elif node is not None:
            count += 1
    return count


def _too_large() -> KintoneError:
    return errors.syntax_error(N_("A query may be at most {max_length} characters long and hold at most {max_terms} "
                                  "conditions and listed values.", max_length=MAX_LENGTH, max_terms=MAX_TERMS))


def _parse(text: str, start: str):
    # NUL can be stored by neither database (PostgreSQL refuses it in text), so no query names it.
    if not isinstance(text, str) or "\x00" in text:
        raise errors.syntax_error()
    if len(text) > MAX_LENGTH:
        raise _too_large()
    try:
        tree = _parser().parse(text, start=start)
    except UnexpectedInput as error:
        raise errors.syntax_error(_where(text, error)) from None
    except LarkError:
        raise errors.syntax_error() from None
    return _ToTree().transform(tree)


# At most this much of the offending text is quoted back: the message stays short whatever was sent.
_QUOTED = 40


def _where(text: str, error: UnexpectedInput) -> str:
    """Where parsing stopped, for a person fixing the query: the text found there and its column
    (and line, when the query has several)."""
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        return N_("The query ends too early.")
    pos = error.pos_in_stream or 0
    words = text[pos:].split(maxsplit=1)
    found = words[0] if words else text[pos:pos + 1]
    if len(found) > _QUOTED:
        found = found[:_QUOTED] + "…"
    column = pos - text.rfind("\n", 0, pos)
    if "\n" in text:
        line = text.count("\n", 0, pos) + 1
        return N_('Unexpected "{found}" at line {line}, column {column}.', found=found, line=line, column=column)
    return N_('Unexpected "{found}" at column {column}.', found=found, column=column)


def _check_bounds(condition: Condition | None) -> None:
    if _depth(condition) > MAX_DEPTH:
        raise errors.syntax_error(N_("Conditions may nest at most {max_depth} levels deep.", max_depth=MAX_DEPTH))
    if _terms(condition) > MAX_TERMS:
        raise _too_large()


def parse_query(text: str) -> Query:
    """A whole `query`: `[condition] [order by ...] [limit N] [offset N]`; '' is the empty query."""
    if not isinstance(text, str):
        raise errors.syntax_error()
    return _parse_cached(text) if len(text) <= _CACHED_LENGTH else _parse_query(text)


# Clients repeat the same queries (a list view, a poller, a page of an export): the tree is
# immutable, so each text is parsed once. Errors are not cached; they are raised again each time.
# Only short texts: a thousand cached queries of the largest size would hold hundreds of megabytes.
_CACHED_LENGTH = 2_000


def _parse_query(text: str) -> Query:
    parsed: Query = _parse(text, "query")
    _check_bounds(parsed.condition)
    # The transformer keeps the counts as text: errors raised inside lark would come out wrapped.
    query = Query(parsed.condition, parsed.order_by, _count(parsed.limit), _count(parsed.offset))
    if query.limit is not None and query.limit > errors.MAX_LIMIT:
        raise errors.limit_too_large()
    if query.offset is not None and query.offset > errors.MAX_OFFSET:
        raise errors.offset_too_large()
    return query


_parse_cached = lru_cache(maxsize=1024)(_parse_query)


def parse_condition(text: str) -> Condition | None:
    """A condition alone (a view's or a notification's filterCond); None when the text is blank."""
    condition = _parse(text, "filter")
    _check_bounds(condition)
    return condition
