"""Jobs never outlive their process, and the document store stays tidy.

A job whose process is gone is interrupted at once (not after JOB_STALE_SECONDS) and may be started
again; a worker starting up releases its host's lost jobs and removes their half-written files;
without Redis the jobs wait in the database for a `jobs-worker` process; a Redis that accepts
connections and never answers fails a start within two seconds; after a restore, a job whose file
is gone says so. `verify-documents` lists the files no record points to and `--prune` removes the
old ones; replacing or removing a template, or deleting a round, leaves no file behind.
"""
from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import subprocess_environment
from service import jobs
from service.db import db, utcnow
from service.models import CampaignRound, Job
from test_custom_templates import _upload, _with_body
from test_jobs import ROOT, proposed_round, wait_for
from test_reliability_backup import _invoke, empty_app  # noqa: F401 - fixture


def _dead_process_owner() -> str:
    """The worker name a process of this host had before it ended."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = jobs._process_start(child.pid)
    finally:
        child.kill()
        child.wait()
    assert started and jobs._process_start(child.pid) is None
    return f"{socket.gethostname()}:{child.pid}:{started}"


def _running_job(world, round_id: int, owner: str) -> Job:
    now = utcnow()
    job = Job(kind="round_documents", round_id=round_id, requested_by_id=world["users"]["reviewer"].id,
              state="running", done=3, total=7, message="Đang gom…", error="", details={},
              created_at=now, started_at=now, heartbeat_at=now, worker_id=owner)
    db.session.add(job)
    db.session.commit()
    return job


def test_a_job_whose_process_is_gone_is_interrupted_at_once_and_may_start_again(app, world, as_user):
    round_id, _ = proposed_round(as_user, world)
    lost = _running_job(world, round_id, _dead_process_owner())  # its heartbeat is fresh
    reviewer = as_user("reviewer")
    shown = reviewer.get(f"/api/v1/jobs/{lost.id}").get_json()
    assert shown["state"] == "failed" and "gián đoạn" in shown["error"] and shown["result_url"] is None
    again = reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs")
    assert again.status_code == 202 and again.get_json()["id"] != lost.id
    assert wait_for(reviewer, again.get_json()["id"])["state"] == "finished"


def test_a_job_of_a_live_process_or_another_host_is_not_taken_for_lost(app, world, as_user):
    round_id, _ = proposed_round(as_user, world)
    mine = _running_job(world, round_id, jobs.worker_id())
    reviewer = as_user("reviewer")
    assert reviewer.get(f"/api/v1/jobs/{mine.id}").get_json()["state"] == "running"
    assert reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()["id"] == mine.id
    assert not jobs.owner_is_gone("another-host:1:1") and not jobs.owner_is_gone(None)


def test_a_starting_worker_releases_its_host_s_lost_jobs_and_removes_their_half_written_files(app, world, as_user):
    round_id, _ = proposed_round(as_user, world)
    lost = _running_job(world, round_id, _dead_process_owner())
    alive = _running_job(world, round_id, jobs.worker_id())
    results = Path(app.config["DOCUMENT_STORE"]) / jobs.RESULTS_FOLDER
    results.mkdir(parents=True)
    lost_part = results / f"{jobs.result_temp_prefix(lost.id)}.tmp-abc123"
    alive_part = results / f"{jobs.result_temp_prefix(alive.id)}.tmp-def456"
    lost_part.write_bytes(b"PK half a zip")
    alive_part.write_bytes(b"PK being written")

    assert jobs.recover_lost_jobs() == 1
    db.session.expire_all()
    assert db.session.get(Job, lost.id).state == "failed"
    assert db.session.get(Job, lost.id).error == jobs.INTERRUPTED
    assert db.session.get(Job, alive.id).state == "running"
    assert not lost_part.exists() and alive_part.exists()


def test_a_finished_job_s_temporary_file_name_is_not_swept_by_the_store_while_written(app):
    from service.docstore import TEMP_PREFIX

    # The store's own sweep removes ".tmp-*" files older than a minute; a round's .zip can take
    # longer than that to write, so its part is named apart and released only with its job.
    assert not jobs.result_temp_prefix(7).startswith(TEMP_PREFIX)


def test_without_redis_jobs_wait_in_the_database_for_the_worker_process(app, world, as_user, database_config):
    round_id, _ = proposed_round(as_user, world)
    app.config["JOB_THREADS"] = 0  # as run.sh runs it: no job in a web worker
    reviewer = as_user("reviewer")
    job = reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()
    time.sleep(0.3)
    assert reviewer.get(f"/api/v1/jobs/{job['id']}").get_json()["state"] == "queued"

    env = {**os.environ, **subprocess_environment(database_config), "DOCUMENT_STORE": app.config["DOCUMENT_STORE"],
           "SECRET_KEY": "test-secret", "FLASK_APP": "service"}
    env.pop("REDIS_URL", None)
    worker = subprocess.run([sys.executable, "-m", "flask", "jobs-worker", "--burst"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr[-2000:]
    db.session.expire_all()
    finished = wait_for(reviewer, job["id"], seconds=5)
    assert finished["state"] == "finished" and finished["result_url"]
    owner = db.session.scalar(sa.select(Job.worker_id).where(Job.id == job["id"]))
    assert owner.startswith(socket.gethostname() + ":") and owner != jobs.worker_id()


def test_a_waiting_job_is_claimed_by_one_worker_only(app, world, as_user):
    round_id, _ = proposed_round(as_user, world)
    app.config["JOB_THREADS"] = 0
    job_id = as_user("reviewer").post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()["id"]
    assert jobs.claim_next_job() == job_id
    assert jobs.claim_next_job() is None
    db.session.expire_all()
    assert db.session.get(Job, job_id).worker_id == jobs.worker_id()


def _mute_server() -> tuple[socket.socket, list[socket.socket]]:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            accepted.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    return server, accepted


def test_a_redis_that_accepts_and_never_answers_fails_a_start_within_two_seconds(app, world, as_user):
    round_id, _ = proposed_round(as_user, world)
    server, accepted = _mute_server()
    try:
        app.config["REDIS_URL"] = f"redis://127.0.0.1:{server.getsockname()[1]}/0"
        reviewer = as_user("reviewer")
        started_at = time.monotonic()
        started = reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs")
        took = time.monotonic() - started_at
        job = reviewer.get(f"/api/v1/jobs/{started.get_json()['id']}").get_json()
    finally:
        server.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread, which then ends
        server.close()
        for connection in accepted:
            connection.close()
    assert accepted, "the client never reached the mute server"
    assert took < 2.0, took
    assert started.status_code == 202
    assert job["state"] == "failed" and "Redis" in job["error"] and "thử lại" in job["error"]


def test_a_finished_job_whose_file_is_gone_says_so_instead_of_offering_a_download(app, world, as_user, client):
    round_id, _ = proposed_round(as_user, world)
    reviewer = as_user("reviewer")
    done = wait_for(reviewer, reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()["id"])
    for path in (Path(app.config["DOCUMENT_STORE"]) / jobs.RESULTS_FOLDER).iterdir():
        path.unlink()
    shown = reviewer.get(f"/api/v1/jobs/{done['id']}").get_json()
    assert shown["state"] == "finished" and shown["result_missing"] is True
    assert shown["result_url"] is None and "không còn" in shown["error"] and "tạo lại" in shown["error"]
    refused = reviewer.get(f"/api/v1/jobs/{done['id']}/result")
    assert refused.status_code == 404 and "tạo lại" in refused.get_json()["error"]["message"]

    from web.web_helpers import WebClient

    page = WebClient(app.test_client()).login(world["users"]["reviewer"].username)
    status = page.get(f"/cong-viec/{done['id']}").get_json()
    assert status["download_url"] is None and "tạo lại" in status["error"]
    round_page = page.get(f"/dot-khen-thuong/{round_id}").get_data(as_text=True)
    assert "Tệp kết quả không còn" in round_page and f"/cong-viec/{done['id']}/tai-ve" not in round_page


def test_after_a_restore_jobs_have_no_file_and_none_is_left_running(app, world, as_user, runner, tmp_path,
                                                                     empty_app):  # noqa: F811
    from service.operations.jobs import job_view

    round_id, _ = proposed_round(as_user, world)
    reviewer = as_user("reviewer")
    done = wait_for(reviewer, reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()["id"])
    running_id = _running_job(world, round_id, jobs.worker_id()).id  # read here, not in the other app
    archive = tmp_path / "hoso.tar.gz"
    assert runner.invoke(args=["backup", "--output", str(archive)]).exit_code == 0
    restored = _invoke(empty_app, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    with empty_app.app_context():
        try:
            finished = job_view(db.session.get(Job, done["id"]))
            assert finished["result_missing"] and finished["result_name"] is None
            assert "tạo lại" in finished["error"]
            interrupted = job_view(db.session.get(Job, running_id))
            assert interrupted["state"] == "failed" and interrupted["error"] == jobs.INTERRUPTED
        finally:
            db.session.remove()


# --- the store stays tidy ---------------------------------------------------------------------

def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_verify_documents_lists_unreferenced_files_and_prune_removes_only_old_ones(app, world, as_user, runner):
    round_id, _ = proposed_round(as_user, world)
    reviewer = as_user("reviewer")
    wait_for(reviewer, reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()["id"])
    store = Path(app.config["DOCUMENT_STORE"])
    kept = sorted(path for path in store.rglob("*") if path.is_file())
    assert kept
    old_document = store / "ab" / ("ab" + "0" * 62)
    young_document = store / "cd" / ("cd" + "1" * 62)
    old_result = store / jobs.RESULTS_FOLDER / "dot9-job99-deadbeef.zip"
    not_ours = store / "previews" / "something.html"
    running = _running_job(world, round_id, jobs.worker_id())  # a long job, still writing its .zip
    being_written = store / jobs.RESULTS_FOLDER / f"{jobs.result_temp_prefix(running.id)}.tmp-0123"
    for path in (old_document, young_document, old_result, not_ours, being_written):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind")
    for path in (old_document, old_result, not_ours, being_written, *kept):
        _age(path, 2 * 3600)

    report = runner.invoke(args=["verify-documents"])
    assert report.exit_code == 0, report.output
    assert "3 tệp không bản ghi nào trỏ tới" in report.output
    for name in ("ab/ab000", "cd/cd111", "jobs/dot9-job99-deadbeef.zip"):
        assert name in report.output
    assert "previews" not in report.output and "chưa xóa" in report.output
    assert old_document.exists()

    pruned = runner.invoke(args=["verify-documents", "--prune"])
    assert pruned.exit_code == 0, pruned.output
    assert not old_document.exists() and not old_result.exists()
    assert young_document.exists() and not_ours.exists()  # a write in flight is never removed
    assert being_written.exists()
    assert all(path.exists() for path in kept)
    again = runner.invoke(args=["verify-documents"]).output
    assert "1 tệp không bản ghi nào trỏ tới" in again  # only the young one, until it is old enough


def test_storing_bytes_that_are_already_there_makes_the_file_young_again(app):
    from service.operations.store import document_store

    store = document_store()
    digest = store.put(b"same bytes")
    _age(store.path_for(digest), 2 * 3600)
    assert store.put(b"same bytes") == digest
    assert time.time() - store.path_for(digest).stat().st_mtime < 60


def _template_file(app, digest: str) -> Path:
    return Path(app.config["DOCUMENT_STORE"]) / digest[:2] / digest


def test_replacing_or_removing_a_template_leaves_no_file_behind(app, world, as_user, make_campaign, make_unit):
    from service.models import CustomTemplate

    admin = as_user("admin")
    campaign_id = world["campaign"].id
    first, second = _with_body(("Kính gửi", "Kính gửi (mẫu 1)")), _with_body(("Kính gửi", "Kính gửi (mẫu 2)"))
    assert _upload(admin, campaign_id, first).status_code == 200
    first_sha = db.session.scalar(sa.select(CustomTemplate.sha256))
    assert _template_file(app, first_sha).exists()
    assert _upload(admin, campaign_id, second).status_code == 200
    second_sha = db.session.scalar(sa.select(CustomTemplate.sha256))
    assert second_sha != first_sha
    assert not _template_file(app, first_sha).exists() and _template_file(app, second_sha).exists()

    # The same bytes used by another campaign stay while that one uses them.
    other = make_campaign(authority=world["campaign"].authority, agency=world["campaign"].standing_agency,
                          code="other-campaign")
    db.session.commit()
    assert _upload(admin, other.id, second).status_code == 200
    assert admin.delete(f"/api/v1/admin/campaigns/{campaign_id}/templates/to_trinh").status_code in (200, 204)
    assert _template_file(app, second_sha).exists()
    assert admin.delete(f"/api/v1/admin/campaigns/{other.id}/templates/to_trinh").status_code in (200, 204)
    assert not _template_file(app, second_sha).exists()


def test_deleting_a_round_removes_its_job_results(app, world, as_user):
    campaign = world["campaign"]
    round_ = CampaignRound(
        campaign=campaign, code="dot-xoa", kind="annual", title="Đợt sẽ xóa", position=50,
        period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31), deadline=dt.date(2099, 1, 1),
        accepts_late=False, quotas={"total": {}, "per_unit": []}, requirements=[])
    db.session.add(round_)
    db.session.flush()
    relative = f"{jobs.RESULTS_FOLDER}/dot{round_.id}-job1-cafe.zip"
    result = Path(app.config["DOCUMENT_STORE"]) / relative
    result.parent.mkdir(parents=True, exist_ok=True)
    result.write_bytes(b"PK a finished bundle")
    now = utcnow()
    db.session.add(Job(kind="round_documents", round_id=round_.id, requested_by_id=world["users"]["reviewer"].id,
                       state="finished", done=1, total=1, message="", error="", details={}, result_path=relative,
                       result_name="x.zip", result_size=20, created_at=now, finished_at=now))
    db.session.commit()

    db.session.delete(db.session.get(CampaignRound, round_.id))
    db.session.rollback()  # a deletion that does not commit keeps the file
    assert result.exists()
    db.session.delete(db.session.get(CampaignRound, round_.id))
    db.session.commit()
    assert not result.exists()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.round_id == round_.id)) == 0


@pytest.mark.slow
def test_a_worker_killed_mid_job_leaves_a_job_that_is_interrupted_at_once(app, world, as_user, database_config):
    """A real `jobs-worker` process takes the job, is killed with SIGKILL halfway, and the job says
    so at the next read; a new start is accepted at once and a new worker finishes it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("holds the job halfway with a table lock, which needs PostgreSQL")
    round_id, _ = proposed_round(as_user, world)
    app.config["JOB_THREADS"] = 0
    reviewer = as_user("reviewer")
    job_id = reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()["id"]
    env = {**os.environ, **subprocess_environment(database_config), "DOCUMENT_STORE": app.config["DOCUMENT_STORE"],
           "SECRET_KEY": "test-secret", "FLASK_APP": "service", "JOB_POLL_SECONDS": "0.2"}
    env.pop("REDIS_URL", None)
    blocker = db.engine.connect()
    transaction = blocker.begin()
    # The job claims its row, then waits on the documents it must copy: halfway, for as long as we hold this.
    blocker.execute(sa.text("LOCK TABLE generated_documents IN ACCESS EXCLUSIVE MODE"))
    worker = subprocess.Popen([sys.executable, "-m", "flask", "jobs-worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while reviewer.get(f"/api/v1/jobs/{job_id}").get_json()["state"] != "running":
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.1)
        worker.kill()
        worker.wait()
    finally:
        transaction.rollback()
        blocker.close()
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    shown = reviewer.get(f"/api/v1/jobs/{job_id}").get_json()
    assert shown["state"] == "failed" and shown["error"] == jobs.INTERRUPTED
    again = reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()
    assert again["id"] != job_id
    restarted = subprocess.run([sys.executable, "-m", "flask", "jobs-worker", "--burst"], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=120)
    assert restarted.returncode == 0, restarted.stderr[-2000:]
    db.session.expire_all()
    assert wait_for(reviewer, again["id"], seconds=5)["state"] == "finished"
    assert db.session.get(Job, job_id).state == "failed"  # the restarted worker wrote it down too
    assert not list((Path(app.config["DOCUMENT_STORE"]) / jobs.RESULTS_FOLDER).glob("job*-.tmp-*"))
