"""Throughput and latency of ``GET /api/v1/dossiers/{id}`` under gunicorn, measured with wrk.

    .venv/bin/python bench/bench_api.py --database-url postgresql://postgres@127.0.0.1:5432/test
                                        [--seconds 30] [--connections 32] [--workers 2] [--threads 4]

The target (performance issue): at least 500 requests per second and p99 under
100 ms at 32 concurrent clients, with PostgreSQL, gunicorn on the machine's 2 cores.

It migrates a fresh schema, loads the demo, starts gunicorn on 127.0.0.1 with the
given workers and threads, signs in as the standing agency's reviewer and drives
wrk (Debian's ``wrk``, a C load generator on the same machine, so it takes part
of the two cores) at one submitted dossier with a bearer token: a short warm-up,
then the measured run. A second run sends the ``ETag`` back (``If-None-Match``),
the way a client that polls a dossier would, and gets 304s. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import ROOT, gunicorn, login, postgres_schema, run_flask  # noqa: E402

READER = "thamdinh.yte"


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> dict[str, float]:
    """Run wrk and return requests/s and latency percentiles (ms), and the count of non-2xx/3xx answers."""
    args = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{seconds}s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout

    def ms(text: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", output, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "p50": ms(percentiles["50"]), "p90": ms(percentiles["90"]), "p99": ms(percentiles["99"]),
            "errors": int(errors.group(1)) if errors else 0,
            "requests": int(re.search(r"(\d+) requests in", output).group(1))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite in a temp folder)")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    options = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DOCUMENT_STORE": str(Path(folder) / "documents"),
               "SECRET_KEY": "bench", "AUTO_MIGRATE": "0", "LOAD_DEMO_DATA": "0"}
        if options.database_url:
            schema = postgres_schema(options.database_url)
            env["DATABASE_URL"] = schema.__enter__()
        else:
            schema = None
            env["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        try:
            run_flask(env, "migrate")
            run_flask(env, "load-demo")
            with gunicorn(env, options.workers, options.threads, Path(folder) / "gunicorn.log") as base:
                token = login(base, READER)
                auth = {"Authorization": f"Bearer {token}"}
                dossiers = requests.get(f"{base}/dossiers", headers=auth, timeout=10).json()
                dossier = max(dossiers, key=lambda d: d["id"])
                url = f"{base}/dossiers/{dossier['id']}"
                first = requests.get(url, headers=auth, timeout=10)
                nominees = len(first.json()["nominees"])
                wrk(url, auth, 5, options.connections)  # warm-up: every worker loads its code and caches
                plain = wrk(url, auth, options.seconds, options.connections)
                revalidated = wrk(url, {**auth, "If-None-Match": first.headers.get("ETag", "")},
                                  options.seconds, options.connections)
        finally:
            if schema is not None:
                schema.__exit__(None, None, None)

    database = "PostgreSQL" if options.database_url else "SQLite"
    print(f"\nGET /api/v1/dossiers/{dossier['id']} ({nominees} nominees, {len(first.content)} bytes), {database}, "
          f"gunicorn {options.workers} workers × {options.threads} threads, wrk {options.connections} connections, "
          f"{options.seconds} s\n")
    print("| request | requests | non-2xx/3xx | req/s | p50 (ms) | p90 (ms) | p99 (ms) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, result in (("plain GET", plain), ("GET with If-None-Match (304)", revalidated)):
        print(f"| {label} | {result['requests']} | {result['errors']} | {result['rps']:.0f} | {result['p50']:.1f} "
              f"| {result['p90']:.1f} | {result['p99']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
