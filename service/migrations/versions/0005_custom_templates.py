"""Word templates uploaded per campaign and document kind.

Revision ID: 0005_custom_templates
Revises: 0004_base_salary_levels
"""
from alembic import op
import sqlalchemy as sa
import service.db

revision = '0005_custom_templates'
down_revision = '0004_base_salary_levels'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'custom_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', service.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('size > 0', name=op.f('ck_custom_templates_size')),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_custom_templates_campaign_id_campaigns'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_custom_templates_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_custom_templates')),
        sa.UniqueConstraint('campaign_id', 'kind', name=op.f('uq_custom_templates_campaign_id_kind')),
    )
    with op.batch_alter_table('custom_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custom_templates_campaign_id'), ['campaign_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('custom_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custom_templates_campaign_id'))
    op.drop_table('custom_templates')
