"""like indexes: trigram indexes for `like` on the text fields of every deployed app

SQLite: an FTS5 table per app with triggers; PostgreSQL: the pg_trgm extension and a GIN index per
field (see kinflow.apps.text_index). Deploys keep them from now on; this builds them for the apps
deployed before.

Revision ID: 0027
Revises: 0026
"""

import json

from alembic import op
import sqlalchemy as sa

from kinflow.apps.form import Form
from kinflow.apps.record_tables import RecordTables, sync_schema


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    if dialect == "postgresql":
        # A trusted extension: the database's owner may create it without being a superuser.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    forms = conn.execute(sa.text(
        "SELECT apps.id, app_settings.document FROM apps JOIN app_settings ON app_settings.app_id = apps.id "
        "WHERE apps.live_version > 0 AND app_settings.stage = 'live' AND app_settings.kind = 'form'")).all()
    for app_id, document in forms:
        if isinstance(document, str):  # SQLite's JSON comes back as text through a plain statement
            document = json.loads(document)
        sync_schema(conn, RecordTables(app_id, Form.from_document(document), dialect))


def downgrade() -> None:
    conn = op.get_bind()
    app_ids = conn.execute(sa.text("SELECT id FROM apps WHERE live_version > 0")).scalars().all()
    for app_id in app_ids:
        if conn.dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS app{app_id}_search_insert")
            op.execute(f"DROP TRIGGER IF EXISTS app{app_id}_search_delete")
            op.execute(f"DROP TRIGGER IF EXISTS app{app_id}_search_update")
            op.execute(f"DROP TABLE IF EXISTS app{app_id}_search")
        else:
            for (name,) in conn.execute(sa.text(
                    "SELECT indexname FROM pg_indexes WHERE tablename = :table AND indexname LIKE '%\\_like'"),
                    {"table": f"app{app_id}_records"}):
                op.execute(f'DROP INDEX IF EXISTS "{name}"')
