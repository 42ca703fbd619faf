"""Bring a database to the newest schema with Alembic (the migrations live beside this file)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from kinflow.secret_key import SecretKey
from kinflow.storage.database import Database

_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(db: Database, key: SecretKey | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = db.engine
    # Migrations that convert stored tokens or secrets need it (an empty database does not).
    config.attributes["secret_key"] = key
    return config


def upgrade(db: Database, key: SecretKey | None = None) -> None:
    command.upgrade(alembic_config(db, key), "head")


def holds_protected_secrets(db: Database) -> bool:
    """Whether the database keeps API tokens as keyed hashes already (and so webhook secrets
    encrypted): then only the key they were made with can serve it."""
    inspector = sa.inspect(db.engine)
    return inspector.has_table("api_tokens") and any(
        column["name"] == "token_hash" for column in inspector.get_columns("api_tokens"))


def has_schema(db: Database) -> bool:
    """Whether kinflow's schema was ever created in this database (False: a new, empty one)."""
    return sa.inspect(db.engine).has_table("alembic_version")
