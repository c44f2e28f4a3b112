"""The award register: people, where they worked, their awards, initiatives and discipline.

Revision ID: 0014_register
Revises: 0013_unit_officials
"""
from alembic import op
import sqlalchemy as sa

from service.db import UTCDateTime

revision = '0014_register'
down_revision = '0013_unit_officials'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'people',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('full_name', sa.String(length=255), nullable=False),
        sa.Column('name_folded', sa.String(length=255), nullable=False),
        sa.Column('gender', sa.String(length=8), nullable=True),
        sa.Column('birth_date', sa.Date(), nullable=True),
        sa.Column('position', sa.String(length=255), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('is_whole_unit', sa.Boolean(), nullable=False),
        sa.Column('id_number', sa.String(length=32), nullable=True),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('collective', 'individual')", name=op.f('ck_people_kind')),
        sa.CheckConstraint("gender IS NULL OR gender IN ('male', 'female')", name=op.f('ck_people_gender')),
        sa.CheckConstraint("kind = 'individual' OR (gender IS NULL AND birth_date IS NULL AND id_number IS NULL)",
                           name=op.f('ck_people_collective_has_no_personal_data')),
        sa.CheckConstraint('length(full_name) > 0', name=op.f('ck_people_full_name')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_people_unit_id_units')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_people_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    )
    op.create_index(op.f('ix_people_name_folded'), 'people', ['name_folded'], unique=False)
    op.create_index('ix_people_unit_id_name_folded', 'people', ['unit_id', 'name_folded'], unique=False)

    op.create_table(
        'person_placements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.String(length=255), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_person_placements_period')),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_placements_person_id_people'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_person_placements_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_person_placements')),
    )
    op.create_index(op.f('ix_person_placements_person_id'), 'person_placements', ['person_id'], unique=False)
    op.create_index(op.f('ix_person_placements_unit_id'), 'person_placements', ['unit_id'], unique=False)

    op.create_table(
        'award_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('recipient_kind', sa.String(length=16), nullable=False),
        sa.Column('recipient_name', sa.String(length=255), nullable=False),
        sa.Column('name_folded', sa.String(length=255), nullable=False),
        sa.Column('gender', sa.String(length=8), nullable=True),
        sa.Column('position', sa.String(length=255), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('workplace', sa.String(length=255), nullable=False),
        sa.Column('form_code', sa.String(length=64), nullable=False),
        sa.Column('form_name', sa.String(length=255), nullable=False),
        sa.Column('family', sa.String(length=16), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=True),
        sa.Column('period_end', sa.Date(), nullable=True),
        sa.Column('achievement', sa.Text(), nullable=False),
        sa.Column('decision_number', sa.String(length=64), nullable=False),
        sa.Column('decision_date', sa.Date(), nullable=False),
        sa.Column('authority_id', sa.Integer(), nullable=True),
        sa.Column('authority_name', sa.String(length=255), nullable=False),
        sa.Column('prize_amount', sa.BigInteger(), nullable=True),
        sa.Column('campaign_id', sa.Integer(), nullable=True),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('nominee_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('revoked_at', UTCDateTime(), nullable=True),
        sa.Column('revocation_number', sa.String(length=64), nullable=True),
        sa.Column('revocation_date', sa.Date(), nullable=True),
        sa.Column('revocation_reason', sa.Text(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint("family IN ('title', 'commendation')", name=op.f('ck_award_records_family')),
        sa.CheckConstraint("source IN ('decision', 'import', 'manual')", name=op.f('ck_award_records_source')),
        sa.CheckConstraint("recipient_kind IN ('collective', 'individual')",
                           name=op.f('ck_award_records_recipient_kind')),
        sa.CheckConstraint('year >= 1945 AND year <= 2200', name=op.f('ck_award_records_year')),
        sa.CheckConstraint('length(decision_number) > 0', name=op.f('ck_award_records_decision_number')),
        sa.CheckConstraint('prize_amount IS NULL OR prize_amount >= 0', name=op.f('ck_award_records_prize_amount')),
        sa.CheckConstraint("source <> 'decision' OR nominee_id IS NOT NULL",
                           name=op.f('ck_award_records_decision_has_nominee')),
        sa.CheckConstraint(
            "(revoked_at IS NULL AND revocation_number IS NULL AND revocation_reason IS NULL)"
            " OR (revoked_at IS NOT NULL AND revocation_number IS NOT NULL AND revocation_date IS NOT NULL"
            " AND length(revocation_reason) > 0)", name=op.f('ck_award_records_revocation_whole')),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_award_records_person_id_people')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_award_records_unit_id_units')),
        sa.ForeignKeyConstraint(['authority_id'], ['units.id'], name=op.f('fk_award_records_authority_id_units')),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_award_records_campaign_id_campaigns'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['round_id'], ['campaign_rounds.id'],
                                name=op.f('fk_award_records_round_id_campaign_rounds'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['nominee_id'], ['nominees.id'], name=op.f('fk_award_records_nominee_id_nominees'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_award_records_revoked_by_id_users')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_award_records_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_award_records')),
        sa.UniqueConstraint('nominee_id', 'form_code', name=op.f('uq_award_records_nominee_id_form_code')),
    )
    op.create_index(op.f('ix_award_records_name_folded'), 'award_records', ['name_folded'], unique=False)
    op.create_index(op.f('ix_award_records_decision_number'), 'award_records', ['decision_number'], unique=False)
    op.create_index(op.f('ix_award_records_campaign_id'), 'award_records', ['campaign_id'], unique=False)
    op.create_index('ix_award_records_person_year', 'award_records', ['person_id', 'year'], unique=False)
    op.create_index('ix_award_records_unit_year', 'award_records', ['unit_id', 'year'], unique=False)
    op.create_index('ix_award_records_year_form', 'award_records', ['year', 'form_code'], unique=False)

    op.create_table(
        'initiatives',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('recognised_by', sa.String(length=255), nullable=False),
        sa.Column('decision_number', sa.String(length=64), nullable=False),
        sa.Column('recognised_on', sa.Date(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('length(title) > 0', name=op.f('ck_initiatives_title')),
        sa.CheckConstraint('year >= 1945 AND year <= 2200', name=op.f('ck_initiatives_year')),
        sa.CheckConstraint("scope IN ('unit', 'province', 'national')", name=op.f('ck_initiatives_scope')),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_initiatives_person_id_people')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_initiatives_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_initiatives')),
    )
    op.create_index(op.f('ix_initiatives_person_id'), 'initiatives', ['person_id'], unique=False)

    op.create_table(
        'discipline_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('measure', sa.String(length=128), nullable=False),
        sa.Column('decision_number', sa.String(length=64), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('length(measure) > 0', name=op.f('ck_discipline_records_measure')),
        sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_discipline_records_period')),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_discipline_records_person_id_people')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_discipline_records_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_discipline_records')),
    )
    op.create_index(op.f('ix_discipline_records_person_id'), 'discipline_records', ['person_id'], unique=False)

    with op.batch_alter_table('nominees') as batch:
        batch.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_nominees_person_id_people'), 'people', ['person_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_index(batch.f('ix_nominees_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('nominees') as batch:
        batch.drop_index(batch.f('ix_nominees_person_id'))
        batch.drop_constraint(op.f('fk_nominees_person_id_people'), type_='foreignkey')
        batch.drop_column('person_id')
    op.drop_index(op.f('ix_discipline_records_person_id'), table_name='discipline_records')
    op.drop_table('discipline_records')
    op.drop_index(op.f('ix_initiatives_person_id'), table_name='initiatives')
    op.drop_table('initiatives')
    for name in ('ix_award_records_year_form', 'ix_award_records_unit_year', 'ix_award_records_person_year'):
        op.drop_index(name, table_name='award_records')
    for column in ('campaign_id', 'decision_number', 'name_folded'):
        op.drop_index(op.f(f'ix_award_records_{column}'), table_name='award_records')
    op.drop_table('award_records')
    op.drop_index(op.f('ix_person_placements_unit_id'), table_name='person_placements')
    op.drop_index(op.f('ix_person_placements_person_id'), table_name='person_placements')
    op.drop_table('person_placements')
    op.drop_index('ix_people_unit_id_name_folded', table_name='people')
    op.drop_index(op.f('ix_people_name_folded'), table_name='people')
    op.drop_table('people')
