"""Backup and restore: the whole database and the document store in one ``.tar.gz``.

``flask --app service backup --output FILE.tar.gz`` reads every table in one
read-only transaction (a consistent snapshot: REPEATABLE READ on PostgreSQL,
one read transaction holding SQLite's shared lock), and copies every file of
the document store. ``flask --app service restore FILE.tar.gz`` checks the
archive against its manifest first, then refuses a database that already holds
rows, writes the documents and inserts the rows in one transaction.

The archive holds::

    manifest.json                  format, time, database kind, Alembic revision, row counts,
                                   and the SHA-256 and size of every other file
    tables/NNN_<table>.jsonl       one JSON object per row, tables in foreign-key order
    documents/<aa>/<sha256>        the stored documents, named by their hash

Rows go through SQLAlchemy's column types, so an archive made on SQLite
restores into PostgreSQL and the other way round (same Alembic revision).
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import io
import json
import logging
import os
import re
import tarfile
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import click
import sqlalchemy as sa
from flask import current_app

from .db import db, utcnow
from .docstore import DocumentStore, write_atomically
from .jobs import INTERRUPTED
from .models import Job

log = logging.getLogger(__name__)

FORMAT = "hoso-backup/1"
MANIFEST = "manifest.json"
_DOCUMENT_NAME = re.compile(r"^documents/([0-9a-f]{2})/([0-9a-f]{64})$")
_BATCH = 500


class BackupError(Exception):
    """The backup or the restore cannot go on; ``args[0]`` is a Vietnamese message."""


# --- values <-> JSON --------------------------------------------------------------------------------

def _kind(column: sa.Column) -> str:
    type_ = column.type
    if isinstance(type_, sa.types.TypeDecorator):
        type_ = type_.impl_instance
    for kind, types in (("json", (sa.JSON,)), ("datetime", (sa.DateTime,)), ("date", (sa.Date,)),
                        ("time", (sa.Time,)), ("interval", (sa.Interval,)), ("bytes", (sa.LargeBinary,)),
                        ("uuid", (sa.Uuid,))):
        if isinstance(type_, types):
            return kind
    if isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float) and type_.asdecimal:
        return "decimal"
    return "plain"


_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "datetime": lambda v: v.isoformat(), "date": lambda v: v.isoformat(), "time": lambda v: v.isoformat(),
    "interval": lambda v: v.total_seconds(), "bytes": lambda v: base64.b64encode(v).decode("ascii"),
    "uuid": str, "decimal": str,
}
_DECODERS: dict[str, Callable[[Any], Any]] = {
    "datetime": dt.datetime.fromisoformat, "date": dt.date.fromisoformat, "time": dt.time.fromisoformat,
    "interval": lambda v: dt.timedelta(seconds=v), "bytes": base64.b64decode, "uuid": uuid.UUID,
    "decimal": decimal.Decimal,
}


def _encode_row(row: sa.Row, kinds: dict[str, str]) -> dict[str, Any]:
    values = {}
    for name, value in row._mapping.items():
        encode = _ENCODERS.get(kinds[name])
        values[name] = encode(value) if encode is not None and value is not None else value
    return values


def _decode_row(values: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
    row = {}
    for name, value in values.items():
        decode = _DECODERS.get(kinds[name])
        row[name] = decode(value) if decode is not None and value is not None else value
    return row


def _rows_in_reference_order(table: sa.Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a table that refers to itself (units.parent_id), parents before their children."""
    links = [(list(fk.columns)[0].name, fk.elements[0].column.name) for fk in table.foreign_key_constraints
             if fk.referred_table is table and len(fk.columns) == 1]
    if not links:
        return rows
    placed: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    waiting = list(rows)
    while waiting:
        ready = [row for row in waiting
                 if all(row[column] is None or row[column] in placed or row[column] == row[target]
                        for column, target in links)]
        if not ready:  # a cycle the database would refuse anyway; keep the stored order
            ready = waiting
        for row in ready:
            placed.update(row[target] for _, target in links)
        ordered.extend(ready)
        waiting = [row for row in waiting if not any(row is r for r in ready)]
    return ordered


# --- backup ---------------------------------------------------------------------------------------

def _alembic_revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _snapshot_connection(engine: sa.Engine) -> sa.Connection:
    """A connection whose reads all see one moment of the database."""
    if engine.dialect.name == "postgresql":
        return engine.connect().execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    connection = engine.connect()
    if engine.dialect.name == "sqlite":
        # pysqlite starts no transaction for reads; without one each SELECT would see another moment.
        connection.exec_driver_sql("BEGIN")
    return connection


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(mtime)
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(content))


def _stored_documents(store: DocumentStore) -> Iterator[tuple[str, Path]]:
    if not store.root.is_dir():
        return
    for path in sorted(store.root.glob("[0-9a-f][0-9a-f]/*")):
        if re.fullmatch(r"[0-9a-f]{64}", path.name) and path.name.startswith(path.parent.name):
            yield path.name, path


def create_backup(output: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the archive to ``output`` (atomically) and return its manifest."""
    engine = db.engine
    tables = db.metadata.sorted_tables
    table_files: list[tuple[str, bytes]] = []
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": utcnow().isoformat(),
                                "database": engine.dialect.name, "tables": [], "files": {}}
    with _snapshot_connection(engine) as connection:
        manifest["alembic_revision"] = _alembic_revision(connection)
        for index, table in enumerate(tables, start=1):
            kinds = {column.name: _kind(column) for column in table.columns}
            order = list(table.primary_key.columns) or list(table.columns)
            lines = [json.dumps(_encode_row(row, kinds), ensure_ascii=False, sort_keys=True)
                     for row in connection.execute(sa.select(table).order_by(*order))]
            name = f"tables/{index:03d}_{table.name}.jsonl"
            table_files.append((name, "".join(line + "\n" for line in lines).encode("utf-8")))
            manifest["tables"].append({"name": table.name, "rows": len(lines), "file": name})
        connection.rollback()

    store = DocumentStore(current_app.config["DOCUMENT_STORE"])
    documents: list[tuple[str, bytes]] = []
    damaged = []
    for sha256, path in _stored_documents(store):
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != sha256:
            damaged.append(sha256)
            continue
        documents.append((f"documents/{sha256[:2]}/{sha256}", content))
    if damaged:
        raise BackupError(f"{len(damaged)} văn bản trong kho không còn khớp mã SHA-256 "
                          f"({', '.join(d[:12] for d in damaged[:5])}…); hãy chạy verify-documents trước khi sao lưu.")
    for name, content in (*table_files, *documents):
        manifest["files"][name] = {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
    manifest["documents"] = {"count": len(documents), "bytes": sum(len(c) for _, c in documents)}

    target = Path(output)
    now = dt.datetime.now().timestamp()

    def write_archive(handle) -> None:
        with tarfile.open(fileobj=handle, mode="w:gz") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"), now)
            for name, content in (*table_files, *documents):
                _add_bytes(archive, name, content, now)

    write_atomically(target, write_archive, prefix=f".{target.name}")
    log.info("backup written to %s: %s tables, %s documents", target, len(tables), len(documents))
    return manifest


# --- restore --------------------------------------------------------------------------------------

def _read_archive(path: str | os.PathLike[str]) -> Iterable[tuple[str, bytes]]:
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            for member in archive:
                if not member.isfile():
                    raise BackupError(f"Tệp sao lưu có mục không phải tệp thường: {member.name}.")
                handle = archive.extractfile(member)
                yield member.name, handle.read() if handle is not None else b""
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"Không đọc được tệp sao lưu: {error}.") from None


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    for name, content in _read_archive(path):
        if name == MANIFEST:
            try:
                manifest = json.loads(content)
            except ValueError:
                break
            if isinstance(manifest, dict) and manifest.get("format") == FORMAT:
                return manifest
            break
    raise BackupError("Tệp này không phải bản sao lưu của hệ thống (thiếu hoặc sai manifest.json).")


def verify_archive(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Check every file of the archive against the manifest; return the manifest."""
    manifest = read_manifest(path)
    expected = dict(manifest["files"])
    for name, content in _read_archive(path):
        if name == MANIFEST:
            continue
        entry = expected.pop(name, None)
        if entry is None:
            raise BackupError(f"Tệp sao lưu có tệp lạ không ghi trong manifest: {name}.")
        digest = hashlib.sha256(content).hexdigest()
        if digest != entry["sha256"] or len(content) != entry["size"]:
            raise BackupError(f"Tệp {name} trong bản sao lưu không khớp mã SHA-256 đã ghi: bản sao lưu bị hỏng.")
        document = _DOCUMENT_NAME.match(name)
        if document and digest != document.group(2):
            raise BackupError(f"Văn bản {name} không khớp tên (mã SHA-256) của nó: bản sao lưu bị hỏng.")
    if expected:
        raise BackupError(f"Bản sao lưu thiếu {len(expected)} tệp ghi trong manifest "
                          f"(ví dụ {sorted(expected)[0]}).")
    return manifest


def _non_empty_tables(connection: sa.Connection) -> list[str]:
    return [table.name for table in db.metadata.sorted_tables
            if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None]


def _reset_sequences(connection: sa.Connection) -> None:
    """After rows came in with their ids, the next id of each table follows the largest one."""
    for table in db.metadata.sorted_tables:
        columns = list(table.primary_key.columns)
        if len(columns) != 1 or not isinstance(columns[0].type, sa.Integer):
            continue
        column = columns[0].name
        sequence = connection.execute(sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                                      {"table": f'"{table.name}"', "column": column}).scalar()
        if sequence is None:
            continue
        connection.execute(sa.text(
            f'SELECT setval(:sequence, COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) '
            f'FROM "{table.name}"'), {"sequence": sequence})


def restore_backup(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Restore the archive into this (migrated, empty) database and document store; return its manifest.

    Nothing is written unless the archive matches its manifest and the database is empty.
    """
    manifest = verify_archive(path)
    connection = db.session.connection()
    revision = _alembic_revision(connection)
    if revision != manifest.get("alembic_revision"):
        raise BackupError(
            f"Cơ sở dữ liệu đang ở phiên bản {revision or '(chưa khởi tạo)'}, bản sao lưu ở phiên bản "
            f"{manifest.get('alembic_revision')}: hãy khôi phục vào cơ sở dữ liệu cùng phiên bản "
            "(chạy “flask --app service migrate” trên cơ sở dữ liệu trống).")
    occupied = _non_empty_tables(connection)
    if occupied:
        raise BackupError("Cơ sở dữ liệu đã có dữ liệu (bảng " + ", ".join(occupied[:5]) +
                          "); chỉ khôi phục vào cơ sở dữ liệu trống.")
    tables = {table.name: table for table in db.metadata.sorted_tables}
    unknown = [entry["name"] for entry in manifest["tables"] if entry["name"] not in tables]
    if unknown:
        raise BackupError("Bản sao lưu có bảng mà phiên bản này không có: " + ", ".join(unknown) + ".")

    store = DocumentStore(current_app.config["DOCUMENT_STORE"])
    contents = {}
    for name, content in _read_archive(path):
        if _DOCUMENT_NAME.match(name):
            store.put(content)  # verified above; files named by hash never overwrite anything different
        elif name.startswith("tables/"):
            contents[name] = content
    for entry in manifest["tables"]:
        table = tables[entry["name"]]
        kinds = {column.name: _kind(column) for column in table.columns}
        rows = [_decode_row(json.loads(line), kinds) for line in contents[entry["file"]].decode("utf-8").splitlines()]
        if len(rows) != entry["rows"]:
            raise BackupError(f"Bảng {table.name}: manifest ghi {entry['rows']} dòng nhưng tệp có {len(rows)}.")
        rows = _rows_in_reference_order(table, rows)
        for start in range(0, len(rows), _BATCH):
            connection.execute(table.insert(), rows[start:start + _BATCH])
    if connection.dialect.name == "postgresql":
        _reset_sequences(connection)
    # Jobs waiting or running when the backup was taken have no process here to finish them; the
    # archive holds no job results either, and the job's page says so (operations.jobs.job_view).
    connection.execute(sa.update(Job).where(Job.state.in_(("queued", "running")))
                       .values(state="failed", error=INTERRUPTED, message="", finished_at=utcnow()))
    log.info("backup %s restored: %s tables, %s documents", path, len(manifest["tables"]),
             manifest["documents"]["count"])
    return manifest


# --- commands -------------------------------------------------------------------------------------

@click.command("backup")
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Tệp .tar.gz sẽ tạo (ghi đè nếu đã có).")
def backup_command(output: str) -> None:
    """Sao lưu toàn bộ cơ sở dữ liệu và kho văn bản vào một tệp .tar.gz."""
    try:
        manifest = create_backup(output)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(entry["rows"] for entry in manifest["tables"])
    click.echo(f"Đã sao lưu {len(manifest['tables'])} bảng ({rows} dòng) và "
               f"{manifest['documents']['count']} văn bản vào {output}.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
def restore_command(archive: str) -> None:
    """Khôi phục từ tệp sao lưu vào cơ sở dữ liệu trống (đã migrate) và kho văn bản."""
    try:
        manifest = restore_backup(archive)
    except BackupError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    rows = sum(entry["rows"] for entry in manifest["tables"])
    click.echo(f"Đã khôi phục {len(manifest['tables'])} bảng ({rows} dòng) và "
               f"{manifest['documents']['count']} văn bản từ {archive}.")
