"""Backup and restore: the demo, backed up and restored into an empty database and store, comes back whole."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import TEST_DATABASE_URL
from service import create_app
from service.db import db
from service.docstore import DocumentStore


def _rows(app) -> dict[str, list[tuple]]:
    """Every row of every table of ``app``'s database, as SQLAlchemy reads it."""
    with app.app_context():
        try:
            rows = {}
            for table in db.metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                rows[table.name] = [tuple(row) for row in db.session.execute(sa.select(table).order_by(*order))]
            return rows
        finally:
            db.session.remove()


def _invoke(app, *args: str):
    """Run a CLI command on ``app``; its context is pushed over the test's own app's."""
    with app.app_context():
        try:
            return app.test_cli_runner().invoke(args=list(args))
        finally:
            db.session.remove()


def _files(root: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in root.glob("*/*") if not path.name.startswith(".")}


@pytest.fixture
def empty_app(_database, tmp_path):
    """A second application on a fresh, migrated, empty database and an empty document store."""
    store = tmp_path / "restored-documents"
    if _database["kind"] == "sqlite":
        path = tmp_path / "restored.sqlite3"
        shutil.copyfile(_database["template"], path)
        config = {"DATABASE_URL": f"sqlite:///{path}"}
        schema = None
    else:
        schema = f"restore_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(_psycopg(TEST_DATABASE_URL))
        with admin.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        config = {"DATABASE_URL": TEST_DATABASE_URL, "AUTO_MIGRATE": True,
                  "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}}}
    app = create_app({"TESTING": True, "SECRET_KEY": "restored", "DOCUMENT_STORE": str(store),
                      "AUTO_MIGRATE": False, "LOAD_DEMO_DATA": False, **config})
    yield app
    with app.app_context():
        db.engine.dispose()
    if schema:
        admin = sa.create_engine(_psycopg(TEST_DATABASE_URL))
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def _psycopg(url: str) -> str:
    from service.config import normalise_database_url

    return normalise_database_url(url)


@pytest.fixture
def demo_backup(app, runner, tmp_path) -> Path:
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    output = tmp_path / "sao-luu" / "hoso.tar.gz"
    result = runner.invoke(args=["backup", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "Đã sao lưu" in result.output
    return output


def test_backup_restores_every_row_and_document(app, demo_backup, empty_app):
    restored = _invoke(empty_app, "restore", str(demo_backup))
    assert restored.exit_code == 0, restored.output
    assert "Đã khôi phục" in restored.output

    original_rows, restored_rows = _rows(app), _rows(empty_app)
    assert original_rows == restored_rows
    assert len(original_rows["dossiers"]) == 7 and original_rows["generated_documents"]
    # The audit trail comes back too (its rows are only inserted, which its triggers allow).
    assert original_rows["audit_events"]
    original_files = _files(Path(app.config["DOCUMENT_STORE"]))
    assert _files(Path(empty_app.config["DOCUMENT_STORE"])) == original_files
    assert {row[0] for row in _rows_of(empty_app, "SELECT sha256 FROM generated_documents")} <= set(original_files)
    verify = _invoke(empty_app, "verify-documents")
    assert verify.exit_code == 0 and ", 0 văn bản hỏng" in verify.output, verify.output

    # The restored service goes on: new rows get fresh ids (PostgreSQL sequences were moved on).
    client = empty_app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "canbo.mybinh", "password": "hoso2024"})
    assert token.status_code == 201, token.get_json()
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    created = client.post("/api/v1/dossiers", json={"campaign_id": 1}, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["id"] > max(row[0] for row in original_rows["dossiers"])


def _rows_of(app, sql: str) -> list[tuple]:
    with app.app_context():
        try:
            return [tuple(row) for row in db.session.execute(sa.text(sql))]
        finally:
            db.session.remove()


def test_manifest_counts_rows_and_hashes_every_file(demo_backup, app):
    with tarfile.open(demo_backup) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("manifest.json"))
        assert names[0] == "manifest.json"
        assert set(names[1:]) == set(manifest["files"])
        for name in names[1:]:
            content = archive.extractfile(name).read()
            assert hashlib.sha256(content).hexdigest() == manifest["files"][name]["sha256"]
    counts = {entry["name"]: entry["rows"] for entry in manifest["tables"]}
    assert counts["dossiers"] == 7 and counts["units"] > 0
    assert [entry["name"] for entry in manifest["tables"]] == [t.name for t in db.metadata.sorted_tables]
    assert manifest["documents"]["count"] == len(_files(Path(app.config["DOCUMENT_STORE"])))
    assert manifest["alembic_revision"]


def test_restore_refuses_a_database_that_has_data(app, runner, demo_backup):
    before = _rows(app)
    result = runner.invoke(args=["restore", str(demo_backup)])
    assert result.exit_code != 0 and "đã có dữ liệu" in result.output
    assert _rows(app) == before


def _rewrite(source: Path, target: Path, change) -> None:
    """Copy the archive, letting ``change(name, content)`` return new content (or None to drop the file)."""
    with tarfile.open(source) as old, tarfile.open(target, "w:gz") as new:
        for member in old:
            content = change(member.name, old.extractfile(member).read())
            if content is None:
                continue
            member.size = len(content)
            new.addfile(member, io.BytesIO(content))


@pytest.mark.parametrize("damage, message", [
    (lambda name, content: content[:-1] + bytes([content[-1] ^ 1]) if name.startswith("documents/") else content,
     "không khớp mã SHA-256"),
    (lambda name, content: content.replace(b'"drafting"', b'"approved"') if "dossiers" in name else content,
     "không khớp mã SHA-256"),
    (lambda name, content: None if "history_events" in name else content, "thiếu"),
    (lambda name, content: None if name == "manifest.json" else content, "manifest"),
], ids=["document-flipped-bit", "row-edited", "table-missing", "manifest-missing"])
def test_restore_refuses_a_damaged_archive_and_writes_nothing(demo_backup, empty_app, tmp_path, damage, message):
    damaged = tmp_path / "hong.tar.gz"
    _rewrite(demo_backup, damaged, damage)
    result = _invoke(empty_app, "restore", str(damaged))
    assert result.exit_code != 0 and message in result.output, result.output
    assert all(rows == [] for rows in _rows(empty_app).values())
    assert not _files(Path(empty_app.config["DOCUMENT_STORE"]))


def test_backup_refuses_a_damaged_store(app, runner, tmp_path):
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    store = DocumentStore(app.config["DOCUMENT_STORE"])
    victim = next(store.root.glob("*/*"))
    victim.write_bytes(b"hong")
    output = tmp_path / "hoso.tar.gz"
    result = runner.invoke(args=["backup", "--output", str(output)])
    assert result.exit_code != 0 and "verify-documents" in result.output
    assert not output.exists() and not list(tmp_path.glob(".hoso.tar.gz.tmp-*"))
