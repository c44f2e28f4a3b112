"""Scale-out: two app servers (gunicorn processes) on one PostgreSQL, one Redis and one shared
document store, with one job worker, behave as one service.

A token or a page session issued by one server is honoured by the other; a change made through
one is read through the other at once; the same transition sent to both at the same moment
succeeds exactly once; a job started on one is followed and downloaded on the other, run by the
worker. Runs on PostgreSQL only (SQLite is the single-machine default), with Redis reachable.
"""
from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from pathlib import Path

import pytest
import requests

from conftest import PASSWORD, subprocess_environment
from test_jobs import REDIS_URL, proposed_round, redis_reachable
from test_rounds_api import _dossier

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="scale-out runs on PostgreSQL"),
    pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processes:
    """Processes this test starts, stopped by their own ids when it ends."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.started = env, logs, []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=self.env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append((name, process, log))
        return process

    def server(self, name: str) -> str:
        port = free_port()
        self.start(name, "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
                   "service.wsgi:app")
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/api/v1/openapi.json", timeout=2).status_code == 200:
                    return base
            except requests.ConnectionError:
                time.sleep(0.2)
        raise AssertionError(f"{name} did not start:\n{self.log(name)}")

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for _, process, log in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            log.close()


@pytest.fixture
def cluster(app, database_config, tmp_path):
    env = {**os.environ, **subprocess_environment(database_config), "REDIS_URL": REDIS_URL,
           "JOB_QUEUE": f"hoso-scale-{uuid.uuid4().hex[:8]}", "DOCUMENT_STORE": app.config["DOCUMENT_STORE"],
           "SECRET_KEY": "shared-secret-of-the-cluster", "FLASK_APP": "service", "PYTHONPATH": str(ROOT)}
    processes = Processes(env, tmp_path)
    try:
        yield processes
    finally:
        processes.stop()


def token(base: str, username: str) -> dict[str, str]:
    response = requests.post(f"{base}/api/v1/auth/token", json={"username": username, "password": PASSWORD},
                             timeout=10)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_two_app_servers_and_a_worker_agree(cluster, as_user, world, make_campaign):
    round_id, _ = proposed_round(as_user, world)
    another = make_campaign(authority=world["city"], agency=world["agency"], code="camp-2")
    late, _, _ = _dossier(as_user, another.id, submit=False)
    a, b = cluster.server("app-a"), cluster.server("app-b")

    # A token issued by one server is good on the other: nothing about a caller lives in a process.
    reviewer = token(a, "reviewer")
    me = requests.get(f"{b}/api/v1/me", headers=reviewer, timeout=10)
    assert me.status_code == 200 and me.json()["username"] == "reviewer"

    # A change made through A is read through B at once.
    clerk = token(b, "clerk")
    before = requests.get(f"{a}/api/v1/dossiers/{late}", headers=clerk, timeout=10).json()
    changed = requests.patch(f"{a}/api/v1/dossiers/{late}", headers=clerk, timeout=10,
                             json={"expected_version": before["version"], "to_trinh_number": 77})
    assert changed.status_code == 200, changed.text
    seen = requests.get(f"{b}/api/v1/dossiers/{late}", headers=clerk, timeout=10).json()
    assert seen["to_trinh_number"] == 77 and seen["version"] == changed.json()["version"]

    # The same step sent to both at the same moment is taken once; the other is told it is stale.
    head = token(a, "head")
    redrawn = requests.post(f"{b}/api/v1/dossiers/{late}/documents", headers=head, json={}, timeout=30)
    assert redrawn.status_code == 201, redrawn.text
    body = {"trigger": "submit", "expected_state": "ready"}
    barrier, statuses = threading.Barrier(2), []

    def submit(base: str) -> None:
        barrier.wait()
        statuses.append(requests.post(f"{base}/api/v1/dossiers/{late}/transitions", json=body, headers=head,
                                      timeout=30).status_code)

    racers = [threading.Thread(target=submit, args=(base,)) for base in (a, b)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(statuses) == [201, 409], statuses
    history = requests.get(f"{b}/api/v1/dossiers/{late}/history", headers=clerk, timeout=10).json()
    assert [event["trigger"] for event in history].count("submit") == 1

    # A page session signed in on A is honoured by B (the cookie is signed with the shared key).
    browser = requests.Session()
    login_page = browser.get(f"{a}/dang-nhap", timeout=10).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    signed_in = browser.post(f"{a}/dang-nhap", data={"username": "reviewer", "password": PASSWORD,
                                                     "csrf_token": csrf}, timeout=10, allow_redirects=False)
    assert signed_in.status_code == 302
    home = browser.get(f"{b}/", timeout=10, allow_redirects=False)
    assert home.status_code == 200 and "Nguyễn Thị Thanh Hương" in home.text

    # A job started on B waits in Redis, is run by the worker, followed and downloaded on A.
    started = requests.post(f"{b}/api/v1/rounds/{round_id}/document-jobs", headers=reviewer, timeout=10)
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    cluster.start("worker", "flask", "jobs-worker")
    deadline, progress = time.monotonic() + 120, []
    while True:
        job = requests.get(f"{a}/api/v1/jobs/{job_id}", headers=reviewer, timeout=10).json()
        progress.append(job["done"])
        if job["state"] in ("finished", "failed"):
            break
        assert time.monotonic() < deadline, cluster.log("worker")
        time.sleep(0.2)
    assert job["state"] == "finished", (job, cluster.log("worker"))
    assert progress == sorted(progress)
    from_a = requests.get(f"{a}{job['result_url']}", headers=reviewer, timeout=30)
    from_b = requests.get(f"{b}{job['result_url']}", headers=reviewer, timeout=30)
    assert from_a.status_code == from_b.status_code == 200 and from_a.content == from_b.content
    names = zipfile.ZipFile(io.BytesIO(from_a.content)).namelist()
    assert "MUC_LUC.txt" in names and len([n for n in names if n.endswith(".docx")]) >= 6 + 3
