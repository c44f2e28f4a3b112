"""campaigns as data: rounds, their history, overrides and results; dossiers belong to a round

Every campaign that exists already gets one round (kind "single") with the
campaign's period, deadline and late policy, and its dossiers move into it,
so a single-round campaign behaves exactly as before.

Revision ID: 0002_campaign_rounds
Revises: 0001_initial
Create Date: 2026-11-25 13:29:42.845634
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa
import service.db

# Campaigns made before definitions existed keep these values.
_CAMPAIGN_DEFAULTS = (
    ("plan_type", sa.String(length=32), "'Kế hoạch'"),
    ("plan_signer", sa.JSON(), "'{}'"),
    ("participants", sa.JSON(), "'{}'"),
    ("derived_metrics", sa.JSON(), "'[]'"),
    ("ranking", sa.JSON(), "'{}'"),
    ("required_documents", sa.JSON(), "'[]'"),
    ("definition", sa.JSON(), "'{}'"),
)


revision = '0002_campaign_rounds'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('accepts_late', sa.Boolean(), nullable=False),
    sa.Column('quotas', sa.JSON(), nullable=False),
    sa.Column('requirements', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('proposal_number', sa.String(length=64), nullable=True),
    sa.Column('proposal_date', sa.Date(), nullable=True),
    sa.Column('decision_number', sa.String(length=64), nullable=True),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('created_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('single', 'annual', 'mid_term', 'final')", name=op.f('ck_campaign_rounds_kind')),
    sa.CheckConstraint("state IN ('collecting', 'consolidating', 'proposed', 'decided', 'closed')", name=op.f('ck_campaign_rounds_state')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_campaign_rounds_period')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_rounds_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_rounds')),
    sa.UniqueConstraint('campaign_id', 'code', name=op.f('uq_campaign_rounds_campaign_id_code')),
    sa.UniqueConstraint('id', 'campaign_id', name=op.f('uq_campaign_rounds_id_campaign_id'))
    )
    with op.batch_alter_table('campaign_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_rounds_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('round_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('trigger', sa.String(length=64), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=False),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_round_events_actor_id_users')),
    sa.ForeignKeyConstraint(['round_id'], ['campaign_rounds.id'], name=op.f('fk_round_events_round_id_campaign_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_events'))
    )
    with op.batch_alter_table('round_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_events_round_id'), ['round_id'], unique=False)

    op.create_table('round_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('nominee_id', sa.Integer(), nullable=False),
    sa.Column('is_selected', sa.Boolean(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_round_overrides_reason')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_round_overrides_actor_id_users')),
    sa.ForeignKeyConstraint(['nominee_id'], ['nominees.id'], name=op.f('fk_round_overrides_nominee_id_nominees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['campaign_rounds.id'], name=op.f('fk_round_overrides_round_id_campaign_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_overrides'))
    )
    with op.batch_alter_table('round_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_overrides_nominee_id'), ['nominee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_overrides_round_id'), ['round_id'], unique=False)

    op.create_table('round_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('nominee_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('group_name', sa.String(length=255), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('list_order', sa.Integer(), nullable=True),
    sa.Column('is_selected', sa.Boolean(), nullable=False),
    sa.Column('is_override', sa.Boolean(), nullable=False),
    sa.Column('is_tied_at_cut', sa.Boolean(), nullable=False),
    sa.Column('reason_code', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('is_awarded', sa.Boolean(), nullable=False),
    sa.CheckConstraint('NOT is_awarded OR is_selected', name=op.f('ck_round_results_awarded_only_if_selected')),
    sa.CheckConstraint('is_selected OR reason_code IS NOT NULL', name=op.f('ck_round_results_reason_when_left_out')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_round_results_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['nominee_id'], ['nominees.id'], name=op.f('fk_round_results_nominee_id_nominees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['campaign_rounds.id'], name=op.f('fk_round_results_round_id_campaign_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_results')),
    sa.UniqueConstraint('round_id', 'nominee_id', name=op.f('uq_round_results_round_id_nominee_id'))
    )
    with op.batch_alter_table('round_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_results_nominee_id'), ['nominee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_results_round_id'), ['round_id'], unique=False)

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        for name, type_, default in _CAMPAIGN_DEFAULTS:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=sa.text(default)))
        batch_op.add_column(sa.Column('definition_sha256', sa.String(length=64), nullable=True))
    # The models give these defaults in Python; the database keeps none.
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        for name, type_, _ in _CAMPAIGN_DEFAULTS:
            batch_op.alter_column(name, existing_type=type_, server_default=None)

    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
    _one_round_per_campaign()
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.alter_column('round_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_dossiers_campaign_id_unit_id'), type_='unique')
        batch_op.create_index(batch_op.f('ix_dossiers_round_id'), ['round_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_dossiers_round_id_unit_id'), ['round_id', 'unit_id'])
        batch_op.create_foreign_key(batch_op.f('fk_dossiers_round_id_campaign_rounds'), 'campaign_rounds', ['round_id', 'campaign_id'], ['id', 'campaign_id'])


def _one_round_per_campaign() -> None:
    connection = op.get_bind()
    campaigns = sa.table(
        'campaigns', sa.column('id', sa.Integer()), sa.column('period_start', sa.Date()),
        sa.column('period_end', sa.Date()), sa.column('submission_deadline', sa.Date()),
        sa.column('accepts_late', sa.Boolean()))
    rounds = sa.table(
        'campaign_rounds', sa.column('campaign_id', sa.Integer()), sa.column('code', sa.String()),
        sa.column('kind', sa.String()), sa.column('title', sa.String()), sa.column('position', sa.Integer()),
        sa.column('period_start', sa.Date()), sa.column('period_end', sa.Date()),
        sa.column('deadline', sa.Date()), sa.column('accepts_late', sa.Boolean()),
        sa.column('quotas', sa.JSON()), sa.column('requirements', sa.JSON()), sa.column('state', sa.String()),
        sa.column('version', sa.Integer()), sa.column('created_at', service.db.UTCDateTime(timezone=True)),
        sa.column('updated_at', service.db.UTCDateTime(timezone=True)))
    now = dt.datetime.now(dt.timezone.utc)
    rows = [
        {"campaign_id": c.id, "code": "chinh", "kind": "single", "title": "Đợt khen thưởng",
         "position": 1, "period_start": c.period_start, "period_end": c.period_end,
         "deadline": c.submission_deadline, "accepts_late": c.accepts_late,
         "quotas": {"total": {}, "per_unit": []}, "requirements": [], "state": "collecting", "version": 1,
         "created_at": now, "updated_at": now}
        for c in connection.execute(sa.select(campaigns))
    ]
    if rows:
        op.bulk_insert(rounds, rows)
    op.execute(
        "UPDATE dossiers SET round_id = "
        "(SELECT campaign_rounds.id FROM campaign_rounds WHERE campaign_rounds.campaign_id = dossiers.campaign_id)"
    )


def downgrade() -> None:
    # Going back keeps one dossier per unit and campaign: a campaign whose
    # unit has dossiers in two rounds cannot go back, and the unique
    # constraint below says so by failing.
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dossiers_round_id_campaign_rounds'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_dossiers_round_id_unit_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_dossiers_round_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_dossiers_campaign_id_unit_id'), ['campaign_id', 'unit_id'])
        batch_op.drop_column('round_id')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('definition_sha256')
        batch_op.drop_column('definition')
        batch_op.drop_column('required_documents')
        batch_op.drop_column('ranking')
        batch_op.drop_column('derived_metrics')
        batch_op.drop_column('participants')
        batch_op.drop_column('plan_signer')
        batch_op.drop_column('plan_type')

    with op.batch_alter_table('round_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_results_round_id'))
        batch_op.drop_index(batch_op.f('ix_round_results_nominee_id'))

    op.drop_table('round_results')
    with op.batch_alter_table('round_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_overrides_round_id'))
        batch_op.drop_index(batch_op.f('ix_round_overrides_nominee_id'))

    op.drop_table('round_overrides')
    with op.batch_alter_table('round_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_events_round_id'))

    op.drop_table('round_events')
    with op.batch_alter_table('campaign_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_rounds_campaign_id'))

    op.drop_table('campaign_rounds')
