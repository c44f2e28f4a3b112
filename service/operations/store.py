"""The app's store of generated and uploaded files (``DOCUMENT_STORE``), for the operations that read or write it."""
from __future__ import annotations

from flask import current_app

from ..docstore import DocumentStore


def document_store() -> DocumentStore:
    return DocumentStore(current_app.config["DOCUMENT_STORE"])
