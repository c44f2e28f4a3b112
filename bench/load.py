"""Load test: the real service under gunicorn, many clients at once, a mixed workload.

    .venv/bin/python bench/load.py [--seconds 60] [--clients 50]
                                   [--database-url postgresql://user@host:5432/db]

It migrates a fresh database, loads the demo and adds five ward clerks
(``flask --app service migrate``, ``load-demo`` and ``create-user``, with the
same environment as the server), starts
gunicorn on 127.0.0.1 at a free port, then lets the clients run for the given
time, each in a thread with its own keep-alive connection:

- readers (60 %): lists of dossiers and campaigns, a dossier, its history and
  what may be fired, as clerks, reviewers, approvers and the administrator;
- editors (16 %): read a nominee of a drafting dossier that the benchmark
  opened, then change it with the version read (a 409 means another editor of
  the same dossier was faster: optimistic locking at work, counted apart);
- flippers (12 %): move a dossier of their own unit back and forth
  (send_to_council / back_to_drafting), with the state they read;
- downloaders (12 %): the Word documents and the zip of dossiers they may see,
  rendered again when an editor changed the content.

Any 5xx, connection error or unexpected status is an error; 409 is counted
separately. At the end the document store is checked with
``flask --app service verify-documents`` and every dossier's state against its
last history row. Prints p50, p90 and p99 latency and throughput per operation
and overall, as a Markdown table.

SQLite by default (a file in a temporary folder). With ``--database-url`` the
benchmark works in a schema of its own (``load_<pid>``) in that PostgreSQL
database and drops it at the end.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import requests
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "hoso2024"
CAMPAIGN_ID = 1
# Demo wards without a dossier: the benchmark opens theirs, for the editors and the flippers.
EDITED_WARDS = ("mybinh", "mythanh", "myhoa")
FLIPPED_WARDS = ("binhduc", "myhoahung", "mykhanh")
# Wards whose clerk the demo does not have: created with `flask create-user`.
NEW_CLERKS = {"mythanh": "my-thanh", "myhoa": "my-hoa", "binhduc": "binh-duc", "myhoahung": "my-hoa-hung",
              "mykhanh": "my-khanh"}
READERS = ("canbo.mylong", "thuky.myxuyen", "chutich.dongxuyen", "thamdinh.yte", "pheduyet.ubnd", "admin")
DOWNLOADERS = ("thamdinh.yte", "pheduyet.ubnd", "chutich.dongxuyen", "canbo.mybinh", "canbo.mythanh")
KINDS = ("bien_ban", "to_trinh", "danh_sach")
NOMINEES = [
    {"kind": "collective", "full_name": "Bộ phận Một cửa", "award_form": "giay_khen_tap_the",
     "metrics": {"staff_total": 12, "staff_persuaded_bhxh": 8, "relatives_bhxh": 9, "relatives_bhyt": 14},
     "achievement_summary": "Vận động 09 người thân tham gia BHXH tự nguyện."},
    {"kind": "individual", "full_name": "Nguyễn Thị Ánh", "gender": "female", "position": "Công chức",
     "workplace": "UBND phường", "award_form": "giay_khen_ca_nhan",
     "metrics": {"relatives_bhxh": 3, "relatives_bhyt": 5}, "achievement_summary": "Vận động 03 người thân."},
    {"kind": "individual", "full_name": "Trần Văn Bình", "gender": "male", "position": "Công chức",
     "workplace": "UBND phường", "award_form": "giay_khen_ca_nhan",
     "metrics": {"relatives_bhxh": 2, "relatives_bhyt": 4}, "achievement_summary": "Vận động 02 người thân."},
]


class Unexpected(Exception):
    """A setup step got an answer it should not have."""


# --- the server -----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_schema_url(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def run_flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "service", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise Unexpected(f"flask {' '.join(args)}: {result.stdout}{result.stderr}")
    return result.stdout


@contextlib.contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from service.config import normalise_database_url

    schema = f"load_{os.getpid()}"
    engine = sa.create_engine(normalise_database_url(url))
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield postgres_schema_url(url, schema)
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int, threads: int, log_path: Path) -> Iterator[str]:
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--threads", str(threads), "--backlog", "256", "service.wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise Unexpected("gunicorn stopped: " + log_path.read_text(errors="replace")[-2000:])
            try:
                if requests.get(base + "/openapi.json", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise Unexpected("gunicorn did not answer within 30 s")
            time.sleep(0.1)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# --- the clients ---------------------------------------------------------------------------------------

class Tally:
    """Latencies and outcomes per operation, shared by all client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = collections.defaultdict(list)
        self.conflicts: collections.Counter[str] = collections.Counter()
        self.errors: collections.Counter[str] = collections.Counter()
        self.samples: list[str] = []

    def record(self, operation: str, seconds: float, outcome: str, detail: str = "") -> None:
        with self.lock:
            self.latencies[operation].append(seconds)
            if outcome == "conflict":
                self.conflicts[operation] += 1
            elif outcome == "error":
                self.errors[operation] += 1
                if len(self.samples) < 20:
                    self.samples.append(f"{operation}: {detail}")


class Client:
    """One user's keep-alive connection; every call is timed and classified."""

    def __init__(self, base: str, token: str, tally: Tally) -> None:
        self.base, self.tally = base, tally
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=1))
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, operation: str, method: str, path: str, *, ok: tuple[int, ...] = (200,),
             conflict_ok: bool = False, **kwargs: Any) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.base + path, timeout=60, **kwargs)
            response.content  # the body is part of the latency
        except requests.RequestException as error:
            self.tally.record(operation, time.perf_counter() - started, "error", repr(error))
            return None
        elapsed = time.perf_counter() - started
        if response.status_code in ok:
            self.tally.record(operation, elapsed, "ok")
            return response
        if response.status_code == 409 and conflict_ok:
            self.tally.record(operation, elapsed, "conflict")
            return response
        self.tally.record(operation, elapsed, "error", f"{response.status_code} {response.text[:200]}")
        return None


def login(base: str, username: str) -> str:
    response = requests.post(base + "/auth/token", json={"username": username, "password": PASSWORD}, timeout=60)
    if response.status_code != 201:
        raise Unexpected(f"login {username}: {response.status_code} {response.text[:200]}")
    return response.json()["access_token"]


def open_dossier(base: str, token: str) -> int:
    """A drafting dossier for the clerk's ward, with three complete nominees."""
    headers = {"Authorization": f"Bearer {token}"}
    response = requests.post(base + "/dossiers", json={"campaign_id": CAMPAIGN_ID}, headers=headers, timeout=60)
    if response.status_code != 201:
        raise Unexpected(f"open dossier: {response.status_code} {response.text[:200]}")
    dossier_id = response.json()["id"]
    for nominee in NOMINEES:
        added = requests.post(f"{base}/dossiers/{dossier_id}/nominees", json=nominee, headers=headers, timeout=60)
        if added.status_code != 201:
            raise Unexpected(f"add nominee: {added.status_code} {added.text[:200]}")
    return dossier_id


def reader(client: Client, visible: list[int], stop: threading.Event, rng: random.Random) -> None:
    while not stop.is_set():
        client.call("list dossiers", "GET", "/dossiers")
        if visible:
            dossier_id = rng.choice(visible)
            client.call("get dossier", "GET", f"/dossiers/{dossier_id}")
            client.call("get history", "GET", f"/dossiers/{dossier_id}/history")
            client.call("get transitions", "GET", f"/dossiers/{dossier_id}/transitions")
        client.call("list campaigns", "GET", "/campaigns")


def editor(client: Client, dossier_id: int, index: int, stop: threading.Event, rng: random.Random) -> None:
    counter = 0
    while not stop.is_set():
        response = client.call("get dossier", "GET", f"/dossiers/{dossier_id}")
        if response is None:
            continue
        nominees = response.json()["nominees"]
        nominee = nominees[index % len(nominees)]
        counter += 1
        change = {"expected_version": nominee["version"],
                  "achievement_summary": f"Vận động thêm {counter} người thân tham gia BHYT (lần sửa {counter})."}
        client.call("edit nominee", "PATCH", f"/dossiers/{dossier_id}/nominees/{nominee['id']}", json=change,
                    conflict_ok=True)


def flipper(client: Client, dossier_id: int, stop: threading.Event, rng: random.Random) -> None:
    moves = {"drafting": "send_to_council", "council_minutes": "back_to_drafting"}
    while not stop.is_set():
        response = client.call("get transitions", "GET", f"/dossiers/{dossier_id}/transitions")
        if response is None:
            continue
        state = response.json()["state"]
        client.call(f"fire {moves[state]}", "POST", f"/dossiers/{dossier_id}/transitions",
                    json={"trigger": moves[state], "expected_state": state}, ok=(201,), conflict_ok=True)


def downloader(client: Client, visible: list[int], stop: threading.Event, rng: random.Random) -> None:
    while not stop.is_set():
        dossier_id = rng.choice(visible)
        if rng.random() < 0.2:
            client.call("download zip", "GET", f"/dossiers/{dossier_id}/documents.zip")
        else:
            client.call("download docx", "GET", f"/dossiers/{dossier_id}/documents/{rng.choice(KINDS)}.docx")


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def report(tally: Tally, seconds: float) -> str:
    rows = ["| operation | requests | 409 (expected) | errors | p50 ms | p90 ms | p99 ms | req/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    every: list[float] = []

    def row(name: str, values: list[float], conflicts: int, errors: int) -> str:
        ordered = sorted(values)
        return (f"| {name} | {len(values)} | {conflicts} | {errors} | {percentile(ordered, .50) * 1000:.1f} | "
                f"{percentile(ordered, .90) * 1000:.1f} | {percentile(ordered, .99) * 1000:.1f} | "
                f"{len(values) / seconds:.1f} |")

    for name in sorted(tally.latencies):
        values = tally.latencies[name]
        every.extend(values)
        rows.append(row(name, values, tally.conflicts[name], tally.errors[name]))
    rows.append(row("**all**", every, sum(tally.conflicts.values()), sum(tally.errors.values())))
    return "\n".join(rows)


def check_consistency(env: dict[str, str]) -> list[str]:
    """Every stored document verifies and every dossier's state is its last history row's."""
    problems = []
    try:
        run_flask(env, "verify-documents")
    except Unexpected as error:
        problems.append(str(error))
    check = (
        "import sqlalchemy as sa\n"
        "from service import create_app\n"
        "from service.db import db\n"
        "from service.models import Dossier, HistoryEvent\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    last = {}\n"
        "    for event in db.session.scalars(sa.select(HistoryEvent).order_by(HistoryEvent.id)):\n"
        "        last[event.dossier_id] = event.to_state\n"
        "    for dossier in db.session.scalars(sa.select(Dossier)):\n"
        "        if last.get(dossier.id) != dossier.state:\n"
        "            print(f'dossier {dossier.id}: {dossier.state} but history says {last.get(dossier.id)}')\n"
    )
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    if result.returncode != 0 or result.stdout.strip():
        problems.append(result.stdout + result.stderr)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--database-url", default=None, help="PostgreSQL database to work in (own schema)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (run.sh: 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (run.sh: 4)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="hoso-load-") as folder, contextlib.ExitStack() as stack:
        folder_path = Path(folder)
        if args.database_url:
            database_url = stack.enter_context(postgres_schema(args.database_url))
            database = "PostgreSQL"
        else:
            database_url = f"sqlite:///{folder_path / 'load.sqlite3'}"
            database = "SQLite"
        env = {**os.environ, "DATABASE_URL": database_url, "DOCUMENT_STORE": str(folder_path / "documents"),
               "SECRET_KEY": "load-test", "AUTO_MIGRATE": "0", "LOAD_DEMO_DATA": "0",
               "PYTHONPATH": str(ROOT)}
        run_flask(env, "migrate")
        run_flask(env, "load-demo")
        for short, unit_code in NEW_CLERKS.items():
            run_flask(env, "create-user", "--username", f"canbo.{short}", "--full-name", f"Cán bộ {unit_code}",
                      "--role", "unit_clerk", "--unit", unit_code, "--password", PASSWORD)
        base = stack.enter_context(gunicorn(env, args.workers, args.threads, folder_path / "gunicorn.log"))

        usernames = set(READERS) | set(DOWNLOADERS) | {f"canbo.{w}" for w in EDITED_WARDS + FLIPPED_WARDS}
        tokens = {name: login(base, name) for name in sorted(usernames)}
        edited = [open_dossier(base, tokens[f"canbo.{w}"]) for w in EDITED_WARDS]
        flipped = [open_dossier(base, tokens[f"canbo.{w}"]) for w in FLIPPED_WARDS]
        visible = {}
        for name in set(READERS) | set(DOWNLOADERS):
            response = requests.get(base + "/dossiers", headers={"Authorization": f"Bearer {tokens[name]}"},
                                    timeout=60)
            visible[name] = [d["id"] for d in response.json()]

        tally = Tally()
        stop = threading.Event()
        rng = random.Random(args.seed)
        jobs: list[Callable[[], None]] = []
        for index in range(args.clients):
            slot = index % 25  # 15 readers, 4 editors, 3 flippers, 3 downloaders in every 25 clients
            seed = rng.random()
            if slot < 15:
                name = READERS[index % len(READERS)]
                jobs.append(lambda n=name, s=seed: reader(Client(base, tokens[n], tally), visible[n], stop,
                                                          random.Random(s)))
            elif slot < 19:
                ward = index % len(EDITED_WARDS)
                jobs.append(lambda w=ward, i=index, s=seed: editor(
                    Client(base, tokens[f"canbo.{EDITED_WARDS[w]}"], tally), edited[w], i, stop, random.Random(s)))
            elif slot < 22:
                ward = index % len(FLIPPED_WARDS)
                jobs.append(lambda w=ward, s=seed: flipper(
                    Client(base, tokens[f"canbo.{FLIPPED_WARDS[w]}"], tally), flipped[w], stop, random.Random(s)))
            else:
                name = DOWNLOADERS[index % len(DOWNLOADERS)]
                jobs.append(lambda n=name, s=seed: downloader(Client(base, tokens[n], tally), visible[n], stop,
                                                              random.Random(s)))
        threads = [threading.Thread(target=job, daemon=True) for job in jobs]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.perf_counter() - started
        problems = check_consistency(env)

    print(f"## Load: {args.clients} clients for {args.seconds:g} s on {database} "
          f"(gunicorn {args.workers} workers × {args.threads} threads)\n")
    print(report(tally, elapsed))
    total_errors = sum(tally.errors.values())
    print(f"\nErrors: {total_errors}; 409 conflicts (expected): {sum(tally.conflicts.values())}; "
          f"consistency after the run: {'ok' if not problems else 'PROBLEMS'}")
    for sample in tally.samples:
        print(f"- {sample}")
    for problem in problems:
        print(f"- {problem}")
    return 1 if total_errors or problems else 0


if __name__ == "__main__":
    sys.exit(main())
