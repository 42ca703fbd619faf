"""Bring a database to the newest schema with Alembic (the migrations live beside this file)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from kinflow.storage.database import Database

_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = db.engine
    return config


def upgrade(db: Database) -> None:
    command.upgrade(alembic_config(db), "head")
