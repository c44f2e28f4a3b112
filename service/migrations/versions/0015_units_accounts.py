"""Units that can be closed and carry dated former names; accounts that must change their password.

Revision ID: 0015_units_accounts
Revises: 0014_register
"""
from alembic import op
import sqlalchemy as sa

revision = '0015_units_accounts'
down_revision = '0014_register'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units') as batch_op:
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_table(
        'unit_names',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('short_name', sa.String(length=255), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=False),
        sa.CheckConstraint('length(name) > 0', name=op.f('ck_unit_names_name')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_names_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_names')),
        sa.UniqueConstraint('unit_id', 'valid_until', name=op.f('uq_unit_names_unit_id_valid_until')),
    )


def downgrade() -> None:
    op.drop_table('unit_names')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('units') as batch_op:
        batch_op.drop_column('is_active')
