"""Background jobs: every document of a round in one .zip, run in the app's thread pool or by an
RQ worker on Redis, with progress in the API, failures told in Vietnamese, and nothing done twice."""
from __future__ import annotations

import datetime as dt
import io
import os
import socket
import subprocess
import sys
import time
import unicodedata
import uuid
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import sqlalchemy as sa

from conftest import subprocess_environment
from round_helpers import fire_round
from service.db import db
from test_rounds_api import _accept, _dossier

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def wait_for(api, job_id: int, *, seconds: float = 60) -> dict:
    """Poll the job as a client would until it ends; check the progress never goes back."""
    deadline, last_done = time.monotonic() + seconds, 0
    while True:
        job = api.get(f"/api/v1/jobs/{job_id}").get_json()
        assert job["done"] >= last_done and 0 <= job["percent"] <= 100
        last_done = job["done"]
        if job["state"] in ("finished", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def proposed_round(as_user, world) -> tuple[int, list[int]]:
    """Two units' dossiers sent and accepted; the round consolidated and proposed."""
    first, _, round_id = _dossier(as_user, world["campaign"].id)
    second, _, _ = _dossier(as_user, world["campaign"].id, clerk="clerk_b", secretary="secretary_b", head="head_b")
    _accept(as_user, first)
    _accept(as_user, second)
    fire_round(as_user("reviewer"), round_id, "consolidate_early", "collecting", comment="Đủ hồ sơ.")
    fire_round(as_user("reviewer"), round_id, "propose", "consolidating", proposal_number="3/TTr-PYT",
               proposal_date=dt.date(2024, 12, 10))
    return round_id, [first, second]


def test_a_round_s_documents_are_made_in_the_background_into_one_zip(as_user, world):
    round_id, dossier_ids = proposed_round(as_user, world)
    reviewer = as_user("reviewer")
    started = reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs")
    assert started.status_code == 202, started.get_json()
    job = started.get_json()
    assert started.headers["Location"].endswith(f"/api/v1/jobs/{job['id']}")
    assert job["state"] in ("queued", "running", "finished") and job["kind_label"] == "Toàn bộ văn bản của đợt khen thưởng"

    job = wait_for(as_user("approver"), job["id"])
    assert job["state"] == "finished", job
    assert job["percent"] == 100 and job["done"] == job["total"] == 2 + 3 + 2
    assert job["details"]["unit_documents"] == 6 and job["details"]["round_documents"] == 5
    assert job["details"]["missing"] == 0 and job["details"]["notes"] == []
    assert job["result_url"] == f"/api/v1/jobs/{job['id']}/result"

    download = reviewer.get(job["result_url"])
    download.get_data()
    download.close()  # the file is sent from disk, in chunks; close it once read
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert f"van_ban_dot{round_id}_" in download.headers["Content-Disposition"]
    assert len(download.data) == job["result_size"] and download.headers.get("ETag")
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert archive.testzip() is None
    names = archive.namelist()
    unit_files = [n for n in names if n[:4].isdigit() and not n.startswith("0000_")]
    assert len(unit_files) == 6
    assert {n.split("/")[0] for n in unit_files} == {"0001_unit-a", "0002_unit-b"}
    for name in unit_files:
        assert docx.Document(io.BytesIO(archive.read(name))).paragraphs
    summary = sorted(n for n in names if n.startswith("0000_tong_hop/"))
    assert summary == sorted(f"0000_tong_hop/{n}" for n in (
        f"to_trinh_tong_hop_dot{round_id}.docx", f"quyet_dinh_dot{round_id}.docx", f"giay_khen_dot{round_id}.docx",
        f"xep_hang_dot{round_id}.xlsx", f"khen_thuong_dot{round_id}.xlsx"))
    decision = docx.Document(io.BytesIO(archive.read(f"0000_tong_hop/quyet_dinh_dot{round_id}.docx")))
    assert "QUYẾT ĐỊNH" in "\n".join(p.text for p in decision.paragraphs)
    ranking = openpyxl.load_workbook(io.BytesIO(archive.read(f"0000_tong_hop/xep_hang_dot{round_id}.xlsx")))
    assert ranking.worksheets[0].max_row > 1
    contents = archive.read("MUC_LUC.txt").decode("utf-8-sig")
    assert unicodedata.is_normalized("NFC", contents)
    assert "Hồ sơ đã nhận (2):" in contents and "\r\n" in contents

    # The unit documents in the .zip are the frozen ones the units submitted, byte for byte.
    clerk = as_user("clerk")
    submitted = clerk.get(f"/api/v1/dossiers/{dossier_ids[0]}/documents/to_trinh.docx")
    inside = next(n for n in unit_files if n.startswith("0001_unit-a/to_trinh"))
    assert archive.read(inside) == submitted.data


def test_units_cannot_see_or_start_a_round_job(as_user, world):
    round_id, _ = proposed_round(as_user, world)
    job = as_user("reviewer").post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()
    for name in ("clerk", "head", "clerk_b", "outsider_reviewer"):
        api = as_user(name)
        assert api.post(f"/api/v1/rounds/{round_id}/document-jobs").status_code == 404
        assert api.get(f"/api/v1/jobs/{job['id']}").status_code == 404
        assert api.get(f"/api/v1/jobs/{job['id']}/result").status_code == 404
    wait_for(as_user("reviewer"), job["id"])


def test_a_second_start_while_one_waits_returns_the_same_job(app, world, as_user):
    from service.models import CampaignRound, Job, User
    from service.operations import jobs as job_ops

    round_id, _ = proposed_round(as_user, world)
    round_ = db.session.get(CampaignRound, round_id)
    reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
    first, first_is_new = job_ops.start_round_documents(reviewer, round_)
    again, again_is_new = job_ops.start_round_documents(reviewer, round_)
    assert first_is_new and not again_is_new and again.id == first.id
    db.session.commit()  # hands the job to the thread pool
    assert wait_for(as_user("reviewer"), first.id)["state"] == "finished"
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 1


def test_a_job_whose_worker_died_is_reported_and_can_be_run_again(app, world, as_user):
    from service.models import Job

    round_id, _ = proposed_round(as_user, world)
    an_hour_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    lost = Job(kind="round_documents", round_id=round_id, requested_by_id=world["users"]["reviewer"].id,
               state="running", done=3, total=7, message="Đang gom…", error="", details={},
               created_at=an_hour_ago, started_at=an_hour_ago, heartbeat_at=an_hour_ago)
    db.session.add(lost)
    db.session.commit()
    reviewer = as_user("reviewer")
    shown = reviewer.get(f"/api/v1/jobs/{lost.id}").get_json()
    assert shown["state"] == "failed" and "gián đoạn" in shown["error"] and shown["result_url"] is None
    again = reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()
    assert again["id"] != lost.id
    assert wait_for(reviewer, again["id"])["state"] == "finished"
    db.session.expire_all()
    assert db.session.get(Job, lost.id).state == "failed"


def test_an_unexpected_error_fails_the_job_and_leaves_no_partial_file(app, world, as_user, monkeypatch):
    from service.operations import round_documents

    round_id, _ = proposed_round(as_user, world)

    def broken(round_, kind):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(round_documents, "render_round_document", broken)
    reviewer = as_user("reviewer")
    job = wait_for(reviewer, reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()["id"])
    assert job["state"] == "failed" and job["error"].startswith("Có lỗi ngoài dự kiến")
    assert "disk on fire" not in job["error"]
    refused = reviewer.get(f"/api/v1/jobs/{job['id']}/result")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "job_not_finished"
    results = Path(app.config["DOCUMENT_STORE"]) / "jobs"
    assert not results.exists() or list(results.iterdir()) == []


def test_an_unreachable_redis_fails_the_job_at_once_in_vietnamese(app, world, as_user):
    round_id, _ = proposed_round(as_user, world)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    reviewer = as_user("reviewer")
    started = reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs")
    assert started.status_code == 202
    job = reviewer.get(f"/api/v1/jobs/{started.get_json()['id']}").get_json()
    assert job["state"] == "failed" and "Redis" in job["error"] and "thử lại" in job["error"]


def test_a_new_bundle_replaces_the_files_of_older_ones(app, world, as_user):
    from service.operations.jobs import KEPT_RESULTS_PER_ROUND

    round_id, _ = proposed_round(as_user, world)
    reviewer = as_user("reviewer")
    made = [wait_for(reviewer, reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()["id"])
            for _ in range(KEPT_RESULTS_PER_ROUND + 1)]
    assert all(job["state"] == "finished" for job in made)
    oldest = reviewer.get(f"/api/v1/jobs/{made[0]['id']}/result")
    assert oldest.status_code == 404 and "bản mới hơn" in oldest.get_json()["error"]["message"]
    latest = reviewer.get(f"/api/v1/jobs/{made[-1]['id']}/result")
    latest.get_data()
    latest.close()
    assert latest.status_code == 200
    kept = list((Path(app.config["DOCUMENT_STORE"]) / "jobs").iterdir())
    assert len(kept) == KEPT_RESULTS_PER_ROUND
    listed = reviewer.get(f"/api/v1/rounds/{round_id}/document-jobs").get_json()
    assert [job["id"] for job in listed] == [job["id"] for job in reversed(made)]


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_an_rq_worker_process_runs_the_job_from_redis(app, world, as_user, database_config):
    round_id, _ = proposed_round(as_user, world)
    queue = f"hoso-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=REDIS_URL, JOB_QUEUE=queue)
    reviewer = as_user("reviewer")
    job = reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()
    # No worker yet: the job waits in Redis, and says so.
    time.sleep(0.3)
    assert reviewer.get(f"/api/v1/jobs/{job['id']}").get_json()["state"] == "queued"

    env = {**os.environ, **subprocess_environment(database_config), "REDIS_URL": REDIS_URL, "JOB_QUEUE": queue,
           "DOCUMENT_STORE": app.config["DOCUMENT_STORE"], "SECRET_KEY": "test-secret", "FLASK_APP": "service"}
    worker = subprocess.run([sys.executable, "-m", "flask", "jobs-worker", "--burst"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr[-2000:]
    db.session.expire_all()
    finished = wait_for(reviewer, job["id"], seconds=5)
    assert finished["state"] == "finished", (finished, worker.stderr[-2000:])
    download = reviewer.get(finished["result_url"])
    download.get_data()
    download.close()
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert "MUC_LUC.txt" in archive.namelist() and len(archive.namelist()) == 6 + 5 + 1


def test_the_worker_command_runs_without_redis_from_the_database(runner):
    result = runner.invoke(args=["jobs-worker", "--burst"])
    assert result.exit_code == 0, result.output


def test_a_job_waiting_in_a_busy_queue_is_not_mistaken_for_a_lost_one(app, world, as_user):
    from service.models import Job

    round_id, _ = proposed_round(as_user, world)
    now = dt.datetime.now(dt.timezone.utc)

    def waiting_since(minutes: int) -> int:
        job = Job(kind="round_documents", round_id=round_id, requested_by_id=world["users"]["reviewer"].id,
                  state="queued", message="Đang chờ…", error="", details={},
                  created_at=now - dt.timedelta(minutes=minutes))
        db.session.add(job)
        db.session.commit()
        return job.id

    reviewer = as_user("reviewer")
    assert reviewer.get(f"/api/v1/jobs/{waiting_since(20)}").get_json()["state"] == "queued"
    lost = reviewer.get(f"/api/v1/jobs/{waiting_since(120)}").get_json()
    assert lost["state"] == "failed" and "gián đoạn" in lost["error"]


def test_clicks_arriving_at_once_start_one_job(app, world, as_user, monkeypatch):
    import threading

    from conftest import ApiClient
    from service import jobs
    from service.models import Job

    round_id, _ = proposed_round(as_user, world)
    # The job waits until every click is answered: a click after it had finished would rightly start another.
    clicks_answered, real_work = threading.Event(), jobs._HANDLERS["round_documents"]

    def work_after_the_clicks(job, progress):
        clicks_answered.wait(timeout=60)
        real_work(job, progress)

    monkeypatch.setitem(jobs._HANDLERS, "round_documents", work_after_the_clicks)
    clients = [ApiClient(app.test_client(), "reviewer") for _ in range(8)]
    db.session.commit()
    barrier, answers = threading.Barrier(len(clients)), []

    def click(api) -> None:
        barrier.wait(timeout=30)
        response = api.post(f"/api/v1/rounds/{round_id}/document-jobs")
        answers.append((response.status_code, response.get_json()["id"]))

    threads = [threading.Thread(target=click, args=(api,)) for api in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    clicks_answered.set()
    assert len(answers) == len(clients) and {status for status, _ in answers} == {202}
    assert len({job_id for _, job_id in answers}) == 1
    assert wait_for(clients[0], answers[0][1])["state"] == "finished"
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 1
