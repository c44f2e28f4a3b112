"""Other people's requests while a whole round's .zip is being made: in a web worker or not.

    .venv/bin/python bench/bench_jobs_isolation.py [--units 300] [--jobs 3] [--database-url postgresql://…]

Setup (not timed): the round of ``bench_round_bundle.py`` (the demo plus ``--units`` wards with
accepted dossiers, every document rendered, the round proposed).

Then, for each way of running jobs, gunicorn is started as ``run.sh`` starts it (2 workers ×
4 threads) and ``--clients`` clients ask for cheap reads (``GET /api/v1/me`` and
``GET /api/v1/dossiers/{id}``) without pause: first ``--baseline`` seconds with no job, then while
``--jobs`` round jobs run one after the other. Reported: the clients' median, p95 and max latency
in both windows, and how long a job took.

- ``threads``: the former embedded default, without Redis: the job runs in a thread of the web
  worker process that took the request (``JOB_THREADS=1``).
- ``worker``: the default now, without Redis: the job waits in the jobs table and one
  ``flask jobs-worker`` process, started as ``run.sh`` starts it (``nice -n 10``), runs it; the web
  workers run none.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_round_bundle import make_app, setup  # noqa: E402
from load import gunicorn, postgres_schema  # noqa: E402

PASSWORD = "hoso2024"  # the demo accounts


def _token(base: str, username: str) -> str:
    response = requests.post(base + "/auth/token", json={"username": username, "password": PASSWORD}, timeout=30)
    response.raise_for_status()
    return response.json()["access_token"]


def _some_dossier(database: str) -> int:
    import sqlalchemy as sa

    from service.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(database))
    with engine.connect() as connection:
        # One the standing agency's reviewer may read: a dossier it has accepted.
        dossier_id = connection.execute(sa.text("SELECT min(id) FROM dossiers WHERE state = 'accepted'")).scalar()
    engine.dispose()
    return dossier_id


class Clients:
    """Threads asking for cheap reads without pause; each latency is filed under the current window."""

    def __init__(self, base: str, token: str, dossier_id: int, count: int) -> None:
        self.urls = [base + "/me", base + f"/dossiers/{dossier_id}"]
        self.headers = {"Authorization": f"Bearer {token}"}
        self.window = "warm-up"
        self.latencies: dict[str, list[float]] = {}
        self.errors = 0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(count)]

    def _run(self, number: int) -> None:
        session = requests.Session()
        turn = number
        while not self.stop.is_set():
            url = self.urls[turn % len(self.urls)]
            turn += 1
            window = self.window
            started = time.perf_counter()
            try:
                ok = session.get(url, headers=self.headers, timeout=30).status_code == 200
            except requests.RequestException:
                ok = False
            took = time.perf_counter() - started
            if not ok:
                self.errors += 1
            self.latencies.setdefault(window, []).append(took)

    def __enter__(self) -> "Clients":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def _figures(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"n": len(ordered), "median_ms": 1000 * statistics.median(ordered),
            "p95_ms": 1000 * ordered[int(0.95 * (len(ordered) - 1))], "max_ms": 1000 * ordered[-1]}


def _run_jobs(base: str, token: str, round_id: int, count: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        job = requests.post(base + f"/rounds/{round_id}/document-jobs", headers=headers, timeout=60).json()
        while job["state"] in ("queued", "running"):
            time.sleep(0.25)
            job = requests.get(base + f"/jobs/{job['id']}", headers=headers, timeout=60).json()
        if job["state"] != "finished":
            raise RuntimeError(f"job {job['id']}: {job['state']} {job['error']}")
        seconds.append(time.perf_counter() - started)
    return seconds


@contextlib.contextmanager
def _jobs_worker(env: dict[str, str], log_path: Path):
    with log_path.open("wb") as log:
        process = subprocess.Popen(["nice", "-n", "10", sys.executable, "-m", "flask", "--app", "service",
                                    "jobs-worker"], cwd=ROOT,
                                   env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def measure(mode: str, env: dict[str, str], folder: Path, round_id: int, dossier_id: int, options) -> dict:
    env = {**env, "JOB_THREADS": "1" if mode == "threads" else "0", "JOB_POLL_SECONDS": "0.5"}
    with contextlib.ExitStack() as stack:
        base = stack.enter_context(gunicorn(env, 2, 4, folder / f"gunicorn-{mode}.log"))
        if mode == "worker":
            stack.enter_context(_jobs_worker(env, folder / "worker.log"))
        token = _token(base, "thamdinh.yte")
        with Clients(base, token, dossier_id, options.clients) as clients:
            time.sleep(2)
            clients.window = "baseline"
            time.sleep(options.baseline)
            clients.window = "during"
            job_seconds = _run_jobs(base, token, round_id, options.jobs)
            clients.window = "after"
        return {"mode": mode, "job_seconds": statistics.mean(job_seconds), "errors": clients.errors,
                "baseline": _figures(clients.latencies["baseline"]), "during": _figures(clients.latencies["during"])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=3, help="round jobs run one after the other while measuring")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--baseline", type=float, default=8.0, help="seconds measured with no job")
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        store = str(folder / "documents")
        schema = postgres_schema(options.database_url) if options.database_url else None
        database = schema.__enter__() if schema else f"sqlite:///{folder / 'bench.sqlite3'}"
        try:
            round_id = setup(make_app(database, store), options.units)
            env = {**os.environ, "DATABASE_URL": database, "DOCUMENT_STORE": store, "SECRET_KEY": "bench",
                   "AUTO_MIGRATE": "0", "LOAD_DEMO_DATA": "0", "PYTHONPATH": str(ROOT)}
            env.pop("REDIS_URL", None)
            results = [measure(mode, env, folder, round_id, _some_dossier(database), options)
                       for mode in ("threads", "worker")]
        finally:
            if schema:
                schema.__exit__(None, None, None)

    kind = "PostgreSQL" if options.database_url else "SQLite"
    print(f"\n{kind}, {options.units} units, {options.clients} clients, {options.jobs} round jobs in a row\n")
    print("| where the job runs | job | other requests, no job: median / p95 / max | "
          "while the job runs: median / p95 / max | errors |")
    print("|---|---:|---|---|---:|")
    for result in results:
        before, during = result["baseline"], result["during"]
        print(f"| {result['mode']} | {result['job_seconds']:.1f} s "
              f"| {before['median_ms']:.0f} / {before['p95_ms']:.0f} / {before['max_ms']:.0f} ms "
              f"| {during['median_ms']:.0f} / {during['p95_ms']:.0f} / {during['max_ms']:.0f} ms "
              f"| {result['errors']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
