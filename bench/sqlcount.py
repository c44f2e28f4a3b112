"""Count the SQL statements one request runs: the app in this process, a test client, an engine listener.

    from sqlcount import statement_counter
    with statement_counter(app) as counted:
        client.get("/")
    print(len(counted))

The timings of a bench come from gunicorn in its own processes; the statement count of the same request
comes from here, against the same database, so no code in service/ is needed to count.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import sqlalchemy as sa


@contextlib.contextmanager
def statement_counter(app) -> Iterator[list[str]]:
    """The statements the app's engine runs while the block runs (each as its SQL text)."""
    from service.db import db

    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
