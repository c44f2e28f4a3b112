"""Templates an administrator uploads to replace a built-in Word template for one campaign."""
from __future__ import annotations

import json
import logging
from functools import lru_cache

import sqlalchemy as sa

from .. import audit, vocabulary
from ..awards.custom_templates import TEMPLATE_KINDS, check_uploaded_template
from ..db import db
from ..documents.builders import sample_path
from ..errors import Forbidden, NotFound, ValidationFailed
from ..models import Campaign, CustomTemplate, User
from .store import document_store, release_after_commit

log = logging.getLogger(__name__)

@lru_cache(maxsize=None)
def sample_context(kind: str) -> dict:
    """The sample data shipped with the built-in template of ``kind``: an upload must render it."""
    return json.loads(sample_path(kind).read_text(encoding="utf-8"))


def custom_template(campaign: Campaign, kind: str) -> CustomTemplate | None:
    return db.session.scalar(sa.select(CustomTemplate).where(CustomTemplate.campaign_id == campaign.id,
                                                             CustomTemplate.kind == kind))


def template_for(campaign: Campaign, kind: str) -> tuple[str, bytes] | None:
    """(name, bytes) of the campaign's uploaded template of ``kind``, or None for the built-in one."""
    uploaded = custom_template(campaign, kind)
    if uploaded is None:
        return None
    return f"tải lên: {uploaded.file_name or kind + '.docx'}"[:128], document_store().get(uploaded.sha256)


def upload_template(actor: User, campaign: Campaign, kind: str, content: bytes, file_name: str) -> CustomTemplate:
    """Check an uploaded template (opens, renders the sample data in the sandbox, uses only known
    variables) and make it the campaign's template of ``kind``; refused with every reason otherwise."""
    if actor.role != "admin":
        raise Forbidden("Chỉ quản trị hệ thống mới được thay mẫu văn bản.")
    if kind not in TEMPLATE_KINDS:
        raise NotFound(f"Không có loại văn bản “{kind}”.")
    problems = check_uploaded_template(kind, content, sample_context(kind), None)
    if problems:
        raise ValidationFailed("Mẫu văn bản không dùng được: " + " ".join(problems),
                               fields={"file": problems}, code="invalid_template")
    sha = document_store().put(content)
    uploaded = custom_template(campaign, kind)
    before = audit.fields_of(uploaded, _AUDITED) if uploaded is not None else {}
    if uploaded is not None and uploaded.sha256 != sha:
        release_after_commit(uploaded.sha256)
    uploaded = uploaded or CustomTemplate(campaign_id=campaign.id, kind=kind)
    uploaded.sha256, uploaded.size = sha, len(content)
    uploaded.file_name = (file_name or "")[:255]
    uploaded.uploaded_by_id = actor.id
    db.session.add(uploaded)
    db.session.flush()
    audit.record(actor, "template.upload", uploaded, campaign=campaign, subject=_title(kind),
                 changes=audit.diff(before, audit.fields_of(uploaded, _AUDITED)))
    log.info("campaign %s: template %s replaced by %s (%s)", campaign.code, kind, actor.username, sha)
    return uploaded


def remove_template(actor: User, campaign: Campaign, kind: str) -> None:
    """Go back to the built-in template of ``kind``."""
    if actor.role != "admin":
        raise Forbidden("Chỉ quản trị hệ thống mới được thay mẫu văn bản.")
    uploaded = custom_template(campaign, kind)
    if uploaded is None:
        raise NotFound("Phong trào đang dùng mẫu có sẵn cho loại văn bản này.")
    before = audit.fields_of(uploaded, _AUDITED)
    release_after_commit(uploaded.sha256)
    db.session.delete(uploaded)
    db.session.flush()
    audit.record(actor, "template.remove", ("custom_template", uploaded.id), campaign=campaign,
                 subject=_title(kind), changes=audit.removed(before))


_AUDITED = ("file_name", "sha256", "size")


def _title(kind: str) -> str:
    return f"“{vocabulary.document_title(kind)}”"
