"""Running long work in the background: on Redis with RQ, or in a thread of the app process.

Which one is a setting. With ``REDIS_URL`` set, a job is put on an RQ queue and
run by ``flask --app service jobs-worker`` processes, on this machine or any
other that reaches the same database, Redis and document store. Without it,
each app process runs its jobs in a small thread pool of its own: the embedded
default, and enough for one machine.

Either way the job's row (``models.Job``) is the truth about it: the request
that starts a job writes the row, the job is handed to the runner only after
that request commits (a worker must find the row), and the worker writes the
state and progress there, in short transactions of their own, so that every
app server reads the same progress.

What a job does is registered per kind with :func:`handler`; this module only
runs it, marks it running, finished or failed, and keeps its heartbeat.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from .db import db, utcnow
from .models import Job

log = logging.getLogger(__name__)

Handler = Callable[[Job, "Progress"], None]
_HANDLERS: dict[str, Handler] = {}
_pool_lock = threading.Lock()

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
        except Exception:  # Redis down or unreachable: the user must learn it now, not wait forever
            log.exception("job %s: could not be queued", job_id)
            _write(job_id, state="failed", error=QUEUE_DOWN, message="", finished_at=utcnow())
        return
    _thread_pool(app).submit(_run_in_app, app, job_id)


def rq_queue(app: Flask):
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=5, socket_timeout=30)
    return Queue(app.config["JOB_QUEUE"], connection=connection)


def _thread_pool(app: Flask) -> ThreadPoolExecutor:
    with _pool_lock:
        pool = app.extensions.get("hoso_job_pool")
        if pool is None:
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


def run_job(job_id: int) -> None:
    """Run one job to its end; its row says how it ended. Never raises."""
    try:
        job = db.session.get(Job, job_id)
        if job is None or job.state != "queued":
            log.warning("job %s: not queued (%s), not run", job_id, job.state if job else "missing")
            return
        _write(job_id, state="running", started_at=utcnow(), heartbeat_at=utcnow(),
               message="Đang bắt đầu…")
        db.session.expire(job)
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
    """Whether the job has been lost: running without a word from its worker for JOB_STALE_SECONDS,
    or waiting for longer than a job may run (JOB_TIMEOUT_SECONDS; its queue was lost, say)."""
    now = now or utcnow()
    if job.state == "running":
        silent_for = now - (job.heartbeat_at or job.started_at or job.created_at)
        return silent_for.total_seconds() > current_app.config["JOB_STALE_SECONDS"]
    if job.state == "queued":
        return (now - job.created_at).total_seconds() > current_app.config["JOB_TIMEOUT_SECONDS"]
    return False


def work(burst: bool = False) -> None:
    """Run an RQ worker on this application's queue until stopped (or, with ``burst``, until empty)."""
    from rq import SimpleWorker

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise RuntimeError("REDIS_URL is not set: without Redis the app processes run jobs themselves.")
    queue = rq_queue(app)
    # SimpleWorker runs each job in this process, inside the application context this
    # command already holds; the job's own transactions keep the database consistent.
    worker = SimpleWorker([queue], connection=queue.connection)
    worker.work(burst=burst, with_scheduler=False, logging_level="INFO")
