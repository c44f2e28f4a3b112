"""Award statistics over 1 000 000 award records on PostgreSQL: the query set of the statistics page.

    .venv/bin/python bench/bench_statistics.py --database-url postgresql://postgres@127.0.0.1:5432/test
                                               [--records 1000000] [--people 200000] [--repeat 5]

Setup (not timed): a schema of its own in that database (dropped at the end), migrated, the demo loaded,
then with bulk SQL inserts 200 more wards, ``--people`` people and ``--records`` award records over
20 years and 6 forms (one in three in the demo campaign, one in 200 revoked), then ANALYZE.

Measured in this process: service.operations.statistics.award_statistics (on PostgreSQL one GROUP BY
GROUPING SETS scan and the units' names) for the administrator (everything), the standing agency's
reviewer (its scope), a unit's clerk (its own), and the administrator with a year range and a form; then the API
call through the Flask test client. p50 and max over ``--repeat`` runs after one untimed run, and the
statements counted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from load import PASSWORD, postgres_schema, run_flask  # noqa: E402
from sqlcount import statement_counter  # noqa: E402

FORMS = [("giay_khen_ca_nhan", "Giấy khen cá nhân"), ("giay_khen_tap_the", "Giấy khen tập thể"),
         ("bang_khen", "Bằng khen của Chủ tịch UBND tỉnh"), ("chien_si_thi_dua_co_so", "Chiến sĩ thi đua cơ sở"),
         ("lao_dong_tien_tien", "Lao động tiên tiến"), ("tap_the_lao_dong_xuat_sac", "Tập thể lao động xuất sắc")]


def build(connection, people: int, records: int) -> None:
    import sqlalchemy as sa

    connection.execute(sa.text(
        "INSERT INTO units (code, kind, name, short_name, managing_body, issuing_body, place_name, abbreviation,"
        " council_name, council_abbreviation, signature_authority, signature_title, signer_name)"
        " SELECT 'bench-' || i, 'ward', 'Ủy ban nhân dân phường Thử ' || i, 'UBND phường Thử ' || i, '',"
        " 'ỦY BAN NHÂN DÂN PHƯỜNG THỬ ' || i, 'Thử ' || i, 'UBND', 'Hội đồng phường Thử ' || i, 'HĐTĐKT', '',"
        " 'CHỦ TỊCH', 'Nguyễn Văn Tâm' FROM generate_series(1, 200) i"))
    connection.execute(sa.text(
        "WITH u AS (SELECT array_agg(id ORDER BY id) AS ids FROM units)"
        " INSERT INTO people (kind, full_name, name_folded, gender, position, unit_id, is_whole_unit, is_active,"
        " created_at, updated_at)"
        " SELECT CASE WHEN i % 10 = 0 THEN 'collective' ELSE 'individual' END, 'Người thử ' || i, 'nguoi thu ' || i,"
        " CASE WHEN i % 10 = 0 THEN NULL WHEN i % 10 = 7 THEN NULL WHEN i % 2 = 0 THEN 'female' ELSE 'male' END,"
        " '', u.ids[1 + i % array_length(u.ids, 1)], false, true, now(), now()"
        " FROM generate_series(1, :n) i, u"), {"n": people})
    forms = " ".join(f"WHEN {i} THEN '{code}'" for i, (code, _) in enumerate(FORMS))
    names = " ".join(f"WHEN {i} THEN '{name}'" for i, (_, name) in enumerate(FORMS))
    connection.execute(sa.text(
        "WITH p AS (SELECT min(id) AS first FROM people), c AS (SELECT min(id) AS id FROM campaigns)"
        " INSERT INTO award_records (person_id, recipient_kind, recipient_name, name_folded, gender, position,"
        " unit_id, workplace, form_code, form_name, family, year, achievement, decision_number, decision_date,"
        " authority_name, prize_amount, campaign_id, source, revoked_at, revocation_number, revocation_date,"
        " revocation_reason, created_at)"
        " SELECT pe.id, pe.kind, pe.full_name, pe.name_folded, pe.gender, '', pe.unit_id, '',"
        f" CASE g % 6 {forms} END, CASE g % 6 {names} END, 'commendation', 2005 + g % 20, '',"
        " g || '/QĐ-UBND', make_date(2005 + g % 20, 12, 1), '', 500000 + (g % 4) * 250000,"
        " CASE WHEN g % 3 = 0 THEN c.id END, 'import',"
        " CASE WHEN g % 200 = 0 THEN now() END, CASE WHEN g % 200 = 0 THEN g || '/QĐ-TH' END,"
        " CASE WHEN g % 200 = 0 THEN DATE '2025-01-01' END, CASE WHEN g % 200 = 0 THEN 'Thu hồi thử' END, now()"
        " FROM generate_series(1, :n) g CROSS JOIN p CROSS JOIN c"
        " JOIN people pe ON pe.id = p.first + g % :people"), {"n": records, "people": people})
    connection.execute(sa.text("ANALYZE units; ANALYZE people; ANALYZE award_records; ANALYZE campaigns"))


def timed(call, repeat: int) -> tuple[float, float]:
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args(argv)

    with postgres_schema(options.database_url) as url, tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": url, "AUTO_MIGRATE": "0", "DOCUMENT_STORE": folder,
               "SECRET_KEY": "bench-statistics"}
        env.pop("REDIS_URL", None)
        os.environ.update({k: v for k, v in env.items() if k in ("DOCUMENT_STORE", "SECRET_KEY")})
        started = time.perf_counter()
        run_flask(env, "migrate")
        run_flask(env, "load-demo")

        import sqlalchemy as sa

        from service import create_app
        from service.db import db
        from service.models import User
        from service.operations.statistics import award_statistics

        app = create_app({"DATABASE_URL": url, "AUTO_MIGRATE": False, "LOAD_DEMO_DATA": False,
                          "SECRET_KEY": "bench-statistics"})
        with app.app_context():
            with db.engine.begin() as connection:
                build(connection, options.people, options.records)
            print(f"setup: {options.records} award records, {options.people} people in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
            users = {u.username: u for u in db.session.scalars(sa.select(User))}
            clerk = next(u for u in users.values() if u.role == "unit_clerk")
            cases = [
                ("admin, everything", users["admin"], {}),
                ("standing agency's reviewer, its scope", users["thamdinh.yte"], {}),
                (f"unit clerk ({clerk.username}), own unit", clerk, {}),
                ("admin, 2015–2020, one form", users["admin"], {"year_from": 2015, "year_to": 2020,
                                                              "form": "bang_khen"}),
            ]
            print("| query set | total counted | p50 ms | max ms | statements |")
            print("|---|---:|---:|---:|---:|")
            for label, user, filters in cases:
                result = award_statistics(user, filters)
                with statement_counter(app) as counted:
                    award_statistics(user, filters)
                p50, worst = timed(lambda: award_statistics(user, filters), options.repeat)
                print(f"| {label} | {result['total']} | {p50:.0f} | {worst:.0f} | {len(counted)} |", flush=True)
                db.session.rollback()

        client = app.test_client()
        response = client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD})
        token = response.get_json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for label, path in [("API GET /api/v1/awards/statistics (admin)", "/api/v1/awards/statistics")]:
            p50, worst = timed(lambda: client.get(path, headers=headers), options.repeat)
            print(f"| {label} | | {p50:.0f} | {worst:.0f} | |", flush=True)


if __name__ == "__main__":
    main()
