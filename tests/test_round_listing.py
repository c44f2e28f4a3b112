"""The round's list at scale: computed once per version of the round's data, read in pages, a fixed
number of statements per read whatever the round's size, and the workbooks written row by row."""
from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from round_helpers import fire_round
from service import create_app
from service.awards import excel
from service.db import db
from service.models import Dossier, Nominee
from service.operations import rounds as round_ops
from service.sql_count import HEADER
from test_rounds_api import _accept, _dossier


def _error(response, status):
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()["error"]


@pytest.fixture
def consolidating(as_user, world):
    """Two units' accepted dossiers (a collective and the individuals each) in a consolidating round."""
    dossier_a, ids_a, round_id = _dossier(as_user, world["campaign"].id)
    dossier_b, ids_b, _ = _dossier(as_user, world["campaign"].id, clerk="clerk_b", secretary="secretary_b",
                                   head="head_b")
    for dossier_id in (dossier_a, dossier_b):
        _accept(as_user, dossier_id)
    fire_round(as_user("reviewer"), round_id, "consolidate_early", "collecting", comment="Đủ.")
    return {"round_id": round_id, "ids": ids_a + ids_b, "dossiers": (dossier_a, dossier_b)}


@pytest.fixture
def reads(monkeypatch):
    """How often the round's list was read from the database and ranked."""
    calls = []
    real = round_ops._read_listing

    def counting(round_, version):
        calls.append(version)
        return real(round_, version)

    monkeypatch.setattr(round_ops, "_read_listing", counting)
    return calls


def test_the_ranking_is_read_in_pages_and_by_group(as_user, consolidating):
    url = f"/api/v1/rounds/{consolidating['round_id']}/ranking"
    whole = as_user("reviewer").get(url).get_json()
    total = len(consolidating["ids"])
    assert whole["total"] == total and len(whole["nominees"]) == total and whole["pages"] == 1
    assert whole["page"] == 1 and whole["per_page"] == 100
    second = as_user("reviewer").get(url + "?page=2&per_page=2").get_json()
    assert [r["nominee_id"] for r in second["nominees"]] == [r["nominee_id"] for r in whole["nominees"][2:4]]
    assert second["pages"] == -(-total // 2) and second["total"] == total
    # The counts and breaches are the whole round's on every page.
    assert second["selected_count"] == whole["selected_count"]
    assert as_user("reviewer").get(url + "?page=99&per_page=2").get_json()["nominees"] == []
    groups = {g["name"]: g for g in whole["groups"]}
    assert sum(g["total"] for g in groups.values()) == total
    name, group = next(iter(groups.items()))
    only = as_user("reviewer").get(url, query_string={"group": name, "per_page": 1000}).get_json()
    assert only["total"] == group["total"] and {r["group"] for r in only["nominees"]} == {name}
    # Every field the list had before paging is still there.
    assert {"nominee_id", "dossier_id", "unit", "rank", "is_selected", "reason", "values", "award_form"} <= set(
        whole["nominees"][0])
    assert {"short_name", "code", "name"} <= set(whole["nominees"][0]["unit"])


@pytest.mark.parametrize("query, field", [
    ("page=0", "page"), ("page=abc", "page"), ("per_page=0", "per_page"), ("per_page=1001", "per_page"),
    ("page=99999999999999999999", "page"), ("group=" + "x" * 300, "group"),
])
def test_nonsense_paging_is_refused_in_vietnamese(as_user, consolidating, query, field):
    error = _error(as_user("reviewer").get(f"/api/v1/rounds/{consolidating['round_id']}/ranking?{query}"), 422)
    assert field in error["fields"]
    assert not any(word in error["message"].lower() for word in ("must", "invalid", "not a valid"))


def test_the_list_is_computed_once_per_version_of_the_rounds_data(as_user, consolidating, reads):
    round_id, reviewer = consolidating["round_id"], as_user("reviewer")
    for path in ("", "/ranking", "/ranking?page=2&per_page=1", "/ranking.xlsx"):
        assert reviewer.get(f"/api/v1/rounds/{round_id}{path}").status_code == 200
    assert len(reads) == 1
    # An override makes the new list itself and leaves it for the next reader once committed.
    nominee = consolidating["ids"][1]
    assert reviewer.post(f"/api/v1/rounds/{round_id}/overrides", json={
        "nominee_id": nominee, "selected": False, "reason": "Đã được khen thưởng năm trước."}).status_code == 201
    rows = {r["nominee_id"]: r for r in reviewer.get(f"/api/v1/rounds/{round_id}/ranking").get_json()["nominees"]}
    assert rows[nominee]["reason_code"] == "override" and not rows[nominee]["is_selected"]
    assert len(reads) == 1
    # A refused override (and its rollback) leaves nothing behind.
    assert reviewer.post(f"/api/v1/rounds/{round_id}/overrides", json={
        "nominee_id": 999_999, "selected": False, "reason": "Không có."}).status_code == 422
    assert reviewer.get(f"/api/v1/rounds/{round_id}/ranking").get_json()["nominees"] == list(rows.values())
    # Any change to a dossier of the round (a nominee, a vote, a review) bumps its version: read again.
    db.session.execute(sa.update(Dossier).where(Dossier.id == consolidating["dossiers"][0])
                       .values(version=Dossier.version + 1))
    db.session.commit()
    assert reviewer.get(f"/api/v1/rounds/{round_id}/ranking").status_code == 200
    assert reviewer.get(f"/api/v1/rounds/{round_id}").status_code == 200
    assert len(reads) == 2


def _statements(app, call) -> int:
    count = 0

    def counter(*args):
        nonlocal count
        count += 1

    sa.event.listen(db.engine, "before_cursor_execute", counter)
    try:
        call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counter)
    return count


def test_reads_run_as_many_statements_for_a_large_round_as_for_a_small_one(app, as_user, world):
    campaign_id = world["campaign"].id
    dossier_a, _, round_id = _dossier(as_user, campaign_id)
    _accept(as_user, dossier_a)
    fire_round(as_user("reviewer"), round_id, "consolidate_early", "collecting", comment="Đủ.")
    reviewer = as_user("reviewer")
    paths = ("", "/ranking", "/ranking.xlsx")

    def counts() -> dict[str, tuple[int, int]]:
        db.session.execute(sa.update(Dossier).where(Dossier.id == dossier_a).values(version=Dossier.version + 1))
        db.session.commit()
        # The first read after a change ranks the round; the second reads what the first kept.
        return {path: (_statements(app, lambda: reviewer.get(f"/api/v1/rounds/{round_id}{path}")),
                       _statements(app, lambda: reviewer.get(f"/api/v1/rounds/{round_id}{path}")))
                for path in paths}

    small = counts()
    # Twenty more nominees in the first dossier: the same statements, not twenty more.
    nominee = db.session.scalar(sa.select(Nominee).where(Nominee.dossier_id == dossier_a,
                                                         Nominee.kind == "individual"))
    db.session.execute(sa.insert(Nominee), [{
        "dossier_id": dossier_a, "kind": "individual", "full_name": f"Người thứ {i}", "gender": "female",
        "position": nominee.position, "workplace": nominee.workplace, "award_form": nominee.award_form,
        "metric_values": {"relatives_bhxh": i, "relatives_bhyt": i}, "position_in_list": 10 + i}
        for i in range(20)])
    db.session.commit()
    large = counts()
    assert large == small, (small, large)
    assert all(second <= first for first, second in small.values())


@pytest.fixture
def make_app(database_config, tmp_path):
    """Another app on the test's database, with settings of its own; its connections closed after."""
    made = []

    def make(**settings):
        made.append(create_app({"TESTING": True, **database_config, "DOCUMENT_STORE": str(tmp_path / "store"),
                                "SECRET_KEY": "x", "AUTO_MIGRATE": False, **settings}))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_every_response_says_its_statements_when_asked(make_app, world):
    response = make_app(SQL_STATEMENT_HEADER=True).test_client().post(
        "/api/v1/auth/token", json={"username": "reviewer", "password": "wrong password"})
    assert response.headers[HEADER].isdigit() and int(response.headers[HEADER]) >= 1
    assert HEADER not in make_app().test_client().get("/api/v1/openapi.json").headers


def test_the_workbooks_keep_their_look_when_written_row_by_row():
    metrics = [{"code": "a", "label": "Chỉ tiêu A", "unit": "người"}, {"code": "b", "label": "Tỷ lệ", "unit": "%"}]
    rows = [{"rank": n, "kind": "individual", "full_name": f"Người {n}", "unit_name": "Phường Mỹ Bình",
             "metrics": {"a": n, "b": None if n % 2 else 12.5}, "note": "=HYPERLINK(\"x\")" if n == 3 else ""}
            for n in range(1, 6)]
    sheet = openpyxl.load_workbook(io.BytesIO(excel.export_ranking(rows, metrics))).active
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["C"].width == 32
    header = sheet.cell(row=1, column=1)
    assert header.font.bold and header.fill.fgColor.rgb.endswith("DDEBF7") and header.alignment.wrap_text
    name = sheet.cell(row=2, column=3)
    assert name.value == "Người 1" and name.font.name == "Times New Roman" and name.font.size == 12
    assert name.border.left.style == "thin" and name.alignment.wrap_text
    figure = sheet.cell(row=2, column=5)
    assert figure.value == 1 and figure.number_format == excel.NUMBER_FORMAT and figure.border.left.style == "thin"
    assert sheet.cell(row=3, column=6).value == 12.5 and sheet.cell(row=2, column=6).value is None
    note = sheet.cell(row=4, column=7)
    assert note.value == "'=HYPERLINK(\"x\")" and note.data_type == "s"
    awardees = openpyxl.load_workbook(io.BytesIO(excel.export_awardees([
        {"kind": "individual", "full_name": "Lê Văn Dũng", "gender": "male", "multiplier": 0.3, "prize_raw": 702000,
         "prize_rounded": 700000, "award_form": {"name": "Giấy khen"}}]))).active
    assert awardees.cell(row=2, column=9).number_format == excel.MULTIPLIER_FORMAT
    assert '"đồng"' in awardees.cell(row=2, column=11).number_format
    total = awardees.cell(row=3, column=11)
    assert total.value == 700000 and total.font.bold and '"đồng"' in total.number_format


def test_a_process_that_did_not_make_the_override_ranks_its_entries_again_without_reading_them(
        as_user, consolidating, reads, monkeypatch):
    round_id, reviewer = consolidating["round_id"], as_user("reviewer")
    assert reviewer.get(f"/api/v1/rounds/{round_id}/ranking").status_code == 200
    # As if another worker process took the override: this one keeps only what it had read.
    monkeypatch.setattr(round_ops, "_keep_after_commit", lambda listing, read_from: None)
    nominee = consolidating["ids"][1]
    assert reviewer.post(f"/api/v1/rounds/{round_id}/overrides", json={
        "nominee_id": nominee, "selected": False, "reason": "Đã được khen thưởng năm trước."}).status_code == 201
    rows = {r["nominee_id"]: r for r in reviewer.get(f"/api/v1/rounds/{round_id}/ranking").get_json()["nominees"]}
    assert rows[nominee]["reason_code"] == "override" and not rows[nominee]["is_selected"]
    assert len(reads) == 1
