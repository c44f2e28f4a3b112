"""Counting the SQL statements of each request, for benchmarks: ``SQL_STATEMENT_HEADER=1``.

With the setting on, every response carries ``X-SQL-Statements``: how many
statements its request sent to the database. Off by default; it costs one
counter increment per statement when on.
"""
from __future__ import annotations

import threading

import sqlalchemy as sa
from flask import Flask, g

HEADER = "X-SQL-Statements"
_local = threading.local()


def init_app(app: Flask, engine: sa.engine.Engine) -> None:
    """Count the statements ``engine`` runs during each request of ``app`` (when the setting is on)."""
    if not app.config.get("SQL_STATEMENT_HEADER"):
        return

    @sa.event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, parameters, context, executemany):
        _local.count = getattr(_local, "count", 0) + 1

    @app.before_request
    def start_counting():
        _local.count = 0
        g.sql_counting = True

    @app.after_request
    def report(response):
        if g.get("sql_counting"):
            response.headers[HEADER] = str(getattr(_local, "count", 0))
        return response
