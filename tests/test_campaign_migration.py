"""Migration 0002 gives every existing campaign one round and moves its dossiers into it, and goes back."""
from __future__ import annotations

import datetime as dt
import os

import sqlalchemy as sa

from service import create_app
from service.db import db
from service.migrate import downgrade_database, upgrade_database


def _app(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    options = {}
    if url:
        from service.config import normalise_database_url

        engine = sa.create_engine(normalise_database_url(url))
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS rounds_migration CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA rounds_migration"))
        engine.dispose()
        options = {"SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": "-csearch_path=rounds_migration"}}}
    else:
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    return create_app({"DATABASE_URL": url, "AUTO_MIGRATE": False, "DOCUMENT_STORE": str(tmp_path / "d"),
                       "SECRET_KEY": "x", **options})


def _insert(connection, table: str, **values) -> int:
    reflected = sa.Table(table, sa.MetaData(), autoload_with=connection)
    return connection.execute(sa.insert(reflected).values(**values).returning(reflected.c.id)).scalar_one()


def test_existing_campaigns_get_one_round_with_their_dossiers(tmp_path):
    app = _app(tmp_path)
    now = dt.datetime(2024, 12, 1, 1, 0, tzinfo=dt.timezone.utc)
    with app.app_context():
        upgrade_database("0001_initial")
        with db.engine.begin() as connection:
            unit = _insert(connection, "units", code="p", kind="ward", name="Ủy ban nhân dân phường Mỹ Bình",
                           short_name="UBND phường Mỹ Bình", managing_body="", issuing_body="UBND",
                           place_name="Mỹ Bình", abbreviation="UBND", council_name="Hội đồng",
                           council_abbreviation="HĐTĐKT", signature_authority="", signature_title="CHỦ TỊCH",
                           signer_name="Nguyễn Văn Tâm")
            user = _insert(connection, "users", username="u", full_name="U", password_hash="x", role="unit_clerk",
                           unit_id=unit, is_active=True, created_at=now)
            campaign = _insert(connection, "campaigns", code="c", title="Phong trào", plan_number="1/KH-UBND",
                               plan_date=dt.date(2024, 11, 15), issuer_id=unit, period_start=dt.date(2024, 11, 15),
                               period_end=dt.date(2024, 11, 30), submission_deadline=dt.date(2024, 12, 4),
                               accepts_late=True, standing_agency_id=unit, authority_id=unit, award_name="Giấy khen",
                               award_forms=[], metrics=[], legal_bases=[])
            dossier = _insert(connection, "dossiers", campaign_id=campaign, unit_id=unit, state="submitted", version=3,
                              content_revision=2, is_late=False, recipients=[], created_at=now, updated_at=now,
                              created_by_id=user)
        upgrade_database()
        with db.engine.connect() as connection:
            round_ = connection.execute(sa.text(
                "SELECT id, code, kind, deadline, accepts_late, state, period_start FROM campaign_rounds")).one()
            assert round_.code == "chinh" and round_.kind == "single" and round_.state == "collecting"
            assert str(round_.deadline) == "2024-12-04" and bool(round_.accepts_late)
            assert connection.execute(sa.text("SELECT round_id FROM dossiers WHERE id = :id"),
                                      {"id": dossier}).scalar_one() == round_.id
            assert connection.execute(sa.text("SELECT plan_type FROM campaigns")).scalar_one() == "Kế hoạch"
        downgrade_database("0001_initial")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("dossiers")}
        assert "round_id" not in columns
        assert "campaign_rounds" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
