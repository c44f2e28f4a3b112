"""Who signs is chosen: each unit's officials, and the signer recorded on what is generated.

Revision ID: 0013_unit_officials
Revises: 0012_certificate_layout
"""
from alembic import op
import sqlalchemy as sa

from service.db import UTCDateTime

revision = '0013_unit_officials'
down_revision = '0012_certificate_layout'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'unit_officials',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('full_name', sa.String(length=128), nullable=False),
        sa.Column('position', sa.String(length=128), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('is_head', sa.Boolean(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('length(full_name) > 0', name=op.f('ck_unit_officials_full_name')),
        sa.CheckConstraint('length(position) > 0', name=op.f('ck_unit_officials_position')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_officials_unit_id_units'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_unit_officials_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_officials')),
        sa.UniqueConstraint('user_id', name=op.f('uq_unit_officials_user_id')),
    )
    op.create_index(op.f('ix_unit_officials_unit_id'), 'unit_officials', ['unit_id'], unique=False)
    # One active head per unit: the one every document defaults to.
    op.create_index('uq_unit_officials_active_head', 'unit_officials', ['unit_id'], unique=True,
                    sqlite_where=sa.text('is_head AND is_active'),
                    postgresql_where=sa.text('is_head AND is_active'))
    with op.batch_alter_table('generated_documents') as batch:
        batch.add_column(sa.Column('signer_official_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('signer_authority', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('signer_name', sa.String(length=128), nullable=True))
        batch.add_column(sa.Column('signer_position', sa.String(length=128), nullable=True))
        batch.create_foreign_key(op.f('fk_generated_documents_signer_official_id_unit_officials'),
                                 'unit_officials', ['signer_official_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('campaign_rounds') as batch:
        batch.add_column(sa.Column('proposal_signer_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('proposal_signer_authority', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('decision_signer_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('decision_signer_authority', sa.String(length=8), nullable=True))
        batch.create_foreign_key(op.f('fk_campaign_rounds_proposal_signer_id_unit_officials'),
                                 'unit_officials', ['proposal_signer_id'], ['id'], ondelete='SET NULL')
        batch.create_foreign_key(op.f('fk_campaign_rounds_decision_signer_id_unit_officials'),
                                 'unit_officials', ['decision_signer_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('campaign_rounds') as batch:
        batch.drop_constraint(op.f('fk_campaign_rounds_decision_signer_id_unit_officials'), type_='foreignkey')
        batch.drop_constraint(op.f('fk_campaign_rounds_proposal_signer_id_unit_officials'), type_='foreignkey')
        batch.drop_column('decision_signer_authority')
        batch.drop_column('decision_signer_id')
        batch.drop_column('proposal_signer_authority')
        batch.drop_column('proposal_signer_id')
    with op.batch_alter_table('generated_documents') as batch:
        batch.drop_constraint(op.f('fk_generated_documents_signer_official_id_unit_officials'), type_='foreignkey')
        batch.drop_column('signer_position')
        batch.drop_column('signer_name')
        batch.drop_column('signer_authority')
        batch.drop_column('signer_official_id')
    op.drop_index('uq_unit_officials_active_head', table_name='unit_officials')
    op.drop_index(op.f('ix_unit_officials_unit_id'), table_name='unit_officials')
    op.drop_table('unit_officials')
