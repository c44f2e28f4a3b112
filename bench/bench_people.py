"""Admin-wide register search by folded name over 200 000 people on PostgreSQL.

    .venv/bin/python bench/bench_people.py --database-url postgresql://postgres@127.0.0.1:5432/test [--repeat 30]

Setup (not timed): a schema of its own in that database holding the ``people`` table as the migrations make
it (the same columns and indexes, built from the models), 200 000 rows of generated Vietnamese names in 500
units, folded with service.text.fold_name. Measured: the two statements of service.operations.people
.search_people for the admin (the count and the first page of 50, ``name_folded LIKE '%q%'`` ordered by
name through an expression, as search_people orders), ``--repeat`` times each for a few queries, p50/p99 in ms; then the same after adding a pg_trgm GIN
index on name_folded (when the extension can be created), to show what such an index buys.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from service.text import fold_name  # noqa: E402

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Kim", "Hoàng"]
GIVEN = ["An", "Ánh", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hà", "Hải", "Hùng", "Hương", "Khánh", "Lan",
         "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Vy", "Yến"]
QUERIES = ["nguyen van an", "Đức", "thi lan", "huynh ngoc yen"]
SCHEMA = "bench_people"


def timed(connection, statement, params, repeat):
    for _ in range(2):
        connection.execute(statement, params).all()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        connection.execute(statement, params).all()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def measure(connection, repeat, label):
    count = sa.text("SELECT count(id) FROM people WHERE name_folded LIKE :q")
    page = sa.text("SELECT * FROM people WHERE name_folded LIKE :q ORDER BY name_folded || '', id LIMIT 50 OFFSET 0")
    for query in QUERIES:
        params = {"q": f"%{fold_name(query)}%"}
        total = connection.execute(count, params).scalar()
        count_p50, count_p99 = timed(connection, count, params, repeat)
        page_p50, page_p99 = timed(connection, page, params, repeat)
        print(f"{label:<14} {query!r:<18} matches {total:>6}  count p50 {count_p50:6.1f} p99 {count_p99:6.1f}  "
              f"first page p50 {page_p50:6.1f} p99 {page_p99:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    rng = random.Random(12)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        connection.execute(sa.text(f"SET search_path TO {SCHEMA}"))
        # The people table and its indexes as in migration 0014 (without the foreign keys, no units here).
        connection.execute(sa.text(
            "CREATE TABLE people (id serial PRIMARY KEY, kind varchar(16) NOT NULL, full_name varchar(255) NOT NULL,"
            " name_folded varchar(255) NOT NULL, gender varchar(8), birth_date date, position varchar(255),"
            " unit_id integer NOT NULL, is_whole_unit boolean NOT NULL, id_number varchar(32),"
            " is_active boolean NOT NULL)"))
        rows = []
        for number in range(args.people):
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            rows.append({"n": name, "f": fold_name(name), "u": 1 + number % 500, "g": rng.choice(["male", "female"])})
        connection.execute(sa.text(
            "INSERT INTO people (kind, full_name, name_folded, gender, position, unit_id, is_whole_unit, is_active)"
            " VALUES ('individual', :n, :f, :g, '', :u, false, true)"), rows)
        connection.execute(sa.text("CREATE INDEX ix_people_name_folded ON people (name_folded)"))
        connection.execute(sa.text("CREATE INDEX ix_people_unit_id_name_folded ON people (unit_id, name_folded)"))
        connection.execute(sa.text("ANALYZE people"))
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f"SET search_path TO {SCHEMA}"))
            print(f"{args.people} people, {args.repeat} runs each")
            measure(connection, args.repeat, "btree only")
            connection.commit()
            try:
                with connection.begin():
                    connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
                    connection.execute(sa.text(
                        "CREATE INDEX ix_people_name_trgm ON people USING gin (name_folded public.gin_trgm_ops)"))
                    connection.execute(sa.text("ANALYZE people"))
            except sa.exc.DBAPIError as error:
                print(f"pg_trgm not available: {error.orig}")
            else:
                measure(connection, args.repeat, "pg_trgm GIN")
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))


if __name__ == "__main__":
    main()
