"""Lists at province scale: the reviewer's home page, the dossier list API and a dossier of 15 000 nominees,
side by side with the campaign progress page (the issue's comparator).

    .venv/bin/python bench/bench_lists.py --database-url postgresql://postgres@127.0.0.1:5432/test [--repeat 30]

Setup (not timed): a schema of its own in that database, migrated, the demo loaded, then with bulk SQL
inserts 1 000 more wards, one dossier each in the demo campaign's round, sent to the standing agency, and
20 000 nominees: 15 000 in one dossier, the other 5 000 spread over the rest.

Measured: gunicorn started as run.sh starts it (``--config front.conf.py``: 2 workers, 4 threads each),
each endpoint requested ``--repeat`` times one after another by the demo's reviewer (after two untimed
requests), p50/p95 of the wall-clock time and the response's size; and the number of SQL statements the
same request runs, counted in this process (bench/sqlcount.py) against the same database.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import PASSWORD, Unexpected, free_port, postgres_schema, run_flask  # noqa: E402
from sqlcount import statement_counter  # noqa: E402

REVIEWER = "thamdinh.yte"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
COLLECTIVE_METRICS = {"staff_total": 20, "staff_persuaded_bhxh": 12, "relatives_bhxh": 15, "relatives_bhyt": 22}


def build(database_url: str, units: int, nominees: int, big: int) -> dict[str, int]:
    """The province: ``units`` wards with a submitted dossier each, ``nominees`` nominees, ``big`` in one."""
    import sqlalchemy as sa

    from service import create_app
    from service.db import db
    from service.models import Campaign, Dossier, Nominee, Unit, User

    app = create_app({"DATABASE_URL": database_url, "AUTO_MIGRATE": False, "LOAD_DEMO_DATA": False,
                      "SECRET_KEY": "bench"})
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).order_by(Campaign.id))
        round_id = db.session.scalar(sa.select(Dossier.round_id).where(Dossier.campaign_id == campaign.id))
        admin_id = db.session.scalar(sa.select(User.id).where(User.role == "admin"))
        db.session.execute(sa.insert(Unit), [{
            "code": f"bench-{i}", "kind": "ward", "name": f"Ủy ban nhân dân phường Thử {i}",
            "short_name": f"UBND phường Thử {i}", "managing_body": "UBND TỈNH AN GIANG",
            "issuing_body": f"ỦY BAN NHÂN DÂN PHƯỜNG THỬ {i}", "place_name": f"Thử {i}", "abbreviation": "UBND",
            "council_name": f"Hội đồng Thi đua - Khen thưởng phường Thử {i}", "signature_title": "CHỦ TỊCH",
            "signer_name": "Nguyễn Văn Tâm"} for i in range(units)])
        unit_ids = list(db.session.scalars(sa.select(Unit.id).where(Unit.code.like("bench-%")).order_by(Unit.id)))
        db.session.execute(sa.insert(Dossier), [{
            "campaign_id": campaign.id, "round_id": round_id, "unit_id": unit_id, "state": "submitted",
            "created_by_id": admin_id, "recipients": []} for unit_id in unit_ids])
        dossier_ids = list(db.session.scalars(sa.select(Dossier.id).where(Dossier.unit_id.in_(unit_ids))
                                              .order_by(Dossier.id)))
        big_id, others = dossier_ids[0], dossier_ids[1:]
        rows = [(big_id, n) for n in range(big)]
        rest = nominees - big
        rows += [(others[n % len(others)], n // len(others)) for n in range(rest)]
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(Nominee), [{
                "dossier_id": dossier_id, "kind": "collective", "full_name": f"Tập thể {dossier_id}-{position}",
                "award_form": "giay_khen_tap_the", "metric_values": COLLECTIVE_METRICS, "position_in_list": position,
                "achievement_summary": "Vận động 15 người thân tham gia BHXH tự nguyện."}
                for dossier_id, position in rows[start:start + 5000]])
        db.session.commit()
        return {"campaign_id": campaign.id, "big_dossier_id": big_id, "dossiers": len(dossier_ids)}


def web_session(base: str) -> requests.Session:
    session = requests.Session()
    token = CSRF_META.search(session.get(base + "/dang-nhap", timeout=60).text).group(1)
    signed_in = session.post(base + "/dang-nhap", data={"username": REVIEWER, "password": PASSWORD,
                                                       "csrf_token": token}, allow_redirects=False, timeout=60)
    if signed_in.status_code != 302:
        raise Unexpected(f"sign-in: {signed_in.status_code}")
    return session


def api_headers(base: str) -> dict[str, str]:
    response = requests.post(base + "/api/v1/auth/token", json={"username": REVIEWER, "password": PASSWORD},
                             timeout=60)
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def time_endpoint(session: requests.Session, url: str, repeat: int, headers=None) -> dict[str, float]:
    times, size = [], 0
    for attempt in range(repeat + 2):
        started = time.perf_counter()
        response = session.get(url, headers=headers or {}, timeout=120)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise Unexpected(f"{url}: {response.status_code} {response.text[:200]}")
        size = len(response.content)
        if attempt >= 2:
            times.append(elapsed)
    times.sort()
    return {"p50": statistics.median(times) * 1000, "p95": times[max(0, round(0.95 * len(times)) - 1)] * 1000,
            "bytes": size}


def count_statements(database_url: str, paths: list[tuple[str, str, bool]]) -> dict[str, int]:
    """Statements per request, the app in this process (a warm request first, as in the timed runs)."""
    from service import create_app

    app = create_app({"DATABASE_URL": database_url, "AUTO_MIGRATE": False, "LOAD_DEMO_DATA": False,
                      "SECRET_KEY": "bench"})
    client = app.test_client()
    csrf = CSRF_META.search(client.get("/dang-nhap").get_data(as_text=True)).group(1)
    signed_in = client.post("/dang-nhap", data={"username": REVIEWER, "password": PASSWORD, "csrf_token": csrf})
    assert signed_in.status_code == 302, signed_in.status_code
    token = client.post("/api/v1/auth/token", json={"username": REVIEWER, "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    counts = {}
    for name, path, is_api in paths:
        client.get(path, headers=headers if is_api else {})
        with statement_counter(app) as counted:
            response = client.get(path, headers=headers if is_api else {})
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = len(counted)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL; a schema of its own is made and dropped")
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--nominees", type=int, default=20_000)
    parser.add_argument("--big", type=int, default=15_000, help="nominees in the one large dossier")
    parser.add_argument("--repeat", type=int, default=30)
    options = parser.parse_args(argv)

    with postgres_schema(options.database_url) as url, tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": url, "AUTO_MIGRATE": "0", "DOCUMENT_STORE": folder,
               "SECRET_KEY": "bench-lists", "WORKERS": "2", "THREADS": "4"}
        env.pop("REDIS_URL", None)
        os.environ.update({k: v for k, v in env.items() if k in ("DOCUMENT_STORE", "SECRET_KEY")})
        started = time.perf_counter()
        run_flask(env, "migrate")
        run_flask(env, "load-demo")
        ids = build(url, options.units, options.nominees, options.big)
        print(f"setup: {ids['dossiers']} dossiers, {options.nominees} nominees ({options.big} in dossier "
              f"{ids['big_dossier_id']}) in {time.perf_counter() - started:.0f} s", flush=True)
        big_pages = -(-options.big // 50)
        paths = [
            ("campaign progress page (comparator)", f"/phong-trao/{ids['campaign_id']}", False),
            ("reviewer's home page", "/", False),
            ("reviewer's home page, page 10", "/?trang=10", False),
            ("GET /api/v1/dossiers?campaign_id (page 1, 100 a page)",
             f"/api/v1/dossiers?campaign_id={ids['campaign_id']}", True),
            ("GET /api/v1/dossiers?campaign_id (page 10)",
             f"/api/v1/dossiers?campaign_id={ids['campaign_id']}&page=10", True),
            (f"dossier page, {options.big} nominees, page 1", f"/ho-so/{ids['big_dossier_id']}", False),
            (f"dossier page, {options.big} nominees, last page",
             f"/ho-so/{ids['big_dossier_id']}?trang={big_pages}", False),
        ]
        port = free_port()
        log_path = Path(folder) / "gunicorn.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "front.conf.py", "--bind",
                                        f"127.0.0.1:{port}", "--access-logfile", "/dev/null"],
                                       cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(base + "/dang-nhap", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise Unexpected("gunicorn did not start: " + log_path.read_text(errors="replace")[-2000:])
                time.sleep(0.2)
            web, headers = web_session(base), api_headers(base)
            timings = {name: time_endpoint(web, base + path, options.repeat, headers if is_api else None)
                       for name, path, is_api in paths}
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        counts = count_statements(url, paths)

    print(f"\n{options.units} units, {options.nominees} nominees, PostgreSQL, gunicorn as run.sh starts it "
          f"(front.conf.py, 2 workers × 4 threads), {options.repeat} requests each\n")
    print(f"| {'endpoint':<52} | p50 ms | p95 ms | bytes | SQL statements |")
    print(f"|{'-' * 54}|-------:|-------:|------:|---------------:|")
    for name, _, _ in paths:
        t = timings[name]
        print(f"| {name:<52} | {t['p50']:6.0f} | {t['p95']:6.0f} | {t['bytes']:,} | {counts[name]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
