"""Every Word document the service writes: one context function per kind, by family.

* ``common`` — the parts all documents share (issuing body's header,
  signature block, text clean-up, "Thiếu …" errors);
* ``dossier`` — a unit's dossier: ``bien_ban``, ``to_trinh``, ``danh_sach``;
* ``round`` — a round's (or campaign's) closing documents:
  ``to_trinh_tong_hop``, ``quyet_dinh`` with its annex, ``certificates``;
* ``samples`` — the sample snapshots the committed templates' sample data
  come from.

Each kind is fed by ONE function that turns a plain snapshot (dicts, lists,
strings, numbers, dates) into the plain context its template prints
(``CONTEXT_BUILDERS``). The snapshots are read from the database by the
operations layer; nothing here imports models or operations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

from .common import TEMPLATE_DIR, DocumentDataError
from .dossier import (
    DOCUMENT_FILE_NAMES,
    DOCUMENT_KINDS,
    DOCUMENT_TITLES,
    bien_ban_context,
    build_context,
    danh_sach_context,
    render_document,
    template_path,
    to_trinh_context,
)
from .round import (
    ANNEX_ORDERS,
    CAMPAIGN_DOCUMENT_KINDS,
    CAMPAIGN_DOCUMENT_TITLES,
    CAMPAIGN_TEMPLATE_DIR,
    build_campaign_context,
    campaign_template_path,
    certificates_context,
    format_amount,
    quyet_dinh_context,
    render_campaign_document,
    to_trinh_tong_hop_context,
)
from .samples import sample_campaign_snapshot, sample_snapshot

__all__ = [
    "ALL_DOCUMENT_KINDS",
    "ANNEX_ORDERS",
    "CAMPAIGN_DOCUMENT_KINDS",
    "CAMPAIGN_DOCUMENT_TITLES",
    "CAMPAIGN_TEMPLATE_DIR",
    "CONTEXT_BUILDERS",
    "DOCUMENT_FILE_NAMES",
    "DOCUMENT_KINDS",
    "DOCUMENT_TITLES",
    "TEMPLATE_DIR",
    "DocumentDataError",
    "build_campaign_context",
    "build_context",
    "builtin_template_path",
    "campaign_template_path",
    "format_amount",
    "render_campaign_document",
    "render_document",
    "sample_campaign_snapshot",
    "sample_path",
    "sample_snapshot",
    "template_path",
]

# Dossier kinds first, then the round's: the order pages and checks list them in.
ALL_DOCUMENT_KINDS = (*DOCUMENT_KINDS, *CAMPAIGN_DOCUMENT_KINDS)

# The one function per kind that turns a snapshot into the template's context.
CONTEXT_BUILDERS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "bien_ban": bien_ban_context,
    "to_trinh": to_trinh_context,
    "danh_sach": danh_sach_context,
    "to_trinh_tong_hop": to_trinh_tong_hop_context,
    "quyet_dinh": quyet_dinh_context,
    "certificates": certificates_context,
}


def builtin_template_path(kind: str) -> Path:
    """The committed template of any document kind (dossier or round)."""
    if kind in DOCUMENT_KINDS:
        return template_path(kind)
    return campaign_template_path(kind)


def sample_path(kind: str) -> Path:
    """The sample data shipped with the committed template of ``kind`` (its context as JSON)."""
    folder = TEMPLATE_DIR / "samples" if kind in DOCUMENT_KINDS else CAMPAIGN_TEMPLATE_DIR / "samples"
    builtin_template_path(kind)  # refuses an unknown kind
    return folder / f"{kind}.json"
