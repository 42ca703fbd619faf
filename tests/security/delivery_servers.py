"""A kinflow server of its own for the delivery tests, with its own settings (timeouts of a second or
two rather than kintone-like minutes), on each database back-end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.conftest import Server, database_url, start_server, stop_server


def dedicated_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                     env: dict[str, str]) -> Iterator[Server]:
    """For a module fixture parametrized on "sqlite" and "postgresql"."""
    tmp = tmp_path_factory.mktemp(f"{request.module.__name__.rsplit('.', 1)[-1]}-{request.param}")
    server = start_server(tmp, database_url(request.param, tmp), request.param, env)
    yield server
    stop_server(server)


def database(server: Server) -> sa.Engine:
    """The server's own database, for what its API will not do (a row written by an older version)."""
    return sa.create_engine(server.database_url, connect_args={"timeout": 30} if server.backend == "sqlite" else {})
