"""The query grammar (reference §5.1): what parses, into what, and what is a syntax error."""

from __future__ import annotations

import pytest

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
from kinflow.apps.query.parser import MAX_DEPTH, parse_condition, parse_query
from kinflow.errors import KintoneError


def condition(text: str):
    return parse_query(text).condition


def assert_syntax_error(text: str) -> None:
    with pytest.raises(KintoneError) as caught:
        parse_query(text)
    assert caught.value.code == "CB_VA01"
    assert caught.value.status == 400
    assert list(caught.value.errors) == ["query"]


def test_empty_query_has_nothing():
    assert parse_query("") == Query()
    assert parse_query("  \t\n\u3000") == Query()


def test_options_alone_are_a_query():
    assert parse_query("limit 500") == Query(limit=500)
    assert parse_query("offset 20") == Query(offset=20)
    assert parse_query("order by title") == Query(order_by=(OrderKey("title"),))


def test_every_part_in_order():
    query = parse_query('amount > 10 order by due desc, title asc, amount limit 5 offset 10')
    assert query == Query(
        Comparison("amount", ">", NumberValue("10")),
        (OrderKey("due", True), OrderKey("title", False), OrderKey("amount", False)),
        5,
        10,
    )


def test_options_out_of_order_are_a_syntax_error():
    assert_syntax_error("limit 5 order by title")
    assert_syntax_error("offset 5 limit 5")
    assert_syntax_error("order by title order by due")


@pytest.mark.parametrize("op", ["=", "!=", ">", "<", ">=", "<="])
def test_comparison_operators(op):
    assert condition(f'title {op} "x"') == Comparison("title", op, StringValue("x"))


def test_list_like_and_empty_forms():
    assert condition('tags in ("a", "b")') == InList("tags", False, (StringValue("a"), StringValue("b")))
    assert condition('tags not in ("")') == InList("tags", True, (StringValue(""),))
    assert condition('memo like "x"') == Like("memo", False, StringValue("x"))
    assert condition('memo not like "x"') == Like("memo", True, StringValue("x"))
    assert condition("due is empty") == IsEmpty("due", False)
    assert condition("due is not empty") == IsEmpty("due", True)


def test_and_binds_tighter_than_or():
    a, b, c = (Comparison(f, "=", NumberValue("1")) for f in "abc")
    assert condition("a = 1 or b = 1 and c = 1") == Or((a, And((b, c))))
    assert condition("a = 1 and b = 1 or c = 1") == Or((And((a, b)), c))


def test_parentheses_group_and_flatten():
    a, b, c = (Comparison(f, "=", NumberValue("1")) for f in "abc")
    assert condition("(a = 1 or b = 1) and c = 1") == And((Or((a, b)), c))
    assert condition("a = 1 and (b = 1 and c = 1)") == And((a, b, c))
    assert condition("((a = 1))") == a


def test_keywords_are_case_insensitive():
    query = parse_query('a = 1 AND b In ("x") Or c NOT LIKE "y" ORDER BY a DESC Limit 3 OFFSET 1')
    assert isinstance(query.condition, Or)
    assert query.order_by == (OrderKey("a", True),)
    assert (query.limit, query.offset) == (3, 1)


def test_keywords_inside_field_codes_are_field_codes():
    assert condition("andrew = 1") == Comparison("andrew", "=", NumberValue("1"))
    assert condition("order_no = 1") == Comparison("order_no", "=", NumberValue("1"))
    assert condition('in in ("x")') == InList("in", False, (StringValue("x"),))
    assert_syntax_error("a = 1 andb = 2")


def test_field_codes_of_any_script_and_kintone_symbols():
    assert condition('顧客名・部署＿１ = "x"').field == "顧客名・部署＿１"
    assert condition("$id > 3") == Comparison("$id", ">", NumberValue("3"))
    assert condition("$revision = 2").field == "$revision"
    assert condition('Table.name in ("x")').field == "Table.name"


def test_numbers_bare_or_quoted():
    assert condition("a = -1.5").value == NumberValue("-1.5")
    assert condition('a = "-1.5"').value == StringValue("-1.5")
    assert condition("a=0").value == NumberValue("0")


def test_string_escapes():
    assert condition(r'a = "say \"hi\""').value == StringValue('say "hi"')
    assert condition(r'a = "a\\b"').value == StringValue("a\\b")
    assert condition(r'a = "tab\there\nline"').value == StringValue("tab\there\nline")
    assert condition('a = "日本語"').value == StringValue("日本語")


@pytest.mark.parametrize("raw", ["\t", "\n", "\r"])
def test_raw_control_characters_inside_a_literal_are_refused(raw):
    assert_syntax_error(f'a = "x{raw}y"')


def test_full_width_space_is_whitespace():
    assert condition("a\u3000=\u30001\u3000and\u3000b\u3000=\u30002") == And(
        (Comparison("a", "=", NumberValue("1")), Comparison("b", "=", NumberValue("2")))
    )


def test_function_calls():
    assert condition("due = TODAY()").value == FunctionCall("TODAY")
    assert condition("due = today()").value == FunctionCall("TODAY")
    assert condition("due = FROM_TODAY(-3, DAYS)").value == FunctionCall(
        "FROM_TODAY", (NumberValue("-3"), Symbol("DAYS"))
    )
    assert condition("due = THIS_MONTH(LAST)").value == FunctionCall("THIS_MONTH", (Symbol("LAST"),))
    assert condition('owner in (LOGINUSER(), "kato")').values == (FunctionCall("LOGINUSER"), StringValue("kato"))


def test_sort_direction_defaults_to_ascending():
    assert parse_query("order by a, b desc").order_by == (OrderKey("a", False), OrderKey("b", True))


@pytest.mark.parametrize(
    "text",
    [
        "a =",
        "= 1",
        "a == 1",
        "a <> 1",
        'a = "unterminated',
        "a = 'single'",
        "a in ()",
        'a in "x"',
        "a = 1 and",
        "and a = 1",
        "(a = 1",
        "a = 1)",
        "a is null",
        "a is not",
        "a like",
        "a not = 1",
        "order by",
        "order a",
        "limit",
        "limit -1",
        "limit 1.5",
        "limit 1 limit 2",
        "offset x",
        "a = 1 b = 2",
        "`a` = 1",
        "a = 1abc",
        "a = TODAY",
        'a = "x" "y"',
        "a.b.c = 1",
    ],
)
def test_syntax_errors(text):
    assert_syntax_error(text)


def test_limit_and_offset_ceilings():
    assert parse_query("limit 500 offset 10000") == Query(limit=500, offset=10000)
    with pytest.raises(KintoneError) as caught:
        parse_query("limit 501")
    assert (caught.value.code, caught.value.message, caught.value.status) == (
        "GAIA_QU01",
        "limit must be 500 or less.",
        400,
    )
    with pytest.raises(KintoneError) as caught:
        parse_query("offset 10001")
    assert (caught.value.code, caught.value.message) == ("GAIA_QU02", "offset must be 10000 or less.")


def test_nesting_is_capped():
    nested = "a = 1"
    for level in range(MAX_DEPTH + 1):
        nested = f"(a = 1 {'and' if level % 2 else 'or'} {nested})"
    assert_syntax_error(nested)


def test_filter_condition_alone():
    assert parse_condition('title = "x"') == Comparison("title", "=", StringValue("x"))
    assert parse_condition("  ") is None
    with pytest.raises(KintoneError) as caught:
        parse_condition('title = "x" order by title')
    assert caught.value.code == "CB_VA01"
