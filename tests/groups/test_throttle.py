"""Kaizala's throttling: so many calls a minute per connector and per tenant, then `429` with
`Retry-After`; with Redis the counts hold across server processes."""

from __future__ import annotations

import time

import pytest

from tests.conftest import database_url, start_server, stop_server
from tests.groups.conftest import create_connector, signed_in


def _fresh_minute() -> None:
    # The limits count per clock minute: start a test well inside one.
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


def limited(tmp_path, backend: str, per_connector: int, per_tenant: int):
    return start_server(tmp_path, database_url(backend, tmp_path), backend, {
        "KINFLOW_GROUPS_CONNECTOR_RATE": str(per_connector), "KINFLOW_GROUPS_TENANT_RATE": str(per_tenant)})


def test_a_connector_is_refused_past_its_calls_a_minute(tmp_path, backend):
    server = limited(tmp_path, backend, 5, 0)
    try:
        _fresh_minute()
        member = signed_in(server, create_connector(server))  # the accessToken call is the first
        answers = [member.client.get("/groups").status_code for _ in range(5)]
        assert answers == [200, 200, 200, 200, 429]
        refused = member.client.get("/groups")
        assert refused.status_code == 429 and refused.json()["code"] == "TooManyRequests"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        other = signed_in(server, create_connector(server, name="Other"))  # another connector is not held back
        assert other.client.get("/groups").status_code == 200
    finally:
        stop_server(server)


def test_all_connectors_together_are_refused_past_the_tenants_calls_a_minute(tmp_path, backend):
    server = limited(tmp_path, backend, 0, 8)
    try:
        _fresh_minute()
        first = signed_in(server, create_connector(server, name="First"))
        second = signed_in(server, create_connector(server, name="Second"))
        calls = [first.client.get("/groups").status_code for _ in range(3)]
        calls += [second.client.get("/groups").status_code for _ in range(3)]
        assert calls == [200] * 6 and second.client.get("/groups").status_code == 429
    finally:
        stop_server(server)


def test_with_redis_the_count_holds_across_processes(tmp_path):
    pytest.importorskip("redis")
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    _fresh_minute()
    url = database_url("sqlite", tmp_path)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    # Two processes of one installation, with data folders of their own: they share its secret key.
    env = {"KINFLOW_REDIS_URL": "redis://127.0.0.1:6379/0", "KINFLOW_GROUPS_CONNECTOR_RATE": "6",
           "KINFLOW_GROUPS_TENANT_RATE": "0", "KINFLOW_SECRET_KEY": "a shared key of the two processes, 43 chars"}
    one = start_server(tmp_path / "one", url, "sqlite", env)
    two = start_server(tmp_path / "two", url, "sqlite", env)
    try:
        connector = create_connector(one)
        member = signed_in(one, connector)  # 1
        token = member.client.headers["accessToken"]
        import httpx

        with httpx.Client(base_url=f"{two.base_url}/kaizala/v1", headers={"accessToken": token}) as other:
            answers = [member.client.get("/groups").status_code, other.get("/groups").status_code,
                       member.client.get("/groups").status_code, other.get("/groups").status_code,
                       member.client.get("/groups").status_code, other.get("/groups").status_code]
        assert answers == [200, 200, 200, 200, 200, 429]
    finally:
        stop_server(one)
        stop_server(two)
