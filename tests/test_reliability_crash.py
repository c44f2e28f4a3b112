"""Atomicity and durability: a step commits whole or not at all, and a killed server loses nothing.

The first tests inject a failure at each point of a ``submit`` (the history
insert, the freezing of documents, the session's commit, the database's COMMIT)
and check that the state, the history and the ``is_frozen`` flags are exactly as
before. The last one runs the real service under gunicorn, kills its process
group with SIGKILL while documents are being written and transitions fired,
restarts it, and checks the invariants on what was left on disk.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from conftest import COLLECTIVE, INDIVIDUALS, TEST_DATABASE_URL, meeting_payload
from service.db import db
from service.models import Dossier, GeneratedDocument, HistoryEvent

REPO = Path(__file__).resolve().parents[1]


def _ready_dossier(as_user, world) -> int:
    clerk, secretary, head = as_user("clerk"), as_user("secretary"), as_user("head")
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()["id"]
    ids = [clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json=n).get_json()["id"]
           for n in (COLLECTIVE, *INDIVIDUALS)]
    url = f"/api/v1/dossiers/{dossier_id}"
    assert clerk.post(url + "/transitions", json={"trigger": "send_to_council",
                                                  "expected_state": "drafting"}).status_code == 201
    assert secretary.put(url + "/meeting", json=meeting_payload(ids)).status_code == 200
    assert secretary.post(url + "/transitions", json={"trigger": "finalize_minutes",
                                                      "expected_state": "council_minutes"}).status_code == 201
    assert head.post(url + "/documents", json={}).status_code == 201
    return dossier_id


def _facts(dossier_id: int) -> dict:
    """What a submit changes, read afresh from the database."""
    db.session.rollback()
    db.session.expire_all()
    dossier = db.session.get(Dossier, dossier_id)
    return {
        "state": dossier.state,
        "version": dossier.version,
        "submitted_at": dossier.submitted_at,
        "history": db.session.scalar(sa.select(sa.func.count()).select_from(HistoryEvent)
                                     .where(HistoryEvent.dossier_id == dossier_id)),
        "frozen": sorted(db.session.execute(sa.select(GeneratedDocument.id, GeneratedDocument.is_frozen,
                                                      GeneratedDocument.frozen_at)
                                            .where(GeneratedDocument.dossier_id == dossier_id)).all()),
    }


class InjectedFault(RuntimeError):
    pass


def _raise_unexpected(*args, **kwargs):
    raise InjectedFault("lỗi giả lập")


def _raise_connection_lost(*args, **kwargs):
    raise OperationalError("COMMIT", {}, Exception("mất kết nối tới cơ sở dữ liệu (giả lập)"))


# (description, event target, event name, listener, expected status)
FAULTS = [
    ("the history row cannot be inserted", lambda: HistoryEvent, "before_insert", _raise_unexpected, 500),
    ("freezing a document fails", lambda: GeneratedDocument, "before_update", _raise_unexpected, 500),
    ("the session refuses to commit", lambda: db.session, "before_commit", _raise_unexpected, 500),
    ("the connection drops at COMMIT", lambda: db.engine, "commit", _raise_connection_lost, 503),
]


@pytest.mark.parametrize("description, target, name, listener, status", FAULTS,
                         ids=[fault[0].replace(" ", "-") for fault in FAULTS])
def test_a_failed_submit_changes_nothing(app, as_user, world, monkeypatch, description, target, name, listener,
                                        status):
    # As in production: an error escaping the commit hook becomes a 500, not a test-client exception.
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    dossier_id = _ready_dossier(as_user, world)
    before = _facts(dossier_id)
    assert before["state"] == "ready" and before["frozen"] and not any(row[1] for row in before["frozen"])

    event.listen(target(), name, listener)
    try:
        response = as_user("head").post(f"/api/v1/dossiers/{dossier_id}/transitions",
                                        json={"trigger": "submit", "expected_state": "ready"})
    finally:
        event.remove(target(), name, listener)

    assert response.status_code == status, (description, response.get_json())
    error = response.get_json()["error"]
    assert error["code"] in {"internal_error", "unavailable"} and error["message"]
    assert _facts(dossier_id) == before, description
    # Nothing was left half-done in a way that blocks the next attempt.
    retry = as_user("head").post(f"/api/v1/dossiers/{dossier_id}/transitions",
                                 json={"trigger": "submit", "expected_state": "ready"})
    assert retry.status_code == 201, retry.get_json()
    after = _facts(dossier_id)
    assert after["state"] == "submitted" and after["history"] == before["history"] + 1
    assert all(row[1] for row in after["frozen"])


def test_documents_generated_in_a_failed_request_leave_no_rows(as_user, world):
    clerk = as_user("clerk")
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()["id"]
    assert clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json=COLLECTIVE).status_code == 201
    before = _facts(dossier_id)
    assert before["frozen"] == []

    event.listen(db.engine, "commit", _raise_connection_lost)
    try:
        response = clerk.post(f"/api/v1/dossiers/{dossier_id}/documents", json={})
    finally:
        event.remove(db.engine, "commit", _raise_connection_lost)

    assert response.status_code == 503, response.get_json()
    assert _facts(dossier_id) == before
    retry = clerk.post(f"/api/v1/dossiers/{dossier_id}/documents", json={})
    assert retry.status_code == 201 and [d["version"] for d in retry.get_json()] == [1, 1, 1]


def test_a_store_sweeps_what_dead_writers_left_the_first_time_it_is_opened(tmp_path):
    from service.docstore import DocumentStore

    root = tmp_path / "store"
    kept = DocumentStore(root).put(b"van ban")
    folder = root / kept[:2]
    stale = [folder / ".tmp-chet-giua-chung", root / ".tmp-o-goc"]
    for path in stale:
        path.write_bytes(b"nua tep")
        os.utime(path, (time.time() - 120, time.time() - 120))
    live = folder / ".tmp-dang-ghi"
    live.write_bytes(b"dang ghi")

    DocumentStore(tmp_path / "store" / ".." / "store")  # the same root, already swept in this process
    assert all(path.exists() for path in stale)
    assert DocumentStore(root).remove_stale_temp_files() == 2
    assert not any(path.exists() for path in stale) and live.exists()
    assert DocumentStore(root).verify(kept)

    other = tmp_path / "other"
    (other / "ab").mkdir(parents=True)
    (other / "ab" / ".tmp-x").write_bytes(b"x")
    os.utime(other / "ab" / ".tmp-x", (time.time() - 61, time.time() - 61))
    DocumentStore(other)  # first use of this root in this process
    assert not (other / "ab" / ".tmp-x").exists()


# --- the real server, killed ------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_database_url(tmp_path: Path) -> tuple[str, str | None]:
    """A database of this test's own: a SQLite file, or a fresh schema on the test PostgreSQL."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path / 'server.sqlite3'}", None
    from service.config import normalise_database_url

    schema = f"crash_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(normalise_database_url(TEST_DATABASE_URL))
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    return f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{schema}", schema


def _drop_schema(schema: str | None) -> None:
    if schema is None:
        return
    from service.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(TEST_DATABASE_URL))
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


class Server:
    """gunicorn serving service.wsgi:app in a process group of its own."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--threads", "4", "--graceful-timeout", "2", "service.wsgi:app"],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        import requests

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text(errors="replace")[-3000:]
            try:
                if requests.get(self.base + "/openapi.json", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError("the server did not start: " + self.log_path.read_text(errors="replace")[-3000:])

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class Driver(threading.Thread):
    """One demo unit's clerk editing, generating documents and moving its dossier back and forth."""

    def __init__(self, base: str, short: str, stop: threading.Event, rounds: int = 10_000) -> None:
        super().__init__(daemon=True)
        self.base, self.short, self.stop_event, self.rounds = base, short, stop, rounds
        self.generations = 0
        self.statuses: list[int] = []

    def _call(self, session, method: str, path: str, **kwargs):
        response = session.request(method, self.base + path, timeout=10, **kwargs)
        self.statuses.append(response.status_code)
        return response

    def _own_dossier(self, session) -> tuple[str, str]:
        dossiers = self._call(session, "GET", "/dossiers").json()
        if not dossiers:  # a unit of the demo that has not started: open its dossier
            dossier = self._call(session, "POST", "/dossiers", json={"campaign_id": 1}).json()
            self._call(session, "POST", f"/dossiers/{dossier['id']}/nominees", json=COLLECTIVE)
            return f"/dossiers/{dossier['id']}", dossier["state"]
        return f"/dossiers/{dossiers[0]['id']}", dossiers[0]["state"]

    def run(self) -> None:
        import requests

        session = requests.Session()
        try:
            token = self._call(session, "POST", "/auth/token",
                               json={"username": f"canbo.{self.short}", "password": "hoso2024"}).json()
            session.headers["Authorization"] = f"Bearer {token['access_token']}"
            url, state = self._own_dossier(session)
            if state == "council_minutes":
                self._call(session, "POST", url + "/transitions",
                           json={"trigger": "back_to_drafting", "expected_state": state})
            for counter in range(1, self.rounds + 1):
                if self.stop_event.is_set():
                    break
                nominee = self._call(session, "GET", url).json()["nominees"][0]
                self._call(session, "PATCH", f"{url}/nominees/{nominee['id']}",
                           json={"expected_version": nominee["version"],
                                 "achievement_summary": f"Lần sửa thứ {counter} của {self.short}."})
                if self._call(session, "POST", url + "/documents", json={}).status_code == 201:
                    self.generations += 1
                self._call(session, "POST", url + "/transitions",
                           json={"trigger": "send_to_council", "expected_state": "drafting"})
                self._call(session, "POST", url + "/transitions",
                           json={"trigger": "back_to_drafting", "expected_state": "council_minutes"})
        except (requests.RequestException, ValueError, KeyError):
            pass  # the server was killed under us: that is the point


def _check_store_and_database(app_config: dict) -> None:
    from service import create_app
    from service.docstore import DocumentStore

    app = create_app(app_config)
    with app.app_context():
        try:
            last_rows = {}
            for event_row in db.session.scalars(sa.select(HistoryEvent).order_by(HistoryEvent.id)):
                last_rows[event_row.dossier_id] = event_row
            dossiers = db.session.scalars(sa.select(Dossier)).all()
            assert dossiers
            for dossier in dossiers:
                assert dossier.state == last_rows[dossier.id].to_state, (dossier.id, dossier.state)
            store = DocumentStore(app.config["DOCUMENT_STORE"])
            documents = db.session.scalars(sa.select(GeneratedDocument)).all()
            assert documents
            for document in documents:
                assert store.verify(document.sha256), (document.dossier_id, document.kind, document.version)
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.slow
def test_sigkill_in_the_middle_leaves_no_half_written_state(tmp_path):
    database_url, schema = _server_database_url(tmp_path)
    store = tmp_path / "store"
    env = {**os.environ, "DATABASE_URL": database_url, "DOCUMENT_STORE": str(store), "SECRET_KEY": "crash-test",
           "AUTO_MIGRATE": "0", "LOAD_DEMO_DATA": "0", "PYTHONPATH": str(REPO)}
    env.pop("TEST_DATABASE_URL", None)
    app_config = {"DATABASE_URL": database_url, "DOCUMENT_STORE": str(store), "SECRET_KEY": "crash-test",
                  "AUTO_MIGRATE": False, "LOAD_DEMO_DATA": False}
    server = Server(env, tmp_path / "gunicorn.log")
    try:
        from service import create_app

        setup = create_app({**app_config, "AUTO_MIGRATE": True, "LOAD_DEMO_DATA": True})
        with setup.app_context():
            db.engine.dispose()

        server.start()
        stop = threading.Event()
        drivers = [Driver(server.base, short, stop) for short in ("mylong", "myxuyen", "mybinh")]
        for driver in drivers:
            driver.start()
        deadline = time.monotonic() + 15
        while sum(d.generations for d in drivers) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sum(d.generations for d in drivers) >= 6, [d.statuses for d in drivers]
        # Strike while every driver is mid-loop: some request is rendering, writing or committing.
        time.sleep(0.137)
        server.kill()
        stop.set()
        for driver in drivers:
            driver.join(timeout=15)
        assert all(status < 500 for d in drivers for status in d.statuses), [d.statuses for d in drivers]

        # What a writer killed between mkstemp and rename leaves behind, old enough to be swept,
        # next to a temporary file that a live writer in another process could still be filling.
        stale = store / "00" / ".tmp-killed-writer"
        stale.parent.mkdir(parents=True, exist_ok=True)
        stale.write_bytes(b"half a docx")
        os.utime(stale, (time.time() - 600, time.time() - 600))
        fresh = store / "00" / ".tmp-live-writer"
        fresh.write_bytes(b"being written")

        server.start()
        # The service works again: a unit moves its dossier on (and the store is first used).
        restarted = Driver(server.base, "mylong", threading.Event(), rounds=1)
        restarted.run()
        assert restarted.generations == 1, restarted.statuses
        assert set(restarted.statuses) <= {200, 201}, restarted.statuses
        import requests

        token = requests.post(server.base + "/auth/token", timeout=10,
                              json={"username": "canbo.mylong", "password": "hoso2024"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        [dossier] = requests.get(server.base + "/dossiers", headers=headers, timeout=10).json()
        # Both workers may serve this; each sweeps the store the first time it uses it.
        for _ in range(4):
            response = requests.get(f"{server.base}/dossiers/{dossier['id']}/documents/to_trinh.docx",
                                    headers=headers, timeout=10)
            assert response.status_code == 200
        server.stop()

        assert not stale.exists(), "a temporary file left by the killed writer was not swept"
        assert fresh.exists(), "a temporary file younger than a minute must be left to its writer"
        fresh.unlink()
        # The kill itself may have left a temporary file seconds ago; it is not a stored
        # document (nothing refers to it) and the next sweep removes it once it is a minute old.
        leftovers = list(store.glob("**/.tmp-*"))
        assert all(time.time() - p.stat().st_mtime < 60 for p in leftovers), leftovers
        _check_store_and_database(app_config)
        verify = subprocess.run([sys.executable, "-m", "flask", "--app", "service", "verify-documents"],
                                cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert ", 0 văn bản hỏng" in verify.stdout
    finally:
        server.stop()
        _drop_schema(schema)
