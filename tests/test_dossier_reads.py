"""GET /api/v1/dossiers/{id} from its per-version cache: same bytes as a fresh dump, an ETag that
changes with every change, 304 on revalidation, and access checked before anything is served."""
from __future__ import annotations

import json
from types import SimpleNamespace

from conftest import COLLECTIVE, INDIVIDUALS
from service.db import db


def _draft(as_user, world) -> int:
    clerk = as_user("clerk")
    dossier = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()
    for nominee in (COLLECTIVE, *INDIVIDUALS):
        assert clerk.post(f"/api/v1/dossiers/{dossier['id']}/nominees", json=nominee).status_code == 201
    return dossier["id"]


def _fresh_dump(dossier_id: int) -> dict:
    """What the output schema makes of the dossier as it is in the database now."""
    from service import presenters as present
    from service.schemas.dossiers import DossierOut
    from service.models import Dossier

    db.session.expire_all()
    return json.loads(json.dumps(DossierOut().dump(present.dossier(db.session.get(Dossier, dossier_id))),
                                 default=str, ensure_ascii=False))


def test_a_cached_read_is_the_same_as_a_fresh_one_and_changes_with_the_dossier(as_user, world):
    dossier_id = _draft(as_user, world)
    clerk = as_user("clerk")
    first, second = clerk.get(f"/api/v1/dossiers/{dossier_id}"), clerk.get(f"/api/v1/dossiers/{dossier_id}")
    assert first.status_code == second.status_code == 200 and first.data == second.data
    assert first.mimetype == "application/json" and first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert first.get_json() == json.loads(json.dumps(_fresh_dump(dossier_id)))

    nominee = first.get_json()["nominees"][1]
    edited = clerk.patch(f"/api/v1/dossiers/{dossier_id}/nominees/{nominee['id']}",
                         json={"expected_version": nominee["version"], "position": "Phó Chủ tịch"})
    assert edited.status_code == 200
    after = clerk.get(f"/api/v1/dossiers/{dossier_id}")
    assert after.headers["ETag"] != first.headers["ETag"]
    assert after.get_json()["nominees"][1]["position"] == "Phó Chủ tịch"
    assert after.get_json() == json.loads(json.dumps(_fresh_dump(dossier_id)))

    moved = clerk.post(f"/api/v1/dossiers/{dossier_id}/transitions",
                       json={"trigger": "send_to_council", "expected_state": "drafting"})
    assert moved.status_code == 201
    assert clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["state"] == "council_minutes"


def test_revalidation_with_the_etag_gets_304_until_the_dossier_changes(as_user, world):
    dossier_id = _draft(as_user, world)
    clerk = as_user("clerk")
    etag = clerk.get(f"/api/v1/dossiers/{dossier_id}").headers["ETag"]
    unchanged = clerk.get(f"/api/v1/dossiers/{dossier_id}", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b"" and unchanged.headers["ETag"] == etag
    version = clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["version"]
    assert clerk.patch(f"/api/v1/dossiers/{dossier_id}",
                       json={"expected_version": version, "to_trinh_number": 12}).status_code == 200
    changed = clerk.get(f"/api/v1/dossiers/{dossier_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["to_trinh_number"] == 12


def test_access_is_checked_before_the_cache_is_used(as_user, world):
    dossier_id = _draft(as_user, world)
    etag = as_user("clerk").get(f"/api/v1/dossiers/{dossier_id}").headers["ETag"]  # now cached
    for name in ("clerk_b", "head_b", "reviewer", "approver", "outsider_reviewer"):
        refused = as_user(name).get(f"/api/v1/dossiers/{dossier_id}", headers={"If-None-Match": etag})
        assert refused.status_code == 404, name
        assert "Không tìm thấy hồ sơ" in refused.get_json()["error"]["message"]
    assert as_user("admin").get(f"/api/v1/dossiers/{dossier_id}").status_code == 200
    assert as_user("clerk").get("/api/v1/dossiers/999999").status_code == 404


def test_a_change_between_the_two_reads_is_served_fresh_and_not_kept(as_user, world, monkeypatch):
    from service.api import dossier_reads

    dossier_id = _draft(as_user, world)
    clerk = as_user("clerk")
    current = clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()
    real_head = dossier_reads._head

    def head_read_just_before_a_change(requested_id):
        head = real_head(requested_id)._asdict()
        return SimpleNamespace(**{**head, "version": head["version"] - 1})

    monkeypatch.setattr(dossier_reads, "_head", head_read_just_before_a_change)
    raced = clerk.get(f"/api/v1/dossiers/{dossier_id}")
    assert raced.status_code == 200 and "ETag" not in raced.headers
    assert raced.get_json()["version"] == current["version"]
    monkeypatch.undo()
    assert clerk.get(f"/api/v1/dossiers/{dossier_id}").headers["ETag"]
