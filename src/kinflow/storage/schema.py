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
    # kintone's language setting: "auto" (the browser's) or a language code.
    sa.Column("language", sa.String(16), nullable=False, server_default="auto"),
    # E.164 (`+14155550123`): the same person in Groups, where people are phone numbers.
    sa.Column("mobile_number", sa.String(32), nullable=True, unique=True),
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

# Who belongs to a space (kintone's space members): users, departments and groups, some its admins.
space_members = sa.Table(
    "space_members",
    metadata,
    sa.Column("space_id", sa.Integer, sa.ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("entity_type", sa.String(16), primary_key=True),  # USER | ORGANIZATION | GROUP
    sa.Column("code", sa.String(128), primary_key=True),
    sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("include_subs", sa.Boolean, nullable=False, server_default=sa.false()),
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
    # Why the last deploy failed (FAIL) or was cancelled (CANCEL); empty otherwise.
    sa.Column("deploy_reason", sa.Text, nullable=False, server_default=""),
    # Bumped by every change to the app's webhooks: record writes read it with the app and keep the
    # app's webhook subscribers in memory until it moves (`events.outbox.publish`).
    sa.Column("webhooks_revision", sa.Integer, nullable=False, server_default="0"),
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
    # HMAC-SHA256 of the token under the server's secret key: the token itself is never stored.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("token_tail", sa.String(4), nullable=False, server_default=""),
    sa.Column("view", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("add", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("edit", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("delete", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("manage", sa.Boolean, nullable=False, server_default=sa.false()),
    # kintone: a new or changed token only works once the app has been deployed.
    sa.Column("live", sa.Boolean, nullable=False, server_default=sa.false()),
    # Permissions the next deploy gives the token, and whether it deletes it.
    sa.Column("pending", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
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

# --- the event spine: outbox, subscriptions, delivery queue -------------------------------------

# A 64-bit key on PostgreSQL (events never stop coming); SQLite's INTEGER PRIMARY KEY is 64-bit anyway.
# Ids and revisions of ordinary tables are 32-bit integers on every database: larger numbers are
# refused (or not found) before they reach PostgreSQL, which would fail on them.
MAX_ID = 2**31 - 1
_BigKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # Which domain the subscription listens to ("kintone": `scope` is an app id).
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("scope", sa.String(64), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    # Encrypted with the server's secret key (kinflow.secret_key); empty: requests are not signed.
    sa.Column("secret", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("creator", sa.String(128), nullable=False),
    # Headers sent with every delivery besides kinflow's own (Kaizala's `kz-callback-token`).
    sa.Column("headers", sa.JSON, nullable=True),
    # Kaizala's rule: a webhook whose delivery fails for good (after the last retry) is disabled,
    # saying why, until its owner enables it again.
    sa.Column("disable_on_failure", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("disabled_reason", sa.Text, nullable=False, server_default=""),
    sa.Index("ix_webhooks_scope", "source", "scope"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", _BigKey, primary_key=True),
    # The notification id receivers see; the same on every retry.
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("scope", sa.String(64), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

# Rows still to send. The partial indexes of the queues hold only these rows, and a query can use
# them only if its SQL says `state = 'pending'` in so many words: a bound parameter (`state = $1`)
# proves nothing to SQLite, nor to PostgreSQL once it plans a prepared statement for any value,
# and then every claim scans and anti-joins the whole table (25 s for 20,000 deliveries).
PENDING = "pending"
PENDING_ONLY = f"state = '{PENDING}'"


def is_pending(table: sa.Table | sa.Alias) -> sa.ColumnElement[bool]:
    """`state = 'pending'` with the value in the SQL text, matching the partial indexes."""
    return table.c.state == sa.literal_column(f"'{PENDING}'")


deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", _BigKey, primary_key=True),
    sa.Column("event_id", _BigKey, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("webhook_id", sa.Integer, sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    # Deliveries with the same key (one subject, one endpoint) go out one after the other, in id order.
    sa.Column("ordering_key", sa.String(128), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # pending | delivered | failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False),
    # A worker's claim; another worker takes the delivery over once the lease has run out.
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("lease_owner", sa.String(64), nullable=True),
    sa.Column("last_status", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Index("ix_deliveries_due", "next_attempt_at", "id",
             postgresql_where=sa.text(PENDING_ONLY), sqlite_where=sa.text(PENDING_ONLY)),
    sa.Index("ix_deliveries_order", "ordering_key", "id",
             postgresql_where=sa.text(PENDING_ONLY), sqlite_where=sa.text(PENDING_ONLY)),
    sa.Index("ix_deliveries_webhook", "webhook_id", "id"),
    sa.Index("ix_deliveries_event", "event_id"),
)

delivery_attempts = sa.Table(
    "delivery_attempts",
    metadata,
    sa.Column("id", _BigKey, primary_key=True),
    sa.Column("delivery_id", _BigKey, sa.ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    sa.Column("response_excerpt", sa.Text, nullable=False, server_default=""),
    sa.Column("worker", sa.String(64), nullable=False),
)

# --- record comments ---------------------------------------------------------------------------

record_comments = sa.Table(
    "record_comments",
    metadata,
    sa.Column("id", _BigKey, primary_key=True),
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    # The id clients see: kintone numbers comments per record, from 1, and never reuses a number.
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("mentions", sa.JSON, nullable=False),
    sa.Column("creator", sa.String(128), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # A deleted comment keeps its row so that its number is never given again.
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("app_id", "record_id", "number", name="uq_record_comments_number"),
)

# Files of FILE fields: uploaded first (`upload_key` answered by `POST file.json`, usable once for
# 3 days), then attached to one record when a write names that key (`app_id`, `record_id` set,
# `upload_key` cleared). `id` is the download key records show. Kept in the database, so every
# kinflow process on every machine serves the same files.
record_files = sa.Table(
    "record_files",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("upload_key", sa.String(36), nullable=True, unique=True),
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), nullable=True),
    sa.Column("record_id", sa.Integer, nullable=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(255), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("uploader", sa.String(128), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_record_files_record", "app_id", "record_id"),
    sa.Index("ix_record_files_created_at", "created_at"),
)

# --- notifications that reach people -----------------------------------------------------------

# One row per recipient of a change, comment or reminder: the inbox of `/kinflow/v1/notifications`.
notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", _BigKey, primary_key=True),
    sa.Column("user_code", sa.String(128), nullable=False),
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    # record_added | record_edited | status_changed | comment | mention | per_record | reminder
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    # Who caused it (empty for a reminder, which nobody sends).
    sa.Column("sender", sa.String(128), nullable=False, server_default=""),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("read", sa.Boolean, nullable=False, server_default=sa.false()),
    # The one index of the inbox: a user's unread and read notifications each in id order, so a
    # listing of either, the count of the unread and marking them read are ranges of it. (A second,
    # partial index of the unread doubled the cost of writing a change's notifications: each row
    # dirties a page of every index, at a place of its own for each recipient.)
    sa.Index("ix_notifications_inbox", "user_code", "read", "id"),
)

# E-mails of notifications, written with them and sent after commit: a crash in between only delays them.
notification_mails = sa.Table(
    "notification_mails",
    metadata,
    sa.Column("id", _BigKey, primary_key=True),
    sa.Column("notification_id", _BigKey, sa.ForeignKey("notifications.id", ondelete="CASCADE"), nullable=False),
    sa.Column("to_address", sa.String(256), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # pending | sent | failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False),
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("lease_owner", sa.String(64), nullable=True),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("sent_at", sa.DateTime, nullable=True),
    sa.Index("ix_notification_mails_due", "next_attempt_at", "id",
             postgresql_where=sa.text(PENDING_ONLY), sqlite_where=sa.text(PENDING_ONLY)),
)

# How far each reminder setting has been looked at: its row is locked while a scheduler fires it,
# so several processes never fire the same window twice.
reminder_cursors = sa.Table(
    "reminder_cursors",
    metadata,
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True),
    # A digest of the setting: a changed setting starts afresh.
    sa.Column("setting_key", sa.String(40), primary_key=True),
    sa.Column("scanned_until", sa.DateTime, nullable=False),
)

# Each reminder fired: at most once per record, setting and due moment.
reminders_sent = sa.Table(
    "reminders_sent",
    metadata,
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("setting_key", sa.String(40), primary_key=True),
    sa.Column("record_id", sa.Integer, primary_key=True),
    sa.Column("due_at", sa.DateTime, primary_key=True),
    sa.Column("sent_at", sa.DateTime, nullable=False),
)

# Failed password logins per (login, client address), counted in a window that starts at the first
# failure; `locked_until` refuses the pair once too many have failed. In the database, so that every
# HTTP worker process sees the same count.
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("login", sa.String(128), primary_key=True),
    sa.Column("address", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("first_failed_at", sa.DateTime, nullable=False, index=True),
    sa.Column("locked_until", sa.DateTime, nullable=True),
)

# Browser sign-in sessions. Only a keyed hash of the session id is kept: a copy of the database
# signs no one in. Expiry is worked out from the two moments and the settings in force.
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("seen_at", sa.DateTime, nullable=False, index=True),
)
