"""The parser never fails in any other way than kintone's errors, and reads back what it is given."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kinflow.apps.query.ast import (
    And,
    Comparison,
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
from kinflow.apps.query.parser import parse_query
from kinflow.errors import KintoneError
from tests.query.conftest import render_query

QUERY_ERRORS = {"CB_VA01", "GAIA_QU01", "GAIA_QU02"}
KEYWORDS = {"and", "or", "in", "not", "like", "is", "empty", "order", "by", "asc", "desc", "limit", "offset"}


def parses_or_refuses(text: str) -> None:
    try:
        assert isinstance(parse_query(text), Query)
    except KintoneError as error:
        assert error.code in QUERY_ERRORS, error
        assert error.status == 400


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_parses_or_is_refused(text):
    parses_or_refuses(text)


TOKENS = ["a", "$id", "x.y", "=", "!=", ">", "<", ">=", "<=", "in", "not", "like", "is", "empty", "and",
          "or", "(", ")", ",", '"s"', '"\\""', "1", "-2.5", "TODAY()", "FROM_TODAY(1, DAYS)", "order", "by",
          "asc", "desc", "limit", "offset", "500", "501", "10001", "\u3000", '"', "\\", "\t"]


@settings(max_examples=500)
@given(st.lists(st.sampled_from(TOKENS), max_size=14), st.sampled_from([" ", "", "\n"]))
def test_token_soup_parses_or_is_refused(tokens, glue):
    parses_or_refuses(glue.join(tokens))


# --- generated queries read back as the same tree ------------------------------------------

names = st.from_regex(r"[A-Za-z_$・][A-Za-z0-9_$・文字]{0,8}", fullmatch=True).filter(
    lambda name: name.lower() not in KEYWORDS
)
fields = st.one_of(names, st.builds(lambda a, b: f"{a}.{b}", names, names))
numbers = st.from_regex(r"-?(0|[1-9][0-9]{0,5})(\.[0-9]{1,3})?", fullmatch=True).map(NumberValue)
# Any text but CR, which a literal can neither hold raw nor escape.
strings = st.text(st.characters(blacklist_characters="\r\x00", blacklist_categories=("Cs",)), max_size=8)
strings = strings.map(StringValue)
arguments = st.one_of(numbers, strings, names.map(Symbol))
calls = st.builds(
    lambda name, args: FunctionCall(name.upper(), tuple(args)), names, st.lists(arguments, max_size=2)
)
values = st.one_of(strings, numbers, calls)
leaves = st.one_of(
    st.builds(Comparison, fields, st.sampled_from(["=", "!=", ">", "<", ">=", "<="]), values),
    st.builds(InList, fields, st.booleans(), st.lists(values, min_size=1, max_size=3).map(tuple)),
    st.builds(Like, fields, st.booleans(), strings),
    st.builds(IsEmpty, fields, st.booleans()),
)


def _nest(children):
    def combine(kind, items):
        flat = []
        for item in items:
            flat.extend(item.items if isinstance(item, kind) else (item,))
        return kind(tuple(flat))

    pairs = st.lists(children, min_size=2, max_size=3)
    return st.one_of(pairs.map(lambda xs: combine(And, xs)), pairs.map(lambda xs: combine(Or, xs)))


conditions = st.recursive(leaves, _nest, max_leaves=8)
queries = st.builds(
    Query,
    st.none() | conditions,
    st.lists(st.builds(OrderKey, fields, st.booleans()), max_size=3).map(tuple),
    st.none() | st.integers(0, 500),
    st.none() | st.integers(0, 10_000),
)


@settings(max_examples=300)
@given(queries)
def test_generated_queries_read_back_unchanged(query):
    assert parse_query(render_query(query)) == query


def literal_texts(query: Query) -> list[str]:
    found, stack = [], [query.condition]
    while stack:
        node = stack.pop()
        if isinstance(node, StringValue):
            found.append(node.text)
        elif isinstance(node, (And, Or)):
            stack.extend(node.items)
        elif isinstance(node, FunctionCall):
            stack.extend(node.args)
        elif isinstance(node, (Comparison, Like)):
            stack.append(node.value)
        elif isinstance(node, InList):
            stack.extend(node.values)
    return found


@settings(max_examples=200)
@given(queries, st.sampled_from(["\u3000", "\n", "\t", " \r\n "]))
def test_any_whitespace_between_tokens(query, blank):
    assume(all(" " not in text for text in literal_texts(query)))
    assert parse_query(render_query(query).replace(" ", blank)) == query
