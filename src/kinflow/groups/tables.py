"""The tables of Groups (Kaizala's domain), on the same metadata as the rest of kinflow's fixed schema.

Ids that Kaizala clients see (application, user, group, member, message, webhook) are UUID strings,
as Kaizala's own are. Secrets and tokens are stored only as SHA-256 digests: they are 32 random
bytes, so a plain digest is as good as a slow hash and costs nothing per call.
"""

from __future__ import annotations

import sqlalchemy as sa

from kinflow.storage.schema import metadata

UUID = sa.String(36)

connectors = sa.Table(
    "kaizala_connectors",
    metadata,
    sa.Column("id", UUID, primary_key=True),  # Kaizala's applicationId
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("scopes", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("creator", sa.String(128), nullable=False),
)

# People are phone numbers. A person added to a group before signing in is not provisioned yet.
people = sa.Table(
    "kaizala_people",
    metadata,
    sa.Column("id", UUID, primary_key=True),  # Kaizala's userId
    sa.Column("mobile", sa.String(16), nullable=False, unique=True),
    sa.Column("name", sa.String(128), nullable=False, server_default=""),
    sa.Column("provisioned", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

pins = sa.Table(
    "kaizala_pins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("mobile", sa.String(16), nullable=False),
    sa.Column("connector_id", UUID, sa.ForeignKey("kaizala_connectors.id", ondelete="CASCADE"), nullable=False),
    sa.Column("pin_hash", sa.String(64), nullable=False),
    sa.Column("tries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("used", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Index("ix_kaizala_pins_mobile", "mobile", "created_at"),
)

tokens = sa.Table(
    "kaizala_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(8), nullable=False),  # refresh | access
    sa.Column("connector_id", UUID, sa.ForeignKey("kaizala_connectors.id", ondelete="CASCADE"), nullable=False),
    sa.Column("person_id", UUID, sa.ForeignKey("kaizala_people.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
)

groups = sa.Table(
    "kaizala_groups",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("welcome_message", sa.Text, nullable=False, server_default=""),
    sa.Column("group_type", sa.String(16), nullable=False),  # Group | ConnectGroup
    sa.Column("short_description", sa.Text, nullable=False, server_default=""),
    sa.Column("long_description", sa.Text, nullable=False, server_default=""),
    sa.Column("creator_id", UUID, sa.ForeignKey("kaizala_people.id"), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

members = sa.Table(
    "kaizala_members",
    metadata,
    sa.Column("id", UUID, primary_key=True),  # Kaizala's memberId
    sa.Column("group_id", UUID, sa.ForeignKey("kaizala_groups.id", ondelete="CASCADE"), nullable=False),
    sa.Column("person_id", UUID, sa.ForeignKey("kaizala_people.id", ondelete="CASCADE"), nullable=False),
    sa.Column("role", sa.String(8), nullable=False),  # Admin | Member
    sa.Column("added_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("group_id", "person_id", name="uq_kaizala_members_person"),
    sa.Index("ix_kaizala_members_person", "person_id"),
)

messages = sa.Table(
    "kaizala_messages",
    metadata,
    sa.Column("id", UUID, primary_key=True),  # Kaizala's referenceId
    sa.Column("group_id", UUID, sa.ForeignKey("kaizala_groups.id", ondelete="CASCADE"), nullable=False),
    sa.Column("sender_id", UUID, sa.ForeignKey("kaizala_people.id"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("reply_to", UUID, nullable=True),
    # Who a public group's message went to: null for the group, "all" for every subscriber, or numbers.
    sa.Column("audience", sa.JSON, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_kaizala_messages_group", "group_id", "created_at"),
)

# A Kaizala webhook subscription. Deliveries go through the shared `webhooks` row it owns (the
# outbox and the workers know only those); this row holds what Kaizala adds on top.
subscriptions = sa.Table(
    "kaizala_webhooks",
    metadata,
    sa.Column("id", UUID, primary_key=True),  # Kaizala's webhookId
    sa.Column("webhook_id", sa.Integer, sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False,
              unique=True),
    # A group's or action's id, or an action package's (reverse domain name notation, up to 64 characters).
    sa.Column("object_id", sa.String(64), nullable=False),
    sa.Column("object_type", sa.String(16), nullable=False),  # Group | Action | ActionPackage
    sa.Column("callback_token", sa.Text, nullable=False, server_default=""),
    sa.Column("context", sa.Text, nullable=False, server_default=""),
    # `envelope` (Kaizala's REST webhooks), or `connector`: made by a Power Automate connector trigger,
    # whose events are flat, the envelope's fields beside the event's own (the connector's Definitions).
    sa.Column("shape", sa.String(16), nullable=False, server_default="envelope"),
    sa.Column("valid_until", sa.DateTime, nullable=False),
    sa.Column("connector_id", UUID, sa.ForeignKey("kaizala_connectors.id", ondelete="CASCADE"), nullable=False),
    sa.Column("person_id", UUID, sa.ForeignKey("kaizala_people.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_kaizala_webhooks_object", "object_type", "object_id"),
)

# Sub-groups: a group can be a member of other groups (Kaizala's hierarchical groups), never of itself
# or of its own sub-groups.
subgroups = sa.Table(
    "kaizala_subgroups",
    metadata,
    sa.Column("parent_id", UUID, sa.ForeignKey("kaizala_groups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("child_id", UUID, sa.ForeignKey("kaizala_groups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("added_by", UUID, sa.ForeignKey("kaizala_people.id"), nullable=False),
    sa.Column("added_at", sa.DateTime, nullable=False),
    sa.Index("ix_kaizala_subgroups_child", "child_id"),
)

# Subscribers of a public group (ConnectGroup): they receive its admins' messages and do not see each
# other. The integer id orders them for paging.
subscribers = sa.Table(
    "kaizala_subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("group_id", UUID, sa.ForeignKey("kaizala_groups.id", ondelete="CASCADE"), nullable=False),
    sa.Column("person_id", UUID, sa.ForeignKey("kaizala_people.id", ondelete="CASCADE"), nullable=False),
    sa.Column("added_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("group_id", "person_id", name="uq_kaizala_subscribers_person"),
)

# Likes and comments on a message (later on actions too). A person likes a message once; comments are many.
reactions = sa.Table(
    "kaizala_reactions",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("group_id", UUID, sa.ForeignKey("kaizala_groups.id", ondelete="CASCADE"), nullable=False),
    sa.Column("source_group_id", UUID, nullable=False),
    sa.Column("reference_id", UUID, nullable=False),
    sa.Column("person_id", UUID, sa.ForeignKey("kaizala_people.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # Like | Comment
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("modified_at", sa.DateTime, nullable=False),
    sa.Index("ix_kaizala_reactions_reference", "reference_id", "modified_at"),
    sa.Index("ix_kaizala_reactions_group", "group_id", "modified_at"),
)

# Uploaded media (images, audio, documents, videos), kept in the database so that every kinflow process,
# on any machine, serves the same files: there is no shared disk to assume.
media = sa.Table(
    "kaizala_media",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("person_id", UUID, sa.ForeignKey("kaizala_people.id", ondelete="CASCADE"), nullable=False),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(128), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

# Image, Audio, Document and Album messages: an attachment action that holds uploaded media.
attachments = sa.Table(
    "kaizala_attachments",
    metadata,
    sa.Column("id", UUID, primary_key=True),  # Kaizala's referenceId
    sa.Column("group_id", UUID, sa.ForeignKey("kaizala_groups.id", ondelete="CASCADE"), nullable=False),
    sa.Column("sender_id", UUID, sa.ForeignKey("kaizala_people.id"), nullable=False),
    sa.Column("action_type", sa.String(16), nullable=False),  # Image | Audio | Document | Album
    sa.Column("caption", sa.Text, nullable=False, server_default=""),
    sa.Column("media", sa.JSON, nullable=False),  # the ids of its media, in order
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_kaizala_attachments_group", "group_id", "created_at"),
)

# Custom action packages (Kaizala's Actions SDK): a zip of at most 1 MB with a manifest, imported by an
# administrator. One row per package id; importing a package again replaces it.
action_packages = sa.Table(
    "kaizala_action_packages",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # the manifest's id
    sa.Column("version", sa.String(32), nullable=False),
    sa.Column("display_name", sa.String(64), nullable=False),
    sa.Column("description", sa.String(128), nullable=False),
    sa.Column("provider_name", sa.String(64), nullable=False),
    sa.Column("manifest", sa.JSON, nullable=False),
    sa.Column("archive", sa.LargeBinary, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("imported_at", sa.DateTime, nullable=False),
    sa.Column("importer", sa.String(128), nullable=False),
)

# Actions with responses (Kaizala's Job, Poll, Survey, LetsMeet, and instances of custom action
# packages) and announcements. `questions` is what a response answers, in order (a poll is one
# single-option question); `details` holds the rest of the kind's body as sent.
actions = sa.Table(
    "kaizala_actions",
    metadata,
    sa.Column("id", UUID, primary_key=True),  # Kaizala's actionId
    sa.Column("reference_id", UUID, nullable=False, unique=True),  # the message that carries it
    sa.Column("group_id", UUID, sa.ForeignKey("kaizala_groups.id", ondelete="CASCADE"), nullable=False),
    sa.Column("sender_id", UUID, sa.ForeignKey("kaizala_people.id"), nullable=False),
    sa.Column("action_type", sa.String(16), nullable=False),  # Announcement | Job | Poll | Survey | LetsMeet | Custom
    sa.Column("package_id", sa.String(64), nullable=True),  # a custom action package's id
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("questions", sa.JSON, nullable=False),
    sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("multiple", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("sender_only", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("expires_at", sa.DateTime, nullable=True),
    sa.Column("audience", sa.JSON, nullable=True),  # as a message's: null, "all" or subscribers' numbers
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_kaizala_actions_group", "group_id", "action_type", "created_at"),
)

# Responses to actions: one per responder, unless the action accepts several; a responder changes
# theirs by its id.
responses = sa.Table(
    "kaizala_responses",
    metadata,
    sa.Column("id", UUID, primary_key=True),  # Kaizala's responseId
    sa.Column("action_id", UUID, sa.ForeignKey("kaizala_actions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("person_id", UUID, sa.ForeignKey("kaizala_people.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("location", sa.JSON, nullable=True),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("modified_at", sa.DateTime, nullable=False),
    sa.Index("ix_kaizala_responses_action", "action_id", "person_id"),
)
