"""Alembic environment: runs on the connection the service hands over."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from service.db import Base
from service import models  # noqa: F401  (registers the tables on Base.metadata)

target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _configure(connection)
else:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.begin() as own_connection:
        _configure(own_connection)
