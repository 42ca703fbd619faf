"""Apps deployed before `like` had indexes get them when kinflow's database is upgraded: the
migration builds each app's trigram index from the records it holds."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from kinflow.storage.database import Database
from kinflow.storage.migrate import alembic_config
from tests.conftest import database_url, make_app, start_server, stop_server

FIELDS = {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
          "notes": {"type": "MULTI_LINE_TEXT", "code": "notes", "label": "Notes"}}


def _indexes(db: Database, app: str) -> list[str]:
    with db.read() as conn:
        if db.is_sqlite:
            names = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') ORDER BY name").scalars()
            return [name for name in names if name in (f"app{app}_search", *(f"app{app}_search_{kind}" for kind in (
                "insert", "update", "delete")))]
        return list(conn.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE tablename = :table AND indexname LIKE '%\\_like' "
            "ORDER BY indexname"), {"table": f"app{app}_records"}).scalars())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_builds_the_like_index_of_existing_apps(tmp_path, backend):
    url = database_url(backend, tmp_path)
    server = start_server(tmp_path, url, backend)
    try:
        with server.admin() as admin:
            app = make_app(admin, FIELDS, name="Before")
            admin.post("/k/v1/records.json", json={"app": app, "records": [
                {"title": {"value": f"Order {i}"}, "notes": {"value": "Ünïcode NOTE" if i % 2 else ""}}
                for i in range(30)]}).raise_for_status()
    finally:
        stop_server(server)
    db = Database(url)
    try:
        built = _indexes(db, app)
        assert len(built) == (4 if backend == "sqlite" else 2), built  # the table and its 3 triggers; 2 indexes
        config = alembic_config(db)
        before = next(r.down_revision for r in ScriptDirectory.from_config(config).walk_revisions()
                      if r.doc.startswith("like indexes"))
        command.downgrade(config, before)
        assert _indexes(db, app) == []
    finally:
        db.dispose()
    server = start_server(tmp_path, url, backend)  # upgrades the database
    try:
        assert _indexes(Database(url), app) == built
        with server.admin() as admin:
            admin.post("/k/v1/record.json", json={"app": app, "record": {
                "title": {"value": "Order 77"}}}).raise_for_status()

            def found(query: str) -> int:
                response = admin.get("/k/v1/records.json", params={"app": app, "query": query, "totalCount": "true"})
                assert response.status_code == 200, response.text
                return int(response.json()["totalCount"])

            assert found('title like "ORDER 7"') == 2
            assert found('notes like "ünïcode note"') == 15
            assert found('notes not like "ünïcode"') == 16
    finally:
        stop_server(server)
