"""The tables of flows, on the same metadata as the rest of kinflow's fixed schema."""

from __future__ import annotations

import sqlalchemy as sa

from kinflow.storage.schema import metadata

# A person's credentials for one connector. `secret` is encrypted with the server's secret key
# (kinflow.secret_key, purpose CONNECTION_SECRET); `account` is what may be shown (a login, a number).
connections = sa.Table(
    "flow_connections",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("connector", sa.String(64), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("base_url", sa.String(2048), nullable=False),
    sa.Column("auth", sa.String(16), nullable=False),
    sa.Column("account", sa.String(256), nullable=False, server_default=""),
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, server_default="ready"),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

# The calls each connection made lately, for throttling across processes without Redis.
connection_calls = sa.Table(
    "flow_connection_calls",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("connection_id", sa.String(64), nullable=False),
    sa.Column("called_at", sa.Float, nullable=False),
    sa.Index("ix_flow_connection_calls_connection_at", "connection_id", "called_at"),
)
