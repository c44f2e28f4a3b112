"""A round's decisions by authorities other than the campaign's own (a title and a commendation
decided apart).

Revision ID: 0011_round_decisions
Revises: 0010_meeting_revision
"""
from alembic import op
import sqlalchemy as sa

import service.db

revision = '0011_round_decisions'
down_revision = '0010_meeting_revision'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('round_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(number) > 0', name=op.f('ck_round_decisions_number')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_round_decisions_actor_id_users')),
    sa.ForeignKeyConstraint(['authority_id'], ['units.id'], name=op.f('fk_round_decisions_authority_id_units')),
    sa.ForeignKeyConstraint(['round_id'], ['campaign_rounds.id'],
                            name=op.f('fk_round_decisions_round_id_campaign_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_decisions')),
    sa.UniqueConstraint('round_id', 'authority_id', name=op.f('uq_round_decisions_round_id_authority_id'))
    )
    with op.batch_alter_table('round_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_decisions_round_id'), ['round_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('round_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_decisions_round_id'))
    op.drop_table('round_decisions')
