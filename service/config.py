"""Configuration: defaults, then the environment, then explicit overrides (tests).

The resulting mapping is read-only once the application has started.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

DEFAULTS: dict[str, Any] = {
    # An embedded SQLite file in the instance folder; production sets DATABASE_URL.
    "DATABASE_URL": None,
    "SECRET_KEY": None,
    "DOCUMENT_STORE": None,  # folder of the content-addressed document store
    "TOKEN_TTL_HOURS": 12,
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    "LOAD_DEMO_DATA": False,
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
    "JSON_SORT_KEYS": False,
    "AUTO_MIGRATE": True,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 10,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 50,
    # A page session unused for this long is over; each request made in time extends it.
    "PAGE_SESSION_IDLE_MINUTES": 60,
    # Behind an HTTPS reverse proxy: trust its X-Forwarded-Proto/For and mark cookies Secure.
    "BEHIND_HTTPS_PROXY": False,
    # Prize money is rounded to tens of thousands of đồng; sources differ on "nearest" or "up".
    "PRIZE_ROUNDING": "nearest",
    # Background jobs: on an RQ queue in Redis when REDIS_URL is set, otherwise waiting in the jobs
    # table; either way run by `flask jobs-worker` processes, never by the web workers. JOB_THREADS > 0
    # (tests) runs them in threads of the app process instead when there is no Redis.
    "REDIS_URL": None,
    "JOB_QUEUE": "hoso-jobs",
    "JOB_THREADS": 0,
    # How often a worker without Redis looks in the jobs table for work.
    "JOB_POLL_SECONDS": 1.0,
    "JOB_TIMEOUT_SECONDS": 3600,
    # A running job that has not reported progress for this long has lost its worker.
    "JOB_STALE_SECONDS": 600,
    # Benchmarks: every response says how many SQL statements its request ran (service.sql_count).
    "SQL_STATEMENT_HEADER": False,
}

# Environment variables read on start-up and the type each one is parsed as.
_ENV_TYPES: dict[str, type] = {
    "DATABASE_URL": str,
    "SECRET_KEY": str,
    "DOCUMENT_STORE": str,
    "TOKEN_TTL_HOURS": int,
    "TIMEZONE": str,
    "LOAD_DEMO_DATA": bool,
    "MAX_CONTENT_LENGTH": int,
    "AUTO_MIGRATE": bool,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": int,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": int,
    "PAGE_SESSION_IDLE_MINUTES": int,
    "BEHIND_HTTPS_PROXY": bool,
    "PRIZE_ROUNDING": str,
    "REDIS_URL": str,
    "JOB_QUEUE": str,
    "JOB_THREADS": int,
    "JOB_POLL_SECONDS": float,
    "JOB_TIMEOUT_SECONDS": int,
    "JOB_STALE_SECONDS": int,
    "SQL_STATEMENT_HEADER": bool,
}


def _parse(kind: type, raw: str) -> Any:
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return kind(raw)


def build_config(instance_path: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the effective configuration for one application instance."""
    config = dict(DEFAULTS)
    for name, kind in _ENV_TYPES.items():
        raw = os.environ.get(name)
        if raw not in (None, ""):
            config[name] = _parse(kind, raw)
    config.update(overrides or {})

    instance = Path(instance_path)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance / 'hoso.sqlite3'}"
    config["DATABASE_URL"] = normalise_database_url(config["DATABASE_URL"])
    if not config["DOCUMENT_STORE"]:
        config["DOCUMENT_STORE"] = str(instance / "documents")
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(instance)
    if config["PRIZE_ROUNDING"] not in ("nearest", "up"):
        raise ValueError("PRIZE_ROUNDING must be 'nearest' or 'up'")
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(config["DATABASE_URL"]))
    return config


def normalise_database_url(url: str) -> str:
    """Route plain postgresql:// URLs to the psycopg 3 driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Several request threads share the file; wait for the write lock instead of failing.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def _instance_secret(instance: Path) -> str:
    """A random secret created on first run and kept in the instance folder.

    Production should set SECRET_KEY in the environment instead; this keeps a
    fresh checkout free of any committed secret.
    """
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker process created it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key
