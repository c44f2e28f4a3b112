"""Generating, versioning, freezing and serving a dossier's Word documents."""
from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from functools import lru_cache
from typing import Any, Callable

import sqlalchemy as sa

from workflows.rules import form_vote_rule, vote_passes, vote_percent

from .. import access, audit
from ..awards.families import form_family
from ..campaigns.metrics import nominee_values
from ..clock import to_local, today_local
from ..db import db
from ..documents import builders, engine
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..models import DOCUMENT_KINDS, Dossier, GeneratedDocument, User
from . import officials
from .store import document_store
from .templates import template_for

log = logging.getLogger(__name__)

# The documents the unit's head (or whoever is chosen) signs; the minutes are signed by the chair and the
# secretary of the meeting. The list is the tờ trình's annex and carries the same signature.
SIGNED_KINDS = ("to_trinh", "danh_sach")
SIGNER_FIELDS = ("signer_official_id", "signer_authority", "signer_name", "signer_position")


@lru_cache(maxsize=None)
def _template(kind: str) -> tuple[str, bytes, str]:
    """The built-in template of ``kind``: (file name, bytes, SHA-256), read once."""
    path = builders.template_path(kind)
    content = path.read_bytes()
    return path.name, content, hashlib.sha256(content).hexdigest()


def warm_up_templates() -> None:
    """Prepare every built-in Word template and render it once with its sample data.

    A worker calls this when it starts, so its first user does not wait for the templates to be compiled
    and the rendering code to be loaded. A template that fails here fails again where people see why.
    """
    for kind in builders.ALL_DOCUMENT_KINDS:
        try:
            if kind in DOCUMENT_KINDS:
                builders.render_document(kind, builders.sample_snapshot())
            else:
                builders.render_campaign_document(kind, builders.sample_campaign_snapshot())
        except Exception:  # noqa: BLE001 - warming up must never stop a worker from starting
            log.warning("Could not prepare the %s template at start-up", kind, exc_info=True)


def dossier_snapshot(dossier: Dossier, *, generated_on=None) -> dict[str, Any]:
    """Everything the documents show, as plain values (no database objects)."""
    campaign = dossier.campaign
    meeting = dossier.meeting
    votes = {vote.nominee_id: vote.votes_in_favour for vote in meeting.votes} if meeting else {}
    generated_on = generated_on or today_local()
    document_day = dossier.to_trinh_date or generated_on
    nominees = []
    for nominee in dossier.nominees:
        form = campaign.award_form(nominee.award_form) or {"code": nominee.award_form, "name": nominee.award_form}
        count = votes.get(nominee.id)
        passed = percent = None
        if meeting is not None and count is not None:
            rule = form_vote_rule(form)
            passed = vote_passes(rule, count, meeting.total_members, meeting.present_members)
            percent = vote_percent(count, meeting.total_members)
        nominees.append({
            "id": nominee.id,
            "kind": nominee.kind,
            "full_name": nominee.full_name,
            "gender": nominee.gender,
            "position": nominee.position or None,
            "workplace": nominee.workplace or None,
            # What the documents need to word the form: its full title and its family (forms.py).
            "award_form": {"code": form["code"], "name": form["name"], "title": form.get("title"),
                           "family": form_family(form)},
            # Typed figures, then the rates and attainments the service derives from them,
            # so the list shows "Tỷ lệ …: 62,5%" next to the clerk's own summary.
            "metrics": nominee_values(campaign, nominee, dossier.unit.code),
            "achievement_summary": nominee.achievement_summary,
            "votes_in_favour": count,
            "vote_percent": percent,
            "passed": passed,
            "is_leader": nominee.is_leader,
        })
    return {
        "campaign": {
            "title": campaign.title,
            "plan_number": campaign.plan_number,
            "plan_date": campaign.plan_date,
            "issuer_name": campaign.issuer.name,
            "award_name": campaign.award_name,
            "metrics": [{"code": m["code"], "label": m["label"], "unit": m.get("unit")}
                        for m in list(campaign.metrics or []) + list(campaign.derived_metrics or [])],
            "authority": campaign.authority.as_document_dict(document_day),
            "standing_agency": campaign.standing_agency.as_document_dict(document_day),
        },
        # Names as they were on the document's date (a ward renamed since keeps its old name there).
        "unit": dossier.unit.as_document_dict(document_day),
        "dossier": {
            "id": dossier.id,
            "to_trinh_number": dossier.to_trinh_number,
            "to_trinh_date": dossier.to_trinh_date,
            "bien_ban_number": dossier.bien_ban_number,
            "document_date": dossier.to_trinh_date or generated_on,
            "recipients": list(dossier.recipients or []),
        },
        "meeting": None if meeting is None else {
            "started_at": to_local(meeting.started_at),
            "ended_at": to_local(meeting.ended_at) if meeting.ended_at else None,
            "place": meeting.place,
            "chair_name": meeting.chair_name,
            "chair_gender": meeting.chair_gender,
            "chair_position": meeting.chair_position,
            "secretary_name": meeting.secretary_name,
            "secretary_gender": meeting.secretary_gender,
            "secretary_position": meeting.secretary_position,
            "total_members": meeting.total_members,
            "present_members": meeting.present_members,
            "absentees": [dict(a) for a in meeting.absentees or []],
            "voting_method": meeting.voting_method,
        },
        "nominees": nominees,
        "generated_on": generated_on,
    }


def _latest(dossier: Dossier, kind: str) -> GeneratedDocument | None:
    return db.session.scalar(
        sa.select(GeneratedDocument)
        .where(GeneratedDocument.dossier_id == dossier.id, GeneratedDocument.kind == kind)
        .order_by(GeneratedDocument.version.desc())
        .limit(1)
    )


def current_documents(dossier: Dossier) -> dict[str, GeneratedDocument] | None:
    """The latest version of every kind if all of them show the dossier's current content."""
    documents = {}
    for kind in DOCUMENT_KINDS:
        latest = _latest(dossier, kind)
        if latest is None or latest.content_revision != dossier.content_revision:
            return None
        documents[kind] = latest
    return documents


def _is_frozen(dossier: Dossier) -> bool:
    return dossier.state not in access.EDITABLE_DETAIL_STATES


def generate_documents(actor: User, dossier: Dossier, kinds: tuple[str, ...] = DOCUMENT_KINDS, *,
                       signer: dict[str, Any] | None = None) -> list[GeneratedDocument]:
    """Make sure each kind has a version showing the current content; return those versions.

    ``signer`` is who the person chose to sign the tờ trình and its list:
    ``{"official_id", "authority"}`` (either may be missing), checked by
    ``officials.choose_signer``; without a choice the signer of the previous
    version stays, or else the official linked to the unit's head. A kind
    whose latest version is already current (same content, template and
    signer) is not rendered again. Once the dossier is submitted its documents
    are frozen and nothing is generated.
    """
    if not access.can_generate_documents(actor, dossier):
        raise Forbidden("Chỉ người của đơn vị lập hồ sơ mới được tạo văn bản.")
    if _is_frozen(dossier):
        raise Conflict("Hồ sơ đã nộp: bộ văn bản đã được khóa và không tạo lại được.", code="documents_frozen")
    snapshot: dict[str, Any] = {}

    def read_once() -> dict[str, Any]:
        # The three documents show the same data: read it from the database once, and only if one is stale.
        if not snapshot:
            snapshot.update(dossier_snapshot(dossier))
        return snapshot
    chosen = _signer(actor, dossier, signer) if any(kind in SIGNED_KINDS for kind in kinds) else None
    return [_ensure_current(actor, dossier, kind, read_once, chosen) for kind in kinds]


def current_signer(actor: User, dossier: Dossier) -> officials.Signer | None:
    """Who the next version of the tờ trình would name unless ``actor`` chooses someone else; None when
    the standing choice no longer fits (the page then asks for one)."""
    try:
        return _signer(actor, dossier, None)
    except ValidationFailed:
        return None


def _signer(actor: User, dossier: Dossier, choice: dict[str, Any] | None) -> officials.Signer:
    """The signer of the dossier's tờ trình and list: the one chosen, else the one before, else the head's."""
    previous = next((document for document in (_latest(dossier, kind) for kind in SIGNED_KINDS)
                     if document is not None), None)
    choice = choice or {}
    return officials.choose_signer(
        dossier.unit, official_id=choice.get("official_id"), authority=choice.get("authority"),
        signing_user=actor if actor.role == "unit_head" else None,
        previous=audit.fields_of(previous, SIGNER_FIELDS) if previous is not None else None)


def _campaign_template(dossier: Dossier, kind: str) -> tuple[str, bytes, str]:
    """The campaign's uploaded template of ``kind`` if an administrator set one, else the built-in one."""
    uploaded = template_for(dossier.campaign, kind)
    if uploaded is None:
        return _template(kind)
    name, content = uploaded
    return name, content, hashlib.sha256(content).hexdigest()


def _ensure_current(actor: User, dossier: Dossier, kind: str,
                    snapshot: Callable[[], dict[str, Any]] | None = None,
                    signer: officials.Signer | None = None) -> GeneratedDocument:
    template_name, template_bytes, template_sha = _campaign_template(dossier, kind)
    if kind in SIGNED_KINDS and signer is None:
        signer = _signer(actor, dossier, None)
    signed = signer.record() if kind in SIGNED_KINDS and signer is not None else {}

    def is_current(document: GeneratedDocument | None) -> bool:
        # A new template or another signer makes a new version too, while the dossier can still change.
        return (document is not None and document.content_revision == dossier.content_revision
                and document.template_sha256 == template_sha
                and all(getattr(document, name) == value for name, value in signed.items()))

    latest = _latest(dossier, kind)
    if is_current(latest):
        return latest
    # Requests that find the same version missing at once would all number theirs alike; one
    # at a time renders it, the others then find it made.
    _hold_for_rendering(dossier)
    latest = _latest(dossier, kind)
    if is_current(latest):
        return latest
    data = snapshot() if snapshot is not None else dossier_snapshot(dossier)
    if signed:
        data = {**data, "signer": signer.block}
    try:
        context = builders.build_context(kind, data)
    except builders.DocumentDataError as error:
        raise ValidationFailed(f"Chưa tạo được {_lower_first(builders.DOCUMENT_TITLES[kind])}: {error}",
                               code="document_data_incomplete") from None
    content = engine.render_docx(template_bytes, context)
    sha = document_store().put(content)
    document = GeneratedDocument(
        dossier_id=dossier.id, kind=kind, version=(latest.version + 1) if latest else 1,
        content_revision=dossier.content_revision, sha256=sha, size=len(content),
        template_name=template_name, template_sha256=template_sha, created_by_id=actor.id, **signed,
    )
    db.session.add(document)
    db.session.flush()
    if signed:
        before = audit.fields_of(latest, SIGNER_FIELDS) if latest is not None else {}
        audit.record(actor, "document.signer", document, dossier=dossier,
                     subject=f"{_lower_first(builders.DOCUMENT_TITLES[kind])} (phiên bản {document.version})",
                     changes=audit.diff(_signer_audit(before), _signer_audit(signed)))
    log.info("dossier %s: %s v%s generated (%s bytes)", dossier.id, kind, document.version, len(content))
    return document


def _signer_audit(values: dict[str, Any]) -> dict[str, Any]:
    """The signer as the trail keeps it: name, position and authority word (the official's number is not news)."""
    return {name: values.get(name) for name in ("signer_name", "signer_position", "signer_authority")}


def _hold_for_rendering(dossier: Dossier) -> None:
    """Lock the dossier's row until the transaction ends, without changing it.

    SQLite has no row locks: a write that changes nothing takes its write lock instead.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.text("UPDATE dossiers SET content_revision = content_revision WHERE id = :id"),
                           {"id": dossier.id})
    else:
        db.session.execute(sa.select(Dossier.id).where(Dossier.id == dossier.id).with_for_update(key_share=True))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def list_documents(dossier: Dossier) -> list[GeneratedDocument]:
    return list(db.session.scalars(
        sa.select(GeneratedDocument).where(GeneratedDocument.dossier_id == dossier.id)
        .order_by(GeneratedDocument.kind, GeneratedDocument.version)
    ))


def document_for_download(actor: User, dossier: Dossier, kind: str, version: int | None = None
                          ) -> GeneratedDocument:
    """The version asked for, or the one showing the current content.

    While the unit still edits the dossier, asking for the latest renders it if
    the content changed since the last version; afterwards the frozen set is served.
    """
    if kind not in DOCUMENT_KINDS:
        raise NotFound(f"Không có loại văn bản “{kind}”.")
    if version is not None:
        document = db.session.scalar(sa.select(GeneratedDocument).where(
            GeneratedDocument.dossier_id == dossier.id, GeneratedDocument.kind == kind,
            GeneratedDocument.version == version))
        if document is None:
            raise NotFound(f"Không có phiên bản {version} của văn bản này.")
        return document
    if not _is_frozen(dossier) and access.can_generate_documents(actor, dossier):
        return _ensure_current(actor, dossier, kind)
    latest = _latest(dossier, kind)
    if latest is None:
        raise NotFound("Văn bản này chưa được tạo.")
    return latest


def document_bytes(document: GeneratedDocument) -> bytes:
    return document_store().get(document.sha256)


def download_name(dossier: Dossier, document: GeneratedDocument) -> str:
    return f"{document.kind}_hoso{dossier.id}_v{document.version}.docx"


def documents_zip(actor: User, dossier: Dossier) -> tuple[bytes, str]:
    """A zip of the latest version of every kind, with a stable name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind in DOCUMENT_KINDS:
            document = document_for_download(actor, dossier, kind)
            archive.writestr(download_name(dossier, document), document_bytes(document))
    return buffer.getvalue(), f"hoso{dossier.id}_van_ban.zip"
