"""A whole round's documents as one background job: 1,000 units, every document in one .zip.

    .venv/bin/python bench/bench_round_bundle.py [--units 1000] [--database-url postgresql://…]

Setup (timed apart, not part of the figure): the demo campaign, then ``--units``
more wards, each with three accounts and a dossier driven through the real
operations (nominees, council meeting, documents rendered and frozen, submitted,
accepted), then the round consolidated and proposed. That is 3 Word documents
per unit rendered by the service's engine.

Measured: the "every document of the round" job, run by ``service.jobs.run_job``
in a fresh process (so its peak resident memory is its own): it collects every
unit's frozen documents from the store, draws the round's consolidated tờ
trình, decision, certificates and two spreadsheets, and writes one .zip. Prints
the time, the peak memory, the .zip's size and member count, and how often the
progress was written.

SQLite by default (a temporary folder); with ``--database-url`` a schema of its
own in that PostgreSQL database, dropped at the end.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from memory import max_rss_mib  # noqa: E402

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
GIVEN = ["Thị Ánh", "Văn Đức", "Thị Hồng Nhung", "Minh Quân", "Thị Thúy", "Quốc Việt", "Ngọc Ẩn", "Văn Ưng"]


def make_app(database_url: str, store: str):
    from service import create_app

    return create_app({"DATABASE_URL": database_url, "DOCUMENT_STORE": store, "SECRET_KEY": "bench",
                       "AUTO_MIGRATE": True, "LOAD_DEMO_DATA": False})


def setup(app, units: int) -> int:
    """The demo plus ``units`` wards with accepted dossiers; the round proposed. Returns the round's id."""
    from service import demo
    from service.db import db
    from service.models import CampaignRound, Dossier, Unit, User
    from service.operations import dossiers as dossier_ops
    from service.operations import documents as document_ops
    from service.operations import rounds as round_ops
    from service.operations import workflow

    with app.app_context():
        demo.load_demo_data()
        db.session.commit()
        campaign = db.session.scalar(db.select(demo.Campaign))
        model = db.session.scalar(db.select(Unit).where(Unit.code == "my-binh"))
        reviewer = db.session.scalar(db.select(User).where(User.username == "thamdinh.yte"))
        password_hash = reviewer.password_hash
        started = time.perf_counter()
        for index in range(units):
            name = f"Ủy ban nhân dân phường Thử Nghiệm {index + 1}"
            unit = Unit(code=f"bench-{index + 1:04d}", kind=model.kind, parent_id=model.parent_id, name=name,
                        short_name=f"UBND phường Thử Nghiệm {index + 1}", managing_body=model.managing_body,
                        issuing_body=name.upper(), place_name=f"Thử Nghiệm {index + 1}",
                        abbreviation="UBND", council_name=model.council_name, signature_title=model.signature_title,
                        signer_name=FAMILY[index % 10] + " " + GIVEN[index % 8])
            db.session.add(unit)
            people = {role: User(username=f"{role}.bench{index + 1}", full_name=f"{FAMILY[(index + k) % 10]} "
                                 f"{GIVEN[(index + k) % 8]}", role=role, unit=unit, password_hash=password_hash)
                      for k, role in enumerate(("unit_clerk", "council_secretary", "unit_head"))}
            db.session.add_all(people.values())
            db.session.flush()
            dossier = dossier_ops.create_dossier(people["unit_clerk"], campaign)
            for data in demo._nominees_for(unit):
                data = dict(data)
                data["metric_values"] = data.pop("metrics")
                dossier_ops.add_nominee(people["unit_clerk"], dossier, data)
            workflow.fire_transition(people["unit_clerk"], dossier, "send_to_council", expected_state="drafting")
            secretary = people["council_secretary"]
            dossier_ops.record_meeting(secretary, dossier, demo._meeting_for(dossier, secretary))
            workflow.fire_transition(secretary, dossier, "finalize_minutes", expected_state="council_minutes")
            dossier.to_trinh_number, dossier.bien_ban_number, dossier.to_trinh_date = 15, 3, dt.date(2024, 12, 3)
            dossier_ops.mark_content_changed(dossier)
            document_ops.generate_documents(people["unit_head"], dossier)
            workflow.fire_transition(people["unit_head"], dossier, "submit", expected_state="ready")
            workflow.fire_transition(reviewer, dossier, "start_review", expected_state="submitted")
            workflow.fire_transition(reviewer, dossier, "accept", expected_state="under_review")
            if index % 50 == 49:
                db.session.commit()
                print(f"  {index + 1} dossiers ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        db.session.commit()
        print(f"setup: {units} dossiers driven through the workflow, {3 * units} documents rendered, "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
        # The demo's own dossiers still waiting for review are accepted too, so the round can be proposed.
        for dossier in db.session.scalars(db.select(Dossier).where(Dossier.state.in_(("submitted", "under_review")))):
            if dossier.state == "submitted":
                workflow.fire_transition(reviewer, dossier, "start_review", expected_state="submitted")
            workflow.fire_transition(reviewer, dossier, "accept", expected_state="under_review")
        round_ = db.session.scalar(db.select(CampaignRound).where(CampaignRound.campaign_id == campaign.id))
        round_ops.fire_round_transition(reviewer, round_, "close_collection", expected_state=round_.state)
        round_ops.fire_round_transition(reviewer, round_, "propose", expected_state="consolidating",
                                        proposal_number="25/TTr-PYT", proposal_date=dt.date(2024, 12, 10))
        db.session.commit()
        return round_.id


def run_job(app, round_id: int) -> dict:
    """In this (fresh) process: start the job as the reviewer and run it to the end; report figures."""
    from service import jobs
    from service.db import db
    from service.models import CampaignRound, Job, User
    from service.operations import jobs as job_ops

    with app.app_context():
        reviewer = db.session.scalar(db.select(User).where(User.username == "thamdinh.yte"))
        job, _ = job_ops.start_round_documents(reviewer, db.session.get(CampaignRound, round_id))
        db.session.info.pop("jobs_to_submit", None)  # run it here, in this process, instead of the thread pool
        db.session.commit()
        job_id = job.id
        writes = []
        real_write = jobs._write

        def counting_write(*args, **kwargs):
            writes.append(time.perf_counter())
            return real_write(*args, **kwargs)

        jobs._write = counting_write
        started = time.perf_counter()
        jobs.run_job(job_id)
        seconds = time.perf_counter() - started
        job = db.session.get(Job, job_id)
        path = Path(app.config["DOCUMENT_STORE"]) / job.result_path
        with zipfile.ZipFile(path) as archive:
            members = len(archive.namelist())
            assert archive.testzip() is None
        return {"state": job.state, "error": job.error, "seconds": seconds, "total": job.total,
                "members": members, "zip_bytes": path.stat().st_size, "progress_writes": len(writes),
                "peak_rss_mib": max_rss_mib(),
                "notes": job.details.get("notes", [])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--run-job", type=int, default=None, help=argparse.SUPPRESS)  # the measuring child
    parser.add_argument("--database", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--store", default=None, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)

    if options.run_job is not None:
        print(json.dumps(run_job(make_app(options.database, options.store), options.run_job)))
        return 0

    from load import postgres_schema

    with tempfile.TemporaryDirectory() as folder:
        store = str(Path(folder) / "documents")
        schema = postgres_schema(options.database_url) if options.database_url else None
        database = schema.__enter__() if schema else f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        try:
            round_id = setup(make_app(database, store), options.units)
            child = subprocess.run([sys.executable, __file__, "--run-job", str(round_id), "--database", database,
                                    "--store", store], capture_output=True, text=True, cwd=ROOT,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
            if child.returncode != 0:
                print(child.stderr[-3000:], file=sys.stderr)
                return 1
            figures = json.loads(child.stdout.strip().splitlines()[-1])
        finally:
            if schema:
                schema.__exit__(None, None, None)

    kind = "PostgreSQL" if options.database_url else "SQLite"
    print(f"\nEvery document of a round of {options.units} units ({kind}), one job in a fresh process:\n")
    print("| units | job state | time (s) | peak RSS (MiB) | .zip (MiB) | files in .zip | progress writes |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    print(f"| {options.units} | {figures['state']} | {figures['seconds']:.1f} | {figures['peak_rss_mib']:.0f} | "
          f"{figures['zip_bytes'] / 2**20:.1f} | {figures['members']} | {figures['progress_writes']} |")
    for note in figures["notes"]:
        print(f"note: {note}")
    return 0 if figures["state"] == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
