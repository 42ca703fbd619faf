"""Request bodies and query strings of any size or shape are refused early, in kintone's format."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Server, server_with

LIMIT = 100_000


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def small_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from server_with(request, tmp_path_factory, {"KINFLOW_MAX_BODY_BYTES": str(LIMIT)})


def _assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["code"] == "CB_IL02" and body["id"] and str(LIMIT) in body["message"]


@pytest.mark.parametrize("path", ["/k/v1/records.json", "/kinflow/v1/users.json"])
def test_a_body_announced_too_large_is_refused_before_authentication(small_server: Server, path: str) -> None:
    # No credentials at all: the size is refused first, so an anonymous sender costs nothing.
    with small_server.client() as client:
        response = client.post(path, content=b"{" + b" " * (LIMIT + 10) + b"}",
                               headers={"Content-Type": "application/json"})
    _assert_too_large(response)


def test_a_chunked_body_is_counted_while_it_arrives(small_server: Server) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"app": 1, "records": ['
        for _ in range(LIMIT // 1000 + 5):
            yield b'{"x": {"value": "' + b"a" * 1000 + b'"}},'
        yield b"{}]}"

    with small_server.client() as client:
        response = client.post("/k/v1/records.json", content=chunks(), headers={"Content-Type": "application/json"})
    _assert_too_large(response)


def test_a_body_within_the_limit_is_served(small_server: Server) -> None:
    with small_server.admin() as client:
        response = client.post("/k/v1/preview/app.json", json={"name": "x" * 60, "description": " " * (LIMIT // 2)})
    assert response.status_code == 200, response.text


def test_a_query_string_nested_too_deep_is_a_bad_request(small_server: Server) -> None:
    key = "a" + "[x]" * 1200
    with small_server.admin() as client:
        response = client.get(f"/k/v1/records.json?app=1&{key}=1")
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "CB_VA01"
        # Nine levels, the deepest parameter kintone's clients send (a subtable cell of a bulk write),
        # is still parsed: the app does not exist.
        cell = "records[0][record][t][value][0][value][c][value]"
        assert client.get(f"/k/v1/records.json?app=999999&{cell}=1").status_code == 404
