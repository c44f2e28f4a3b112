"""The Alembic migrations build exactly the schema the models describe, and go back down."""
from __future__ import annotations

import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service import create_app
from service.db import db
from service.migrate import downgrade_database, upgrade_database


def test_upgrade_from_empty_matches_models_and_downgrades(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        # Run in a schema of its own so the run's test schema is left alone.
        from service.config import normalise_database_url

        schema = f"migration_check_{os.getpid()}"
        engine = sa.create_engine(normalise_database_url(url))
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
        options = {"connect_args": {"options": f"-csearch_path={schema}"}, "pool_pre_ping": True}
    else:
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        options = {}
    app = create_app({"DATABASE_URL": url, "AUTO_MIGRATE": False, "DOCUMENT_STORE": str(tmp_path / "d"),
                      "SECRET_KEY": "x", **({"SQLALCHEMY_ENGINE_OPTIONS": options} if options else {})})
    with app.app_context():
        upgrade_database()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        downgrade_database("base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade_database()
        assert "dossiers" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
    if os.environ.get("TEST_DATABASE_URL"):
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
