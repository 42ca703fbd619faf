"""A query that does not parse says where: the text found there and its column (and line), with
kintone's code CB_VA01 unchanged."""

from __future__ import annotations

import pytest

from tests.conftest import make_app


@pytest.fixture(scope="module")
def app(server):
    with server.admin() as admin:
        return make_app(admin, {"size": {"type": "NUMBER", "code": "size", "label": "Size"}}, name="Query errors")


def _query_error(admin, app: str, query: str) -> str:  # noqa: ANN001
    response = admin.get("/k/v1/records.json", params={"app": app, "query": query})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "CB_VA01"
    (message,) = body["errors"]["query"]["messages"]
    assert message.startswith("The query syntax is invalid.")
    return message


@pytest.mark.parametrize(("query", "where"), [
    ("size > 1 and size < 5 limit x", 'Unexpected "x" at column 29.'),
    ("size > 1 ? size < 5", 'Unexpected "?" at column 10.'),
    ("size > 1\nand size <", "The query ends too early."),
    ("size > 1\nand 5 < size", 'Unexpected "5" at line 2, column 5.'),
])
def test_a_syntax_error_names_the_offending_text_and_its_place(admin, app, query, where):
    assert _query_error(admin, app, query) == f"The query syntax is invalid. {where}"


def test_the_quoted_text_is_short_whatever_was_sent(admin, app):
    message = _query_error(admin, app, "size > 1 " + "x" * 5_000)
    assert message == f'The query syntax is invalid. Unexpected "{"x" * 40}…" at column 10.'
