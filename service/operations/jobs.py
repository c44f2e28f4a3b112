"""Background jobs users start and follow: every document of a round in one .zip.

Starting a job writes its row and hands it to the runner (service.jobs) once the
request commits; the work itself runs in :func:`build_round_documents`, on an
RQ worker or a thread of the app, and reports progress as it goes.

The .zip holds, for every dossier the round has received, the frozen documents
the unit submitted (already in the content-addressed store, so nothing is drawn
twice), then the round's own documents, drawn now from the current ranking:
the consolidated tờ trình, the decision, the certificates and the two
spreadsheets. A list of contents in the .zip names every unit the plan calls,
what it sent and what could not be included and why. The archive is written
member by member to a file in the document store (memory stays flat however
many units there are) and served from there in chunks.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
import zipfile
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload

import workflows

from .. import access, jobs
from ..clock import to_local
from ..db import db, utcnow
from ..docstore import write_atomically
from ..documents.builders import DOCUMENT_TITLES
from ..documents.builders import round as round_builders
from ..errors import Conflict, DomainError, NotFound
from ..models import DOCUMENT_KINDS, CampaignRound, Dossier, GeneratedDocument, Job, User
from . import round_documents
from .campaigns import participating_units
from .documents import document_store, download_name

log = logging.getLogger(__name__)

JOB_STATE_LABELS = {
    "queued": "Đang chờ xử lý",
    "running": "Đang xử lý",
    "finished": "Đã xong",
    "failed": "Không thành công",
}
JOB_KIND_LABELS = {"round_documents": "Toàn bộ văn bản của đợt khen thưởng"}
RESULTS_FOLDER = jobs.RESULTS_FOLDER
RESULT_MISSING = "Tệp kết quả không còn (có thể do khôi phục từ bản sao lưu), hãy tạo lại."
# How many finished bundles of one round keep their file; older ones are removed when a new one is made.
KEPT_RESULTS_PER_ROUND = 2


def load_job(actor: User, job_id: int) -> Job:
    """The job if ``actor`` may follow it (whoever may see its round); otherwise 404."""
    job = db.session.get(Job, job_id)
    if job is None or job.round is None or not access.can_view_round(actor, job.round.campaign):
        raise NotFound(f"Không tìm thấy công việc số {job_id}.")
    return job


def latest_round_job(round_: CampaignRound) -> Job | None:
    return next(iter(recent_round_jobs(round_, limit=1)), None)


def recent_round_jobs(round_: CampaignRound, limit: int = 10) -> list[Job]:
    return list(db.session.scalars(sa.select(Job).where(Job.round_id == round_.id, Job.kind == "round_documents")
                                   .order_by(Job.id.desc()).limit(limit)))


def start_round_documents(actor: User, round_: CampaignRound) -> tuple[Job, bool]:
    """Start drawing every document of ``round_``; return the job and whether it is new.

    While one is queued or running for the round, asking again returns that one:
    two clicks do not do the work twice.
    """
    if not access.can_view_round(actor, round_.campaign):
        raise NotFound(f"Không tìm thấy đợt khen thưởng số {round_.id}.")
    _hold_round(round_)
    current = latest_round_job(round_)
    if current is not None and current.state in ("queued", "running"):
        if not jobs.is_stale(current):
            return current, False
        current.state, current.error = "failed", jobs.INTERRUPTED
        current.finished_at = utcnow()
    job = Job(kind="round_documents", round_id=round_.id, requested_by_id=actor.id, state="queued",
              message="Đang chờ đến lượt xử lý…", error="", details={})
    db.session.add(job)
    db.session.flush()
    jobs.submit_after_commit(job.id)
    return job, True


def _hold_round(round_: CampaignRound) -> None:
    """Lock the round's row until the transaction ends, without changing it, so that two clicks
    arriving at once see each other's job instead of starting two.

    SQLite has no row locks: a write that changes nothing takes its write lock instead.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.text("UPDATE campaign_rounds SET id = id WHERE id = :id"), {"id": round_.id})
    else:
        db.session.execute(sa.select(CampaignRound.id).where(CampaignRound.id == round_.id)
                           .with_for_update(key_share=True))


def job_view(job: Job) -> dict[str, Any]:
    """What the API and the page show of a job, with the stale case told as it is, and a finished
    job whose file is gone (after a restore, say) told so instead of offered for download."""
    state, error = job.state, job.error
    if jobs.is_stale(job):
        state, error = "failed", jobs.INTERRUPTED
    result_missing = state == "finished" and bool(job.result_path) and not _result_file(job).is_file()
    has_result = state == "finished" and bool(job.result_path) and not result_missing
    percent = 100 if state == "finished" else (round(100 * job.done / job.total) if job.total else 0)
    return {
        "id": job.id, "kind": job.kind, "kind_label": JOB_KIND_LABELS[job.kind], "round_id": job.round_id,
        "state": state, "state_label": JOB_STATE_LABELS[state], "done": job.done, "total": job.total,
        "percent": percent, "message": job.message if state in ("queued", "running") else "",
        "error": error if state == "failed" else (RESULT_MISSING if result_missing else ""),
        "result_missing": result_missing,
        "requested_by": job.requested_by.full_name, "created_at": job.created_at,
        "started_at": job.started_at, "finished_at": job.finished_at,
        "result_name": job.result_name if has_result else None,
        "result_size": job.result_size if has_result else None,
        "details": job.details or {},
    }


def _result_file(job: Job) -> Path:
    return Path(current_app.config["DOCUMENT_STORE"]) / job.result_path


def job_result(actor: User, job: Job) -> tuple[Path, str]:
    """The finished job's file and the name to download it under."""
    if job.state != "finished":
        raise Conflict("Công việc chưa xong; hãy chờ thanh tiến độ đến 100%.", code="job_not_finished")
    if not job.result_path:
        raise NotFound("Tệp kết quả này đã được thay bằng một bản mới hơn; hãy tải bản mới nhất.")
    path = _result_file(job)
    if not path.is_file():
        raise NotFound(RESULT_MISSING)
    return path, job.result_name or path.name


def forget_jobs_of_deleted_rounds(session: Session) -> None:
    """Before a flush that deletes rounds, delete their jobs and note the jobs' result files for
    removal once the deletion commits (on every database, whether or not it enforces the cascade)."""
    round_ids = [obj.id for obj in session.deleted if isinstance(obj, CampaignRound) and obj.id is not None]
    if not round_ids:
        return
    paths = session.scalars(sa.select(Job.result_path).where(Job.round_id.in_(round_ids),
                                                             Job.result_path.is_not(None))).all()
    session.execute(sa.delete(Job).where(Job.round_id.in_(round_ids)))
    session.info.setdefault("job_files_to_remove", []).extend(paths)


@sa.event.listens_for(Session, "before_flush")
def _note_files_of_deleted_rounds(session: Session, flush_context, instances) -> None:
    forget_jobs_of_deleted_rounds(session)


@sa.event.listens_for(Session, "after_commit")
def _remove_files_of_deleted_rounds(session: Session) -> None:
    paths = session.info.pop("job_files_to_remove", [])
    if paths:
        root = Path(current_app.config["DOCUMENT_STORE"])
        for relative in paths:
            (root / relative).unlink(missing_ok=True)
        log.info("removed %s result files of deleted rounds", len(paths))


@sa.event.listens_for(Session, "after_soft_rollback")
def _keep_files_after_rollback(session: Session, previous_transaction) -> None:
    session.info.pop("job_files_to_remove", None)


# --- the work -------------------------------------------------------------------------------------

def _received_dossiers(round_: CampaignRound) -> list[Dossier]:
    return list(db.session.scalars(
        sa.select(Dossier).where(Dossier.round_id == round_.id, Dossier.state.in_(access.STATES_VISIBLE_TO_AGENCY))
        .options(selectinload(Dossier.unit)).order_by(Dossier.id)))


def _latest_documents(dossier_ids: list[int]) -> dict[tuple[int, str], GeneratedDocument]:
    """The latest version of each kind of each dossier, in one query."""
    latest: dict[tuple[int, str], GeneratedDocument] = {}
    for start in range(0, len(dossier_ids), 500):
        for document in db.session.scalars(
                sa.select(GeneratedDocument).where(GeneratedDocument.dossier_id.in_(dossier_ids[start:start + 500]))
                .order_by(GeneratedDocument.version)):
            latest[(document.dossier_id, document.kind)] = document
    return latest


def _folder_name(position: int, dossier: Dossier) -> str:
    return f"{position:04d}_{dossier.unit.code}"


@jobs.handler("round_documents")
def build_round_documents(job: Job, progress: jobs.Progress) -> None:
    round_ = job.round
    campaign = round_.campaign
    dossiers = sorted(_received_dossiers(round_), key=lambda d: (d.unit.code, d.id))
    latest = _latest_documents([d.id for d in dossiers])
    store = document_store()
    progress.start(len(dossiers) + len(round_documents.ROUND_DOCUMENT_KINDS) + 2,
                   f"Đang gom văn bản của {len(dossiers)} hồ sơ…")

    contents: list[str] = []
    notes: list[str] = []
    counts = {"dossiers": len(dossiers), "unit_documents": 0, "round_documents": 0, "missing": 0}
    relative = f"{RESULTS_FOLDER}/dot{round_.id}-job{job.id}-{secrets.token_hex(4)}.zip"
    target = Path(current_app.config["DOCUMENT_STORE"]) / relative

    def write(handle) -> None:
        # Word files are zips already: stored as they are, so building the archive copies bytes.
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for position, dossier in enumerate(dossiers, start=1):
                folder = _folder_name(position, dossier)
                line = [f"{folder}: {dossier.unit.name} — {workflows.WORKFLOW.state_label(dossier.state)}"]
                for kind in DOCUMENT_KINDS:
                    document = latest.get((dossier.id, kind))
                    if document is None or not store.exists(document.sha256):
                        counts["missing"] += 1
                        line.append(f"    thiếu {DOCUMENT_TITLES[kind].lower()}")
                        continue
                    name = f"{folder}/{download_name(dossier, document)}"
                    archive.write(store.path_for(document.sha256), name)
                    counts["unit_documents"] += 1
                contents.append("\n".join(line))
                progress.step(f"Đã gom hồ sơ {position}/{len(dossiers)}: {dossier.unit.short_name}")

            for title, make in _round_items(round_, progress):
                progress.step(f"Đang tạo {title.lower()}…", advance=0)
                try:
                    content, name = make()
                    if not isinstance(content, bytes):  # a workbook comes in chunks
                        content = b"".join(content)
                except DomainError as error:
                    notes.append(f"Chưa tạo được {title.lower()}: {error.message}")
                else:
                    archive.writestr(zipfile.ZipInfo(f"0000_tong_hop/{name}", _zip_time()), content)
                    counts["round_documents"] += 1
                progress.step(f"Đã xong {title.lower()}")

            archive.writestr(zipfile.ZipInfo("MUC_LUC.txt", _zip_time()), _table_of_contents(
                round_, contents, notes, _not_received(round_, dossiers)), compress_type=zipfile.ZIP_DEFLATED)

    write_atomically(target, write, prefix=jobs.result_temp_prefix(job.id))
    _remove_older_results(round_, job)
    job.result_path = relative
    job.result_size = target.stat().st_size
    job.result_name = f"van_ban_dot{round_.id}_{campaign.code}.zip"
    job.details = counts | {"notes": notes}


def _round_items(round_: CampaignRound, progress: jobs.Progress) -> list[tuple[str, Callable[[], tuple[bytes, str]]]]:
    """The round's own files: (title, a function drawing it or raising DomainError with the reason).

    The awardees and their prize money are computed once for the three documents and the
    spreadsheet that show them.
    """
    progress.step("Đang tính danh sách khen thưởng và tiền thưởng…", advance=0)
    try:
        snapshot, failure = round_documents.award_snapshot(round_), None
    except DomainError as error:
        snapshot, failure = None, error

    def with_snapshot(draw: Callable[[dict[str, Any]], tuple[bytes, str]]) -> Callable[[], tuple[bytes, str]]:
        def make() -> tuple[bytes, str]:
            if failure is not None:
                raise failure
            return draw(snapshot)
        return make

    # A decision and its certificates per deciding authority, when the round's forms have several.
    parts = round_builders.decision_snapshots(snapshot) if snapshot is not None else []
    items = []
    for kind in round_documents.ROUND_DOCUMENT_KINDS:
        title = round_documents.ROUND_DOCUMENT_TITLES[kind]
        if kind in round_documents.PER_AUTHORITY_KINDS and len(parts) > 1:
            items += [(f"{title} ({part['name']})",
                       with_snapshot(lambda snap, kind=kind, code=part["code"]:
                                     round_documents.render_round_document(round_, kind, snap, authority=code)))
                      for part in parts]
        else:
            items.append((title, with_snapshot(
                lambda snap, kind=kind: round_documents.render_round_document(round_, kind, snap))))
    items.append(("Bảng xếp hạng", lambda: round_documents.ranking_workbook(round_)))
    items.append(("Danh sách khen thưởng kèm tiền thưởng",
                  with_snapshot(lambda snap: round_documents.awardees_workbook(round_, snap))))
    # The job's count of steps assumed one file per kind.
    progress.total += len(items) - len(round_documents.ROUND_DOCUMENT_KINDS) - 2
    return items


def _zip_time() -> tuple[int, int, int, int, int, int]:
    now = to_local(dt.datetime.now(dt.timezone.utc))
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)


def _not_received(round_: CampaignRound, received: list[Dossier]) -> list[str]:
    sent = {d.unit_id for d in received}
    return [unit.name for unit in participating_units(round_.campaign) if unit.id not in sent]


def _table_of_contents(round_: CampaignRound, contents: list[str], notes: list[str], missing_units: list[str]) -> bytes:
    campaign = round_.campaign
    lines = [
        f"{campaign.title}", f"{round_.title}", "",
        f"Tạo lúc {to_local(dt.datetime.now(dt.timezone.utc)):%H:%M ngày %d/%m/%Y}.", "",
        "0000_tong_hop: văn bản tổng hợp của cơ quan thường trực (tờ trình, quyết định, giấy khen, bảng tính).",
        *notes, "",
        f"Hồ sơ đã nhận ({len(contents)}):", *contents,
    ]
    if missing_units:
        lines += ["", f"Đơn vị chưa nộp hồ sơ ({len(missing_units)}):", *(f"    {name}" for name in missing_units)]
    # Windows' Notepad reads UTF-8 with a byte-order mark and CRLF line ends correctly.
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _remove_older_results(round_: CampaignRound, job: Job) -> None:
    older = list(db.session.scalars(
        sa.select(Job).where(Job.round_id == round_.id, Job.id != job.id, Job.result_path.is_not(None))
        .order_by(Job.id.desc()).offset(KEPT_RESULTS_PER_ROUND - 1)))
    root = Path(current_app.config["DOCUMENT_STORE"])
    for previous in older:
        (root / previous.result_path).unlink(missing_ok=True)
        previous.result_path = None
