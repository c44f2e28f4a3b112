"""Many requests racing on one dossier: exactly one wins, the others are told they are stale.

Each thread drives its own test client, so every request gets its own app
context, database session and connection, as under a threaded server. The
optimistic lock (SQLAlchemy ``version_id_col`` on dossiers and nominees) must
hold on SQLite (the database-wide write lock serialises the writers) and on
PostgreSQL (READ COMMITTED re-checks ``WHERE version = ?`` after waiting for the
row lock, so the losers update no row).
"""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from conftest import COLLECTIVE, INDIVIDUALS
from service.db import db
from service.models import Dossier, GeneratedDocument, HistoryEvent, Nominee

THREADS = 50


def _race(app, calls: list[Callable[[Any], Any]]) -> list[tuple[int, dict]]:
    """Run every call in a thread of its own, all released at once; return (status, body) in call order."""
    # The main thread's session must not hold a transaction (or, on SQLite, a lock) while others write.
    db.session.commit()
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[Any], Any]) -> None:
        client = app.test_client()
        try:
            barrier.wait(timeout=30)
            response = call(client)
            results[index] = (response.status_code, response.get_json(silent=True))
        except BaseException as error:  # reported by the assertion below, with the thread's error
            results[index] = (None, repr(error))

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    assert all(status is not None for status, _ in results), [r for r in results if r[0] is None]
    db.session.expire_all()
    return results


def _token(client, username: str) -> dict[str, str]:
    from conftest import PASSWORD

    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _drafting_dossier(as_user, world, nominees=(COLLECTIVE, *INDIVIDUALS)) -> tuple[int, list[int]]:
    clerk = as_user("clerk")
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()["id"]
    ids = []
    for payload in nominees:
        response = clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json=payload)
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    return dossier_id, ids


def _submitted_dossier(as_user, world) -> int:
    from conftest import meeting_payload

    dossier_id, ids = _drafting_dossier(as_user, world)
    clerk, secretary, head = as_user("clerk"), as_user("secretary"), as_user("head")
    url = f"/api/v1/dossiers/{dossier_id}"
    steps = [
        (clerk, "post", "/transitions", {"trigger": "send_to_council", "expected_state": "drafting"}, 201),
        (secretary, "put", "/meeting", meeting_payload(ids), 200),
        (secretary, "post", "/transitions", {"trigger": "finalize_minutes", "expected_state": "council_minutes"}, 201),
        (head, "post", "/documents", {}, 201),
        (head, "post", "/transitions", {"trigger": "submit", "expected_state": "ready"}, 201),
    ]
    for api, method, path, body, status in steps:
        response = getattr(api, method)(url + path, json=body)
        assert response.status_code == status, response.get_json()
    return dossier_id


def _statuses(results) -> Counter:
    return Counter(status for status, _ in results)


def _history(dossier_id: int, *triggers: str) -> list[HistoryEvent]:
    return list(db.session.scalars(sa.select(HistoryEvent).where(
        HistoryEvent.dossier_id == dossier_id, HistoryEvent.trigger.in_(triggers))))


def test_fifty_identical_transitions_have_exactly_one_winner(app, as_user, world):
    dossier_id, _ = _drafting_dossier(as_user, world)
    version = db.session.get(Dossier, dossier_id).version
    headers = _token(app.test_client(), "clerk")
    body = {"trigger": "send_to_council", "expected_state": "drafting"}

    results = _race(app, [
        lambda client: client.post(f"/api/v1/dossiers/{dossier_id}/transitions", json=body, headers=headers)
    ] * THREADS)

    assert _statuses(results) == {201: 1, 409: THREADS - 1}, results
    assert {body["error"]["code"] for status, body in results if status == 409} <= {"stale_state", "conflict",
                                                                                     "stale_version"}
    assert all(body["error"]["message"] for status, body in results if status == 409)
    assert len(_history(dossier_id, "send_to_council")) == 1
    dossier = db.session.get(Dossier, dossier_id)
    assert dossier.state == "council_minutes" and dossier.version == version + 1


def test_withdraw_racing_start_review_leaves_one_consistent_outcome(app, as_user, world):
    dossier_id = _submitted_dossier(as_user, world)
    client = app.test_client()
    head, reviewer = _token(client, "head"), _token(client, "reviewer")
    url = f"/api/v1/dossiers/{dossier_id}/transitions"
    withdraw = {"trigger": "withdraw", "expected_state": "submitted"}
    review = {"trigger": "start_review", "expected_state": "submitted"}
    calls = []
    for index in range(THREADS):
        if index % 2:
            calls.append(lambda c: c.post(url, json=withdraw, headers=head))
        else:
            calls.append(lambda c: c.post(url, json=review, headers=reviewer))

    results = _race(app, calls)

    assert _statuses(results)[201] == 1, results
    [winner] = [body for status, body in results if status == 201]
    for index, (status, body) in enumerate(results):
        if status == 201:
            continue
        # Once withdrawn, the dossier is a draft again, which the agency may not see: 404, not 409.
        reviewer_after_withdraw = index % 2 == 0 and winner["trigger"] == "withdraw"
        assert status == 409 or (status == 404 and reviewer_after_withdraw), (index, status, body)
    events = _history(dossier_id, "withdraw", "start_review")
    assert [e.trigger for e in events] == [winner["trigger"]]
    dossier = db.session.get(Dossier, dossier_id)
    assert dossier.state == events[0].to_state == {"withdraw": "drafting", "start_review": "under_review"}[
        winner["trigger"]]
    last = db.session.scalars(sa.select(HistoryEvent).where(HistoryEvent.dossier_id == dossier_id)
                              .order_by(HistoryEvent.id.desc()).limit(1)).one()
    assert last.to_state == dossier.state


def test_concurrent_edits_of_one_nominee_lose_no_update(app, as_user, world):
    dossier_id, [nominee_id] = _drafting_dossier(as_user, world, nominees=(INDIVIDUALS[0],))
    headers = _token(app.test_client(), "clerk")
    url = f"/api/v1/dossiers/{dossier_id}/nominees/{nominee_id}"

    def edit(index: int) -> Callable[[Any], Any]:
        payload = {"expected_version": 1, "position": f"Chuyên viên số {index}",
                   "metrics": {"relatives_bhxh": index, "relatives_bhyt": index}}
        return lambda client: client.patch(url, json=payload, headers=headers)

    results = _race(app, [edit(index) for index in range(THREADS)])

    assert _statuses(results) == {200: 1, 409: THREADS - 1}, results
    [winner] = [body for status, body in results if status == 200]
    nominee = db.session.get(Nominee, nominee_id)
    # The stored row is the winner's edit, whole: no field of a loser slipped in.
    assert (nominee.version, nominee.position, nominee.metric_values) == (
        2, winner["position"], winner["metrics"])
    assert winner["version"] == 2
    index = int(winner["position"].rsplit(" ", 1)[1])
    assert nominee.metric_values == {"relatives_bhxh": index, "relatives_bhyt": index}


@pytest.mark.parametrize("field", ["to_trinh_number", "bien_ban_number"])
def test_concurrent_dossier_detail_edits_keep_one(app, as_user, world, field):
    dossier_id, _ = _drafting_dossier(as_user, world, nominees=())
    version = db.session.get(Dossier, dossier_id).version
    headers = _token(app.test_client(), "clerk")

    def edit(number: int) -> Callable[[Any], Any]:
        return lambda client: client.patch(f"/api/v1/dossiers/{dossier_id}",
                                           json={"expected_version": version, field: number}, headers=headers)

    results = _race(app, [edit(number) for number in range(1, THREADS + 1)])

    assert _statuses(results) == {200: 1, 409: THREADS - 1}, results
    [winner] = [body for status, body in results if status == 200]
    dossier = db.session.get(Dossier, dossier_id)
    assert getattr(dossier, field) == winner[field] and dossier.version == version + 1


@pytest.mark.parametrize("path", ["/documents/to_trinh.docx", "/documents.zip"])
def test_concurrent_downloads_render_a_changed_dossier_once(app, as_user, world, path):
    dossier_id, _ = _drafting_dossier(as_user, world)
    headers = _token(app.test_client(), "clerk")
    url = f"/api/v1/dossiers/{dossier_id}"

    results = _race(app, [lambda client: client.get(url + path, headers=headers)] * 20)

    assert _statuses(results) == {200: 20}, [r for r in results if r[0] != 200]
    versions = db.session.execute(sa.select(GeneratedDocument.kind, sa.func.count())
                                  .where(GeneratedDocument.dossier_id == dossier_id)
                                  .group_by(GeneratedDocument.kind)).all()
    assert all(count == 1 for _, count in versions), versions
