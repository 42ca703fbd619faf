"""The fixed part of kinflow's schema. Changes here go with an Alembic migration in `migrations/`.

Per-app record tables are not here: they follow each app's live form (see `apps/record_tables.py`).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(128), nullable=False, unique=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("email", sa.String(256), nullable=False, server_default=""),
    sa.Column("password_hash", sa.String(256), nullable=False, server_default=""),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("primary_department_id", sa.Integer, nullable=True),
    sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
    sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
)

departments = sa.Table(
    "departments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(128), nullable=False, unique=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("departments.id"), nullable=True),
)

user_departments = sa.Table(
    "user_departments",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "department_id", sa.Integer, sa.ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True
    ),
)

groups = sa.Table(
    "groups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(128), nullable=False, unique=True),
    sa.Column("name", sa.String(128), nullable=False),
)

group_members = sa.Table(
    "group_members",
    metadata,
    sa.Column("group_id", sa.Integer, sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

spaces = sa.Table(
    "spaces",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("is_guest", sa.Boolean, nullable=False, server_default=sa.false()),
)

apps = sa.Table(
    "apps",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(64), nullable=False, server_default=""),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("space_id", sa.Integer, nullable=True),
    sa.Column("thread_id", sa.Integer, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("creator", sa.String(128), nullable=False),
    sa.Column("modified_at", sa.DateTime, nullable=False),
    sa.Column("modifier", sa.String(128), nullable=False),
    # The pre-live settings revision (kintone's one counter for all of an app's settings).
    sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
    # Bumped by every deploy; caches of the live form key on it. 0 = never deployed.
    sa.Column("live_version", sa.Integer, nullable=False, server_default="0"),
    # The pre-live revision that the last deploy made live.
    sa.Column("live_revision", sa.Integer, nullable=False, server_default="0"),
    sa.Column("deploy_status", sa.String(16), nullable=False, server_default="SUCCESS"),
)

# Every settings document of an app (form, layout, views, general settings, acl, process
# management, notifications), once for the pre-live stage and once for the live one.
app_settings = sa.Table(
    "app_settings",
    metadata,
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("stage", sa.String(8), primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("document", sa.JSON, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("view", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("add", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("edit", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("delete", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("manage", sa.Boolean, nullable=False, server_default=sa.false()),
    # kintone: a new or changed token only works once the app has been deployed.
    sa.Column("live", sa.Boolean, nullable=False, server_default=sa.false()),
)

cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("app_id", sa.Integer, nullable=False),
    sa.Column("user_code", sa.String(128), nullable=False),
    sa.Column("fields", sa.JSON, nullable=True),
    sa.Column("record_ids", sa.JSON, nullable=False),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
)
