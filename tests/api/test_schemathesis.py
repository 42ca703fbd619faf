"""schemathesis against kinflow's own OpenAPI document: no input, however odd, is a server error,
and every refusal is in kintone's error format."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.conftest import ADMIN_PASSWORD, password_header

EXAMPLES_PER_OPERATION = 25


def _operations(base_url: str):
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_openapi_document_lists_the_kintone_routes(server):
    with server.client() as client:
        document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {"get", "post", "put"} <= set(document["paths"]["/k/v1/record.json"]) | {"get", "post", "put"}
    assert "post" in document["paths"]["/k/v1/bulkRequest.json"]


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_no_server_errors(server, mode):
    """Positive cases follow the document's schemas; negative ones break them (wrong types, missing
    or extra fields), which each handler must refuse as bad input."""
    headers = password_header("Administrator", ADMIN_PASSWORD)
    operations = _operations(server.base_url)
    assert len(operations) > 20
    assert any(operation.path.startswith("/kinflow/v1/") for operation in operations)
    failures = []
    for operation in operations:
        # Point half of the cases at the example app, so handlers go past the app lookup.
        strategy = operation.as_strategy(generation_mode=mode)

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy, use_example_app=st.booleans())
        def check(case, use_example_app):
            if use_example_app:
                for container in (case.query, case.body):
                    if isinstance(container, dict) and "app" in container:
                        container["app"] = 1
            response = case.call(base_url=server.base_url, headers=headers, timeout=30)
            if response.status_code >= 500:
                failures.append(f"{operation.method.upper()} {operation.path}: {response.status_code} "
                                f"{response.text[:300]} for query={case.query} body={case.body!r:.300}")
                return
            if response.status_code >= 400 and response.status_code != 404:
                body = response.json()
                assert {"code", "id", "message"} <= set(body) or "results" in body, response.text

        try:
            check()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to break in a call without parameters
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("path", ["/k/v1/record.json", "/k/v1/records.json"])
def test_garbage_bodies_are_kintone_errors(server, path):
    with server.client(password_header("Administrator", ADMIN_PASSWORD)) as client:
        for body in (b"[", b"null", b'"text"', b"[1,2]", b'{"app": {"x": 1}}', b"\xff\xfe"):
            response = client.post(path, content=body, headers={"Content-Type": "application/json"})
            assert response.status_code == 400, (body, response.text)
            assert response.json()["code"] in ("CB_IJ01", "CB_VA01")
