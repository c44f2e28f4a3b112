"""Documents of an award dossier: formatting, name order, templates, rendering.

Pure Python (no Flask, no database): ``vnformat`` writes numbers, dates and
money the Vietnamese way, ``collation`` orders names, ``builders`` turns a
dossier snapshot into a template context and ``engine`` renders the .docx
templates in ``templates_docx/``.
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
