"""Files handed to the browser or an API client, the same way on both sides.

Every download is an attachment that no shared cache keeps (``private,
no-cache``): dossiers and awards are not public. A generated Word document is
revalidated by its SHA-256 (ETag), a job's .zip is sent from disk in chunks.
Word documents and .zip files answer HTTP ``Range`` requests (206, so an
interrupted download can resume); a range that cannot be served is a 416 in the
one error shape, with a Vietnamese message and ``Content-Range: bytes */<size>``.
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from flask import Response, send_file, stream_with_context

from .awards.excel import XLSX_MIME_TYPE as XLSX_MIME
from .models import Dossier, GeneratedDocument
from .operations import documents as document_ops

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP_MIME = "application/zip"

__all__ = ["DOCX_MIME", "XLSX_MIME", "ZIP_MIME", "attachment", "document_response", "file_response"]


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def attachment(content: bytes | Iterable[bytes], mimetype: str, name: str) -> Response:
    """``content`` as a file named ``name`` to save; chunks (an iterator) are streamed as they come."""
    if isinstance(content, (bytes, bytearray)):
        return _private(send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True,
                                  download_name=name))
    response = Response(stream_with_context(iter(content)), mimetype=mimetype, direct_passthrough=True)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return _private(response)


def document_response(dossier: Dossier, document: GeneratedDocument) -> Response:
    """A generated Word document; If-None-Match with its SHA-256 answers 304."""
    return _private(send_file(io.BytesIO(document_ops.document_bytes(document)), mimetype=DOCX_MIME,
                              as_attachment=True, download_name=document_ops.download_name(dossier, document),
                              etag=document.sha256, conditional=True))


def file_response(path: Path, name: str) -> Response:
    """A .zip on disk (a job's result), sent in chunks and revalidated by its ETag."""
    return _private(send_file(path, mimetype=ZIP_MIME, as_attachment=True, download_name=name, conditional=True,
                              etag=True, max_age=0))
