"""Reading one dossier fast: the JSON of ``GET /api/v1/dossiers/{id}`` kept per (dossier, version).

A dossier's JSON changes only when the dossier changes, and every change of it
(its details, a nominee, the council meeting, a step of the workflow) bumps the
dossier's ``version`` (the ORM's optimistic lock column) and its ``updated_at``.
So each request asks the database one small question (version, time of the last
change, state and who may see it), and serves the bytes made for exactly that if
this process has them; otherwise it loads the dossier, dumps it with the output
schema as before, and keeps the bytes. Another app server reading the same pair
reads the same content, so several servers need no shared cache and no
invalidation; the time stamp keeps a database restored from a backup, whose
version numbers may repeat with other content, from matching an old entry.

The pair is also the ETag: a client that sends it back gets 304 at once.
"""
from __future__ import annotations

import threading

import sqlalchemy as sa
from cachetools import LRUCache
from flask import Response, current_app, request

from .. import access, presenters
from ..db import db
from ..errors import NotFound
from ..lookup import load_dossier
from ..models import Campaign, Dossier, User
from ..schemas.dossiers import DossierOut

# Bumped when the shape of the dossier JSON changes, so that no client keeps an old ETag's body.
RESPONSE_SHAPE = 1
# Bytes of JSON kept per process: a few thousand typical dossiers.
CACHE_BYTES = 32 * 1024 * 1024

_schema = DossierOut()
_cache_lock = threading.Lock()


def _cache() -> LRUCache:
    """This application's cache (one per app: tests build many apps over databases with the same ids)."""
    cache = current_app.extensions.get("dossier_json_cache")
    if cache is None:
        with _cache_lock:
            cache = current_app.extensions.setdefault("dossier_json_cache",
                                                      LRUCache(maxsize=CACHE_BYTES, getsizeof=len))
    return cache


# What deciding access and freshness needs, in one indexed query (built once: its cache key too).
_HEAD = (sa.select(Dossier.version, Dossier.updated_at, Dossier.state, Dossier.unit_id, Campaign.standing_agency_id,
                   Campaign.authority_id)
         .join(Campaign, Campaign.id == Dossier.campaign_id).where(Dossier.id == sa.bindparam("dossier_id")))


def _head(dossier_id: int):
    return db.session.execute(_HEAD, {"dossier_id": dossier_id}).one_or_none()


def dossier_response(user: User, dossier_id: int) -> Response:
    head = _head(dossier_id)
    if head is None or not access.may_view(user, unit_id=head.unit_id, state=head.state,
                                           standing_agency_id=head.standing_agency_id,
                                           authority_id=head.authority_id):
        raise NotFound(f"Không tìm thấy hồ sơ số {dossier_id}.")
    changed = int(head.updated_at.timestamp() * 1_000_000)
    etag = f"d{dossier_id}-v{head.version}-t{changed}-s{RESPONSE_SHAPE}"
    headers = {"ETag": f'"{etag}"', "Cache-Control": "private, no-cache"}
    if etag in request.if_none_match:
        return Response(status=304, headers=headers)
    key, cache = (dossier_id, head.version, changed), _cache()
    with _cache_lock:
        body = cache.get(key)
    if body is None:
        dossier = load_dossier(user, dossier_id)
        body = current_app.json.dumps(_schema.dump(presenters.dossier(dossier))).encode("utf-8")
        if (dossier.version, dossier.updated_at) != (head.version, head.updated_at):
            # Changed between the two reads: what was loaded is newer than the ETag; keep neither.
            return Response(body, status=200, mimetype="application/json",
                            headers={"Cache-Control": "private, no-cache"})
        with _cache_lock:
            cache[key] = body
    return Response(body, status=200, mimetype="application/json", headers=headers)
