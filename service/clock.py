"""The service's notion of "today", in the time zone of the bodies it serves.

Deadlines and document dates are calendar days in Vietnam, whatever zone the
server runs in.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


def local_zone() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def now_local() -> dt.datetime:
    return dt.datetime.now(local_zone())


def today_local() -> dt.date:
    return now_local().date()


def to_local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(local_zone())
