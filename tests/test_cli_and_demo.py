"""CLI commands and the demo data."""
from __future__ import annotations

import sqlalchemy as sa

from service.db import db
from service.models import Dossier, GeneratedDocument, HistoryEvent, User


def test_workflow_command_prints_the_state_table_and_the_diagram(runner):
    table = runner.invoke(args=["workflow"]).output
    for trigger in ("send_to_council", "finalize_minutes", "submit", "return_for_revision", "approve"):
        assert trigger in table
    diagram = runner.invoke(args=["workflow", "--mermaid", "--highlight", "submitted"]).output
    assert diagram.startswith("stateDiagram-v2") and "submitted" in diagram


def test_demo_data_loads_dossiers_in_several_states(runner):
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    states = dict(db.session.execute(sa.select(Dossier.unit_id, Dossier.state)).all())
    assert sorted(states.values()) == sorted(
        ["drafting", "council_minutes", "ready", "submitted", "under_review", "accepted", "rejected"])
    roles = set(db.session.scalars(sa.select(User.role)))
    assert roles == {"unit_clerk", "council_secretary", "unit_head", "reviewer", "approver", "admin"}
    # Every step of the demo went through the workflow and left its history row.
    rejected = db.session.scalar(sa.select(Dossier).where(Dossier.state == "rejected"))
    triggers = db.session.scalars(sa.select(HistoryEvent.trigger).where(HistoryEvent.dossier_id == rejected.id)
                                  .order_by(HistoryEvent.id)).all()
    assert triggers == ["create", "send_to_council", "finalize_minutes", "submit", "start_review", "reject"]
    # The campaign decides per round: no demo dossier was approved on its own.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HistoryEvent)
                             .where(HistoryEvent.trigger == "approve")) == 0
    assert runner.invoke(args=["load-demo"]).output.startswith("Cơ sở dữ liệu đã có dữ liệu")


def test_verify_documents_finds_a_damaged_file(runner, app):
    runner.invoke(args=["load-demo"])
    ok = runner.invoke(args=["verify-documents"])
    assert ok.exit_code == 0 and ", 0 văn bản hỏng" in ok.output
    document = db.session.scalars(sa.select(GeneratedDocument)).first()
    from service.docstore import DocumentStore

    path = DocumentStore(app.config["DOCUMENT_STORE"]).path_for(document.sha256)
    path.write_bytes(b"hong")
    bad = runner.invoke(args=["verify-documents"])
    assert bad.exit_code == 1 and "HỎNG" in bad.output


def test_create_user_and_reset_password(runner, client):
    runner.invoke(args=["load-demo"])
    result = runner.invoke(args=["create-user", "--username", "moi", "--full-name", "Người Mới", "--role",
                                 "unit_clerk", "--unit", "my-khanh", "--password", "mat-khau-dai"])
    assert result.exit_code == 0, result.output
    assert client.post("/api/v1/auth/token", json={"username": "moi", "password": "mat-khau-dai"}).status_code == 201
    token = client.post("/api/v1/auth/token", json={"username": "moi", "password": "mat-khau-dai"}).get_json()
    result = runner.invoke(args=["reset-password", "--username", "moi", "--password", "mat-khau-moi-1"])
    assert result.exit_code == 0, result.output
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "moi", "password": "mat-khau-dai"}).status_code == 401
    refused = runner.invoke(args=["create-user", "--username", "x", "--full-name", "X", "--role", "admin",
                                  "--unit", "khong-co", "--password", "12345678"])
    assert refused.exit_code != 0 and "Không có đơn vị" in refused.output
