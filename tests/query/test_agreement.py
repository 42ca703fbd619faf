"""A search returns exactly the records that `matches` accepts, whatever the data and the query."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
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
    StringValue,
    Symbol,
)
from kinflow.apps.query.evaluate import matches
from kinflow.apps.query.functions import DATE_FUNCTIONS as FUNCTION_NAMES
from kinflow.apps.query.parser import parse_query
from kinflow.errors import KintoneError
from tests.query.conftest import APP_FIELDS, Store, blank_record, make_form, render

FORM = make_form(APP_FIELDS)

# Small value pools, so conditions and records meet often. ASCII only: SQLite's lower() folds
# ASCII alone, and `like` folds case.
TEXTS = ["", " ", " \u3000\t", "a", "A", "ab", "b a", "%", "x_y"]
NUMBERS = [None, Decimal(-1), Decimal(0), Decimal("1.5"), Decimal(2)]
DAYS = [None, *(date(2024, 3, 15) + timedelta(days=d) for d in (-32, -7, -1, 0, 1, 6, 20))]
# Around the edges of 2024-03-15 in Tokyo (14 Mar 15:00Z to 15 Mar 15:00Z).
MOMENTS = [None, datetime(2024, 3, 14, 14, 59), datetime(2024, 3, 14, 15, 0), datetime(2024, 3, 15, 3, 0),
           datetime(2024, 3, 15, 14, 59), datetime(2024, 3, 15, 15, 0)]
USERS = ["sato", "kato", "ito"]


def literal(value: object) -> str:
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, datetime):
        return f'"{value.isoformat()}Z"'
    if isinstance(value, date):
        return f'"{value.isoformat()}"'
    return str(value)


def pick(pool):  # noqa: ANN001, ANN201
    return st.sampled_from(pool)


def listed(pool, *, empty: bool = True):  # noqa: ANN001, ANN201
    choices = [literal(v) for v in pool if v is not None] + (['""'] if empty else [])
    return st.lists(st.sampled_from(choices), min_size=1, max_size=3).map(lambda xs: "(" + ", ".join(xs) + ")")


def ordered(field: str, pool, extra=()):  # noqa: ANN001, ANN201
    values = st.sampled_from([literal(v) for v in pool if v is not None] + list(extra))
    return st.builds(lambda op, v: f"{field} {op} {v}", pick(["=", "!=", ">", "<", ">=", "<="]), values)


def lists(field: str, pool, *, emptiness: bool = True):  # noqa: ANN001, ANN201
    tail = st.builds(lambda op, vs: f"{op} {vs}", pick(["in", "not in"]), listed(pool))
    if emptiness:
        tail |= pick(["is empty", "is not empty"])
    return tail.map(lambda t: f"{field} {t}")


def texts(field: str, *, equality: bool = True):  # noqa: ANN001, ANN201
    tail = st.builds(lambda op, v: f"{op} {literal(v)}", pick(["like", "not like"]), pick(TEXTS))
    tail |= pick(["is empty", "is not empty"])
    if equality:
        tail |= st.builds(lambda op, v: f"{op} {literal(v)}", pick(["=", "!="]), pick(TEXTS))
        tail |= st.builds(lambda op, vs: f"{op} {vs}", pick(["in", "not in"]), listed(TEXTS))
    return tail.map(lambda t: f"{field} {t}")


DATE_FUNCTIONS = ["TODAY()", "YESTERDAY()", "THIS_WEEK()", "LAST_WEEK(FRIDAY)", "THIS_MONTH()", "NEXT_MONTH(1)",
                  "FROM_TODAY(-1, WEEKS)", "THIS_YEAR()"]
leaves = st.one_of(
    ordered("$id", [1, 2, 3, 4, 5]),
    st.builds(lambda op, vs: f"Record_number {op} {vs}", pick(["in", "not in"]), listed([1, 3, 5], empty=False)),
    texts("title"),
    texts("memo", equality=False),
    ordered("amount", NUMBERS) | lists("amount", NUMBERS, emptiness=False),
    ordered("due", DAYS, DATE_FUNCTIONS) | pick(["due is empty", "due is not empty"]),
    ordered("when", MOMENTS, [*DATE_FUNCTIONS, "NOW()", '"2024-03-15"']),
    lists("color", ["red", "green", "blue"]),
    lists("tags", ["a", "b", "c"]),
    lists("owner", USERS) | st.builds(lambda op: f"owner {op} (LOGINUSER())", pick(["in", "not in"])),
    lists("Created_by", USERS, emptiness=False),
    st.builds(lambda op, v: f"Status {op} {v}", pick(["=", "!="]), pick(['"Open"', '"Done"'])),
    texts("item", equality=False) | lists("item", TEXTS, emptiness=False),
    st.builds(lambda op, v: f"qty {op} {literal(v)}", pick([">", "<", ">=", "<="]), pick(NUMBERS[1:]))
    | lists("qty", NUMBERS, emptiness=False),
    lists("marks", ["x", "y"]),
    lists("kind", ["tool", "food"]),
)


def combine(children):  # noqa: ANN001, ANN201
    pairs = st.lists(children, min_size=2, max_size=3)
    return pairs.map(lambda xs: "(" + " and ".join(xs) + ")") | pairs.map(lambda xs: "(" + " or ".join(xs) + ")")


conditions = st.recursive(leaves, combine, max_leaves=6)

rows = st.fixed_dictionaries({
    "item": pick(TEXTS),
    "qty": pick(NUMBERS),
    "kind": pick(["", "tool", "food"]),
    "marks": st.lists(pick(["x", "y"]), unique=True),
})  # fmt: skip


def records_of(record_id: int):  # noqa: ANN201
    return st.fixed_dictionaries({
        "title": pick(TEXTS),
        "memo": pick(TEXTS),
        "amount": pick(NUMBERS),
        "due": pick(DAYS),
        "when": pick(MOMENTS),
        "color": pick(["", "red", "green", "blue"]),
        "tags": st.lists(pick(["a", "b", "c"]), unique=True),
        "owner": st.lists(pick(USERS), unique=True),
        "Created_by": pick(USERS),
        "Status": pick([None, "Open", "Done"]),
        "items": st.lists(rows, max_size=3),
    }).map(lambda values: blank_record(FORM, record_id, **values))  # fmt: skip


data = st.integers(0, 5).flatmap(lambda n: st.tuples(*(records_of(i + 1) for i in range(n))))


@pytest.fixture(scope="module")
def shared_store(database_url):  # noqa: ANN001, ANN201
    store = Store(FORM, database_url)
    yield store
    store.close()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=data, condition=conditions)
def test_search_and_evaluation_agree(shared_store, ctx, records, condition):
    store = shared_store
    store.clear()
    store.add(list(records))
    found = store.ids(f"{condition} order by $id asc limit 500", ctx)
    parsed = parse_query(condition).condition
    expected = [r["$id"] for r in records if matches(parsed, r, FORM, ctx)]
    assert found == expected, condition


# --- any condition on the app's fields: a result or a kintone error, never anything else ----

any_field = st.sampled_from(["$id", "$revision", *FORM.fields, "items.qty", "nosuch"])
any_text = st.one_of(
    st.sampled_from(["", "a", "red", "2024-03-15", "2024-03-15T01:02:03Z", "09:30", "1e999", "APP-3", "-0"]),
    st.text(max_size=6),
)
any_number = st.from_regex(r"-?[0-9]{1,25}(\.[0-9]{1,3})?", fullmatch=True)
any_argument = st.one_of(
    any_text.map(StringValue), any_number.map(NumberValue),
    st.sampled_from(["DAYS", "MONTHS", "HOURS", "LAST", "SUNDAY", "x"]).map(Symbol),
)
any_call = st.builds(
    lambda name, args: FunctionCall(name, tuple(args)),
    st.sampled_from([*FUNCTION_NAMES, "NOW", "LOGINUSER", "PRIMARY_ORGANIZATION", "NOPE"]),
    st.lists(any_argument, max_size=2),
)
any_value = st.one_of(any_text.map(StringValue), any_number.map(NumberValue), any_call)
any_leaf = st.one_of(
    st.builds(Comparison, any_field, st.sampled_from(["=", "!=", ">", "<", ">=", "<="]), any_value),
    st.builds(InList, any_field, st.booleans(), st.lists(any_value, min_size=1, max_size=3).map(tuple)),
    st.builds(Like, any_field, st.booleans(), any_value),
    st.builds(IsEmpty, any_field, st.booleans()),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(any_leaf, min_size=1, max_size=3), st.booleans())
def test_any_condition_gives_records_or_a_kintone_error(shared_store, ctx, leaves, either):
    condition = leaves[0] if len(leaves) == 1 else (Or if either else And)(tuple(leaves))
    text = render(condition)
    try:
        shared_store.ids(text, ctx)
    except KintoneError as error:
        assert error.status == 400
        with pytest.raises(KintoneError) as again:
            matches(parse_query(text).condition, blank_record(FORM, 1), FORM, ctx)
        assert again.value.code == error.code
    else:
        matches(parse_query(text).condition, blank_record(FORM, 1), FORM, ctx)
