"""Where each campaign prints the text of its certificates on pre-printed blanks.

Revision ID: 0012_certificate_layout
Revises: 0011_round_decisions
"""
from alembic import op
import sqlalchemy as sa
import service.db

revision = '0012_certificate_layout'
down_revision = '0011_round_decisions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'certificate_layouts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('paper', sa.String(length=8), nullable=False),
        sa.Column('orientation', sa.String(length=16), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=False),
        sa.Column('updated_at', service.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("paper IN ('A3', 'A4', 'A5')", name=op.f('ck_certificate_layouts_paper')),
        sa.CheckConstraint("orientation IN ('landscape', 'portrait')",
                           name=op.f('ck_certificate_layouts_orientation')),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                                name=op.f('fk_certificate_layouts_campaign_id_campaigns'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_certificate_layouts_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_layouts')),
        sa.UniqueConstraint('campaign_id', name=op.f('uq_certificate_layouts_campaign_id')),
    )


def downgrade() -> None:
    op.drop_table('certificate_layouts')
