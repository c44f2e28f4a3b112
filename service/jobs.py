"""Running long work in the background, never in a web worker: on Redis with RQ, or from the jobs table.

With ``REDIS_URL`` set, a job is put on an RQ queue; without it, the job waits
in the jobs table. Either way ``flask --app service jobs-worker`` processes run
it (``run.sh`` starts them beside gunicorn), on this machine or any other that
reaches the same database and document store, so a whole round's .zip never
shares a process, nor its interpreter lock, with the requests people wait on.
Tests may set ``JOB_THREADS`` to run jobs in threads of the app process instead.

The job's row (``models.Job``) is the truth about it: the request that starts
a job writes the row, the job is handed to the runner only after that request
commits (a worker must find the row), and the worker writes the state and
progress there, in short transactions of their own, so that every app server
reads the same progress.

A worker claims a job by writing its own name (host, process id and the
process's start time) into the row. A job whose process is gone is lost at
once, not after ``JOB_STALE_SECONDS`` without a heartbeat: any reader on the
same host sees it (``is_stale``), and every worker, when it starts, marks such
jobs of its host interrupted and removes the half-written files they left.

What a job does is registered per kind with :func:`handler`; this module only
runs it, marks it running, finished or failed, and keeps its heartbeat.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from .db import db, utcnow
from .docstore import TEMP_PREFIX
from .models import Job

log = logging.getLogger(__name__)

Handler = Callable[[Job, "Progress"], None]
_HANDLERS: dict[str, Handler] = {}
_pool_lock = threading.Lock()

# Where a job's result is written, relative to the document store, and how its half-written file is named.
RESULTS_FOLDER = "jobs"
# A Redis that accepts connections but never answers must fail a start within 2 s.
REDIS_TIMEOUT_SECONDS = 0.8

# What a user reads when the machinery, not the job, failed.
QUEUE_DOWN = "Không gửi được công việc vào hàng đợi (Redis không trả lời). Hãy thử lại sau ít phút."
INTERRUPTED = "Công việc bị gián đoạn (máy xử lý đã dừng giữa chừng). Hãy chạy lại."
UNEXPECTED = "Có lỗi ngoài dự kiến khi xử lý; lỗi đã được ghi lại. Hãy thử lại hoặc báo quản trị hệ thống."


class JobFailed(Exception):
    """A job that cannot finish for a reason the user should read (in Vietnamese)."""


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does the work of jobs of ``kind``."""
    def register(function: Handler) -> Handler:
        _HANDLERS[kind] = function
        return function
    return register


# --- handing a job to a runner after the request commits ----------------------------------------

def submit_after_commit(job_id: int) -> None:
    """Run the job once the current transaction commits; forget it if it rolls back."""
    db.session.info.setdefault("jobs_to_submit", []).append(job_id)


@sa.event.listens_for(Session, "after_commit")
def _submit_committed_jobs(session: Session) -> None:
    for job_id in session.info.pop("jobs_to_submit", []):
        _submit(job_id)


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_jobs(session: Session, previous_transaction) -> None:
    session.info.pop("jobs_to_submit", None)


def _submit(job_id: int) -> None:
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        try:
            queue = rq_queue(app)
            queue.enqueue("service.jobs.run_queued_job", job_id, job_id=f"hoso-job-{job_id}",
                          job_timeout=app.config["JOB_TIMEOUT_SECONDS"], result_ttl=3600, failure_ttl=86400)
        except Exception:  # Redis down, unreachable or mute: the user must learn it now, not wait forever
            log.exception("job %s: could not be queued", job_id)
            _write(job_id, state="failed", error=QUEUE_DOWN, message="", finished_at=utcnow())
        return
    if app.config["JOB_THREADS"] > 0:
        _thread_pool(app).submit(_run_in_app, app, job_id)
    # Otherwise the row waits in the jobs table for a `jobs-worker` process (work_from_database).


def rq_queue(app: Flask):
    from redis import Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry
    from rq import Queue

    # Short socket timeouts and no retries: a Redis that accepts a connection and then says nothing
    # must make the start fail with a message in under two seconds, not hang the request.
    connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                socket_timeout=REDIS_TIMEOUT_SECONDS, retry=Retry(NoBackoff(), 0),
                                retry_on_timeout=False)
    return Queue(app.config["JOB_QUEUE"], connection=connection)


def _thread_pool(app: Flask) -> ThreadPoolExecutor:
    with _pool_lock:
        pool = app.extensions.get("hoso_job_pool")
        if pool is None:
            recover_lost_jobs()
            pool = ThreadPoolExecutor(max_workers=app.config["JOB_THREADS"], thread_name_prefix="hoso-job")
            app.extensions["hoso_job_pool"] = pool
    return pool


def wait_for_threads(app: Flask) -> None:
    """Let the app's job threads finish what they run, then stop them (tests, orderly shutdown)."""
    with _pool_lock:
        pool = app.extensions.pop("hoso_job_pool", None)
    if pool is not None:
        pool.shutdown(wait=True)


def _run_in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        run_job(job_id)


def run_queued_job(job_id: int) -> None:
    """What an RQ worker calls; ``jobs-worker`` runs it inside the application's context."""
    run_job(job_id)


# --- running a job -------------------------------------------------------------------------------

class Progress:
    """How a handler reports progress: counts and a sentence, written at most a few times a second."""

    MIN_INTERVAL_SECONDS = 0.5

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.total = 0
        self.done = 0
        self._written_at = 0.0

    def start(self, total: int, message: str) -> None:
        self.total, self.done = total, 0
        self._flush(message)

    def step(self, message: str = "", *, advance: int = 1) -> None:
        self.done = min(self.total, self.done + advance)
        if time.monotonic() - self._written_at >= self.MIN_INTERVAL_SECONDS or self.done == self.total:
            self._flush(message)

    def _flush(self, message: str) -> None:
        self._written_at = time.monotonic()
        _write(self.job_id, done=self.done, total=self.total, message=message, heartbeat_at=utcnow())


def _write(job_id: int, **values) -> None:
    """Update the job's row in a transaction of its own, visible at once to every app server."""
    with db.engine.begin() as connection:
        connection.execute(sa.update(Job).where(Job.id == job_id).values(**values))


# --- who runs a job -------------------------------------------------------------------------------

def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), or None if there is no such process.

    With the process id it names one process for good: a later process given the same id
    starts at another time. Where /proc is missing, the id alone is checked.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return "?"
    return stat.rsplit(")", 1)[1].split()[19]


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_this_worker: dict[int, str] = {}


def worker_id() -> str:
    """This process's name in a job's row: host, process id and the process's start time."""
    pid = os.getpid()
    if pid not in _this_worker:  # computed per process id, so a forked child names itself
        _this_worker[pid] = f"{socket.gethostname()}:{pid}:{_process_start(pid) or '?'}"
    return _this_worker[pid]


def owner_is_gone(owner: str | None) -> bool:
    """Whether the process named ``owner`` has certainly stopped: it ran on this host and no
    process of that id and start time is alive. A process on another host cannot be asked;
    its jobs are judged by their heartbeat."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if started in ("", "?"):
        return not _process_exists(pid)
    return _process_start(pid) != started


def result_temp_prefix(job_id: int) -> str:
    """How the half-written result of job ``job_id`` is named in the results folder, so that the
    file a lost job left can be found and removed (and the store's own sweep leaves it alone)."""
    return f"job{job_id}-"


def recover_lost_jobs() -> int:
    """Mark interrupted every running job of this host whose process is gone, and remove the
    half-written result files of jobs no live process is writing; return how many jobs were lost.

    Run when a worker (or an app process running jobs in threads) starts: a process that
    restarts releases its jobs at once, and a new start of them is allowed immediately.
    """
    # A connection of its own: this may run right after a request's commit, when its session is closed.
    with db.engine.connect() as connection:
        running = connection.execute(sa.select(Job.id, Job.worker_id).where(Job.state == "running")).all()
    lost = [job_id for job_id, owner in running if owner_is_gone(owner)]
    for job_id in lost:
        with db.engine.begin() as connection:
            connection.execute(sa.update(Job).where(Job.id == job_id, Job.state == "running")
                               .values(state="failed", error=INTERRUPTED, message="", finished_at=utcnow()))
        log.warning("job %s: its worker process is gone; marked interrupted", job_id)
    still_running = {job_id for job_id, _ in running} - set(lost)
    folder = Path(current_app.config["DOCUMENT_STORE"]) / RESULTS_FOLDER
    for path in folder.glob("job*-" + TEMP_PREFIX + "*") if folder.is_dir() else ():
        job_text = path.name[3:path.name.index("-")]
        if not job_text.isdigit() or int(job_text) in still_running:
            continue
        path.unlink(missing_ok=True)
        log.warning("job %s: removed its half-written result %s", job_text, path.name)
    return len(lost)


def _claim(connection: sa.Connection, job_id: int) -> bool:
    # The conditional UPDATE is the claim on every database: of two workers, one changes the row.
    return connection.execute(
        sa.update(Job).where(Job.id == job_id, Job.state == "queued")
        .values(state="running", worker_id=worker_id(), started_at=utcnow(), heartbeat_at=utcnow(),
                message="Đang bắt đầu…")).rowcount == 1


def run_job(job_id: int, *, claimed: bool = False) -> None:
    """Run one job to its end (claiming it first unless ``claimed``); its row says how it ended.
    Never raises."""
    try:
        if not claimed:
            with db.engine.begin() as connection:
                if not _claim(connection, job_id):
                    log.warning("job %s: not queued any more, not run", job_id)
                    return
        job = db.session.get(Job, job_id)
        started = time.perf_counter()
        _HANDLERS[job.kind](job, Progress(job_id))
        db.session.commit()
        _write(job_id, state="finished", finished_at=utcnow(), heartbeat_at=utcnow())
        log.info("job %s (%s) finished in %.1f s", job_id, job.kind, time.perf_counter() - started)
    except JobFailed as failure:
        db.session.rollback()
        _write(job_id, state="failed", error=str(failure), finished_at=utcnow())
    except Exception:
        log.exception("job %s failed", job_id)
        db.session.rollback()
        try:
            _write(job_id, state="failed", error=UNEXPECTED, finished_at=utcnow())
        except Exception:
            log.exception("job %s: could not record the failure", job_id)
    finally:
        db.session.remove()


def is_stale(job: Job, now: dt.datetime | None = None) -> bool:
    """Whether the job has been lost: running in a process of this host that is gone, or without
    a word from its worker for JOB_STALE_SECONDS, or waiting for longer than a job may run
    (JOB_TIMEOUT_SECONDS; its queue was lost, say)."""
    now = now or utcnow()
    if job.state == "running":
        if owner_is_gone(job.worker_id):
            return True
        silent_for = now - (job.heartbeat_at or job.started_at or job.created_at)
        return silent_for.total_seconds() > current_app.config["JOB_STALE_SECONDS"]
    if job.state == "queued":
        return (now - job.created_at).total_seconds() > current_app.config["JOB_TIMEOUT_SECONDS"]
    return False


def claim_next_job() -> int | None:
    """Claim the oldest job waiting in the table for this process; None when none waits.

    On PostgreSQL the row is locked with FOR UPDATE SKIP LOCKED, so workers polling at once take
    different jobs; on SQLite the database's single writer and the conditional claim settle it.
    """
    query = sa.select(Job.id).where(Job.state == "queued").order_by(Job.id).limit(1)
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job_id = connection.execute(query).scalar()
        if job_id is None or not _claim(connection, job_id):
            return None
    return job_id


def work_from_database(burst: bool = False, stop: threading.Event | None = None) -> int:
    """Run the jobs waiting in the jobs table, oldest first, until stopped (or, with ``burst``,
    until none waits); return how many were run. Used when there is no Redis."""
    poll = float(current_app.config["JOB_POLL_SECONDS"])
    ran = 0
    while stop is None or not stop.is_set():
        job_id = claim_next_job()
        if job_id is None:
            if burst:
                break
            time.sleep(poll)
            continue
        run_job(job_id, claimed=True)
        ran += 1
    return ran


def work(burst: bool = False) -> None:
    """Run a worker until stopped (or, with ``burst``, until nothing waits): on this application's
    RQ queue when REDIS_URL is set, otherwise on the jobs waiting in the database.

    It first releases the jobs of processes of this host that are gone and removes their
    half-written files, so a restart never leaves a job "running" that nobody runs.
    """
    app = current_app._get_current_object()
    lost = recover_lost_jobs()
    if lost:
        log.warning("%s jobs of stopped processes marked interrupted", lost)
    if not app.config.get("REDIS_URL"):
        log.info("jobs worker %s: taking jobs from the database every %s s", worker_id(),
                 app.config["JOB_POLL_SECONDS"])
        work_from_database(burst=burst)
        return
    from rq import SimpleWorker

    queue = rq_queue(app)
    # SimpleWorker runs each job in this process, inside the application context this
    # command already holds; the job's own transactions keep the database consistent.
    worker = SimpleWorker([queue], connection=queue.connection)
    worker.work(burst=burst, with_scheduler=False, logging_level="INFO")
