"""The council's vote belongs to one revision of the nominees: a changed list needs a new vote.

Revision ID: 0010_meeting_revision
Revises: 0009_job_owner
"""
from alembic import op
import sqlalchemy as sa

revision = '0010_meeting_revision'
down_revision = '0009_job_owner'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows start equal (0 and 0): a vote already recorded stays valid.
    with op.batch_alter_table('dossiers') as batch:
        batch.add_column(sa.Column('nominees_revision', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('council_meetings') as batch:
        batch.add_column(sa.Column('nominees_revision', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('council_meetings') as batch:
        batch.drop_column('nominees_revision')
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_column('nominees_revision')
