"""Jobs remember which process runs them, so a restarted process's jobs are marked interrupted at once.

Revision ID: 0009_job_owner
Revises: 0008_session_generation
"""
from alembic import op
import sqlalchemy as sa

revision = '0009_job_owner'
down_revision = '0008_session_generation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.add_column(sa.Column('worker_id', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.drop_column('worker_id')
