"""Base salary levels kept by an administrator.

Revision ID: 0004_base_salary_levels
Revises: 0003_login_failures
"""
from alembic import op
import sqlalchemy as sa
import service.db

revision = '0004_base_salary_levels'
down_revision = '0003_login_failures'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'base_salary_levels',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=255), nullable=False),
        sa.Column('needs_check', sa.Boolean(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=False),
        sa.Column('updated_at', service.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount > 0', name=op.f('ck_base_salary_levels_amount')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_base_salary_levels_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_base_salary_levels')),
        sa.UniqueConstraint('valid_from', name=op.f('uq_base_salary_levels_valid_from')),
    )


def downgrade() -> None:
    op.drop_table('base_salary_levels')
