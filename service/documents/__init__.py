"""Every Word document of the service: formatting, name order, context builders, rendering.

Pure Python (no Flask, no database): ``vnformat`` writes numbers, dates and
money the Vietnamese way, ``collation`` orders names, ``builders`` turns a
plain snapshot into each document kind's context (``builders.dossier`` for a
unit's dossier, ``builders.round`` for a round's decision, ``builders.common``
for what they share) and ``engine`` renders the .docx templates in
``templates_docx/``. The operations layer reads the snapshots from the
database and calls in here, never the other way round.
"""

from .builders import (
    DOCUMENT_FILE_NAMES,
    DOCUMENT_KINDS,
    DOCUMENT_TITLES,
    DocumentDataError,
    build_context,
    render_document,
    sample_snapshot,
    template_path,
)
from .engine import TemplateRenderError, check_template, render_docx, template_variables

__all__ = [
    "DOCUMENT_FILE_NAMES",
    "DOCUMENT_KINDS",
    "DOCUMENT_TITLES",
    "DocumentDataError",
    "TemplateRenderError",
    "build_context",
    "check_template",
    "render_docx",
    "render_document",
    "sample_snapshot",
    "template_path",
    "template_variables",
]
