"""Background jobs (a round's documents in one .zip) with their progress.

Revision ID: 0006_jobs
Revises: 0005_custom_templates
"""
from alembic import op
import sqlalchemy as sa
import service.db

revision = '0006_jobs'
down_revision = '0005_custom_templates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('result_path', sa.String(length=255), nullable=True),
        sa.Column('result_size', sa.Integer(), nullable=True),
        sa.Column('result_name', sa.String(length=255), nullable=True),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('created_at', service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', service.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('round_documents')", name=op.f('ck_jobs_kind')),
        sa.CheckConstraint("state IN ('queued', 'running', 'finished', 'failed')", name=op.f('ck_jobs_state')),
        sa.CheckConstraint('done >= 0 AND total >= 0 AND done <= total', name=op.f('ck_jobs_progress')),
        sa.ForeignKeyConstraint(['round_id'], ['campaign_rounds.id'], name=op.f('fk_jobs_round_id_campaign_rounds'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_jobs_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_round_id'), ['round_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_round_id'))
    op.drop_table('jobs')
