"""A catalogue of hostile and broken inputs: each gets a clear Vietnamese 4xx and changes nothing.

Every case runs against the same small world: unit A's dossier being drafted
(three nominees) and unit B's dossier waiting for its council meeting. After
each request every table except the login tokens is compared with a snapshot
taken before it.
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from conftest import COLLECTIVE, INDIVIDUALS, docx_text, meeting_payload
from service.db import db

INT32_OVERFLOW = 2**31  # ids are INTEGER columns: 32 bits on PostgreSQL
INT64_OVERFLOW = 2**63  # more than SQLite's driver can bind
HUGE_ID = 10**30
ROOT = Path(__file__).resolve().parents[1]


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, but the login tokens that each case's login adds and the
    refused sign-ins that login throttling records on purpose."""
    db.session.rollback()
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name in ("api_tokens", "login_failures"):
            continue
        order = [column for column in table.primary_key.columns] or list(table.columns)
        rows[table.name] = [tuple(row) for row in db.session.execute(sa.select(table).order_by(*order))]
    return rows


@pytest.fixture
def place(world) -> dict[str, Any]:
    """Unit A's drafting dossier and unit B's dossier in council_minutes, with their nominees.

    Built with the operations and tokens issued directly: a login per case would
    cost a password hash each, for nothing this file tests.
    """
    from service.schemas.dossiers import NomineeIn
    from service.operations import dossiers as dossier_ops
    from service.operations.workflow import fire_transition

    users, campaign = world["users"], world["campaign"]
    dossier = dossier_ops.create_dossier(users["clerk"], campaign)
    nominees = [dossier_ops.add_nominee(users["clerk"], dossier, NomineeIn().load(n))
                for n in (COLLECTIVE, *INDIVIDUALS)]
    dossier_b = dossier_ops.create_dossier(users["clerk_b"], campaign)
    nominees_b = [dossier_ops.add_nominee(users["clerk_b"], dossier_b, NomineeIn().load(n))
                  for n in (COLLECTIVE, INDIVIDUALS[0])]
    fire_transition(users["clerk_b"], dossier_b, "send_to_council", expected_state="drafting")
    db.session.commit()
    return {"campaign": campaign.id, "dossier": dossier.id, "nominees": [n.id for n in nominees],
            "nominee": nominees[1].id, "dossier_b": dossier_b.id, "nominees_b": [n.id for n in nominees_b],
            "version": dossier.version}


class TokenClient:
    """The test client with a bearer token issued without a login (no password hash to check)."""

    def __init__(self, client, user) -> None:
        import datetime as dt

        from service.auth import issue_token

        raw, _ = issue_token(user, dt.timedelta(hours=1))
        db.session.commit()
        self.client, self.headers = client, {"Authorization": f"Bearer {raw}"}

    def __getattr__(self, method):
        call = getattr(self.client, method)
        return lambda url, **kwargs: call(url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)


JSON = "application/json"


def case(description: str, user: str | None, method: str, path: str, status: int, field: str | None = None, *,
         json_body: Any = None, data: Any = None, content_type: str | None = None,
         headers: dict[str, str] | None = None, build: Any = None):
    """One row of the table. ``path`` may name {dossier}, {nominee}, {dossier_b}, {nominee_b}.

    ``build(place)`` returns the JSON body when it needs the ids of the place.
    """
    return pytest.param(
        dict(user=user, method=method, path=path, status=status, field=field, json_body=json_body, data=data,
             content_type=content_type, headers=headers or {}, build=build),
        id=description)


def nominee_with(**change):
    return lambda place: {**INDIVIDUALS[0], **change}


def nominee_edit(**change):
    return lambda place: {"expected_version": 1, **change}


def meeting_with(**change):
    return lambda place: {**meeting_payload(place["nominees_b"]), **change}


def transition(trigger="send_to_council", expected_state="drafting", **extra):
    return lambda place: {"trigger": trigger, "expected_state": expected_state, **extra}


def details(**change):
    return lambda place: {"expected_version": place["version"], **change}


NOMINEES = "/api/v1/dossiers/{dossier}/nominees"
NOMINEE = "/api/v1/dossiers/{dossier}/nominees/{nominee}"
DOSSIER = "/api/v1/dossiers/{dossier}"
TRANSITIONS = "/api/v1/dossiers/{dossier}/transitions"
MEETING = "/api/v1/dossiers/{dossier_b}/meeting"
DOCUMENTS = "/api/v1/dossiers/{dossier}/documents"

CASES = [
    # --- the body is not a JSON object -------------------------------------------------------------
    case("broken JSON", "clerk", "post", TRANSITIONS, 400,
         data='{"trigger": "send_to_council",', content_type=JSON),
    case("JSON array instead of object", "clerk", "post", TRANSITIONS, 422, "_schema",
         json_body=[{"trigger": "send_to_council", "expected_state": "drafting"}]),
    case("JSON string instead of object", "clerk", "post", NOMINEES, 422, "_schema", json_body="Trần Văn Ánh"),
    case("JSON null", "clerk", "post", TRANSITIONS, 422, "_schema", data="null", content_type=JSON),
    case("empty body declared as JSON", "clerk", "post", TRANSITIONS, 422, "trigger", data="",
         content_type=JSON),
    case("body over 10 MB", "clerk", "post", NOMINEES, 413,
         data='{"full_name": "' + "x" * (10 * 1024 * 1024) + '"}', content_type=JSON),
    case("JSON sent as text/plain", "clerk", "post", TRANSITIONS, 415,
         data='{"trigger": "send_to_council", "expected_state": "drafting"}', content_type="text/plain"),
    case("form-encoded instead of JSON", "clerk", "post", NOMINEES, 415,
         data={"kind": "individual", "full_name": "Trần Văn Ánh"}),
    case("text/plain body to generate documents", "clerk", "post", DOCUMENTS, 415, data="kinds=to_trinh",
         content_type="text/plain"),
    case("bytes that are not UTF-8", "clerk", "post", TRANSITIONS, 400,
         data=b'{"trigger": "\xff\xfe", "expected_state": "drafting"}', content_type=JSON),
    case("JSON nested 100000 deep", "clerk", "post", TRANSITIONS, 400,
         data="[" * 100_000 + "]" * 100_000, content_type=JSON),
    case("integer of 5000 digits", "clerk", "patch", DOSSIER, 400,
         data='{"expected_version": ' + "9" * 5000 + "}", content_type=JSON),
    case("lone surrogate in trigger", "clerk", "post", TRANSITIONS, 400,
         data='{"trigger": "\\ud800", "expected_state": "drafting"}', content_type=JSON),
    case("lone surrogate in expected_state", "clerk", "post", TRANSITIONS, 400,
         data='{"trigger": "send_to_council", "expected_state": "\\udfff"}', content_type=JSON),
    case("lone surrogate in password", None, "post", "/api/v1/auth/token", 400,
         data='{"username": "clerk", "password": "\\ud83d"}', content_type=JSON),
    case("lone surrogate in full_name", "clerk", "post", NOMINEES, 400,
         data='{"kind": "individual", "full_name": "Tr\\ud800n", "award_form": "giay_khen_ca_nhan"}',
         content_type=JSON),
    # --- wrong types ----------------------------------------------------------------------------------
    case("full_name is a number", "clerk", "post", NOMINEES, 422, "full_name", build=nominee_with(full_name=12345)),
    case("full_name missing", "clerk", "post", NOMINEES, 422, "full_name",
         build=lambda place: {k: v for k, v in INDIVIDUALS[0].items() if k != "full_name"}),
    case("full_name null", "clerk", "post", NOMINEES, 422, "full_name", build=nominee_with(full_name=None)),
    case("unknown nominee kind", "clerk", "post", NOMINEES, 422, "kind", build=nominee_with(kind="household")),
    case("campaign_id as a string", "clerk", "post", "/api/v1/dossiers", 422, "campaign_id",
         json_body={"campaign_id": "1"}),
    case("expected_version as a string", "clerk", "patch", NOMINEE, 422, "expected_version",
         json_body={"expected_version": "1", "position": "Chủ tịch"}),
    case("expected_version as a float", "clerk", "patch", NOMINEE, 422, "expected_version",
         json_body={"expected_version": 1.5, "position": "Chủ tịch"}),
    case("expected_version as true", "clerk", "patch", NOMINEE, 422, "expected_version",
         json_body={"expected_version": True, "position": "Chủ tịch"}),
    case("boolean sent as 1", "clerk", "patch", NOMINEE, 422, "is_leader", build=nominee_edit(is_leader=1)),
    case("boolean sent as a string", "clerk", "patch", NOMINEE, 422, "is_leader",
         build=nominee_edit(is_leader="true")),
    case("number sent as true", "clerk", "patch", DOSSIER, 422, "to_trinh_number",
         build=details(to_trinh_number=True)),
    case("metrics as a list", "clerk", "post", NOMINEES, 422, "metrics", build=nominee_with(metrics=[3, 5])),
    case("metric as a string", "clerk", "post", NOMINEES, 422, "metrics",
         build=nominee_with(metrics={"relatives_bhxh": "12", "relatives_bhyt": 5})),
    case("negative metric", "clerk", "post", NOMINEES, 422, "metrics",
         build=nominee_with(metrics={"relatives_bhxh": -3, "relatives_bhyt": 5})),
    case("metric too large", "clerk", "post", NOMINEES, 422, "metrics",
         build=nominee_with(metrics={"relatives_bhxh": 1e13, "relatives_bhyt": 5})),
    case("NaN metric", "clerk", "post", NOMINEES, 422, "metrics",
         data=json.dumps({**INDIVIDUALS[0], "metrics": {"relatives_bhxh": float("nan"), "relatives_bhyt": 1}}),
         content_type=JSON),
    case("Infinity members", "secretary_b", "put", MEETING, 422, "total_members",
         data=json.dumps({**meeting_payload([1]), "total_members": float("inf"), "votes": []}),
         content_type=JSON),
    case("unknown field", "clerk", "post", NOMINEES, 422, "is_admin", build=nominee_with(is_admin=True)),
    case("21 recipients", "clerk", "patch", DOSSIER, 422, "recipients",
         build=details(recipients=[f"Nơi nhận {i}" for i in range(21)])),
    case("recipients not a list", "clerk", "patch", DOSSIER, 422, "recipients",
         build=details(recipients="UBND thành phố")),
    case("unknown document kind", "clerk", "post", DOCUMENTS, 422, "kinds",
         json_body={"kinds": ["to_trinh", "quyet_dinh"]}),
    # --- text ----------------------------------------------------------------------------------------------
    case("full_name of a million characters", "clerk", "post", NOMINEES, 422, "full_name",
         build=nominee_with(full_name="Ánh" * 333_334)),
    case("summary of almost 10 MB", "clerk", "post", NOMINEES, 422, "achievement_summary",
         build=nominee_with(achievement_summary="Van dong. " * 990_000)),
    case("NUL in full_name", "clerk", "post", NOMINEES, 422, "full_name",
         build=nominee_with(full_name="Trần\x00Văn Ánh")),
    case("ESC in position", "clerk", "patch", NOMINEE, 422, "position",
         build=nominee_edit(position="Chủ tịch\x1b[31m")),
    case("line separator in workplace", "clerk", "post", NOMINEES, 422, "workplace",
         build=nominee_with(workplace="UBND\u2028phường")),
    case("tab in full_name", "clerk", "post", NOMINEES, 422, "full_name", build=nominee_with(full_name="Trần\tÁnh")),
    case("full_name only spaces", "clerk", "post", NOMINEES, 422, "full_name", build=nominee_with(full_name="   ")),
    case("bell in comment", "clerk", "post", TRANSITIONS, 422, "comment",
         build=transition(comment="Đồng ý\x07")),
    case("noncharacter U+FFFE in full_name", "clerk", "post", NOMINEES, 422, "full_name",
         build=nominee_with(full_name="Trần\ufffeVăn Ánh")),
    case("noncharacter U+FFFF in position", "clerk", "patch", NOMINEE, 422, "position",
         build=nominee_edit(position="Chủ tịch\uffff")),
    case("noncharacter U+FDD0 in achievement summary", "clerk", "post", NOMINEES, 422, "achievement_summary",
         build=nominee_with(achievement_summary="Vận động\n\ufdd0")),
    case("noncharacter U+10FFFF in comment", "clerk", "post", TRANSITIONS, 422, "comment",
         build=transition(comment="Đồng ý\U0010ffff")),
    case("noncharacter in recipients", "clerk", "patch", DOSSIER, 422, "recipients",
         build=details(recipients=["UBND\ufffe thành phố"])),
    case("noncharacter in meeting place", "secretary_b", "put", MEETING, 422, "place",
         build=meeting_with(place="Hội trường\ufffe")),
    case("noncharacter in chair name", "secretary_b", "put", MEETING, 422, "chair_name",
         build=meeting_with(chair_name="Bùi\uffffThị Hân")),
    case("noncharacter in an absentee's name", "secretary_b", "put", MEETING, 422, "absentees",
         build=meeting_with(total_members=9, present_members=8,
                            absentees=[{"name": "Lê\ufffeVăn Sáu", "reason": "Đi công tác"}])),
    case("comment of 6000 characters", "clerk", "post", TRANSITIONS, 422, "comment", build=transition(comment="ý" * 6000)),
    # --- council meeting -------------------------------------------------------------------------------------
    case("more votes than members present", "secretary_b", "put", MEETING, 422, "votes.0.votes_in_favour",
         build=lambda place: meeting_payload(place["nominees_b"], votes={place["nominees_b"][0]: 9})),
    case("more present than members", "secretary_b", "put", MEETING, 422, "present_members",
         build=meeting_with(present_members=12)),
    case("negative members", "secretary_b", "put", MEETING, 422, "total_members",
         build=meeting_with(total_members=-9)),
    case("negative votes", "secretary_b", "put", MEETING, 422, "votes",
         build=lambda place: meeting_payload(place["nominees_b"], votes={place["nominees_b"][0]: -1})),
    case("vote for another dossier's nominee", "secretary_b", "put", MEETING, 422, "votes.0.nominee_id",
         build=lambda place: meeting_payload(place["nominees_b"], votes={place["nominees"][0]: 5})),
    case("vote nominee_id beyond int64", "secretary_b", "put", MEETING, 422, "votes",
         build=lambda place: meeting_payload(place["nominees_b"], votes={INT64_OVERFLOW: 5})),
    case("meeting time without zone", "secretary_b", "put", MEETING, 422, "started_at",
         build=meeting_with(started_at="2024-12-02T08:00:00")),
    case("meeting in year 0001", "secretary_b", "put", MEETING, 422, "started_at",
         build=meeting_with(started_at="0001-01-01T00:00:00+00:00", ended_at=None)),
    case("meeting in year 9999", "secretary_b", "put", MEETING, 422, "started_at",
         build=meeting_with(started_at="9999-12-31T23:59:59+07:00", ended_at=None)),
    case("meeting ends 9999-12-31 at -14:00", "secretary_b", "put", MEETING, 422, "ended_at",
         build=meeting_with(ended_at="9999-12-31T23:59:59-14:00")),
    case("meeting on 30 February", "secretary_b", "put", MEETING, 422, "started_at",
         build=meeting_with(started_at="2024-02-30T08:00:00+07:00")),
    case("unknown voting method", "secretary_b", "put", MEETING, 422, "voting_method",
         build=meeting_with(voting_method="hô to")),
    case("absentees as an object", "secretary_b", "put", MEETING, 422, "absentees",
         build=meeting_with(absentees={"name": "Lê Văn Sáu"})),
    # --- dates on the dossier ------------------------------------------------------------------------------
    case("date in year 0001", "clerk", "patch", DOSSIER, 422, "to_trinh_date",
         build=details(to_trinh_date="0001-01-01")),
    case("date in year 9999", "clerk", "patch", DOSSIER, 422, "to_trinh_date",
         build=details(to_trinh_date="9999-12-31")),
    case("date 2024-02-30", "clerk", "patch", DOSSIER, 422, "to_trinh_date",
         build=details(to_trinh_date="2024-02-30")),
    case("month 13", "clerk", "patch", DOSSIER, 422, "to_trinh_date", build=details(to_trinh_date="2024-13-01")),
    case("date as an integer", "clerk", "patch", DOSSIER, 422, "to_trinh_date", build=details(to_trinh_date=20241203)),
    case("negative number", "clerk", "patch", DOSSIER, 422, "to_trinh_number", build=details(to_trinh_number=-5)),
    # --- transitions -----------------------------------------------------------------------------------
    case("unknown trigger", "clerk", "post", TRANSITIONS, 422, "trigger", build=transition(trigger="fly_away")),
    case("empty trigger", "clerk", "post", TRANSITIONS, 422, "trigger", build=transition(trigger="")),
    case("trigger as a number", "clerk", "post", TRANSITIONS, 422, "trigger", build=transition(trigger=7)),
    case("expected_state of 10 KB", "clerk", "post", TRANSITIONS, 422, "expected_state",
         build=transition(expected_state="d" * 10_000)),
    case("decision date 2024-02-30", "clerk", "post", TRANSITIONS, 422, "decision_date",
         build=transition(decision_date="2024-02-30")),
    # --- query strings and paths -------------------------------------------------------------------------
    case("query campaign_id not a number", "clerk", "get", "/api/v1/dossiers?campaign_id=abc", 422, "campaign_id"),
    case("query campaign_id 10^30", "clerk", "get", f"/api/v1/dossiers?campaign_id={HUGE_ID}", 422, "campaign_id"),
    case("query version not a number", "clerk", "get", "/api/v1/dossiers/{dossier}/documents/to_trinh.docx?version=abc",
         422, "version"),
    case("query version negative", "clerk", "get", "/api/v1/dossiers/{dossier}/documents/to_trinh.docx?version=-1", 422,
         "version"),
    case("query expected_version not a number on delete", "clerk", "delete", NOMINEE + "?expected_version=mot", 422,
         "expected_version"),
    case("path dossier id 2^63", "clerk", "post", f"/api/v1/dossiers/{INT64_OVERFLOW}/transitions", 404,
         build=transition()),
    case("path dossier id 2^31", "clerk", "patch", f"/api/v1/dossiers/{INT32_OVERFLOW}", 404,
         build=details(to_trinh_number=3)),
    case("path nominee id 10^30", "clerk", "patch", "/api/v1/dossiers/{dossier}/nominees/" + str(HUGE_ID),
         404, build=nominee_edit(position="Chủ tịch")),
    case("path campaign id 2^63", "clerk", "get", f"/api/v1/campaigns/{INT64_OVERFLOW}", 404),
    case("path dossier id negative", "clerk", "get", "/api/v1/dossiers/-1", 404),
    case("document kind with dot-dot", "clerk", "get", "/api/v1/dossiers/{dossier}/documents/..%2F..%2Fsecret_key.docx",
         404),
    case("delete another dossier's nominee", "clerk", "delete", "/api/v1/dossiers/{dossier}/nominees/{nominee_b}", 404),
    case("method not allowed", "clerk", "put", DOSSIER, 405, json_body={}),
    # --- who is asking ---------------------------------------------------------------------------------------
    case("no token", None, "post", TRANSITIONS, 401, build=transition()),
    case("SQL in the token", None, "post", TRANSITIONS, 401, build=transition(),
         headers={"Authorization": "Bearer ' OR 1=1 --"}),
    case("Basic instead of Bearer", None, "delete", NOMINEE, 401,
         headers={"Authorization": "Basic Y2xlcms6bWF0LWtoYXU="}),
    case("SQL in the login", None, "post", "/api/v1/auth/token", 401,
         json_body={"username": "' OR '1'='1", "password": "' OR '1'='1"}),
    case("another unit edits a nominee", "clerk_b", "patch", NOMINEE, 404, build=nominee_edit(position="X")),
    case("role may not fire trigger", "head", "post", TRANSITIONS, 403, build=transition()),
    # --- ranges of downloads -----------------------------------------------------------------------------------
    case("Range beyond the end of a document", "clerk", "get", DOCUMENTS + "/danh_sach.docx", 416,
         headers={"Range": "bytes=999999999-"}),
    case("Range that is not a range", "clerk", "get", DOCUMENTS + "/danh_sach.docx", 416,
         headers={"Range": "bytes=abc"}),
    case("Range that ends before it starts", "clerk", "get", DOCUMENTS + "/danh_sach.docx", 416,
         headers={"Range": "bytes=5-2"}),
    case("Range beyond the end of the dossier's .zip", "clerk", "get", DOSSIER + "/documents.zip", 416,
         headers={"Range": "bytes=999999999-1000000000"}),
    # --- administration: a non-administrator gets 403 before the body is looked at ----------------------------
    case("non-admin sends the salary table as text", "clerk", "put", "/api/v1/admin/base-salaries", 403,
         data="không phải JSON", content_type="text/plain"),
    case("non-admin sends a broken salary table", "reviewer", "put", "/api/v1/admin/base-salaries", 403,
         json_body={"rows": "x"}),
    case("non-admin loads a campaign file of garbage", "approver", "post", "/api/v1/admin/campaigns", 403,
         data=b"\x00\xff", content_type="application/octet-stream"),
    case("non-admin replaces a template without a file", "clerk", "put",
         "/api/v1/admin/campaigns/{campaign}/templates/to_trinh", 403, data="x", content_type="text/plain"),
    case("non-admin removes a template", "reviewer", "delete", "/api/v1/admin/campaigns/{campaign}/templates/to_trinh",
         403),
]


def _vietnamese(text: str) -> bool:
    """Crude but telling: every Vietnamese message has letters outside ASCII; English ones do not."""
    return any(ord(char) > 127 for char in text)


def test_the_catalogue_is_long_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("spec", CASES)
def test_bad_input_is_refused_and_changes_nothing(client, world, place, spec):
    api = TokenClient(client, world["users"][spec["user"]]) if spec["user"] else client
    path = spec["path"].format(**{**place, "nominee_b": place["nominees_b"][0]})
    kwargs: dict[str, Any] = {"headers": spec["headers"]}
    if spec["build"] is not None:
        kwargs["json"] = spec["build"](place)
    elif spec["json_body"] is not None:
        kwargs["json"] = spec["json_body"]
    elif spec["data"] is not None:
        kwargs["data"] = spec["data"]
        if spec["content_type"]:
            kwargs["content_type"] = spec["content_type"]
    before = _snapshot()

    response = getattr(api, spec["method"])(path, **kwargs)

    assert response.status_code == spec["status"], (response.status_code, response.get_json())
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert _vietnamese(error["message"]), error
    assert isinstance(error["fields"], dict)
    if spec["field"]:
        assert spec["field"] in error["fields"], error
    for messages in error["fields"].values():
        for message in (messages if isinstance(messages, list) else [messages]):
            if isinstance(message, str):
                assert _vietnamese(message), error
    assert _snapshot() == before


# --- what must be accepted, and stored exactly ----------------------------------------------------------------



@pytest.mark.parametrize("name", [
    "{{ 7*7 }}",
    "{% for x in range(3) %}Lặp{% endfor %}",
    "{{ ''.__class__.__mro__ }}",
    "Robert'); DROP TABLE nominees;--",
    "' OR '1'='1",
    "<w:t>Chèn XML</w:t> & <b>đậm</b>",
], ids=["jinja-expression", "jinja-loop", "sandbox-escape", "sql-drop", "sql-or", "xml-markup"])
def test_template_and_sql_syntax_in_names_comes_out_literally(as_user, place, name):
    clerk = as_user("clerk")
    response = clerk.post(f"/api/v1/dossiers/{place['dossier']}/nominees",
                          json={**INDIVIDUALS[0], "full_name": name})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["full_name"] == name
    nominees = clerk.get(f"/api/v1/dossiers/{place['dossier']}").get_json()["nominees"]
    assert name in [n["full_name"] for n in nominees]
    document = clerk.get(f"/api/v1/dossiers/{place['dossier']}/documents/danh_sach.docx")
    assert document.status_code == 200, document.get_json()
    text = docx_text(document.data)
    assert name in text
    if name == "{{ 7*7 }}":
        assert "49" not in text.replace(name, "")


def test_decomposed_unicode_is_stored_in_nfc_everywhere(as_user, place):
    nfd = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731
    clerk, secretary_b = as_user("clerk"), as_user("secretary_b")
    created = clerk.post(f"/api/v1/dossiers/{place['dossier']}/nominees", json={
        **INDIVIDUALS[0], "full_name": nfd("Nguyễn Thị Ánh"), "position": nfd("Phó Chủ tịch"),
        "workplace": nfd("UBND phường Mỹ Bình"), "achievement_summary": nfd("Vận động 04 người\r\nthân.")})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["full_name"], body["position"], body["workplace"], body["achievement_summary"]) == (
        "Nguyễn Thị Ánh", "Phó Chủ tịch", "UBND phường Mỹ Bình", "Vận động 04 người\nthân.")
    meeting = secretary_b.put(f"/api/v1/dossiers/{place['dossier_b']}/meeting", json={
        **meeting_payload(place["nominees_b"]), "place": nfd("Hội trường Ủy ban"), "chair_name": nfd("Bùi Thị Hân")})
    assert meeting.status_code == 200, meeting.get_json()
    assert meeting.get_json()["place"] == "Hội trường Ủy ban" and meeting.get_json()["chair_name"] == "Bùi Thị Hân"
    from service.models import CouncilMeeting, Nominee

    db.session.expire_all()
    stored = db.session.get(Nominee, body["id"])
    for value in (stored.full_name, stored.position, stored.workplace, stored.achievement_summary,
                  db.session.scalar(sa.select(CouncilMeeting.place))):
        assert unicodedata.is_normalized("NFC", value), value


# --- characters that would poison shared output ---------------------------------------------------------------
# A noncharacter (U+FFFE) is refused at every door; a spreadsheet or a Word document cannot hold it.

POISON = "Trần\ufffeVăn Ánh"


def _csrf(client, path: str = "/dang-nhap") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _page_login(client, username: str) -> str:
    """Sign ``client`` in to the pages; return the session's CSRF token."""
    from conftest import PASSWORD

    response = client.post("/dang-nhap", data={"username": username, "password": PASSWORD,
                                               "csrf_token": _csrf(client)})
    assert response.status_code == 302, response.data[:500]
    return _csrf(client, "/")


@pytest.mark.parametrize("char", ["\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff"],
                         ids=["FFFE", "FFFF", "FDD0", "FDEF", "1FFFE", "10FFFF"])
def test_every_noncharacter_is_refused_with_its_code(as_user, place, char):
    response = as_user("clerk").post(f"/api/v1/dossiers/{place['dossier']}/nominees",
                                     json={**INDIVIDUALS[0], "full_name": f"Trần{char}Ánh"})
    assert response.status_code == 422, response.get_json()
    message = response.get_json()["error"]["fields"]["full_name"][0]
    assert message == f"Chứa ký tự không hợp lệ (U+{ord(char):04X})."


def test_a_noncharacter_is_refused_at_the_page_door(client, world, place):
    """The dossier page's nominee form goes through the same gate as the API."""
    token = _page_login(client, world["users"]["clerk"].username)
    before = _snapshot()
    response = client.post(f"/ho-so/{place['dossier']}/nguoi-duoc-de-nghi/{place['nominee']}",
                           data={"expected_version": "1", "full_name": POISON, "position": "Công chức",
                                 "csrf_token": token},
                           headers={"Accept": "application/json"})
    assert 400 <= response.status_code < 500
    assert "U+FFFE" in response.get_data(as_text=True)
    assert _snapshot() == before


def test_a_noncharacter_is_refused_in_an_excel_import(as_user, place):
    import io

    import openpyxl

    from service.awards import excel

    template = as_user("clerk").get(f"/api/v1/campaigns/{place['campaign']}/nominee-template.xlsx")
    assert template.status_code == 200, template.get_json()
    book = openpyxl.load_workbook(io.BytesIO(template.data))
    sheet = book[excel.DATA_SHEET]
    headers = [cell.value for cell in sheet[1]]
    # XML cannot carry U+FFFE itself; a sheet carries it as the ECMA-376 escape, which the import decodes.
    row = {excel.HEADER_KIND: "Cá nhân", excel.HEADER_NAME: "Trần_xFFFE_Văn Ánh", excel.HEADER_GENDER: "Nam",
           excel.HEADER_POSITION: "Công chức", excel.HEADER_WORKPLACE: "UBND phường"}
    for column, header in enumerate(headers, start=1):
        if header in row:
            sheet.cell(row=2, column=column, value=row[header])
    buffer = io.BytesIO()
    book.save(buffer)
    before = _snapshot()
    response = as_user("clerk").post(f"/api/v1/dossiers/{place['dossier']}/nominees/import",
                                     data={"file": (io.BytesIO(buffer.getvalue()), "danh_sach.xlsx")},
                                     content_type="multipart/form-data")
    assert response.status_code == 422, response.get_json()
    assert "U+FFFE" in json.dumps(response.get_json(), ensure_ascii=False)
    assert _snapshot() == before


def test_a_noncharacter_is_refused_in_a_campaign_file():
    from service.campaigns.definition import DefinitionError, parse_definition

    text = (ROOT / "campaigns" / "long-xuyen-9936-2024.yaml").read_text("utf-8")
    with pytest.raises(DefinitionError) as refused:
        # YAML's reader refuses the raw character; a double-quoted escape reaches the schema.
        parse_definition(text.replace("\naward_name: ", '\naward_name: "Đợt\\uFFFE" #', 1))
    assert "Chứa ký tự không hợp lệ (U+FFFE)" in str(refused.value)
    with pytest.raises(DefinitionError) as refused:
        parse_definition(text.replace("\naward_name: ", "\naward_name: Đợt\ufffe", 1))
    line = text[:text.index("\naward_name: ")].count("\n") + 2
    assert refused.value.problems[0].line == line
    assert f"Dòng {line} chứa ký tự không hợp lệ (U+FFFE)" in str(refused.value)


def test_a_raw_noncharacter_in_a_campaign_upload_is_a_422(as_user, world):
    text = (ROOT / "campaigns" / "long-xuyen-9936-2024.yaml").read_text("utf-8").replace("code: ", "code: x\ufffe", 1)
    before = _snapshot()
    response = as_user("admin").post("/api/v1/admin/campaigns", data=text.encode("utf-8"),
                                     content_type="application/yaml")
    assert response.status_code == 422, response.get_json()
    assert "U+FFFE" in json.dumps(response.get_json(), ensure_ascii=False)
    assert _snapshot() == before


def test_a_noncharacter_is_refused_by_create_user(runner, world):
    from service.models import User

    result = runner.invoke(args=["create-user", "--username", "moi", "--full-name", POISON, "--role", "unit_clerk",
                                 "--unit", world["unit_a"].code, "--password", "mat-khau-dai"])
    assert result.exit_code != 0 and "U+FFFE" in result.output
    result = runner.invoke(args=["create-user", "--username", "mo\ufffei", "--full-name", "Lê Mới",
                                 "--role", "unit_clerk", "--unit", world["unit_a"].code,
                                 "--password", "mat-khau-dai"])
    assert result.exit_code != 0 and "U+FFFE" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.username.like("mo%"))) == 0


def test_a_noncharacter_forced_into_the_database_does_not_break_shared_output(client, as_user, world):
    """Second line of defence: even data that bypassed the gate cannot make an export fail."""
    import io
    import zipfile

    import openpyxl

    from service.models import Nominee, Unit, User
    from test_jobs import proposed_round, wait_for

    round_id, _ = proposed_round(as_user, world)
    db.session.execute(sa.update(Nominee).values(full_name=Nominee.full_name + "\ufffe\uffff",
                                                 position="Công\ufffechức", workplace="UBND\ufdd0"))
    db.session.execute(sa.update(User).values(full_name=User.full_name + "\ufffe"))
    db.session.execute(sa.update(Unit).values(name=Unit.name + "\ufffe"))
    db.session.commit()
    reviewer = as_user("reviewer")
    token = _page_login(client, world["users"]["reviewer"].username)
    for path in (f"/api/v1/rounds/{round_id}/ranking.xlsx", f"/api/v1/rounds/{round_id}/awardees.xlsx",
                 f"/dot-khen-thuong/{round_id}/xep-hang.xlsx",
                 f"/dot-khen-thuong/{round_id}/danh-sach-khen-thuong.xlsx"):
        response = reviewer.get(path) if path.startswith("/api/") else client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
        names = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value]
        assert any("Trần Văn Ánh" in name for name in names), names
        assert not any("\ufffe" in name for name in names)
    assert token
    job = reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()
    job = wait_for(reviewer, job["id"])
    assert job["state"] == "finished", job
    download = reviewer.get(job["result_url"])
    archive = zipfile.ZipFile(io.BytesIO(download.get_data()))
    download.close()
    assert archive.testzip() is None
    offices = [name for name in archive.namelist() if name.endswith((".docx", ".xlsx"))]
    assert len(offices) == 6 + 5
    for name in offices:
        package = zipfile.ZipFile(io.BytesIO(archive.read(name)))
        for part in package.namelist():
            assert "\ufffe".encode("utf-8") not in package.read(part), (name, part)


def test_every_admin_endpoint_answers_403_to_others_before_reading_the_body(app, client, world, place):
    """Whatever the body (none, text, broken JSON), a non-administrator gets 403 on /api/v1/admin/…
    (a campaign that does not exist is still 404 first: see test_handler_layers)."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/admin/")]
    assert len(rules) >= 3
    api = TokenClient(client, world["users"]["reviewer"])
    before = _snapshot()
    for rule in rules:
        path = rule.rule.replace("<int:campaign_id>", str(place["campaign"])).replace("<string:kind>", "to_trinh")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS", "GET"}):
            for body in ({}, {"data": "{", "content_type": JSON}, {"data": "x", "content_type": "text/plain"}):
                response = getattr(api, method.lower())(path, **body)
                assert response.status_code == 403, (method, path, body, response.get_json())
                assert _vietnamese(response.get_json()["error"]["message"])
    assert _snapshot() == before


def test_ranges_of_downloads_are_served_and_bad_ones_refused_in_vietnamese(client, as_user, world, place):
    """A resumed download gets 206 with its part; an impossible range 416 with the file's size, on both sides."""
    clerk = as_user("clerk")
    path = f"/api/v1/dossiers/{place['dossier']}/documents/danh_sach.docx"
    whole = clerk.get(path)
    assert whole.status_code == 200 and whole.headers.get("Accept-Ranges") == "bytes"
    part = clerk.get(path, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == whole.data[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(whole.data)}"
    refused = clerk.get(path, headers={"Range": f"bytes={len(whole.data) + 5}-"})
    assert refused.status_code == 416
    assert refused.headers["Content-Range"] == f"bytes */{len(whole.data)}"
    error = refused.get_json()["error"]
    assert error["code"] == "range_not_satisfiable" and "tiêu đề Range" in error["message"]
    _page_login(client, world["users"]["clerk"].username)
    page = client.get(f"/ho-so/{place['dossier']}/van-ban/danh_sach.docx", headers={"Range": "bytes=999999999-"})
    assert page.status_code == 416 and "tiêu đề Range" in page.get_data(as_text=True)
    assert client.get(f"/ho-so/{place['dossier']}/van-ban/danh_sach.docx",
                      headers={"Range": "bytes=0-3"}).data == whole.data[:4]


def test_a_job_result_answers_ranges(as_user, world):
    from test_jobs import proposed_round, wait_for

    round_id, _ = proposed_round(as_user, world)
    reviewer = as_user("reviewer")
    job = wait_for(reviewer, reviewer.post(f"/api/v1/rounds/{round_id}/document-jobs").get_json()["id"])
    whole = reviewer.get(job["result_url"])
    data = whole.get_data()
    whole.close()
    part = reviewer.get(job["result_url"], headers={"Range": "bytes=-100"})
    assert part.status_code == 206 and part.get_data() == data[-100:]
    part.close()
    refused = reviewer.get(job["result_url"], headers={"Range": f"bytes={len(data)}-"})
    assert refused.status_code == 416 and refused.get_json()["error"]["code"] == "range_not_satisfiable"
    assert refused.headers["Content-Range"] == f"bytes */{len(data)}"
