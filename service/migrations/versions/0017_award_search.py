"""Award look-up: trigram indexes on the names without diacritics.

On PostgreSQL a part of a name ("van an") is found through pg_trgm GIN indexes on
``award_records.name_folded`` and ``people.name_folded``. SQLite has no such index kind; an ordinary
index of the same name keeps the schema equal to the models there.

Revision ID: 0017_award_search
Revises: 0015_units_accounts
"""
from alembic import op

revision = '0017_award_search'
down_revision = '0015_units_accounts'
branch_labels = None
depends_on = None

_INDEXES = (("ix_award_records_name_trgm", "award_records"), ("ix_people_name_trgm", "people"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        for name, table in _INDEXES:
            op.create_index(name, table, ["name_folded"], postgresql_using="gin",
                            postgresql_ops={"name_folded": "public.gin_trgm_ops"})
    else:
        for name, table in _INDEXES:
            op.create_index(name, table, ["name_folded"])


def downgrade() -> None:
    for name, table in _INDEXES:
        op.drop_index(name, table_name=table)
