"""Command-line tasks: ``flask --app service <command>``.

Each command is one unit of work and commits once, at its end.
"""
from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask

from .db import db


@click.command("migrate")
def migrate_command() -> None:
    """Nâng cấp cơ sở dữ liệu lên phiên bản mới nhất (Alembic)."""
    from .migrate import upgrade_database

    upgrade_database()
    click.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")


@click.command("load-demo")
@click.option("--force", is_flag=True, help="Nạp cả khi cơ sở dữ liệu đã có dữ liệu.")
def load_demo_command(force: bool) -> None:
    """Nạp dữ liệu mẫu (phong trào Long Xuyên 2024) nếu cơ sở dữ liệu còn trống."""
    from .demo import DEMO_PASSWORD, load_demo_data

    if load_demo_data(only_if_empty=not force):
        db.session.commit()
        click.echo(f"Đã nạp dữ liệu mẫu. Mật khẩu của mọi tài khoản mẫu: {DEMO_PASSWORD}")
    else:
        click.echo("Cơ sở dữ liệu đã có dữ liệu; không nạp dữ liệu mẫu.")


@click.command("load-campaign")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def load_campaign_command(path: str) -> None:
    """Nạp phong trào từ tệp định nghĩa YAML (thư mục campaigns/); báo lỗi kèm số dòng."""
    from pathlib import Path

    from .errors import DomainError
    from .operations.campaigns import load_campaign

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file.name}: tệp phải được mã hóa UTF-8.") from None
    try:
        result = load_campaign(None, text, origin=file.name)
    except DomainError as error:
        db.session.rollback()
        for problem in error.details.get("errors", []):
            click.echo(f"{file.name}: " + describe_problem(problem), err=True)
        raise click.ClickException(error.message) from None
    db.session.commit()
    campaign = result.campaign
    click.echo(f"Đã nạp phong trào “{campaign.code}” (số {campaign.id}): {len(campaign.rounds)} đợt khen thưởng.")
    if result.created_units:
        click.echo("Đơn vị mới tạo: " + ", ".join(result.created_units) + ".")


def describe_problem(problem: dict) -> str:
    """One refused part of a definition file, as the pages say it: line, field in Vietnamese, reason."""
    return problem["text"]


@click.command("workflow")
@click.option("--mermaid", "as_mermaid", is_flag=True, help="In sơ đồ Mermaid thay cho bảng trạng thái.")
@click.option("--highlight", default=None, help="Trạng thái cần tô đậm trong sơ đồ.")
@click.option("--round", "of_round", is_flag=True, help="Quy trình của đợt khen thưởng thay cho quy trình hồ sơ.")
def workflow_command(as_mermaid: bool, highlight: str | None, of_round: bool) -> None:
    """In bảng trạng thái của quy trình hồ sơ (hoặc của đợt khen thưởng), hoặc sơ đồ Mermaid."""
    import workflows

    workflow = workflows.ROUND_WORKFLOW if of_round else workflows.WORKFLOW
    click.echo(workflow.mermaid_diagram(highlight) if as_mermaid else workflow.state_table_markdown())


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--role", required=True, type=click.Choice(
    ["unit_clerk", "council_secretary", "unit_head", "reviewer", "approver", "admin"]))
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị (xem GET /api/v1/units).")
@click.password_option(help="Mật khẩu (hỏi nếu không ghi).")
def create_user_command(username: str, full_name: str, role: str, unit_code: str, password: str) -> None:
    """Tạo tài khoản người dùng."""
    from .auth import create_user
    from .errors import DomainError
    from .models import Unit

    unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise click.ClickException(f"Không có đơn vị mã “{unit_code}”.")
    try:
        user = create_user(None, username=username, full_name=full_name, role=role, unit=unit, password=password)
    except DomainError as error:
        raise click.ClickException(_describe(error)) from None
    db.session.commit()
    click.echo(f"Đã tạo tài khoản {user.username}.")


def _describe(error) -> str:
    """A domain error's message with its field details, for the terminal."""
    details = "; ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in
                        (getattr(error, "fields", None) or {}).items())
    return f"{error.message} ({details})" if details else error.message


def _user_named(username: str):
    from .models import User

    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"Không có tài khoản “{username}”.")
    return user


@click.command("reset-password")
@click.option("--username", required=True)
@click.password_option()
def reset_password_command(username: str, password: str) -> None:
    """Đặt lại mật khẩu; mọi phiên đăng nhập trang và mã truy cập của người dùng đều chấm dứt."""
    from .auth import reset_password
    from .errors import DomainError

    user = _user_named(username)
    try:
        reset_password(None, user, password)
    except DomainError as error:
        raise click.ClickException(_describe(error)) from None
    db.session.commit()
    click.echo(f"Đã đặt lại mật khẩu của {username}.")


@click.command("deactivate-user")
@click.option("--username", required=True)
def deactivate_user_command(username: str) -> None:
    """Khóa tài khoản; mọi phiên đăng nhập trang và mã truy cập của người dùng đều chấm dứt."""
    from .auth import deactivate_user

    deactivate_user(None, _user_named(username))
    db.session.commit()
    click.echo(f"Đã khóa tài khoản {username}.")


@click.command("verify-documents")
@click.option("--prune", is_flag=True,
              help="Xóa các tệp không bản ghi nào trỏ tới (chỉ tệp cũ hơn thời gian chờ).")
@click.option("--grace-minutes", default=60, show_default=True, type=click.IntRange(min=1),
              help="Tệp mới ghi trong chừng ấy phút không bị xóa: có thể thuộc một giao dịch chưa ghi xong.")
def verify_documents_command(prune: bool, grace_minutes: int) -> None:
    """Kiểm tra mọi văn bản đã lưu khớp với mã SHA-256 đã ghi, và liệt kê các tệp không bản ghi nào
    trỏ tới (văn bản, mẫu văn bản tải lên, tệp kết quả của công việc); --prune xóa các tệp ấy."""
    from .jobs import RESULTS_FOLDER, result_temp_prefix
    from .models import CustomTemplate, GeneratedDocument, Job
    from .operations.store import document_store, referenced_files

    store = document_store()
    bad = 0
    total = 0
    for document in db.session.scalars(sa.select(GeneratedDocument).order_by(GeneratedDocument.id)):
        total += 1
        if not store.verify(document.sha256):
            bad += 1
            click.echo(f"HỎNG: hồ sơ {document.dossier_id}, {document.kind} v{document.version} ({document.sha256})")
    for template in db.session.scalars(sa.select(CustomTemplate).order_by(CustomTemplate.id)):
        total += 1
        if not store.verify(template.sha256):
            bad += 1
            click.echo(f"HỎNG: mẫu {template.kind} của phong trào {template.campaign_id} ({template.sha256})")
    click.echo(f"Đã kiểm tra {total} văn bản, {bad} văn bản hỏng hoặc thiếu.")

    digests, results = referenced_files()
    # The half-written result of a job still running is its worker's, however long the job takes.
    writing = tuple(f"{RESULTS_FOLDER}/{result_temp_prefix(job_id)}"
                    for job_id in db.session.scalars(sa.select(Job.id).where(Job.state == "running")))
    orphans = [(name, path) for name, path in store.unreferenced(digests, results, folders=(RESULTS_FOLDER,))
               if not name.startswith(writing)]
    grace_seconds = grace_minutes * 60
    old_enough = {name for name, _ in store.unreferenced(digests, results, folders=(RESULTS_FOLDER,),
                                                           older_than=grace_seconds)}
    removed = 0
    for name, path in orphans:
        if prune and name in old_enough:
            path.unlink(missing_ok=True)
            removed += 1
            click.echo(f"ĐÃ XÓA tệp không bản ghi nào trỏ tới: {name}")
        else:
            young = "" if name in old_enough else f" (mới ghi chưa tới {grace_minutes} phút, chưa xóa)"
            click.echo(f"THỪA: tệp không bản ghi nào trỏ tới: {name}{young}")
    click.echo(f"{len(orphans)} tệp không bản ghi nào trỏ tới"
               + (f", đã xóa {removed}." if prune else "; chạy lại với --prune để xóa các tệp đủ cũ."))
    if bad:
        sys.exit(1)


@click.command("jobs-worker")
@click.option("--burst", is_flag=True, help="Dừng khi không còn công việc nào chờ.")
def jobs_worker_command(burst: bool) -> None:
    """Chạy các công việc nền: từ hàng đợi Redis (REDIS_URL) hoặc, không có Redis, từ bảng công việc
    trong cơ sở dữ liệu. Trước hết đánh dấu gián đoạn các công việc của tiến trình đã dừng."""
    from . import jobs
    from .operations import jobs as _job_kinds  # noqa: F401 - registers what each kind of job does

    jobs.work(burst=burst)


def init_app(app: Flask) -> None:
    for command in (migrate_command, load_demo_command, load_campaign_command, workflow_command,
                    create_user_command, reset_password_command, deactivate_user_command, verify_documents_command,
                    jobs_worker_command):
        app.cli.add_command(command)
    from .backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
