"""initial schema

Revision ID: 0001_initial
Revises: 
Create Date: 2026-11-25 13:14:23.701401
"""
from alembic import op
import sqlalchemy as sa
import service.db


revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('short_name', sa.String(length=255), nullable=False),
    sa.Column('managing_body', sa.String(length=255), nullable=False),
    sa.Column('issuing_body', sa.String(length=255), nullable=False),
    sa.Column('place_name', sa.String(length=128), nullable=False),
    sa.Column('abbreviation', sa.String(length=32), nullable=False),
    sa.Column('council_name', sa.String(length=255), nullable=False),
    sa.Column('council_abbreviation', sa.String(length=32), nullable=False),
    sa.Column('signature_authority', sa.String(length=128), nullable=False),
    sa.Column('signature_title', sa.String(length=128), nullable=False),
    sa.Column('signer_name', sa.String(length=128), nullable=False),
    sa.CheckConstraint("kind IN ('city', 'department', 'ward', 'commune', 'province', 'branch', 'agency', 'other')", name=op.f('ck_units_kind')),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], name=op.f('fk_units_parent_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('code', name=op.f('uq_units_code'))
    )
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('plan_number', sa.String(length=64), nullable=False),
    sa.Column('plan_date', sa.Date(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('submission_deadline', sa.Date(), nullable=False),
    sa.Column('accepts_late', sa.Boolean(), nullable=False),
    sa.Column('standing_agency_id', sa.Integer(), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=False),
    sa.Column('award_name', sa.String(length=255), nullable=False),
    sa.Column('award_forms', sa.JSON(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('legal_bases', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['units.id'], name=op.f('fk_campaigns_authority_id_units')),
    sa.ForeignKeyConstraint(['issuer_id'], ['units.id'], name=op.f('fk_campaigns_issuer_id_units')),
    sa.ForeignKeyConstraint(['standing_agency_id'], ['units.id'], name=op.f('fk_campaigns_standing_agency_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('code', name=op.f('uq_campaigns_code'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=128), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('unit_clerk', 'council_secretary', 'unit_head', 'reviewer', 'approver', 'admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_users_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', service.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('dossiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_revision', sa.Integer(), nullable=False),
    sa.Column('is_late', sa.Boolean(), nullable=False),
    sa.Column('to_trinh_number', sa.Integer(), nullable=True),
    sa.Column('to_trinh_date', sa.Date(), nullable=True),
    sa.Column('bien_ban_number', sa.Integer(), nullable=True),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('decision_number', sa.String(length=64), nullable=True),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('submitted_at', service.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("state IN ('drafting', 'council_minutes', 'ready', 'submitted', 'under_review', 'returned', 'accepted', 'rejected', 'approved')", name=op.f('ck_dossiers_state')),
    sa.CheckConstraint('bien_ban_number IS NULL OR bien_ban_number > 0', name=op.f('ck_dossiers_bien_ban_number')),
    sa.CheckConstraint('to_trinh_number IS NULL OR to_trinh_number > 0', name=op.f('ck_dossiers_to_trinh_number')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_dossiers_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_dossiers_created_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_dossiers_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossiers')),
    sa.UniqueConstraint('campaign_id', 'unit_id', name=op.f('uq_dossiers_campaign_id_unit_id'))
    )
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossiers_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_unit_id'), ['unit_id'], unique=False)

    op.create_table('council_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('started_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', service.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('place', sa.String(length=255), nullable=False),
    sa.Column('chair_name', sa.String(length=128), nullable=False),
    sa.Column('chair_gender', sa.String(length=8), nullable=True),
    sa.Column('chair_position', sa.String(length=255), nullable=False),
    sa.Column('secretary_name', sa.String(length=128), nullable=False),
    sa.Column('secretary_gender', sa.String(length=8), nullable=True),
    sa.Column('secretary_position', sa.String(length=255), nullable=False),
    sa.Column('total_members', sa.Integer(), nullable=False),
    sa.Column('present_members', sa.Integer(), nullable=False),
    sa.Column('absentees', sa.JSON(), nullable=False),
    sa.Column('voting_method', sa.String(length=16), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("chair_gender IS NULL OR chair_gender IN ('male', 'female')", name=op.f('ck_council_meetings_chair_gender')),
    sa.CheckConstraint("secretary_gender IS NULL OR secretary_gender IN ('male', 'female')", name=op.f('ck_council_meetings_secretary_gender')),
    sa.CheckConstraint("voting_method IN ('show_of_hands', 'secret_ballot')", name=op.f('ck_council_meetings_voting_method')),
    sa.CheckConstraint('ended_at IS NULL OR ended_at >= started_at', name=op.f('ck_council_meetings_ended_after_start')),
    sa.CheckConstraint('present_members >= 0 AND present_members <= total_members', name=op.f('ck_council_meetings_present_members')),
    sa.CheckConstraint('total_members > 0', name=op.f('ck_council_meetings_total_members')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_council_meetings_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_council_meetings_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_meetings')),
    sa.UniqueConstraint('dossier_id', name=op.f('uq_council_meetings_dossier_id'))
    )
    op.create_table('generated_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_revision', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('template_name', sa.String(length=128), nullable=False),
    sa.Column('template_sha256', sa.String(length=64), nullable=False),
    sa.Column('is_frozen', sa.Boolean(), nullable=False),
    sa.Column('frozen_at', service.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('bien_ban', 'to_trinh', 'danh_sach')", name=op.f('ck_generated_documents_kind')),
    sa.CheckConstraint('size > 0', name=op.f('ck_generated_documents_size')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_generated_documents_created_by_id_users')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_generated_documents_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generated_documents')),
    sa.UniqueConstraint('dossier_id', 'kind', 'version', name=op.f('uq_generated_documents_dossier_id_kind_version'))
    )
    with op.batch_alter_table('generated_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_generated_documents_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('history_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('trigger', sa.String(length=64), nullable=False),
    sa.Column('from_state', sa.String(length=32), nullable=False),
    sa.Column('to_state', sa.String(length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_history_events_actor_id_users')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_history_events_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_history_events'))
    )
    with op.batch_alter_table('history_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_history_events_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('nominees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('full_name', sa.String(length=255), nullable=False),
    sa.Column('gender', sa.String(length=8), nullable=True),
    sa.Column('position', sa.String(length=255), nullable=False),
    sa.Column('workplace', sa.String(length=255), nullable=False),
    sa.Column('is_leader', sa.Boolean(), nullable=False),
    sa.Column('award_form', sa.String(length=64), nullable=False),
    sa.Column('metric_values', sa.JSON(), nullable=False),
    sa.Column('achievement_summary', sa.Text(), nullable=False),
    sa.Column('position_in_list', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("gender IS NULL OR gender IN ('male', 'female')", name=op.f('ck_nominees_gender')),
    sa.CheckConstraint("kind = 'individual' OR gender IS NULL", name=op.f('ck_nominees_collective_has_no_gender')),
    sa.CheckConstraint("kind IN ('collective', 'individual')", name=op.f('ck_nominees_kind')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_nominees_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nominees'))
    )
    with op.batch_alter_table('nominees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nominees_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('nominee_id', sa.Integer(), nullable=False),
    sa.Column('votes_in_favour', sa.Integer(), nullable=False),
    sa.CheckConstraint('votes_in_favour >= 0', name=op.f('ck_votes_votes_in_favour')),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meetings.id'], name=op.f('fk_votes_meeting_id_council_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['nominee_id'], ['nominees.id'], name=op.f('fk_votes_nominee_id_nominees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('meeting_id', 'nominee_id', name=op.f('uq_votes_meeting_id_nominee_id'))
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_votes_nominee_id'), ['nominee_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_votes_nominee_id'))

    op.drop_table('votes')
    with op.batch_alter_table('nominees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nominees_dossier_id'))

    op.drop_table('nominees')
    with op.batch_alter_table('history_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_history_events_dossier_id'))

    op.drop_table('history_events')
    with op.batch_alter_table('generated_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_generated_documents_dossier_id'))

    op.drop_table('generated_documents')
    op.drop_table('council_meetings')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossiers_unit_id'))
        batch_op.drop_index(batch_op.f('ix_dossiers_campaign_id'))

    op.drop_table('dossiers')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    op.drop_table('campaigns')
    op.drop_table('units')
