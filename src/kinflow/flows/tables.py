"""The tables of flows, on the same metadata as the rest of kinflow's fixed schema.

A person's connections to connectors. A flow keeps every version of its definition: a run executes
the version it started with, even when the flow is deployed again while it runs. Each action's result
is a row of its own, written before the next action starts, so a run taken over by another worker
goes on from its last finished action.
"""

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

_BigKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UNFINISHED = "finished_at IS NULL"

flows = sa.Table(
    "flows",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),  # signs the Request trigger's URL
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("owner", sa.String(128), nullable=False),  # the login of the user the flow belongs to
    sa.Column("state", sa.String(16), nullable=False),  # Enabled | Disabled
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("trigger_type", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    # Runs under way at most (the trigger's runtimeConfiguration.concurrency.runs); None: no limit.
    sa.Column("run_limit", sa.Integer, nullable=True),
    # An enabled Recurrence flow's next occurrence (None for other flows and disabled ones).
    sa.Column("next_occurrence_at", sa.DateTime, nullable=True, index=True),
    sa.UniqueConstraint("owner", "name", name="uq_flows_owner_name"),
)

flow_versions = sa.Table(
    "flow_versions",
    metadata,
    sa.Column("flow_id", sa.Integer, sa.ForeignKey("flows.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("definition", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

flow_runs = sa.Table(
    "flow_runs",
    metadata,
    sa.Column("id", _BigKey, primary_key=True),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),  # the run's name in the API
    sa.Column("flow_id", sa.Integer, sa.ForeignKey("flows.id", ondelete="CASCADE"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # Waiting | Running | Succeeded | Failed | Cancelled
    sa.Column("trigger_outputs", sa.Text, nullable=False),
    # {"values": {...}, "types": {...}}: written with the result of each action that changes them.
    sa.Column("variables", sa.Text, nullable=False, server_default="{}"),
    sa.Column("response", sa.Text, nullable=True),  # what a Response action answered the trigger's caller
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("client_tracking_id", sa.String(128), nullable=False),
    # An incoming event's notification id: one event is one run.
    sa.Column("event_id", sa.String(128), nullable=True),
    sa.Column("resubmitted_from", sa.String(36), nullable=True),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()),
    # When the run may next be worked on (a retry or a Wait puts it off), and a worker's claim.
    sa.Column("due_at", sa.DateTime, nullable=False),
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("lease_owner", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=True),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.UniqueConstraint("flow_id", "event_id", name="uq_flow_runs_event"),
    sa.Index("ix_flow_runs_due", "due_at", "id",
             postgresql_where=sa.text(UNFINISHED), sqlite_where=sa.text(UNFINISHED)),
    sa.Index("ix_flow_runs_flow", "flow_id", "id"),
    sa.Index("ix_flow_runs_created", "created_at"),
)

flow_action_results = sa.Table(
    "flow_action_results",
    metadata,
    sa.Column("id", _BigKey, primary_key=True),
    sa.Column("run_id", _BigKey, sa.ForeignKey("flow_runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    # Which repetition of a loop ("" outside loops; "000002" for the third item; nested: "000002-000000").
    sa.Column("repetition", sa.String(64), nullable=False, server_default=""),
    # Running (a control action under way) | Waiting (for a retry or a Wait) | Succeeded | Failed |
    # Skipped | TimedOut | Cancelled
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("code", sa.String(64), nullable=False, server_default=""),
    sa.Column("inputs", sa.Text, nullable=True),
    sa.Column("outputs", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("history", sa.Text, nullable=False, server_default="[]"),  # each attempt: times, status, error
    sa.Column("tracking_id", sa.String(36), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("resume_at", sa.DateTime, nullable=True),
    sa.UniqueConstraint("run_id", "name", "repetition", name="uq_flow_action_results"),
)

# The connector subscription of a flow's webhook trigger: one per flow at most.
flow_subscriptions = sa.Table(
    "flow_subscriptions",
    metadata,
    sa.Column("flow_id", sa.Integer, sa.ForeignKey("flows.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("connection_id", sa.String(36), nullable=False),
    sa.Column("location", sa.Text, nullable=False),  # a DELETE there unsubscribes
    sa.Column("fingerprint", sa.String(64), nullable=False),  # of the trigger's inputs it was made with
    sa.Column("created_at", sa.DateTime, nullable=False),
)
