"""The standing agency's work at province scale: a round of 1,000 units and 20,000 nominees.

    .venv/bin/python bench/bench_province.py --database-url postgresql://postgres@127.0.0.1:5432/test
                                             [--units 1000] [--per-unit 20] [--repeat 20]

Setup (timed apart): a schema of its own in that PostgreSQL database, ``flask
migrate`` and ``load-demo`` as ``run.sh`` runs them, then ``--units`` wards with
one accepted dossier each (one collective and ``per-unit - 1`` individuals with
random figures, a council meeting and its votes: one nominee in twenty fails the
vote, one in twenty misses a target), written with bulk INSERTs rather than
through the API, so that it takes a minute rather than an hour. The round is then
consolidated through the real operation.

Served by gunicorn as ``run.sh`` starts it (2 workers × 4 threads), with
``SQL_STATEMENT_HEADER=1`` so that every response says how many SQL statements
its request ran. Each endpoint is called ``--repeat`` times (the documents and
workbooks fewer) by the standing agency's reviewer; the table gives p50 and p95
of the wall time (body included), the body's size and the statements. The first
call after a change of the round's data ranks the round (the list is computed
once per data version and kept), so it is reported apart as "first".

Comparators measured in the same run, in this process:
- the bare SQL read of the round's nominees (one SELECT of every column the list
  needs, rows fetched) against the list read and ranked by the service;
- openpyxl's write-only mode writing the same rows with no styling, against the
  ranking and awardee workbooks' writers;
- the Word render alone (from a ready snapshot) against the whole document request.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import gunicorn, postgres_schema, run_flask  # noqa: E402

PASSWORD = "hoso2024"
REVIEWER = "thamdinh.yte"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Hoàng", "Ngọc", "Quốc", "Thị Kim"]
GIVEN = ["An", "Anh", "Ánh", "Bình", "Châu", "Dũng", "Đức", "Giang", "Hạnh", "Hùng", "Khoa", "Lan", "Long",
         "Mai", "Nam", "Nhung", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Uyên", "Vy"]


def make_app(database_url: str, store: str):
    from service import create_app

    return create_app({"DATABASE_URL": database_url, "DOCUMENT_STORE": store, "SECRET_KEY": "bench",
                       "AUTO_MIGRATE": False, "LOAD_DEMO_DATA": False})


def build_round(app, units: int, per_unit: int, seed: int = 2024) -> int:
    """Bulk-insert ``units`` wards with an accepted dossier each; consolidate the demo round. Its id."""
    import sqlalchemy as sa

    from service.db import db, utcnow
    from service.models import Campaign, CampaignRound, CouncilMeeting, Dossier, Nominee, Unit, User, Vote
    from service.operations import rounds as round_ops
    from service.operations import workflow

    rng = random.Random(seed)
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign))
        round_ = db.session.scalar(sa.select(CampaignRound).where(CampaignRound.campaign_id == campaign.id))
        model = db.session.scalar(sa.select(Unit).where(Unit.code == "my-binh"))
        reviewer = db.session.scalar(sa.select(User).where(User.username == REVIEWER))
        started = time.perf_counter()
        db.session.execute(sa.insert(Unit), [{
            "code": f"tinh-{i:04d}", "kind": "ward", "parent_id": model.parent_id,
            "name": f"Ủy ban nhân dân phường Thử Nghiệm {i}", "short_name": f"UBND phường Thử Nghiệm {i}",
            "managing_body": model.managing_body, "issuing_body": f"ỦY BAN NHÂN DÂN PHƯỜNG THỬ NGHIỆM {i}",
            "place_name": f"Thử Nghiệm {i}", "abbreviation": "UBND", "council_name": model.council_name,
            "signature_title": model.signature_title, "signer_name": f"{FAMILY[i % 12]} Văn {GIVEN[i % 23]}",
        } for i in range(1, units + 1)])
        unit_ids = db.session.scalars(sa.select(Unit.id).where(Unit.code.like("tinh-%")).order_by(Unit.id)).all()
        now = utcnow()
        db.session.execute(sa.insert(Dossier), [{
            "campaign_id": campaign.id, "round_id": round_.id, "unit_id": unit_id, "state": "accepted",
            "created_by_id": reviewer.id, "submitted_at": now, "to_trinh_number": 15, "bien_ban_number": 3,
            "to_trinh_date": dt.date(2024, 12, 3), "recipients": [],
        } for unit_id in unit_ids])
        dossiers = dict(db.session.execute(sa.select(Dossier.unit_id, Dossier.id)
                                           .where(Dossier.unit_id.in_(unit_ids))).all())
        nominees = []
        for index, unit_id in enumerate(unit_ids, start=1):
            dossier_id = dossiers[unit_id]
            staff = rng.randint(10, 40)
            short = f"UBND phường Thử Nghiệm {index}"
            nominees.append({
                "dossier_id": dossier_id, "kind": "collective", "full_name": f"Công chức Văn hóa - Xã hội, {short}",
                "award_form": "giay_khen_tap_the", "position_in_list": 0, "achievement_summary":
                    "Vận động người thân tham gia BHXH tự nguyện và BHYT trong đợt cao điểm.",
                "metric_values": {"staff_total": staff, "staff_persuaded_bhxh": rng.randint(staff // 2, staff),
                                  "relatives_bhxh": rng.randint(5, 60),
                                  "relatives_bhyt": rng.randint(staff, 3 * staff)}})
            for k in range(1, per_unit):
                gender = "female" if k % 2 else "male"
                name = (f"{FAMILY[rng.randrange(12)]} {'Thị' if gender == 'female' else MIDDLE[k % 8]} "
                        f"{GIVEN[rng.randrange(23)]}")
                nominees.append({
                    "dossier_id": dossier_id, "kind": "individual", "full_name": name, "gender": gender,
                    "position": "Công chức", "workplace": short, "award_form": "giay_khen_ca_nhan",
                    "position_in_list": k, "is_leader": k == 1,
                    "achievement_summary": "Trực tiếp vận động người thân tham gia BHXH tự nguyện, BHYT.",
                    "metric_values": {"relatives_bhxh": rng.randint(0, 12),
                                      "relatives_bhyt": 0 if rng.random() < 0.05 else rng.randint(1, 20)}})
        db.session.execute(sa.insert(Nominee), nominees)
        db.session.execute(sa.insert(CouncilMeeting), [{
            "dossier_id": dossier_id, "started_at": now, "ended_at": now, "place": "Hội trường",
            "chair_name": "Trần Văn Chủ", "secretary_name": "Lê Thị Thư", "total_members": 9,
            "present_members": 8, "absentees": [], "voting_method": "show_of_hands", "recorded_by_id": reviewer.id,
        } for dossier_id in dossiers.values()])
        meetings = dict(db.session.execute(sa.select(CouncilMeeting.dossier_id, CouncilMeeting.id)
                                           .where(CouncilMeeting.dossier_id.in_(dossiers.values()))).all())
        rows = db.session.execute(sa.select(Nominee.id, Nominee.dossier_id)
                                  .where(Nominee.dossier_id.in_(dossiers.values()))).all()
        db.session.execute(sa.insert(Vote), [{
            "meeting_id": meetings[dossier_id], "nominee_id": nominee_id,
            "votes_in_favour": 3 if rng.random() < 0.05 else 8} for nominee_id, dossier_id in rows])
        db.session.commit()
        print(f"setup: {units} units, {len(nominees)} nominees inserted in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
        # The demo's dossiers waiting for review are accepted, so the round can be proposed later.
        for dossier in db.session.scalars(sa.select(Dossier).where(Dossier.state.in_(("submitted", "under_review")))):
            if dossier.state == "submitted":
                workflow.fire_transition(reviewer, dossier, "start_review", expected_state="submitted")
            workflow.fire_transition(reviewer, dossier, "accept", expected_state="under_review")
        round_ops.fire_round_transition(reviewer, round_, "close_collection", expected_state=round_.state)
        db.session.commit()
        return round_.id


def propose(app, round_id: int) -> float:
    from service.db import db
    from service.models import CampaignRound, User
    from service.operations import rounds as round_ops

    with app.app_context():
        reviewer = db.session.scalar(db.select(User).where(User.username == REVIEWER))
        round_ = db.session.get(CampaignRound, round_id)
        started = time.perf_counter()
        round_ops.fire_round_transition(reviewer, round_, "propose", expected_state="consolidating",
                                        proposal_number="25/TTr-PYT", proposal_date=dt.date(2024, 12, 10))
        db.session.commit()
        return time.perf_counter() - started


# --- measuring over HTTP ------------------------------------------------------------------------

class Figures:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str, str]] = []

    def add(self, what: str, times: list[float], sizes: list[int], statements: list[str],
            first: float | None = None, comparator: str = "") -> None:
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
        self.rows.append((what, f"{statistics.median(times) * 1000:,.0f} / {p95 * 1000:,.0f}",
                          f"{first * 1000:,.0f}" if first is not None else "", _size(statistics.median(sizes)),
                          "/".join(sorted(set(statements), key=lambda s: int(s) if s.isdigit() else -1)),
                          comparator))
        print(f"  {what}: p50 {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms", file=sys.stderr)

    def table(self) -> str:
        lines = ["| endpoint | p50 / p95 (ms) | first call (ms) | body | SQL statements | comparator |",
                 "|---|---:|---:|---:|---:|---|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def _size(size: float) -> str:
    return f"{size / 2**20:.2f} MB" if size >= 2**20 else f"{size / 1024:.1f} KB"


def timed(session: requests.Session, method: str, url: str, repeat: int, ok: tuple[int, ...] = (200,),
          body: Callable[[int], dict] | None = None) -> tuple[list[float], list[int], list[str]]:
    times, sizes, statements = [], [], []
    for index in range(repeat):
        kwargs: dict[str, Any] = {"timeout": 600}
        if body is not None:
            kwargs["json"] = body(index)
        started = time.perf_counter()
        response = session.request(method, url, **kwargs)
        content = response.content
        times.append(time.perf_counter() - started)
        if response.status_code not in ok:
            raise SystemExit(f"{method} {url}: {response.status_code} {response.text[:500]}")
        sizes.append(len(content))
        statements.append(response.headers.get("X-SQL-Statements", "?"))
    return times, sizes, statements


def sessions(server: str) -> tuple[requests.Session, requests.Session]:
    api = requests.Session()
    token = api.post(server + "/api/v1/auth/token", json={"username": REVIEWER, "password": PASSWORD}, timeout=60)
    api.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    page = requests.Session()
    form = page.get(server + "/dang-nhap", timeout=60).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    signed = page.post(server + "/dang-nhap", data={"username": REVIEWER, "password": PASSWORD,
                                                     "csrf_token": csrf.group(1) if csrf else ""},
                       headers={"Origin": server, "Referer": server + "/dang-nhap"}, timeout=60,
                       allow_redirects=False)
    if signed.status_code != 302:
        raise SystemExit(f"page sign-in: {signed.status_code}")
    return api, page


def bump(app, round_id: int) -> None:
    """Change the round's data as a clerk's edit would (a dossier's version), so the next read ranks anew."""
    import sqlalchemy as sa

    from service.db import db
    from service.models import Dossier

    with app.app_context():
        db.session.execute(sa.update(Dossier).where(Dossier.round_id == round_id)
                           .where(Dossier.id == sa.select(sa.func.min(Dossier.id)).where(
                               Dossier.round_id == round_id, Dossier.state == "accepted").scalar_subquery())
                           .values(version=Dossier.version + 1))
        db.session.commit()


# --- comparators, in this process ----------------------------------------------------------------

def bare_read(app, round_id: int) -> tuple[float, float, int, int]:
    """The bare SQL read of the round's nominees against the service's list (read and ranked)."""
    import sqlalchemy as sa

    from service.db import db
    from service.models import CampaignRound
    from service.operations import rounds as round_ops

    with app.app_context():
        round_ = db.session.get(CampaignRound, round_id)
        started = time.perf_counter()
        rows = db.session.execute(sa.select(*round_ops._NOMINEE_COLUMNS).join(
            round_ops.Dossier, round_ops.Dossier.id == round_ops.Nominee.dossier_id)
            .where(round_ops.Dossier.round_id == round_id)).all()
        bare = time.perf_counter() - started
        statements = []
        count = lambda *args: statements.append(1)  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        round_ops._read_listing(round_, round_ops.data_version(round_))
        service = time.perf_counter() - started
        sa.event.remove(db.engine, "before_cursor_execute", count)
        db.session.rollback()
        return bare, service, len(rows), len(statements)


def excel_comparators(app, round_id: int, repeat: int) -> dict[str, tuple[float, float]]:
    """Each workbook writer against openpyxl's write-only mode writing the same values unstyled."""
    import openpyxl

    from service.awards import excel
    from service.db import db
    from service.models import CampaignRound
    from service.operations import round_documents, rounds as round_ops

    with app.app_context():
        round_ = db.session.get(CampaignRound, round_id)
        listing = round_ops.round_ranking(round_)
        metrics = round_ops.metric_columns(round_.campaign)
        ranking_rows = [{"rank": r["rank"], "kind": r["kind"], "full_name": r["full_name"],
                         "unit_name": r["unit"].name, "metrics": r["values"],
                         "note": "Được chọn" if r["is_selected"] else r["reason"]} for r in listing["nominees"]]
        awardees = round_documents.award_snapshot(round_)["awardees"]

        def plain(rows: list[list[Any]]) -> bytes:
            workbook = openpyxl.Workbook(write_only=True)
            sheet = workbook.create_sheet("x")
            for row in rows:
                sheet.append(row)
            buffer = io.BytesIO()
            workbook.save(buffer)
            return buffer.getvalue()

        ranking_values = [[r["rank"], r["kind"], r["full_name"], r["unit_name"],
                           *(r["metrics"].get(m["code"]) for m in metrics), r["note"]] for r in ranking_rows]
        awardee_values = [[i, a["kind"], a["full_name"], a.get("gender"), a.get("position"), a.get("workplace"),
                           a.get("unit_name"), a["award_form"]["name"], a.get("multiplier"),
                           float(a.get("prize_raw") or 0), float(a.get("prize_rounded") or 0), a.get("achievement")]
                          for i, a in enumerate(awardees, start=1)]
        pairs = {
            "ranking.xlsx": (lambda: excel.export_ranking(ranking_rows, metrics), lambda: plain(ranking_values)),
            "awardees.xlsx": (lambda: excel.export_awardees(awardees), lambda: plain(awardee_values)),
        }
        figures = {}
        for name, (ours, theirs) in pairs.items():
            ours_times, their_times = [], []
            for _ in range(repeat):  # interleaved, so that both see the same load
                for fn, times in ((ours, ours_times), (theirs, their_times)):
                    started = time.perf_counter()
                    fn()
                    times.append(time.perf_counter() - started)
            figures[name] = (statistics.median(ours_times), statistics.median(their_times))
        db.session.rollback()
        return figures


def document_comparators(app, round_id: int) -> dict[str, float]:
    """The snapshot's build and each Word render alone, for the document requests to be compared with."""
    from service.db import db
    from service.documents.builders import round as round_builders
    from service.models import CampaignRound
    from service.operations import round_documents

    with app.app_context():
        round_ = db.session.get(CampaignRound, round_id)
        started = time.perf_counter()
        snapshot = round_documents.award_snapshot(round_)
        figures = {"snapshot": time.perf_counter() - started}
        for kind in round_documents.ROUND_DOCUMENT_KINDS:
            started = time.perf_counter()
            round_builders.render_campaign_document(kind, snapshot)
            figures[kind] = time.perf_counter() - started
        db.session.rollback()
        return figures


def measure(server: str, app, round_id: int, repeat: int, figures: Figures, frozen: bool) -> None:
    api, page = sessions(server)
    state = "proposed" if frozen else "consolidating"
    round_url, api_url = f"{server}/dot-khen-thuong/{round_id}", f"{server}/api/v1/rounds/{round_id}"
    if not frozen:
        bump(app, round_id)
    first = timed(page, "GET", round_url, 1)[0][0]
    figures.add(f"round page ({state})", *timed(page, "GET", round_url, repeat), first=first)
    figures.add(f"round page, group 3 page 100 ({state})",
                *timed(page, "GET", round_url + "?trang=3-100", repeat))
    figures.add(f"GET /api/v1/rounds/{{id}} ({state})", *timed(api, "GET", api_url, repeat),
                comparator="1.3 KB of JSON")
    figures.add(f"GET …/ranking?page=1 ({state})", *timed(api, "GET", api_url + "/ranking?page=1", repeat))
    figures.add(f"GET …/ranking?page=150&per_page=100 ({state})",
                *timed(api, "GET", api_url + "/ranking?page=150&per_page=100", repeat))
    if not frozen:
        listing = api.get(api_url + "/ranking?per_page=5&group=C%C3%A1%20nh%C3%A2n", timeout=60).json()
        nominee = next(r["nominee_id"] for r in listing["nominees"] if r["is_selected"])
        figures.add("override (POST …/overrides, consolidating)", *timed(
            api, "POST", api_url + "/overrides", repeat, ok=(201,),
            body=lambda i: {"nominee_id": nominee, "selected": False if i % 2 == 0 else None,
                            "reason": f"Thử điều chỉnh lần {i + 1}"}))
        figures.add("GET …/ranking?page=1 right after an override", *timed(api, "GET", api_url + "/ranking", 3))
        bare, service, count, statements = bare_read(app, round_id)
        figures.add(f"live ranking with its database read ({count} nominees, in process)", [service], [0],
                    [str(statements)],
                    comparator=f"bare SQL read {bare * 1000:,.0f} ms")
    xlsx_repeat = max(3, repeat // 4)
    for name in ("ranking.xlsx", "awardees.xlsx") if frozen else ("ranking.xlsx",):
        figures.add(f"{name} ({state})", *timed(api, "GET", f"{api_url}/{name}", xlsx_repeat))
    if frozen:
        documents = document_comparators(app, round_id)
        for kind in ("quyet_dinh", "to_trinh_tong_hop", "certificates"):
            figures.add(f"{kind}.docx ({state})", *timed(api, "GET", f"{api_url}/documents/{kind}.docx", 3),
                        comparator=f"render alone {documents[kind] * 1000:,.0f} ms "
                                   f"(+ snapshot {documents['snapshot'] * 1000:,.0f} ms)")
        for name, (ours, theirs) in excel_comparators(app, round_id, 3).items():
            figures.add(f"{name} writer alone (in process)", [ours], [0], ["0"],
                        comparator=f"openpyxl write-only {theirs * 1000:,.0f} ms ({ours / theirs:.2f}×)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL database to work in (own schema)")
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--per-unit", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    options = parser.parse_args(argv)

    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="hoso-province-") as folder, contextlib.ExitStack() as stack:
        database_url = stack.enter_context(postgres_schema(options.database_url))
        store = str(Path(folder) / "documents")
        env = {**os.environ, "DATABASE_URL": database_url, "DOCUMENT_STORE": store, "SECRET_KEY": "bench",
               "AUTO_MIGRATE": "0", "LOAD_DEMO_DATA": "0", "SQL_STATEMENT_HEADER": "1", "PYTHONPATH": str(ROOT)}
        run_flask(env, "migrate")
        run_flask(env, "load-demo")
        app = make_app(database_url, store)
        round_id = build_round(app, options.units, options.per_unit)
        base = stack.enter_context(gunicorn(env, options.workers, options.threads, Path(folder) / "gunicorn.log"))
        server = base.removesuffix("/api/v1")
        measure(server, app, round_id, options.repeat, figures, frozen=False)
        print(f"propose (freezes the list): {propose(app, round_id):.1f} s", file=sys.stderr)
        measure(server, app, round_id, options.repeat, figures, frozen=True)

    print(f"\n## Province scale: {options.units} units, {options.units * options.per_unit} nominees, PostgreSQL, "
          f"gunicorn {options.workers} workers × {options.threads} threads\n")
    print(figures.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
