"""The app's store of generated and uploaded files (``DOCUMENT_STORE``), for the operations that read or write it.

A file is the store's as long as a record points to it: a generated document or a campaign's
uploaded template by its SHA-256, a job by its result's name. :func:`referenced_files` says which
are; :func:`release_after_commit` removes a file a change stopped pointing to, once that change
has committed and if no other record still points to the same bytes.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ..db import db
from ..docstore import DocumentStore
from ..models import CustomTemplate, GeneratedDocument, Job

log = logging.getLogger(__name__)


def document_store() -> DocumentStore:
    return DocumentStore(current_app.config["DOCUMENT_STORE"])


def referenced_files(connection: sa.Connection | None = None) -> tuple[set[str], set[str]]:
    """(the SHA-256 of every stored file a record points to, the names of the job results kept)."""
    run = connection.execute if connection is not None else db.session.execute
    digests = set(run(sa.select(GeneratedDocument.sha256).distinct()).scalars())
    digests |= set(run(sa.select(CustomTemplate.sha256).distinct()).scalars())
    results = set(run(sa.select(Job.result_path).where(Job.result_path.is_not(None))).scalars())
    return digests, results


def release_after_commit(sha256: str) -> None:
    """Remove the stored file ``sha256`` once the current transaction commits, unless a record
    still points to it then (the same bytes uploaded or generated elsewhere); keep it on rollback."""
    db.session.info.setdefault("store_files_to_release", set()).add(sha256)


@sa.event.listens_for(Session, "after_commit")
def _release_committed(session: Session) -> None:
    digests = session.info.pop("store_files_to_release", None)
    if not digests:
        return
    # A connection of its own: the session that just committed may not run SQL here.
    with db.engine.connect() as connection:
        still_used, _ = referenced_files(connection)
    store = document_store()
    for sha256 in digests - still_used:
        store.path_for(sha256).unlink(missing_ok=True)
        log.info("document store: removed %s, no record points to it any more", sha256)


@sa.event.listens_for(Session, "after_soft_rollback")
def _keep_after_rollback(session: Session, previous_transaction) -> None:
    session.info.pop("store_files_to_release", None)
