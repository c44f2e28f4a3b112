"""Slow clients cannot starve the service: the service as run.sh starts it (gunicorn with service/gunicorn.conf.py)
keeps answering normal requests promptly while 16 connections send their headers a byte at a time.

For comparison, the same clients against gunicorn's threaded worker (what run.sh used before) hold
every thread and the normal request waits until they finish, which the second test shows.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import TEST_DATABASE_URL, subprocess_environment

REPO = Path(__file__).resolve().parents[1]
DRIBBLERS = 16

pytestmark = [
    pytest.mark.slow,
    # Where requests are read does not depend on the database: run once, on SQLite.
    pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="database-independent; runs on SQLite"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """gunicorn in a process group of its own, on a free port of 127.0.0.1."""

    def __init__(self, arguments: list[str], env: dict[str, str], log_path: Path) -> None:
        self.port = _free_port()
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", *arguments],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.log_path = log_path
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, log_path.read_text(errors="replace")[-3000:]
            try:
                if self.get("/dang-nhap", timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("the server did not start: " + log_path.read_text(errors="replace")[-3000:])

    def get(self, path: str, timeout: float) -> tuple[int, float]:
        """(status, seconds) of one plain HTTP/1.1 GET on a connection of its own."""
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            head = sock.recv(64)
        return int(head.split()[1]), time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


class Dribblers:
    """``count`` connections that each send a request's headers one byte every ``pause`` seconds."""

    def __init__(self, port: int, count: int = DRIBBLERS, pause: float = 0.5) -> None:
        self.stop_event = threading.Event()
        self.sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
        self.thread = threading.Thread(target=self._dribble, args=(pause,), daemon=True)
        self.thread.start()

    def _dribble(self, pause: float) -> None:
        request = b"GET /dang-nhap HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 4000
        for byte in request:
            for sock in self.sockets:
                try:
                    sock.send(bytes([byte]))
                except OSError:
                    pass
            if self.stop_event.wait(pause):
                return

    def close(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def environment(app, database_config) -> dict[str, str]:
    # One worker of four threads, so that sixteen dribblers outnumber its threads whichever worker accepts them
    # (with two, gunicorn may hand most of them to one worker and leave the other free by chance).
    env = {**os.environ, **subprocess_environment(database_config), "WORKERS": "1", "THREADS": "4"}
    env.pop("TEST_DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return env


def _normal_requests(server: Served, count: int = 10) -> list[float]:
    times = []
    for _ in range(count):
        status, seconds = server.get("/dang-nhap", timeout=10)
        assert status == 200
        times.append(seconds)
    return times


def test_dribbling_clients_do_not_delay_normal_requests(environment, tmp_path):
    server = Served(["--config", "service/gunicorn.conf.py"], environment, tmp_path / "front.log")
    try:
        dribblers = Dribblers(server.port)
        try:
            time.sleep(1.5)  # every dribbler has sent a few bytes and is waiting for more
            times = _normal_requests(server)
            assert max(times) < 1.0, times
            assert all(s.fileno() != -1 for s in dribblers.sockets)
        finally:
            dribblers.close()
    finally:
        server.stop()


def test_threaded_workers_alone_are_starved_by_them(environment, tmp_path):
    # What run.sh served before: gunicorn's threaded worker reads headers in the request thread.
    server = Served(["--workers", "1", "--threads", "4", "service.wsgi:app"], environment, tmp_path / "gthread.log")
    try:
        dribblers = Dribblers(server.port)
        try:
            time.sleep(1.5)
            with pytest.raises(OSError):  # a timeout: every thread is busy reading a dribbler's headers
                server.get("/dang-nhap", timeout=3)
        finally:
            dribblers.close()
    finally:
        server.stop()
