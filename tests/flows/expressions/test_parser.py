"""How a JSON string is read: whole expressions, interpolation, escapes, and the errors refused
before a definition is deployed."""

from __future__ import annotations

import pytest

from kinflow.flows.expressions import ExpressionError, Template, parse
from kinflow.flows.expressions.ast import Access, Call, Literal


def test_plain_text_has_no_expressions():
    for text in ["Sophia Owen", "array[1]", " @", "mail@example.com", ""]:
        template = parse(text)
        assert not template.has_expressions
        assert template.parts == (text,)


def test_a_leading_at_makes_the_whole_string_an_expression():
    template = parse("@parameters('myAge')")
    assert template.whole
    assert template.parts == (Call("parameters", (Literal("myAge", 12),), 1),)


def test_escapes():
    assert parse("@@").parts == ("@",)
    assert parse("@@{x}").parts == ("@{x}",)
    assert parse("My age is @@{parameters('myAge')}").parts == ("My age is @{parameters('myAge')}",)


def test_interpolation_splits_text_and_expressions():
    template = parse("First: @{parameters('a')} Last: @{parameters('b')}")
    assert not template.whole
    assert [type(part).__name__ for part in template.parts] == ["str", "Call", "str", "Call"]
    assert template.parts[0] == "First: "


def test_braces_inside_string_literals_do_not_close_interpolation():
    template = parse("@{concat('}', '{')}!")
    assert template.parts[0] == Call("concat", (Literal("}", 9), Literal("{", 14)), 2)
    assert template.parts[1] == "!"


def test_literals():
    cases = {
        "@42": 42, "@-7": -7, "@1.5": 1.5, "@-2.5e3": -2500.0, "@'it''s'": "it's", "@''": "",
        "@true": True, "@FALSE": False, "@null": None,
    }
    for text, value in cases.items():
        (node,) = parse(text).parts
        assert node == Literal(value, 1), text


def test_property_access_forms():
    (node,) = parse("@triggerBody()?['a'].b?.c[0]").parts
    assert isinstance(node, Access) and node.key == Literal(0, 26) and not node.null_safe
    c = node.target
    assert c.null_safe and c.key.value == "c"
    b = c.target
    assert not b.null_safe and b.key.value == "b"
    a = b.target
    assert a.null_safe and a.key == Literal("a", 16)
    assert a.target == Call("triggerBody", (), 1)


def test_function_names_ignore_case_and_read_back_as_documented():
    (node,) = parse("@TRIGGERBODY()").parts
    assert node.name == "triggerBody"


def test_whitespace_between_tokens():
    (node,) = parse("@concat( 'a' ,\n 'b' )").parts
    assert node.name == "concat" and [arg.value for arg in node.args] == ["a", "b"]


def refused(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    return caught.value


def test_unknown_function_is_refused_with_its_name_and_position():
    error = refused("x @{concat('a', frobnicate(1))} y")
    assert "frobnicate" in error.message
    assert error.position == 16


def test_wrong_argument_count_names_the_function():
    error = refused("@substring('abc')")
    assert "substring" in error.message and "2 to 3 arguments" in error.message
    assert error.position == 1
    assert "triggerBody" in refused("@triggerBody('x')").message
    assert "at least 1" in refused("@concat()").message


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("@concat('a'", 11, "ends too early"),
        ("@concat('a", 8, "not closed"),
        ("@{concat('a')", 0, "not closed"),
        ("@1 2", 3, "Unexpected '2'"),
        ("@", 1, "empty"),
        ("@{ }", 2, "empty"),
        ("@foo", 1, "neither a function"),
        ("@concat('a',)", 12, "Unexpected ')'"),
        ("@triggerBody()[", 15, "ends too early"),
        ("@99999999999999999999", 1, "64-bit"),
    ],
)
def test_syntax_errors_carry_their_position(text, position, words):
    error = refused(text)
    assert error.position == position
    assert words in error.message
    assert f"at character {position + 1}" in str(error)


def test_size_and_depth_are_bounded():
    assert "8192" in refused("@concat('" + "x" * 9000 + "')").message
    deep = "@" + "concat(" * 70 + "'x'" + ")" * 70
    assert "nest" in refused(deep).message
    # A long plain text is fine: only strings holding expressions are bounded.
    assert parse("x" * 100_000).parts == ("x" * 100_000,)


def test_parse_refuses_non_strings():
    with pytest.raises(ExpressionError):
        parse(42)  # type: ignore[arg-type]


def test_templates_are_shared_between_parses():
    assert parse("@triggerBody()") is parse("@triggerBody()")
    assert isinstance(parse("@triggerBody()"), Template)
