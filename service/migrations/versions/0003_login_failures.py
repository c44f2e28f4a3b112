"""Refused sign-ins, for login throttling.

Revision ID: 0003_login_failures
Revises: 0002_campaign_rounds
"""
from alembic import op
import sqlalchemy as sa
import service.db

revision = '0003_login_failures'
down_revision = '0002_campaign_rounds'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('client_address', sa.String(length=64), nullable=False),
        sa.Column('created_at', service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures')),
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_username'), ['username'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_client_address'), ['client_address'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_created_at'))
        batch_op.drop_index(batch_op.f('ix_login_failures_client_address'))
        batch_op.drop_index(batch_op.f('ix_login_failures_username'))
    op.drop_table('login_failures')
