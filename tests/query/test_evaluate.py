"""Evaluating a condition on one record in Python (notification filters, process conditions)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from kinflow.apps.query.evaluate import matches, stored_record_values
from kinflow.apps.query.parser import parse_condition
from kinflow.apps.records import StoredRecord
from kinflow.apps.values import TableRow
from tests.query.conftest import blank_record


@pytest.fixture()
def holds(form, ctx):
    def run(text: str, **values: object) -> bool:
        return matches(parse_condition(text), blank_record(form, 7, **values), form, ctx)

    return run


def test_no_condition_matches_everything(form, ctx):
    assert matches(None, blank_record(form, 1), form, ctx)
    assert matches(parse_condition(""), blank_record(form, 1), form, ctx)


def test_record_id_and_number(holds):
    assert holds("$id = 7")
    assert holds("$id in (1, 7)")
    assert holds("Record_number >= 7 and Record_number < 8")
    assert holds('Record_number = "APP-7"')
    assert not holds("$id != 7")
    assert holds("$revision = 1")


def test_numbers(holds):
    assert holds("amount > 1.5", amount=Decimal("2"))
    assert holds('amount = "2.0"', amount=Decimal("2"))
    assert holds("amount in (1, 2)", amount=Decimal("2"))
    assert not holds("amount < -1", amount=Decimal("2"))
    assert holds("amount != 3", amount=Decimal("2"))


def test_empty_values_match_not_equal_but_no_ordering(holds):
    assert holds("amount != 3", amount=None)
    assert holds("amount not in (3)", amount=None)
    assert not holds("amount > 3", amount=None)
    assert not holds("amount < 3", amount=None)
    assert holds('amount = ""', amount=None)
    assert holds('amount in ("", 5)', amount=None)
    assert not holds('amount != ""', amount=None)


def test_text(holds):
    assert holds('title = "Hello"', title="Hello")
    assert not holds('title = "hello"', title="Hello")
    assert holds('title != "x"', title="")
    assert holds('title in ("a", "Hello")', title="Hello")
    assert holds('title not in ("a")', title="Hello")


def test_like_is_a_case_insensitive_substring(holds):
    assert holds('title like "ell"', title="Hello")
    assert holds('title like "HELLO"', title="hello world")
    assert holds('memo like "line"', memo="first\nsecond line")
    assert not holds('title like "bye"', title="Hello")
    assert holds('title not like "bye"', title="Hello")
    assert holds('title not like "bye"', title="")
    assert holds('title like "%_"', title="100%_done")
    assert not holds('title like "%"', title="anything")


def test_whitespace_only_text_is_empty(holds):
    assert holds("title is empty", title="")
    assert holds("title is empty", title=" \u3000\t")
    assert holds('title = ""', title="  ")
    assert not holds("title is empty", title=" x ")
    assert holds("title is not empty", title="x")
    assert holds("memo is empty", memo="\n")


def test_choices(holds):
    assert holds('color in ("red", "blue")', color="red")
    assert holds('color in ("")', color="")
    assert holds('color in ("")', color=None)
    assert holds('color not in ("red")', color="")
    assert holds("size is empty", size="")


def test_multi_value_fields_match_on_any_selected_value(holds):
    assert holds('tags in ("b")', tags=["a", "b"])
    assert not holds('tags in ("c")', tags=["a", "b"])
    assert holds('tags not in ("c")', tags=["a", "b"])
    assert not holds('tags not in ("a", "c")', tags=["a", "b"])
    assert holds('tags in ("")', tags=[])
    assert holds('tags in ("", "c")', tags=[])
    assert holds("tags is empty", tags=[])
    assert holds('tags not in ("a")', tags=[])
    assert not holds('tags not in ("")', tags=[])
    assert holds('tags in ("say \\"hi\\"")', tags=['say "hi"'])


def test_users_organizations_and_groups(holds):
    assert holds("owner in (LOGINUSER())", owner=["kato", "sato"])
    assert not holds("owner in (LOGINUSER())", owner=["kato"])
    assert holds('owner in ("kato")', owner=[{"code": "kato", "name": "Kato"}])
    assert holds("Created_by in (LOGINUSER())")
    assert holds('Updated_by not in ("kato")')
    assert holds("dept in (PRIMARY_ORGANIZATION())", dept=["sales"])
    assert holds('team in ("")', team=[])
    assert holds('Assignee in ("sato")', Assignee=["sato"])
    assert holds('Categories not in ("x")', Categories=["y"])


def test_primary_organization_of_nobody_matches_nothing(form):
    from kinflow.apps.query.context import QueryContext
    from tests.query.conftest import NOW, TOKYO

    nobody = QueryContext("sato", None, TOKYO, NOW)
    record = blank_record(form, 1, dept=["sales"])
    assert not matches(parse_condition("dept in (PRIMARY_ORGANIZATION())"), record, form, nobody)
    assert matches(parse_condition("dept not in (PRIMARY_ORGANIZATION())"), record, form, nobody)


def test_status(holds):
    assert holds('Status = "Open"', Status="Open")
    assert holds('Status != "Done"', Status="Open")
    assert holds('Status in ("Done", "Open")', Status="Open")


def test_dates_and_date_functions(holds):
    # Today is Friday 2024-03-15 in Tokyo.
    assert holds("due = TODAY()", due=date(2024, 3, 15))
    assert holds("due < TODAY()", due=date(2024, 3, 14))
    assert holds("due <= TODAY()", due=date(2024, 3, 15))
    assert not holds("due > TODAY()", due=date(2024, 3, 15))
    assert holds("due = THIS_WEEK()", due=date(2024, 3, 10))
    assert not holds("due = THIS_WEEK()", due=date(2024, 3, 17))
    assert holds("due = LAST_MONTH(LAST)", due=date(2024, 2, 29))
    assert holds("due >= THIS_MONTH() and due < NEXT_MONTH()", due=date(2024, 3, 31))
    assert holds("due > NEXT_MONTH()", due=date(2024, 5, 1))
    assert not holds("due > NEXT_MONTH()", due=date(2024, 4, 30))
    assert holds("due = FROM_TODAY(-1, WEEKS)", due=date(2024, 3, 8))
    assert holds('due = "2024-03-15"', due="2024-03-15")
    assert holds("due = NOW()", due=date(2024, 3, 15))
    assert holds("due != TODAY()", due=None)
    assert not holds("due < TODAY()", due=None)


def test_datetimes_compare_with_the_days_of_the_callers_zone(holds):
    # 2024-03-15 in Tokyo runs from 2024-03-14T15:00Z to 2024-03-15T15:00Z.
    assert holds("when = TODAY()", when=datetime(2024, 3, 14, 15, 0))
    assert holds("when = TODAY()", when=datetime(2024, 3, 15, 14, 59))
    assert not holds("when = TODAY()", when=datetime(2024, 3, 15, 15, 0))
    assert holds("when > TODAY()", when=datetime(2024, 3, 15, 15, 0))
    assert not holds("when > TODAY()", when=datetime(2024, 3, 15, 14, 59))
    assert holds("when < TODAY()", when=datetime(2024, 3, 14, 14, 59))
    assert holds("when <= TODAY()", when=datetime(2024, 3, 15, 14, 59))
    assert holds("when >= TODAY()", when=datetime(2024, 3, 14, 15, 0))
    assert holds('when = "2024-03-15"', when=datetime(2024, 3, 14, 20, 0))
    assert holds("Created_datetime = LAST_WEEK()", Created_datetime=datetime(2024, 3, 5, 0, 0))


def test_datetime_literals_name_their_minute(holds):
    moment = datetime(2024, 3, 15, 3, 4)
    assert holds('when = "2024-03-15T03:04:00Z"', when=moment)
    assert holds('when = "2024-03-15T03:04:30Z"', when=moment)
    assert holds('when = "2024-03-15T12:04:00+09:00"', when=moment)
    assert holds('when = "2024-03-15T12:04"', when=moment)  # no offset: the caller's zone
    assert holds('when > "2024-03-15T03:03:00Z"', when=moment)
    assert not holds('when > "2024-03-15T03:04:00Z"', when=moment)
    assert holds('when <= "2024-03-15T03:04:00Z"', when=moment)
    assert holds("when = NOW()", when=datetime(2024, 3, 15, 3, 0))
    assert holds('when = "2024-03-15T03:04:00Z"', when="2024-03-15T03:04:00+00:00")


def test_times(holds):
    assert holds('starts = "09:30"', starts=time(9, 30))
    assert holds('starts < "10:00"', starts=time(9, 30))
    assert holds("starts is empty", starts=None)


def test_and_or_and_parentheses(holds):
    values = {"title": "x", "amount": Decimal(5)}
    assert holds('title = "x" and amount = 5', **values)
    assert not holds('title = "y" and amount = 5', **values)
    assert holds('title = "y" or amount = 5', **values)
    assert holds('title = "y" and amount = 4 or amount = 5', **values)
    assert not holds('title = "y" and (amount = 4 or amount = 5)', **values)


ROWS = [
    {"item": "hammer", "qty": Decimal(1), "kind": "tool", "marks": ["x"], "day": date(2024, 3, 1), "note": ""},
    {"item": "apple", "qty": Decimal(10), "kind": "food", "marks": [], "day": None, "note": "red"},
]


def test_positive_table_conditions_need_one_row(holds):
    assert holds('item in ("apple")', items=ROWS)
    assert holds("qty > 5", items=ROWS)
    assert holds('item like "AMM"', items=ROWS)
    assert holds("day is empty", items=ROWS)
    assert holds('marks in ("x")', items=ROWS)
    assert holds('marks in ("")', items=ROWS)
    assert not holds("qty > 50", items=ROWS)


def test_negative_table_conditions_need_every_row(holds):
    assert holds('item not in ("pear")', items=ROWS)
    assert not holds('item not in ("apple")', items=ROWS)
    assert holds('item not like "pear"', items=ROWS)
    assert not holds("day is not empty", items=ROWS)
    assert holds("item is not empty", items=ROWS)
    assert not holds('marks not in ("x")', items=ROWS)
    assert holds('marks not in ("y")', items=ROWS)


def test_an_empty_table_matches_neither(holds):
    for text in ['item in ("")', 'item not in ("x")', "item is empty", "item is not empty", 'note not like "x"',
                 "qty > 0", 'marks not in ("x")']:
        assert not holds(text, items=[]), text


def test_and_on_one_table_needs_the_same_row(holds):
    assert not holds('item in ("hammer") and qty > 5', items=ROWS)
    assert holds('item in ("apple") and qty > 5', items=ROWS)
    assert holds('item in ("hammer") or qty > 5', items=ROWS)
    assert holds('(item in ("hammer") and kind in ("tool")) and title = ""', items=ROWS)
    assert not holds('item in ("hammer") and kind in ("food")', items=ROWS)
    assert holds('item in ("hammer") and marks in ("x")', items=ROWS)
    assert not holds('item in ("apple") and marks in ("x")', items=ROWS)


def test_negative_and_positive_on_one_table(holds):
    # A negative condition holds for every row, whichever row satisfies the positive one.
    assert not holds('item in ("apple") and kind not in ("tool")', items=ROWS)
    assert holds('item in ("apple") and item not in ("pear")', items=ROWS)
    assert not holds('item in ("apple") and qty not in (1)', items=ROWS)


def test_table_rows_as_table_row_objects(holds):
    rows = [TableRow(5, dict(ROWS[0])), TableRow(6, dict(ROWS[1]))]
    assert holds('item in ("apple") and qty > 5', items=rows)


def test_stored_records(form, ctx):
    record = StoredRecord(
        3, 2, "kato", datetime(2024, 3, 15, 1, 0), "sato", datetime(2024, 3, 15, 2, 0), "Open",
        values={"title": "Hi", "tags": ["a"]}, tables={"items": [TableRow(9, dict(ROWS[1]))]},
    )
    values = stored_record_values(record, form)
    for text in ["$id = 3", "$revision = 2", "Record_number = 3", 'Created_by in ("kato")',
                 "Updated_by in (LOGINUSER())", "Created_datetime = TODAY()", 'Status = "Open"',
                 'title = "Hi"', 'tags in ("a")', 'item in ("apple")']:
        assert matches(parse_condition(text), values, form, ctx), text
