"""Award register look-up over 1 000 000 award records and 200 000 people on PostgreSQL.

    .venv/bin/python bench/bench_register.py --database-url postgresql://postgres@127.0.0.1:5432/test
                                             [--samples 200] [--rebuild]

Targets (register issue): a name search without diacritics, first page, p99 < 50 ms; a person's
history p99 < 20 ms. The data set is built once with COPY in the schema ``bench_register`` (migrated
to head) and reused by later runs; ``--rebuild`` builds it again. Each query is the one the API runs
(:mod:`service.operations.register`, an administrator's scope), timed in the process from the call
to the fetched rows. The same queries are then timed without their index (the trigram index for the
search, the (person, year) index for the history), which is recreated before the run ends. Prints a
Markdown table and the load average, since the machine may be shared.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCHEMA = "bench_register"
PEOPLE = 200_000
AWARDS = 1_000_000
UNITS = 200
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
          "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lâm", "Mai"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Hoàng", "Thu", "Kim", "Xuân", "Công",
          "Gia", "Bảo", "Anh", "Hải", "Mỹ", "Phương", "Trọng"]
GIVEN = ["An", "Ân", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Hương",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Nhung", "Phúc", "Phương", "Quân", "Quang", "Sơn",
         "Tâm", "Thảo", "Thắng", "Thành", "Thủy", "Tiến", "Trang", "Trung", "Tuấn", "Uyên", "Vân", "Việt", "Vy",
         "Yến", "Ánh", "Bích", "Châu", "Diệp", "Định", "Hiếu", "Huy", "Kiên", "Lộc", "Nguyên"]


def schema_url(url: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{SCHEMA}"


def build(app, db, rebuild: bool) -> None:
    import sqlalchemy as sa

    from service.migrate import upgrade_database
    from service.models import Unit
    from service.text import fold_name

    with db.engine.begin() as connection:
        if rebuild:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    upgrade_database()
    have = db.session.scalar(sa.text("SELECT count(*) FROM award_records"))
    if have >= AWARDS:
        print(f"Reusing the data set in schema {SCHEMA} ({have} award records).")
        return
    started = time.monotonic()
    for number in range(1, UNITS + 1):
        place = f"Thử {number}"
        db.session.add(Unit(code=f"bench-{number}", kind="ward", name=f"Ủy ban nhân dân phường {place}",
                            short_name=f"UBND phường {place}", managing_body="UBND THÀNH PHỐ LONG XUYÊN",
                            issuing_body=f"ỦY BAN NHÂN DÂN PHƯỜNG {place.upper()}", place_name=place,
                            abbreviation="UBND", council_name=f"Hội đồng Thi đua - Khen thưởng phường {place}",
                            signature_authority="TM. ỦY BAN NHÂN DÂN", signature_title="CHỦ TỊCH",
                            signer_name="Nguyễn Văn Tâm"))
    db.session.commit()
    unit_ids = db.session.scalars(sa.select(Unit.id).order_by(Unit.id)).all()
    rng = random.Random(12)
    people = []
    for number in range(1, PEOPLE + 1):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        people.append((number, name, fold_name(name), rng.choice(("male", "female")), rng.choice(unit_ids)))
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        now = "2025-01-01 00:00:00+00"
        with cursor.copy("COPY people (id, kind, full_name, name_folded, gender, position, unit_id, is_whole_unit,"
                         " is_active, created_at, updated_at) FROM STDIN") as copy:
            for number, name, folded, gender, unit in people:
                copy.write_row((number, "individual", name, folded, gender, "Công chức", unit, False, True, now, now))
        with cursor.copy("COPY award_records (id, person_id, recipient_kind, recipient_name, name_folded, gender,"
                         " position, unit_id, workplace, form_code, form_name, family, year, achievement,"
                         " decision_number, decision_date, authority_name, source, created_at) FROM STDIN") as copy:
            for number in range(1, AWARDS + 1):
                person_id, name, folded, gender, unit = people[rng.randrange(PEOPLE)]
                year = rng.randint(2000, 2025)
                copy.write_row((number, person_id, "individual", name, folded, gender, "Công chức", unit, "",
                                "giay_khen_ca_nhan", "Giấy khen", "commendation", year, "", f"{rng.randint(1, 9999)}/QĐ-UBND",
                                f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "UBND thành phố",
                                "import", now))
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('people', 'id'), {PEOPLE})")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('award_records', 'id'), {AWARDS})")
        raw.commit()
        cursor.execute("ANALYZE people")
        cursor.execute("ANALYZE award_records")
        raw.commit()
    finally:
        raw.close()
    print(f"Built {PEOPLE} people and {AWARDS} award records in {time.monotonic() - started:.0f} s.")


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return statistics.median(ordered), p99


def measure(call, arguments: list, repeat_warm: bool = True) -> tuple[float, float]:
    from service.db import db

    for argument in arguments[:5]:
        call(argument)
    times = []
    for argument in arguments:
        started = time.perf_counter()
        call(argument)
        times.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return percentiles(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true")
    options = parser.parse_args()

    import sqlalchemy as sa

    from service import create_app
    from service.db import db
    from service.models import User
    from service.operations import register

    app = create_app({"DATABASE_URL": schema_url(options.database_url), "AUTO_MIGRATE": False,
                      "DOCUMENT_STORE": os.path.join("/tmp", f"bench-register-{os.getpid()}"), "SECRET_KEY": "bench"})
    with app.app_context():
        build(app, db, options.rebuild)
        admin = User(username="bench", full_name="Quản trị", role="admin", password_hash="x")
        rng = random.Random(7)
        names = [" ".join(n.split()[1:]) if i % 2 else n for i, n in enumerate(
            db.session.scalars(sa.text("SELECT name_folded FROM people WHERE id = ANY(:ids)"),
                               {"ids": [rng.randint(1, PEOPLE) for _ in range(options.samples)]}).all())]
        person_ids = [rng.randint(1, PEOPLE) for _ in range(options.samples)]

        def search(name):
            return register.search_awards(admin, name=name)["items"]

        def history(person_id):
            return register.person_awards(admin, person_id)

        plan = "\n".join(db.session.execute(sa.text(
            "EXPLAIN SELECT id FROM award_records WHERE name_folded LIKE :p ORDER BY decision_date DESC LIMIT 51"),
            {"p": f"%{names[0]}%"}).scalars())
        rows = [("Tìm theo tên không dấu, trang đầu", "có chỉ mục trigram", *measure(search, names))]
        rows.append(("Quá trình khen thưởng của một người", "có chỉ mục (person_id, year)",
                     *measure(history, person_ids)))
        few = max(20, options.samples // 4)
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP INDEX ix_award_records_name_trgm"))
            connection.execute(sa.text("DROP INDEX ix_award_records_person_year"))
        try:
            rows.append(("Tìm theo tên không dấu, trang đầu", "không chỉ mục", *measure(search, names[:few])))
            rows.append(("Quá trình khen thưởng của một người", "không chỉ mục", *measure(history, person_ids[:few])))
        finally:
            with db.engine.begin() as connection:
                connection.execute(sa.text("CREATE INDEX ix_award_records_name_trgm ON award_records"
                                           " USING gin (name_folded public.gin_trgm_ops)"))
                connection.execute(sa.text("CREATE INDEX ix_award_records_person_year ON award_records"
                                           " (person_id, year)"))
        print("Kế hoạch truy vấn tìm theo tên (có chỉ mục):\n" + plan + "\n")
        print("| Truy vấn | Chỉ mục | p50 (ms) | p99 (ms) |")
        print("|---|---|---:|---:|")
        for label, index, p50, p99 in rows:
            print(f"| {label} | {index} | {p50:.1f} | {p99:.1f} |")
        print(f"\nTải máy (load average 1/5/15 phút): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
