"""Whatever text a definition holds, parsing either succeeds or raises the language's own error;
evaluating what parsed does the same."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinflow.flows.expressions import Context, ExpressionError, Template, evaluate, parse


def parses_or_refuses(text: str) -> Template | None:
    try:
        template = parse(text)
    except ExpressionError as error:
        assert error.message
        assert error.position is None or 0 <= error.position <= len(text)
        return None
    assert isinstance(template, Template)
    return template


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_parses_or_is_refused(text):
    parses_or_refuses(text)
    parses_or_refuses("@" + text)
    parses_or_refuses("a @{" + text + "} b")


TOKENS = ["@", "@@", "@{", "}", "{", "(", ")", "[", "]", "?[", "?.", ".", ",", "'", "''", "'x'", "1", "-2",
          "3.5", ".5", "1e3", "true", "null", "concat", "triggerBody", "body", "substring", "if", "equals",
          "createArray", "json", "'{}'", "length", "foo", " ", "\n", "0", "-", "99999999999999999999"]


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=16))
def test_token_soup_parses_or_is_refused_and_evaluates_or_fails_cleanly(tokens):
    text = "".join(tokens)
    if parses_or_refuses(text) is None:
        return
    context = Context(trigger={"outputs": {"body": {"a": [1]}}}, actions={"x": {"outputs": {"body": 1}}})
    try:
        evaluate(text, context)
    except ExpressionError as error:
        assert error.message
