"""Page sessions that can be ended: a per-user session generation, checked on every page request.

Revision ID: 0008_session_generation
Revises: 0007_audit_events
"""
from alembic import op
import sqlalchemy as sa

revision = '0008_session_generation'
down_revision = '0007_audit_events'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('session_generation')
