"""Bringing the database schema to the newest Alembic revision."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from .db import db

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any fixed number: it names the lock that keeps two starting workers from migrating at once.
_MIGRATION_LOCK_ID = 720_2020


def alembic_config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_database(revision: str = "head") -> None:
    """Upgrade the application's database; safe to call from several processes at once."""
    with db.engine.connect() as connection:
        is_postgres = connection.dialect.name == "postgresql"
        if is_postgres:
            connection.execute(sa.text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            connection.commit()
        try:
            command.upgrade(alembic_config(connection), revision)
            connection.commit()
        finally:
            if is_postgres:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID})
                connection.commit()


def downgrade_database(revision: str) -> None:
    with db.engine.connect() as connection:
        command.downgrade(alembic_config(connection), revision)
        connection.commit()
