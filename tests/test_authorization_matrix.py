"""Authorization as one matrix: every endpoint and page × every role × own unit and another unit.

The table ``MATRIX`` below has an entry for every rule of the application's URL
map (``app.url_map.iter_rules()``) and HTTP method: how to build a request for
it (the ids of a dossier of unit A in a suitable state, a nominee, a round, a
campaign, a minimal valid body) and the status each actor must get. A
meta-test fails when a rule of the URL map has no entry (a new endpoint must
say who may call it) and when an entry names a rule that does not exist.

The actors are, for each role, one of unit A (whose dossier it is) and one of
another unit:

* ``clerk``, ``secretary``, ``head``: unit_clerk, council_secretary and unit_head of unit A;
* ``clerk_b``, ``secretary_b``, ``head_b``: the same roles in unit B;
* ``reviewer`` (the campaign's standing agency) and ``outsider_reviewer`` (another unit);
* ``approver`` (the campaign's authority) and ``outsider_approver`` (another unit);
* ``admin``, and ``anonymous``.

Anonymous callers are tried twice: with no credentials at all, and with the
credential of the *other* surface (an administrator's page session cookie on
the API, an administrator's bearer token on the pages), which must not count.
On pages, every allowed form post is first tried without its CSRF token (400).

Each test builds the states its cases need (a draft, a dossier before the
council, a ready or submitted dossier, a round consolidating or proposed),
each in a campaign of its own, then sends the request as every actor: refused
actors first, the allowed ones last (their request may change the state).
Lists and pages also say whether they show the dossier (``LISTED``). A refused
request that could change data (POST, PUT, PATCH, DELETE) must leave every
table as it was. No actor may ever get a 5xx. Mismatches are collected and
reported together, one line each, e.g.
``api.DossierItem PATCH [draft] as secretary: got 200, expected 403``.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import openpyxl
import pytest
import sqlalchemy as sa

from conftest import COLLECTIVE, INDIVIDUALS, PASSWORD, meeting_payload
from service.db import db

ACTORS = ("anonymous", "clerk", "secretary", "head", "clerk_b", "secretary_b", "head_b",
          "reviewer", "approver", "outsider_reviewer", "outsider_approver", "admin")
USERS = ACTORS[1:]

# Rules every visitor may fetch, signed in or not: static files, the API docs page
# with its assets, and the OpenAPI document. Nothing else may be missing from MATRIX.
PUBLIC = frozenset({"static", "web.static", "api_docs.docs_page", "api_docs.static", "api_docs.swagger_ui_file",
                    "api-docs.openapi_json"})
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOGIN_PATH = "/dang-nhap"
CAMPAIGN_FILE = Path(__file__).resolve().parents[1] / "campaigns" / "long-xuyen-9936-2024.yaml"
TO_TRINH_TEMPLATE = Path(__file__).resolve().parents[1] / "templates_docx" / "to_trinh.docx"


# --- expected outcomes ------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """A status; for a redirect, whether it leads to the sign-in page; for a list or a page,
    whether it shows the case's dossier (a row of a JSON list or ranking, a link on a page)."""

    status: int
    to_login: bool = False
    listed: bool | None = None

    @property
    def refused(self) -> bool:
        return self.status >= 400 or self.to_login

    def __str__(self) -> str:
        if self.to_login:
            return f"{self.status} to {LOGIN_PATH}"
        if self.listed is not None:
            return f"{self.status} {'showing' if self.listed else 'not showing'} the dossier"
        return str(self.status)


LOGIN = Outcome(302, to_login=True)
LISTED = Outcome(200, listed=True)
UNLISTED = Outcome(200, listed=False)


def roles(*, own: Any, other: Any = 404, agency: Any = 404, other_agency: Any = 404, admin: Any,
          anonymous: Any = None) -> dict[str, Outcome | None]:
    """Expected outcomes per actor.

    ``own`` and ``other`` are (unit_clerk, council_secretary, unit_head) of unit A and of unit B;
    ``agency`` and ``other_agency`` are (reviewer, approver) of the campaign and of another unit.
    A single value stands for every role of its group. ``anonymous`` defaults to the surface's
    answer to a caller who is not signed in: 401 on the API, a redirect to the sign-in page on pages.
    """

    def spread(value: Any, count: int) -> tuple[Any, ...]:
        values = value if isinstance(value, tuple) else (value,) * count
        assert len(values) == count, value
        return values

    clerk, secretary, head = spread(own, 3)
    clerk_b, secretary_b, head_b = spread(other, 3)
    reviewer, approver = spread(agency, 2)
    outsider_reviewer, outsider_approver = spread(other_agency, 2)
    table = {"anonymous": anonymous, "clerk": clerk, "secretary": secretary, "head": head, "clerk_b": clerk_b,
             "secretary_b": secretary_b, "head_b": head_b, "reviewer": reviewer, "approver": approver,
             "outsider_reviewer": outsider_reviewer, "outsider_approver": outsider_approver, "admin": admin}
    return {actor: (value if value is None or isinstance(value, Outcome) else Outcome(value))
            for actor, value in table.items()}


def everyone(status: Any, *, anonymous: Any = None) -> dict[str, Outcome | None]:
    return roles(own=status, other=status, agency=status, other_agency=status, admin=status, anonymous=anonymous)


# Who may see a dossier: its unit and the admin always; the campaign's agency and authority
# once it is submitted; nobody else (404, as if it did not exist).
SEE_DRAFT = roles(own=200, admin=200)
SEE_SENT = roles(own=200, agency=200, admin=200)
# Who may see a round: the campaign's standing agency, its authority and the admin.
SEE_ROUND = roles(own=404, agency=200, admin=200)


# --- requests ------------------------------------------------------------------------------------

@dataclass
class Ids:
    """What one case's setup made: a campaign, and unit A's dossier in it with its nominees and round."""

    campaign_id: int
    dossier_id: int = 0
    round_id: int = 0
    nominee_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Ask:
    """A request: method, URL and what the test client needs (``data`` is a page form, or an upload)."""

    method: str
    url: str
    json: Any = None
    data: Any = None
    content_type: str | None = None


@dataclass(frozen=True)
class Case:
    """One state to test an endpoint in: which setup, how to ask, and what each actor gets."""

    setup: str
    ask: Callable[[Ids, str], Ask]
    expect: dict[str, Outcome | None]
    # Tables a refused request may still write.
    may_change: frozenset[str] = frozenset()


def current_version(table: str, row_id: int) -> int:
    """The row's version as committed now (read when the request is sent, after earlier actors' changes)."""
    with db.engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT version FROM {table} WHERE id = :id"), {"id": row_id}).scalar_one()


NEW_PERSON = {**INDIVIDUALS[0], "full_name": "Đỗ Thị Mai"}
NOMINEE_FORM = {"kind": "individual", "full_name": "Đỗ Thị Mai", "gender": "female", "position": "Công chức",
                "workplace": "UBND phường Mỹ Bình", "award_form": "giay_khen_ca_nhan", "metric-relatives_bhxh": "3",
                "metric-relatives_bhyt": "5", "achievement_summary": "Vận động 03 người thân tham gia BHXH."}
DECISION = {"decision_number": "45/QĐ-UBND", "decision_date": "2024-12-20"}
DETAILS_FORM = {"to_trinh_number": "7", "bien_ban_number": "3", "recipients": "UBND thành phố Long Xuyên"}


def meeting_form(ids: Ids) -> dict[str, str]:
    values = {"started_at": "2024-12-02T08:00", "ended_at": "2024-12-02T09:30", "place": "Hội trường",
              "chair_name": "Nguyễn Văn Tâm", "chair_gender": "male", "chair_position": "Chủ tịch",
              "secretary_name": "Phạm Thị Lan", "secretary_gender": "female", "secretary_position": "Công chức",
              "total_members": "9", "present_members": "9", "voting_method": "show_of_hands"}
    values.update({f"votes-{nominee_id}": "9" for nominee_id in ids.nominee_ids})
    return values


def nominee_workbook(ids: Ids) -> bytes:
    """The campaign's nominee template with one person filled in."""
    from service.awards.excel import (HEADER_AWARD_FORM, HEADER_GENDER, HEADER_KIND, HEADER_NAME, metric_header,
                                      nominee_template)
    from service.models import Campaign

    campaign = db.session.get(Campaign, ids.campaign_id)
    workbook = openpyxl.load_workbook(io.BytesIO(nominee_template(campaign.metrics, campaign.award_forms)))
    sheet = workbook.worksheets[0]
    values = {HEADER_KIND: "Cá nhân", HEADER_NAME: "Trần Thị Bích", HEADER_GENDER: "Nữ", "Chức vụ": "Công chức",
              "Đơn vị công tác": "UBND phường Mỹ Bình", HEADER_AWARD_FORM: "giay_khen_ca_nhan",
              "Tóm tắt thành tích": "Vận động 03 người thân."}
    values.update({metric_header(m): {"relatives_bhxh": 3, "relatives_bhyt": 5}.get(m["code"])
                   for m in campaign.metrics})
    sheet.append([values.get(cell.value) for cell in sheet[1]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def credentials(actor: str) -> dict[str, str]:
    """The actor's own username and password; a wrong password for the anonymous caller."""
    if actor == "anonymous":
        return {"username": "clerk", "password": "khong-dung-mat-khau"}
    return {"username": actor, "password": PASSWORD}


# How to ask, given the case's ids and the actor. ``get(url)`` builds a GET of a fixed path.

def get(path: Callable[[Ids], str]) -> Callable[[Ids, str], Ask]:
    return lambda ids, actor: Ask("GET", path(ids))


def api_dossier(ids: Ids, rest: str = "") -> str:
    return f"/api/v1/dossiers/{ids.dossier_id}{rest}"


def api_nominee(ids: Ids) -> str:
    return api_dossier(ids, f"/nominees/{ids.nominee_ids[1]}")


def api_round(ids: Ids, rest: str = "") -> str:
    return f"/api/v1/rounds/{ids.round_id}{rest}"


def page_dossier(ids: Ids, rest: str = "") -> str:
    return f"/ho-so/{ids.dossier_id}{rest}"


def page_nominee(ids: Ids, rest: str = "") -> str:
    return page_dossier(ids, f"/nguoi-duoc-de-nghi/{ids.nominee_ids[1]}{rest}")


def ask_token(ids: Ids, actor: str) -> Ask:
    return Ask("POST", "/api/v1/auth/token", json=credentials(actor))


def ask_load_campaign(ids: Ids, actor: str) -> Ask:
    return Ask("POST", "/api/v1/admin/campaigns", data=CAMPAIGN_FILE.read_bytes(), content_type="application/yaml")


def ask_create_dossier(ids: Ids, actor: str) -> Ask:
    return Ask("POST", "/api/v1/dossiers", json={"campaign_id": ids.campaign_id})


def ask_patch_dossier(ids: Ids, actor: str) -> Ask:
    return Ask("PATCH", api_dossier(ids), json={"expected_version": current_version("dossiers", ids.dossier_id),
                                                "to_trinh_number": 7})


def ask_add_nominee(ids: Ids, actor: str) -> Ask:
    return Ask("POST", api_dossier(ids, "/nominees"), json=NEW_PERSON)


def ask_patch_nominee(ids: Ids, actor: str) -> Ask:
    return Ask("PATCH", api_nominee(ids), json={"expected_version": current_version("nominees", ids.nominee_ids[1]),
                                                "position": "Phó Chủ tịch"})


def ask_delete_nominee(ids: Ids, actor: str) -> Ask:
    return Ask("DELETE", api_nominee(ids))


def ask_import_nominees(ids: Ids, actor: str) -> Ask:
    return Ask("POST", api_dossier(ids, "/nominees/import"), content_type="multipart/form-data",
               data={"file": (io.BytesIO(nominee_workbook(ids)), "danh_sach.xlsx")})


def ask_put_meeting(ids: Ids, actor: str) -> Ask:
    return Ask("PUT", api_dossier(ids, "/meeting"), json=meeting_payload(ids.nominee_ids, total=9, present=9))


def ask_send_to_council(ids: Ids, actor: str) -> Ask:
    return Ask("POST", api_dossier(ids, "/transitions"), json={"trigger": "send_to_council",
                                                               "expected_state": "drafting"})


def ask_start_review(ids: Ids, actor: str) -> Ask:
    return Ask("POST", api_dossier(ids, "/transitions"), json={"trigger": "start_review",
                                                               "expected_state": "submitted"})


def ask_approve(ids: Ids, actor: str) -> Ask:
    return Ask("POST", api_dossier(ids, "/transitions"), json={"trigger": "approve", "expected_state": "accepted",
                                                               **DECISION})


def ask_generate(ids: Ids, actor: str) -> Ask:
    return Ask("POST", api_dossier(ids, "/documents"), json={})


def ask_consolidate_early(ids: Ids, actor: str) -> Ask:
    return Ask("POST", api_round(ids, "/transitions"), json={"trigger": "consolidate_early",
                                                             "expected_state": "collecting", "comment": "Đủ hồ sơ."})


def ask_decide(ids: Ids, actor: str) -> Ask:
    return Ask("POST", api_round(ids, "/transitions"), json={"trigger": "decide", "expected_state": "proposed",
                                                             **DECISION})


def _authority_code(ids: Ids) -> str:
    from service.models import Campaign

    return db.session.get(Campaign, ids.campaign_id).authority.code


def ask_record_decision(ids: Ids, actor: str) -> Ask:
    # The campaign's own authority: its decision is recorded by "decide", so the agency is told so (422).
    return Ask("PUT", api_round(ids, f"/decisions/{_authority_code(ids)}"), json={"number": "56/QĐ-UBND",
                                                                                   "decision_date": "2024-12-25"})


def ask_override(ids: Ids, actor: str) -> Ask:
    return Ask("POST", api_round(ids, "/overrides"), json={"nominee_id": ids.nominee_ids[1], "selected": False,
                                                           "reason": "Đã được khen thưởng năm trước."})


def form(path: Callable[[Ids], str], values: Callable[[Ids], dict[str, str]] = lambda ids: {}
         ) -> Callable[[Ids, str], Ask]:
    """A page form posted to ``path`` (the CSRF token is added when it is sent)."""
    return lambda ids, actor: Ask("POST", path(ids), data=values(ids))


page_add_nominee = form(lambda ids: page_dossier(ids, "/nguoi-duoc-de-nghi"), lambda ids: NOMINEE_FORM)
page_update_nominee = form(page_nominee, lambda ids: {
    **NOMINEE_FORM, "expected_version": str(current_version("nominees", ids.nominee_ids[1]))})
page_delete_nominee = form(lambda ids: page_nominee(ids, "/xoa"))
page_update_details = form(lambda ids: page_dossier(ids, "/thong-tin"), lambda ids: {
    **DETAILS_FORM, "expected_version": str(current_version("dossiers", ids.dossier_id))})
page_send_to_council = form(lambda ids: page_dossier(ids, "/chuyen-buoc"),
                            lambda ids: {"trigger": "send_to_council", "expected_state": "drafting"})
page_start_review = form(lambda ids: page_dossier(ids, "/chuyen-buoc"),
                         lambda ids: {"trigger": "start_review", "expected_state": "submitted"})
page_record_meeting = form(lambda ids: page_dossier(ids, "/bien-ban-hop"), meeting_form)
page_approve = form(lambda ids: page_dossier(ids, "/chuyen-buoc"),
                    lambda ids: {"trigger": "approve", "expected_state": "accepted", **DECISION})
page_generate = form(lambda ids: page_dossier(ids, "/van-ban"))


def page_sign_in(ids: Ids, actor: str) -> Ask:
    return Ask("POST", LOGIN_PATH, data=credentials(actor))


def _certificate_layout() -> dict[str, Any]:
    from service.documents.certificate_layout import default_layout

    layout = default_layout()
    layout["fields"]["awardee"]["y"] = 100.0
    return layout


def _certificate_layout_form() -> dict[str, str]:
    layout = _certificate_layout()
    data = {"paper": layout["paper"], "orientation": layout["orientation"]}
    for name, spec in layout["fields"].items():
        data.update({f"{name}-{part}": str(spec[part]) for part in ("x", "y", "width", "font_size")})
        data[f"{name}-is_printed"] = "1"
    return data


# --- the matrix ----------------------------------------------------------------------------------
# endpoint (rule.endpoint) -> method -> cases. Setups: "campaign" (a campaign without dossiers),
# "draft" (unit A's dossier being drafted, three complete nominees), "council" (waiting for the
# council), "ready" (minutes final, documents generated), "submitted" (sent; its round collects),
# "consolidating" (accepted; the round consolidates), "proposed" (the round's list is proposed).

REFUSED_WHEN_SENT = dict(agency=403, admin=403)  # the unit's own roles differ per endpoint
# A refused sign-in is recorded (in a transaction of its own) to slow down password guessing.
COUNTS_FAILED_SIGN_INS = frozenset({"login_failures"})
NOBODY_BUT_ADMIN = roles(own=403, other=403, agency=403, other_agency=403, admin=201)

MATRIX: dict[str, dict[str, list[Case]]] = {
    # --- API: signing in and out, the caller, catalogues ---------------------------------------
    "api.create_token": {
        "POST": [Case("campaign", ask_token, everyone(201, anonymous=401), may_change=COUNTS_FAILED_SIGN_INS)],
    },
    "api.revoke_current_token": {
        "DELETE": [Case("campaign", lambda ids, actor: Ask("DELETE", "/api/v1/auth/token"), everyone(204))],
    },
    "files.CampaignTemplate": {
        "PUT": [Case("campaign", lambda ids, actor: Ask(
            "PUT", f"/api/v1/admin/campaigns/{ids.campaign_id}/templates/to_trinh",
            data={"file": (io.BytesIO(TO_TRINH_TEMPLATE.read_bytes()), "to_trinh.docx")},
            content_type="multipart/form-data"),
            roles(own=403, other=403, agency=403, other_agency=403, admin=200))],
        "DELETE": [Case("campaign", lambda ids, actor: Ask(
            "DELETE", f"/api/v1/admin/campaigns/{ids.campaign_id}/templates/to_trinh"),
            roles(own=403, other=403, agency=403, other_agency=403, admin=404))],
    },
    "files.CertificateLayoutAdmin": {
        "GET": [Case("campaign", get(lambda ids: f"/api/v1/admin/campaigns/{ids.campaign_id}/certificate-layout"),
                     roles(own=403, other=403, agency=403, other_agency=403, admin=200))],
        "PUT": [Case("campaign", lambda ids, actor: Ask(
            "PUT", f"/api/v1/admin/campaigns/{ids.campaign_id}/certificate-layout", json=_certificate_layout()),
            roles(own=403, other=403, agency=403, other_agency=403, admin=200))],
        # Nothing saved yet: the admin is told the campaign already uses the default.
        "DELETE": [Case("campaign", lambda ids, actor: Ask(
            "DELETE", f"/api/v1/admin/campaigns/{ids.campaign_id}/certificate-layout"),
            roles(own=403, other=403, agency=403, other_agency=403, admin=404))],
    },
    "salaries.get_base_salaries": {
        "GET": [Case("campaign", get(lambda ids: "/api/v1/base-salaries"), everyone(200))],
    },
    "salaries.BaseSalaryAdmin": {
        "PUT": [Case("campaign", lambda ids, actor: Ask("PUT", "/api/v1/admin/base-salaries", json={
            "rows": [{"valid_from": "2024-07-01", "amount": 2340000}]}), roles(own=403, other=403, agency=403,
                                                                                other_agency=403, admin=200))],
    },
    "api.me": {"GET": [Case("campaign", get(lambda ids: "/api/v1/me"), everyone(200))]},
    "api.list_units": {"GET": [Case("campaign", get(lambda ids: "/api/v1/units"), everyone(200))]},
    "api.list_campaigns": {"GET": [Case("campaign", get(lambda ids: "/api/v1/campaigns"), everyone(200))]},
    "api.get_campaign": {
        "GET": [Case("campaign", get(lambda ids: f"/api/v1/campaigns/{ids.campaign_id}"), everyone(200))],
    },
    "files.nominee_template": {
        "GET": [Case("campaign", get(lambda ids: f"/api/v1/campaigns/{ids.campaign_id}/nominee-template.xlsx"),
                     everyone(200))],
    },
    "rounds.load_campaign": {"POST": [Case("campaign", ask_load_campaign, NOBODY_BUT_ADMIN)]},

    # --- API: dossiers ------------------------------------------------------------------------------
    "api.DossierCollection": {
        "GET": [Case("draft", get(lambda ids: "/api/v1/dossiers"),
                     roles(own=LISTED, other=UNLISTED, agency=UNLISTED, other_agency=UNLISTED, admin=LISTED)),
                Case("submitted", get(lambda ids: "/api/v1/dossiers"),
                     roles(own=LISTED, other=UNLISTED, agency=LISTED, other_agency=UNLISTED, admin=LISTED))],
        # Every unit's clerk opens its own unit's dossier; nobody else opens any.
        "POST": [Case("campaign", ask_create_dossier,
                      roles(own=(201, 403, 403), other=(201, 403, 403), agency=403, other_agency=403, admin=403))],
    },
    "api.DossierItem": {
        "GET": [Case("draft", get(api_dossier), SEE_DRAFT), Case("submitted", get(api_dossier), SEE_SENT)],
        "PATCH": [Case("draft", ask_patch_dossier, roles(own=(200, 403, 200), admin=403)),
                  Case("submitted", ask_patch_dossier, roles(own=(409, 403, 409), **REFUSED_WHEN_SENT))],
    },
    "api.add_nominee": {
        "POST": [Case("draft", ask_add_nominee, roles(own=(201, 403, 403), admin=403)),
                 Case("submitted", ask_add_nominee, roles(own=(409, 403, 403), **REFUSED_WHEN_SENT))],
    },
    "api.NomineeItem": {
        "PATCH": [Case("draft", ask_patch_nominee, roles(own=(200, 403, 403), admin=403)),
                  Case("submitted", ask_patch_nominee, roles(own=(409, 403, 403), **REFUSED_WHEN_SENT))],
        "DELETE": [Case("draft", ask_delete_nominee, roles(own=(204, 403, 403), admin=403)),
                   Case("submitted", ask_delete_nominee, roles(own=(409, 403, 403), **REFUSED_WHEN_SENT))],
    },
    "files.import_nominees": {
        "POST": [Case("draft", ask_import_nominees, roles(own=(201, 403, 403), admin=403)),
                 Case("submitted", ask_import_nominees, roles(own=(409, 403, 403), **REFUSED_WHEN_SENT))],
    },
    "api.put_meeting": {
        "PUT": [Case("council", ask_put_meeting, roles(own=(403, 200, 403), admin=403)),
                Case("submitted", ask_put_meeting, roles(own=(403, 409, 403), **REFUSED_WHEN_SENT))],
    },
    "api.TransitionCollection": {
        "GET": [Case("draft", get(lambda ids: api_dossier(ids, "/transitions")), SEE_DRAFT),
                Case("submitted", get(lambda ids: api_dossier(ids, "/transitions")), SEE_SENT)],
        # Whose step it is comes from the workflow: a member of the dossier's unit or agency with
        # another role is refused with 403 (role_not_allowed), the admin too (it fires nothing).
        "POST": [Case("draft", ask_send_to_council, roles(own=(201, 403, 403), admin=403)),
                 Case("submitted", ask_start_review, roles(own=403, agency=(201, 403), admin=403)),
                 Case("consolidating", ask_approve, roles(own=403, agency=(403, 201), admin=403))],
    },
    "api.history": {
        "GET": [Case("draft", get(lambda ids: api_dossier(ids, "/history")), SEE_DRAFT),
                Case("submitted", get(lambda ids: api_dossier(ids, "/history")), SEE_SENT)],
    },
    "api.DocumentCollection": {
        "GET": [Case("ready", get(lambda ids: api_dossier(ids, "/documents")), SEE_DRAFT),
                Case("submitted", get(lambda ids: api_dossier(ids, "/documents")), SEE_SENT)],
        # Once submitted the set is frozen: the unit gets 409 (documents_frozen).
        "POST": [Case("ready", ask_generate, roles(own=201, admin=403)),
                 Case("submitted", ask_generate, roles(own=409, **REFUSED_WHEN_SENT))],
    },
    "api.download_document": {
        "GET": [Case("ready", get(lambda ids: api_dossier(ids, "/documents/to_trinh.docx")), SEE_DRAFT),
                Case("submitted", get(lambda ids: api_dossier(ids, "/documents/to_trinh.docx")), SEE_SENT)],
    },
    "api.download_documents_zip": {
        "GET": [Case("ready", get(lambda ids: api_dossier(ids, "/documents.zip")), SEE_DRAFT),
                Case("submitted", get(lambda ids: api_dossier(ids, "/documents.zip")), SEE_SENT)],
    },

    # --- API: rounds (the standing agency's work; units do not see the consolidated ranking) --------
    "rounds.list_rounds": {
        "GET": [Case("submitted", get(lambda ids: f"/api/v1/campaigns/{ids.campaign_id}/rounds"), SEE_ROUND)],
    },
    "rounds.get_round": {"GET": [Case("submitted", get(api_round), SEE_ROUND)]},
    "rounds.get_ranking": {
        # A dossier its unit has not sent yet is not in the round's ranking.
        "GET": [Case("ready", get(lambda ids: api_round(ids, "/ranking")), roles(own=404, agency=UNLISTED,
                                                                                 admin=UNLISTED)),
                Case("submitted", get(lambda ids: api_round(ids, "/ranking")), roles(own=404, agency=LISTED,
                                                                                     admin=LISTED))],
    },
    "rounds.round_history": {"GET": [Case("submitted", get(lambda ids: api_round(ids, "/history")), SEE_ROUND)]},
    "files.round_ranking_workbook": {
        "GET": [Case("submitted", get(lambda ids: api_round(ids, "/ranking.xlsx")), SEE_ROUND)],
    },
    "files.round_awardees_workbook": {
        "GET": [Case("proposed", get(lambda ids: api_round(ids, "/awardees.xlsx")), SEE_ROUND)],
    },
    "files.round_document": {
        "GET": [Case("proposed", get(lambda ids: api_round(ids, "/documents/quyet_dinh.docx")), SEE_ROUND)],
    },
    "rounds.fire_round_transition": {
        # The agency consolidates and proposes, the authority decides; the admin fires nothing.
        "POST": [Case("submitted", ask_consolidate_early, roles(own=404, agency=(201, 403), admin=403)),
                 Case("proposed", ask_decide, roles(own=404, agency=(403, 201), admin=403))],
    },
    "rounds.override_selection": {
        "POST": [Case("consolidating", ask_override, roles(own=404, agency=(201, 403), admin=403))],
    },
    "rounds.list_round_decisions": {
        "GET": [Case("proposed", get(lambda ids: api_round(ids, "/decisions")), SEE_ROUND)],
    },
    # The agency or the authority records a further authority's decision; the admin records none.
    "rounds.record_round_decision": {
        "PUT": [Case("proposed", ask_record_decision, roles(own=404, agency=422, admin=403))],
    },

    # --- pages ----------------------------------------------------------------------------------------
    "web.login": {
        "GET": [Case("campaign", get(lambda ids: LOGIN_PATH), everyone(302, anonymous=200))],
        "POST": [Case("campaign", page_sign_in, everyone(302, anonymous=401), may_change=COUNTS_FAILED_SIGN_INS)],
    },
    # Signing out ends every page session of the user: it raises users.session_generation.
    "web.logout": {"POST": [Case("campaign", form(lambda ids: "/dang-xuat"), everyone(LOGIN),
                                 may_change=frozenset({"users"}))]},
    "web.home": {
        "GET": [Case("draft", get(lambda ids: "/"),
                     roles(own=LISTED, other=UNLISTED, agency=UNLISTED, other_agency=UNLISTED, admin=LISTED)),
                Case("submitted", get(lambda ids: "/"),
                     roles(own=LISTED, other=UNLISTED, agency=LISTED, other_agency=UNLISTED, admin=LISTED))],
    },
    # A campaign's progress: the agency learns that a unit prepares a dossier, but gets no link to it.
    "web.campaign_page": {
        "GET": [Case("draft", get(lambda ids: f"/phong-trao/{ids.campaign_id}"),
                     roles(own=404, agency=UNLISTED, admin=LISTED)),
                Case("submitted", get(lambda ids: f"/phong-trao/{ids.campaign_id}"),
                     roles(own=404, agency=LISTED, admin=LISTED))],
    },
    "web.create_dossier": {
        "POST": [Case("campaign", form(lambda ids: f"/phong-trao/{ids.campaign_id}/lap-ho-so"),
                      roles(own=(302, 403, 403), other=(302, 403, 403), agency=403, other_agency=403, admin=403))],
    },
    "web.dossier_page": {
        "GET": [Case("draft", get(page_dossier), SEE_DRAFT), Case("submitted", get(page_dossier), SEE_SENT)],
    },
    "web.add_nominee": {
        "POST": [Case("draft", page_add_nominee, roles(own=(302, 403, 403), admin=403)),
                 Case("submitted", page_add_nominee, roles(own=(409, 403, 403), **REFUSED_WHEN_SENT))],
    },
    "web.update_nominee": {
        "POST": [Case("draft", page_update_nominee, roles(own=(302, 403, 403), admin=403)),
                 Case("submitted", page_update_nominee, roles(own=(409, 403, 403), **REFUSED_WHEN_SENT))],
    },
    "web.delete_nominee": {
        "POST": [Case("draft", page_delete_nominee, roles(own=(302, 403, 403), admin=403)),
                 Case("submitted", page_delete_nominee, roles(own=(409, 403, 403), **REFUSED_WHEN_SENT))],
    },
    "web.update_details": {
        "POST": [Case("draft", page_update_details, roles(own=(302, 403, 302), admin=403)),
                 Case("submitted", page_update_details, roles(own=(409, 403, 409), **REFUSED_WHEN_SENT))],
    },
    "web.fire_transition": {
        "POST": [Case("draft", page_send_to_council, roles(own=(302, 403, 403), admin=403)),
                 Case("submitted", page_start_review, roles(own=403, agency=(302, 403), admin=403)),
                 Case("consolidating", page_approve, roles(own=403, agency=(403, 302), admin=403))],
    },
    # The meeting form is the council secretary's, even to look at (others read the dossier page).
    "web.meeting_form": {
        "GET": [Case("council", get(lambda ids: page_dossier(ids, "/bien-ban-hop")),
                     roles(own=(403, 200, 403), admin=403)),
                Case("submitted", get(lambda ids: page_dossier(ids, "/bien-ban-hop")),
                     roles(own=(403, 200, 403), **REFUSED_WHEN_SENT))],
    },
    "web.record_meeting": {
        "POST": [Case("council", page_record_meeting, roles(own=(403, 302, 403), admin=403)),
                 Case("submitted", page_record_meeting, roles(own=(403, 409, 403), **REFUSED_WHEN_SENT))],
    },
    "web.generate_documents": {
        "POST": [Case("ready", page_generate, roles(own=302, admin=403)),
                 Case("submitted", page_generate, roles(own=409, **REFUSED_WHEN_SENT))],
    },
    "web.download_document": {
        "GET": [Case("ready", get(lambda ids: page_dossier(ids, "/van-ban/to_trinh.docx")), SEE_DRAFT),
                Case("submitted", get(lambda ids: page_dossier(ids, "/van-ban/to_trinh.docx")), SEE_SENT)],
    },
    "web.download_documents_zip": {
        "GET": [Case("ready", get(lambda ids: page_dossier(ids, "/van-ban.zip")), SEE_DRAFT),
                Case("submitted", get(lambda ids: page_dossier(ids, "/van-ban.zip")), SEE_SENT)],
    },
    "web.preview_document": {
        "GET": [Case("ready", get(lambda ids: page_dossier(ids, "/van-ban/to_trinh/xem-truoc")), SEE_DRAFT),
                Case("submitted", get(lambda ids: page_dossier(ids, "/van-ban/to_trinh/xem-truoc")), SEE_SENT)],
    },
}

SETUPS = ("campaign", "draft", "council", "ready", "submitted", "consolidating", "proposed", "decided")
# The outcome of a decision: whoever sees the dossier; the files exist once it is decided (409 before).
MATRIX.update({
    "api.outcome": {
        "GET": [Case("submitted", get(lambda ids: api_dossier(ids, "/outcome")), SEE_SENT),
                Case("decided", get(lambda ids: api_dossier(ids, "/outcome")), SEE_SENT)],
    },
    "files.outcome_decision": {
        "GET": [Case("submitted", get(lambda ids: api_dossier(ids, "/outcome/quyet_dinh.docx")),
                     roles(own=409, agency=409, admin=409)),
                Case("decided", get(lambda ids: api_dossier(ids, "/outcome/quyet_dinh.docx")), SEE_SENT)],
    },
    # A unit's certificates: never another unit's (404, as for any dossier it may not see).
    "files.outcome_certificates": {
        "GET": [Case("decided", get(lambda ids: api_dossier(ids, "/outcome/certificates.docx")), SEE_SENT)],
    },
    "web.outcome_decision": {
        "GET": [Case("decided", get(lambda ids: page_dossier(ids, "/ket-qua/quyet-dinh.docx")), SEE_SENT)],
    },
    "web.outcome_certificates": {
        "GET": [Case("submitted", get(lambda ids: page_dossier(ids, "/ket-qua/giay-khen.docx")),
                     roles(own=409, agency=409, admin=409)),
                Case("decided", get(lambda ids: page_dossier(ids, "/ket-qua/giay-khen.docx")), SEE_SENT)],
    },
})
# Round pages (service/web/rounds.py).
MATRIX.update({
    # Seen by whoever sees the round through the API; a dossier its unit has not sent is not in the ranking.
    "web.round_page": {
        "GET": [Case("ready", get(lambda ids: f"/dot-khen-thuong/{ids.round_id}"),
                     roles(own=404, agency=UNLISTED, admin=UNLISTED)),
                Case("submitted", get(lambda ids: f"/dot-khen-thuong/{ids.round_id}"),
                     roles(own=404, agency=LISTED, admin=LISTED))],
    },
    # The agency consolidates and proposes, the authority decides; the admin fires nothing.
    "web.fire_round_transition": {
        "POST": [Case("submitted", form(lambda ids: f"/dot-khen-thuong/{ids.round_id}/chuyen-buoc", lambda ids: {
                          "trigger": "consolidate_early", "expected_state": "collecting", "comment": "Đủ hồ sơ."}),
                      roles(own=404, agency=(302, 403), admin=403)),
                 Case("proposed", form(lambda ids: f"/dot-khen-thuong/{ids.round_id}/chuyen-buoc", lambda ids: {
                          "trigger": "decide", "expected_state": "proposed", **DECISION}),
                      roles(own=404, agency=(403, 302), admin=403))],
    },
    # Only the standing agency's reviewer adjusts the list, and only while it consolidates.
    "web.override_selection": {
        "POST": [Case("consolidating", form(
            lambda ids: f"/dot-khen-thuong/{ids.round_id}/dieu-chinh/{ids.nominee_ids[1]}",
            lambda ids: {"selected": "khong-chon", "reason": "Đã được khen thưởng năm trước."}),
            roles(own=404, agency=(302, 403), admin=403))],
    },
    # A further authority's decision, as in the API (the campaign's own is recorded by "decide": 422).
    "web.record_round_decision": {
        "POST": [Case("proposed", lambda ids, actor: form(
            lambda ids: f"/dot-khen-thuong/{ids.round_id}/quyet-dinh/{_authority_code(ids)}",
            lambda ids: {"number": "56/QĐ-UBND", "decision_date": "2024-12-25"})(ids, actor),
            roles(own=404, agency=422, admin=403))],
    },
    "web.download_round_ranking": {
        "GET": [Case("submitted", get(lambda ids: f"/dot-khen-thuong/{ids.round_id}/xep-hang.xlsx"), SEE_ROUND)],
    },
    # The consolidated documents exist once the list is proposed (409 before), as in the API.
    "web.download_round_awardees": {
        "GET": [Case("proposed", get(lambda ids: f"/dot-khen-thuong/{ids.round_id}/danh-sach-khen-thuong.xlsx"),
                     SEE_ROUND)],
    },
    "web.download_round_document": {
        "GET": [Case("consolidating", get(lambda ids: f"/dot-khen-thuong/{ids.round_id}/van-ban/quyet_dinh.docx"),
                     roles(own=404, agency=409, admin=409)),
                Case("proposed", get(lambda ids: f"/dot-khen-thuong/{ids.round_id}/van-ban/quyet_dinh.docx"),
                     SEE_ROUND)],
    },
})

# Administrator pages (service/web/admin.py).
MATRIX.update({
    # As the API's admin endpoints: everyone but the admin gets 403, to look at a page too.
    "web.admin_campaigns": {
        "GET": [Case("campaign", get(lambda ids: "/quan-tri/phong-trao"),
                     roles(own=403, other=403, agency=403, other_agency=403, admin=200))],
    },
    "web.admin_load_campaign": {
        "POST": [Case("campaign", lambda ids, actor: Ask(
            "POST", "/quan-tri/phong-trao", data={"file": (io.BytesIO(CAMPAIGN_FILE.read_bytes()), "lx.yaml")},
            content_type="multipart/form-data"),
            roles(own=403, other=403, agency=403, other_agency=403, admin=302))],
    },
    "web.admin_salaries": {
        "GET": [Case("campaign", get(lambda ids: "/quan-tri/luong-co-so"),
                     roles(own=403, other=403, agency=403, other_agency=403, admin=200))],
    },
    "web.admin_save_salaries": {
        "POST": [Case("campaign", form(lambda ids: "/quan-tri/luong-co-so", lambda ids: {
            "rows-0-valid_from": "2024-07-01", "rows-0-amount": "2340000", "action": "save"}),
            roles(own=403, other=403, agency=403, other_agency=403, admin=302))],
    },
    "web.admin_templates": {
        "GET": [Case("campaign", get(lambda ids: f"/quan-tri/phong-trao/{ids.campaign_id}/mau-van-ban"),
                     roles(own=403, other=403, agency=403, other_agency=403, admin=200))],
    },
    "web.admin_upload_template": {
        "POST": [Case("campaign", lambda ids, actor: Ask(
            "POST", f"/quan-tri/phong-trao/{ids.campaign_id}/mau-van-ban/to_trinh",
            data={"file": (io.BytesIO(TO_TRINH_TEMPLATE.read_bytes()), "to_trinh.docx")},
            content_type="multipart/form-data"),
            roles(own=403, other=403, agency=403, other_agency=403, admin=302))],
    },
    "web.admin_certificate_layout": {
        "GET": [Case("campaign", get(lambda ids: f"/quan-tri/phong-trao/{ids.campaign_id}/giay-khen"),
                     roles(own=403, other=403, agency=403, other_agency=403, admin=200))],
    },
    "web.admin_save_certificate_layout": {
        "POST": [Case("campaign", form(lambda ids: f"/quan-tri/phong-trao/{ids.campaign_id}/giay-khen",
                                       lambda ids: _certificate_layout_form()),
                      roles(own=403, other=403, agency=403, other_agency=403, admin=302))],
    },
    "web.admin_reset_certificate_layout": {
        "POST": [Case("campaign", form(lambda ids: f"/quan-tri/phong-trao/{ids.campaign_id}/giay-khen/mac-dinh"),
                      roles(own=403, other=403, agency=403, other_agency=403, admin=302))],
    },
    "web.admin_certificate_calibration": {
        "GET": [Case("campaign", get(lambda ids: f"/quan-tri/phong-trao/{ids.campaign_id}/giay-khen/trang-can-chinh.docx"),
                     roles(own=403, other=403, agency=403, other_agency=403, admin=200))],
    },
    # Nothing uploaded: the admin is told so on the page (a redirect), the others are refused.
    "web.admin_remove_template": {
        "POST": [Case("campaign", form(lambda ids: f"/quan-tri/phong-trao/{ids.campaign_id}/mau-van-ban/to_trinh/xoa"),
                      roles(own=403, other=403, agency=403, other_agency=403, admin=302))],
    },
})

# Background jobs: API and pages (service/api/jobs.py, service/web/jobs.py).
def finished_job(ids: Ids) -> int:
    """A finished "every document" job of the case's round with its .zip, made once, at request time."""
    from flask import current_app

    from service.models import Job, User

    relative = f"jobs/matrix-round{ids.round_id}.zip"
    target = Path(current_app.config["DOCUMENT_STORE"]) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w") as archive:
            archive.writestr("MUC_LUC.txt", "Mục lục")
    with db.engine.begin() as connection:
        existing = connection.execute(sa.select(Job.id).where(Job.result_path == relative)).scalar()
        if existing:
            return existing
        reviewer = connection.execute(sa.select(User.id).where(User.username == "reviewer")).scalar_one()
        return connection.execute(sa.insert(Job).values(
            kind="round_documents", round_id=ids.round_id, requested_by_id=reviewer, state="finished", done=1,
            total=1, message="", error="", result_path=relative, result_size=target.stat().st_size,
            result_name="van_ban.zip", details={}, created_at=dt.datetime.now(dt.timezone.utc),
            heartbeat_at=dt.datetime.now(dt.timezone.utc),
            finished_at=dt.datetime.now(dt.timezone.utc)).returning(Job.id)).scalar_one()


def job_path(rest: str = "", api: bool = True) -> Callable[[Ids, str], Ask]:
    prefix = "/api/v1/jobs" if api else "/cong-viec"
    return lambda ids, actor: Ask("GET", f"{prefix}/{finished_job(ids)}{rest}")


# Anyone who may see the round may draw its documents and follow the job; a second start while
# one runs returns that job. The job an allowed actor started goes on in the background and writes
# its progress to "jobs" while the next actors' requests are checked.
JOB_PROGRESS = frozenset({"jobs"})
MATRIX.update({
    "jobs.start_round_documents": {
        "POST": [Case("consolidating", lambda ids, actor: Ask("POST", api_round(ids, "/document-jobs")),
                      roles(own=404, agency=202, admin=202), may_change=JOB_PROGRESS)],
    },
    "jobs.list_round_jobs": {"GET": [Case("consolidating", get(lambda ids: api_round(ids, "/document-jobs")),
                                          SEE_ROUND)]},
    "jobs.get_job": {"GET": [Case("consolidating", job_path(), SEE_ROUND)]},
    "jobs.job_result": {"GET": [Case("consolidating", job_path("/result"), SEE_ROUND)]},
    "web.start_round_documents": {
        "POST": [Case("consolidating", form(lambda ids: f"/dot-khen-thuong/{ids.round_id}/bo-van-ban"),
                      roles(own=404, agency=302, admin=302), may_change=JOB_PROGRESS)],
    },
    "web.job_status": {"GET": [Case("consolidating", job_path(api=False), SEE_ROUND)]},
    "web.job_download": {"GET": [Case("consolidating", job_path("/tai-ve", api=False), SEE_ROUND)]},
})

# --- who signs: a unit's officials, and the signers of a round's documents ---------------------------------

def official_id(unit_code: str, *, head: bool = False) -> int:
    """The head (or the deputy) official of the unit with ``unit_code``, as make_unit lists them."""
    from service.models import Unit, UnitOfficial

    return db.session.scalar(sa.select(UnitOfficial.id).join(Unit, Unit.id == UnitOfficial.unit_id).where(
        Unit.code == unit_code, UnitOfficial.is_head.is_(head)).order_by(UnitOfficial.id).limit(1))


def unit_id(unit_code: str) -> int:
    from service.models import Unit

    return db.session.scalar(sa.select(Unit.id).where(Unit.code == unit_code))


def api_officials(rest: str = "") -> Callable[[Ids], str]:
    return lambda ids: f"/api/v1/units/{unit_id('unit-a')}/officials{rest}"


def page_officials(rest: str = "") -> Callable[[Ids], str]:
    return lambda ids: f"/don-vi/{unit_id('unit-a')}/nguoi-ky{rest}"


NEW_OFFICIAL = {"full_name": "Đỗ Văn Mới", "position": "Phó Chủ tịch"}
# Unit A's people read its list; its head and the admin keep it; nobody else sees it.
READ_OFFICIALS = roles(own=200, other=403, agency=403, other_agency=403, admin=200)


def keep_officials(status: int) -> dict[str, Outcome | None]:
    return roles(own=(403, 403, status), other=403, agency=403, other_agency=403, admin=status)


MATRIX.update({
    "officials.OfficialCollection": {
        "GET": [Case("campaign", get(api_officials()), READ_OFFICIALS)],
        "POST": [Case("campaign", lambda ids, actor: Ask("POST", api_officials()(ids), json=NEW_OFFICIAL),
                      keep_officials(201))],
    },
    "officials.OfficialItem": {
        "PATCH": [Case("campaign", lambda ids, actor: Ask(
            "PATCH", f"/api/v1/units/{unit_id('unit-a')}/officials/{official_id('unit-a')}",
            json={"position": "Phó Chủ tịch thường trực"}), keep_officials(200))],
    },
    "web.unit_officials": {"GET": [Case("campaign", get(page_officials()), READ_OFFICIALS)]},
    "web.add_official": {"POST": [Case("campaign", form(page_officials(), lambda ids: NEW_OFFICIAL),
                                       keep_officials(302))]},
    "web.update_official": {
        "POST": [Case("campaign", form(lambda ids: page_officials(f"/{official_id('unit-a')}")(ids), lambda ids: {
            "full_name": "Trần Văn Bình", "position": "Phó Chủ tịch thường trực", "is_active": "1"}),
            keep_officials(302))],
    },
    "rounds.round_signers": {"GET": [Case("proposed", get(lambda ids: api_round(ids, "/signers")), SEE_ROUND)]},
    # The agency chooses who signs its tờ trình and drafts the decision; the authority signs the decision.
    "rounds.choose_round_signer": {
        "PUT": [Case("proposed", lambda ids, actor: Ask("PUT", api_round(ids, "/signers/decision"), json={
            "official_id": official_id("city"), "authority": "KT."}), roles(own=404, agency=200, admin=403))],
    },
    "web.choose_round_signer": {
        "POST": [Case("proposed", form(lambda ids: f"/dot-khen-thuong/{ids.round_id}/nguoi-ky/decision",
                                       lambda ids: {"signer_official_id": str(official_id("city")),
                                                    "signer_authority": "KT."}),
                      roles(own=404, agency=302, admin=403))],
    },
})

# --- award statistics
# Every signed-in role sees the statistics page, its Excel file and the API; the figures are narrowed
# to the viewer's scope (a unit its own records), which tests/test_award_statistics.py checks per role.
MATRIX.update({
    "award_statistics.award_statistics": {
        "GET": [Case("campaign", get(lambda ids: "/api/v1/awards/statistics?year_from=2020"), everyone(200))]},
    "web.award_statistics": {"GET": [Case("campaign", get(lambda ids: "/khen-thuong/thong-ke"), everyone(200))]},
    "web.download_award_statistics": {
        "GET": [Case("campaign", get(lambda ids: "/khen-thuong/thong-ke.xlsx?year_to=2030"), everyone(200))]},
})

# --- people register ------------------------------------------------------------------------------------

def register_person(name: str) -> int:
    """A person of unit A named ``name``, written on first use (each actor changes a person of their own)."""
    from service.models import Person
    from service.operations import people as people_ops

    found = db.session.scalar(sa.select(Person.id).where(Person.full_name == name))
    if found is None:
        found = people_ops.create_person(None, kind="individual", full_name=name, unit_id=unit_id("unit-a"),
                                         gender="female", birth_date=dt.date(1985, 3, 4),
                                         started_on=dt.date(2020, 1, 1)).id
        db.session.commit()
    return found


# Unit A's people read its register; its clerk and head and the admin write it; another unit's people and
# the agencies (no dossier names this person) do not even learn it exists.
READ_PERSON = roles(own=200, other=404, agency=404, other_agency=404, admin=200)
MATRIX.update({
    "people.PeopleCollection": {
        "GET": [Case("campaign", get(lambda ids: "/api/v1/people?q=nguoi"), everyone(200))],
        "POST": [Case("campaign", lambda ids, actor: Ask("POST", "/api/v1/people", json={
            "kind": "individual", "full_name": f"Người mới {actor}", "gender": "male",
            "unit_id": unit_id("unit-a")}), roles(own=(201, 403, 201), other=403, agency=403,
                                                  other_agency=403, admin=201))],
    },
    "people.PersonItem": {
        "GET": [Case("campaign", get(lambda ids: f"/api/v1/people/{register_person('Người trong sổ')}"),
                     READ_PERSON)],
        "PATCH": [Case("campaign", lambda ids, actor: Ask(
            "PATCH", f"/api/v1/people/{register_person(f'Người sửa {actor}')}", json={"position": "Công chức"}),
            roles(own=(200, 403, 200), other=404, agency=404, other_agency=404, admin=200))],
    },
    "people.PersonTransfers": {
        "POST": [Case("campaign", lambda ids, actor: Ask(
            "POST", f"/api/v1/people/{register_person(f'Người chuyển {actor}')}/transfers",
            json={"unit_id": unit_id("unit-b")}),
            roles(own=(201, 403, 201), other=404, agency=404, other_agency=404, admin=201))],
    },
})

# --- units and accounts ------------------------------------------------------------------------------

def account_id(username: str) -> int:
    from service.models import User

    return db.session.scalar(sa.select(User.id).where(User.username == username))


NEW_UNIT = {"code": "phuong-moi", "kind": "ward", "name": "Ủy ban nhân dân phường Mới", "short_name": "Phường Mới",
            "issuing_body": "ỦY BAN NHÂN DÂN PHƯỜNG MỚI", "place_name": "Mới", "abbreviation": "UBND",
            "council_name": "Hội đồng Thi đua - Khen thưởng phường Mới", "signature_title": "CHỦ TỊCH",
            "signer_name": "Nguyễn Văn Một"}
NEW_ACCOUNT = {"username": "can-bo-moi", "full_name": "Trần Thị Mới", "role": "unit_clerk"}
# Units, their names and the accounts are the administrator's; every signed-in user reads a unit.
ADMIN_ONLY = roles(own=403, other=403, agency=403, other_agency=403, admin=200)


def admin_only(status: int) -> dict[str, Outcome | None]:
    return roles(own=403, other=403, agency=403, other_agency=403, admin=status)


def api_unit(rest: str = "") -> Callable[[Ids], str]:
    return lambda ids: f"/api/v1/units/{unit_id('unit-a')}{rest}"


def post_json(path: Callable[[Ids], str], body: Callable[[Ids], Any] = lambda ids: None,
              method: str = "POST") -> Callable[[Ids, str], Ask]:
    return lambda ids, actor: Ask(method, path(ids), json=body(ids))


MATRIX.update({
    "accounts.create_unit": {"POST": [Case("campaign", post_json(lambda ids: "/api/v1/units", lambda ids: NEW_UNIT),
                                           admin_only(201))]},
    "accounts.UnitItem": {
        "GET": [Case("campaign", get(api_unit()), everyone(200))],
        "PATCH": [Case("campaign", post_json(api_unit(), lambda ids: {"abbreviation": "UBND-MB"}, "PATCH"),
                       ADMIN_ONLY)],
    },
    "accounts.UnitNames": {
        "GET": [Case("campaign", get(api_unit("/names")), everyone(200))],
        "POST": [Case("campaign", post_json(api_unit("/names"), lambda ids: {
            "name": "Ủy ban nhân dân phường Cũ", "valid_until": "2025-07-01"}), admin_only(201))],
    },
    "accounts.AccountCollection": {
        "GET": [Case("campaign", get(lambda ids: "/api/v1/accounts"), ADMIN_ONLY)],
        "POST": [Case("campaign", post_json(lambda ids: "/api/v1/accounts",
                                            lambda ids: {**NEW_ACCOUNT, "unit_id": unit_id("unit-a")}),
                      admin_only(201))],
    },
    "accounts.get_account": {"GET": [Case("campaign", get(lambda ids: f"/api/v1/accounts/{account_id('clerk_b')}"),
                                          ADMIN_ONLY)]},
    "accounts.reset_account": {"POST": [Case("campaign", post_json(
        lambda ids: f"/api/v1/accounts/{account_id('clerk_b')}/reset"), ADMIN_ONLY)]},
    "accounts.deactivate_account": {"POST": [Case("campaign", post_json(
        lambda ids: f"/api/v1/accounts/{account_id('clerk_b')}/deactivate"), ADMIN_ONLY)]},
    # Every signed-in user changes their own password.
    "accounts.change_my_password": {"POST": [Case("campaign", post_json(lambda ids: "/api/v1/me/password", lambda ids: {
        "current_password": PASSWORD, "new_password": "mat-khau-moi-123"}), everyone(204))]},
    "web.admin_accounts": {"GET": [Case("campaign", get(lambda ids: "/quan-tri/tai-khoan"), ADMIN_ONLY)]},
    "web.admin_create_account": {"POST": [Case("campaign", form(lambda ids: "/quan-tri/tai-khoan", lambda ids: {
        **NEW_ACCOUNT, "unit_id": str(unit_id("unit-a"))}), admin_only(201))]},
    "web.admin_reset_account": {"POST": [Case("campaign", form(
        lambda ids: f"/quan-tri/tai-khoan/{account_id('clerk_b')}/dat-lai-mat-khau"), ADMIN_ONLY)]},
    "web.admin_deactivate_account": {"POST": [Case("campaign", form(
        lambda ids: f"/quan-tri/tai-khoan/{account_id('clerk_b')}/khoa"), ADMIN_ONLY)]},
    "web.change_password": {
        "GET": [Case("campaign", get(lambda ids: "/doi-mat-khau"), everyone(200))],
        "POST": [Case("campaign", form(lambda ids: "/doi-mat-khau", lambda ids: {
            "current_password": PASSWORD, "new_password": "mat-khau-moi-123"}), everyone(302))],
    },
})

# --- award register look-up
def register_person_id() -> int:
    """Unit A's person in the register, made on first use."""
    from service.models import Person
    from service.operations.people import find_or_create_person

    found = db.session.scalar(sa.select(Person.id).where(Person.unit_id == unit_id("unit-a")))
    if found is None:
        found = find_or_create_person(None, kind="individual", full_name="Nguyễn Văn An",
                                      unit_id=unit_id("unit-a"), gender="male").id
        db.session.commit()
    return found


MATRIX.update({
    # Everyone signed in searches; each reads only the records of their scope.
    "awards.search_awards": {"GET": [Case("campaign", get(lambda ids: "/api/v1/awards?name=nguyen"), everyone(200))]},
    "awards.person_awards": {"GET": [Case("campaign", get(lambda ids: f"/api/v1/people/{register_person_id()}/awards"),
                                          roles(own=200, other=404, agency=200, other_agency=200, admin=200))]},
    "awards.unit_awards": {"GET": [Case("campaign", get(lambda ids: f"/api/v1/units/{unit_id('unit-a')}/awards"),
                                        everyone(200))]},
})

ENTRIES = [(endpoint, method) for endpoint, methods in MATRIX.items() for method in methods]


def is_page(endpoint: str) -> bool:
    return endpoint.startswith("web.")


def url_map_entries(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - IGNORED_METHODS}


# --- the people and the states -----------------------------------------------------------------------

class Stage:
    """The world's people with a bearer token and (for pages) a signed-in client each, and the
    states the cases need, each built in a campaign of its own."""

    def __init__(self, app, world, make_user, make_campaign):
        from service.auth import issue_token

        self.app = app
        self.world = world
        self.make_campaign = make_campaign
        self.users = dict(world["users"])
        self.users["outsider_approver"] = make_user("outsider_approver", "approver", world["unit_b"])
        self.tokens = {name: issue_token(self.users[name], dt.timedelta(hours=1))[0] for name in USERS}
        db.session.commit()
        self.api = app.test_client()
        self.pages: dict[str, tuple[Any, str]] = {}
        self.campaigns = 0

    # Sign-in through the login form is tested once (web.login); here a session is opened
    # directly, because checking eleven scrypt hashes per test would dominate the run time.
    def page_client(self, name: str, actor: str) -> tuple[Any, str]:
        """A client (cookie jar) named ``name`` signed in as ``actor``, and its session's CSRF token."""
        if name not in self.pages:
            from service.web.session import session_values

            client = self.app.test_client()
            if actor != "anonymous":
                with client.session_transaction() as session:
                    session.update(session_values(self.users[actor]))
            # Every page carries the session's CSRF token; a missing one is the cheapest to draw.
            with client.get("/trang-khong-ton-tai") as response:
                html = response.get_data(as_text=True)
            marker = '<meta name="csrf-token" content="'
            assert marker in html, "no CSRF token on the error page"
            self.pages[name] = (client, html.split(marker, 1)[1].split('"', 1)[0])
        return self.pages[name]

    def variants(self, actor: str, page: bool) -> list[tuple[str, Any, str, dict[str, str]]]:
        """(label, client, CSRF token, headers) for each way ``actor`` sends the request.

        Anonymous callers also try the other surface's credential, which must not count.
        """
        if page and actor == "anonymous":
            return [("anonymous", *self.page_client("anonymous", "anonymous"), {}),
                    ("anonymous with an admin's bearer token", *self.page_client("anonymous-2", "anonymous"),
                     self.bearer("admin"))]
        if page:
            return [(actor, *self.page_client(actor, actor), {})]
        if actor == "anonymous":
            return [("anonymous", self.api, "", {}),
                    ("anonymous with an admin's page session", *self.page_client("admin", "admin"), {})]
        return [(actor, self.api, "", self.bearer(actor))]

    def bearer(self, actor: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[actor]}"}

    @staticmethod
    def send(ask: Ask, client, csrf: str | None, headers: dict[str, str], page: bool):
        """Send ``ask``; page forms carry ``csrf`` unless it is None."""
        data = ask.data
        if page and ask.method in UNSAFE_METHODS:
            data = {**(data or {}), **({"csrf_token": csrf} if csrf is not None else {})}
        kwargs: dict[str, Any] = {"headers": headers}
        if ask.json is not None:
            kwargs["json"] = ask.json
        if data is not None:
            kwargs["data"] = data
        if ask.content_type is not None:
            kwargs["content_type"] = ask.content_type
        return client.open(ask.url, method=ask.method, **kwargs)

    def build(self, setup: str) -> Ids:
        """Unit A's dossier (and its round) in the state ``setup`` names, in a new campaign."""
        from service.schemas.dossiers import MeetingIn
        from service.operations import documents as document_ops
        from service.operations import dossiers as dossier_ops
        from service.operations import rounds as round_ops
        from service.operations import workflow as workflow_ops

        assert setup in SETUPS, setup
        self.campaigns += 1
        campaign = self.make_campaign(authority=self.world["city"], agency=self.world["agency"],
                                      code=f"ma-tran-{self.campaigns}")
        ids = Ids(campaign_id=campaign.id)
        reached = SETUPS.index(setup)
        if reached == 0:
            db.session.commit()
            return ids
        clerk, secretary, head, reviewer = (self.users[n] for n in ("clerk", "secretary", "head", "reviewer"))
        dossier = dossier_ops.create_dossier(clerk, campaign)
        nominees = []
        for payload in (COLLECTIVE, *INDIVIDUALS):
            data = {k: v for k, v in payload.items() if k != "metrics"}
            nominees.append(dossier_ops.add_nominee(clerk, dossier, {**data, "metric_values": payload["metrics"]}))
        ids.dossier_id, ids.round_id, ids.nominee_ids = dossier.id, dossier.round_id, [n.id for n in nominees]

        def fire(actor, trigger, state):
            workflow_ops.fire_transition(actor, dossier, trigger, expected_state=state)

        if reached >= SETUPS.index("council"):
            fire(clerk, "send_to_council", "drafting")
        if reached >= SETUPS.index("ready"):
            dossier_ops.record_meeting(secretary, dossier, MeetingIn().load(meeting_payload(ids.nominee_ids)))
            fire(secretary, "finalize_minutes", "council_minutes")
            document_ops.generate_documents(head, dossier)
        if reached >= SETUPS.index("submitted"):
            fire(head, "submit", "ready")
        if reached >= SETUPS.index("consolidating"):
            fire(reviewer, "start_review", "submitted")
            fire(reviewer, "accept", "under_review")
            round_ops.fire_round_transition(reviewer, dossier.round, "consolidate_early", expected_state="collecting",
                                            comment="Đủ hồ sơ.")
        if reached >= SETUPS.index("proposed"):
            round_ops.fire_round_transition(reviewer, dossier.round, "propose", expected_state="consolidating",
                                            proposal_number="12/TTr-PYT", proposal_date=dt.date(2024, 12, 10))
        if reached >= SETUPS.index("decided"):
            round_ops.fire_round_transition(self.users["approver"], dossier.round, "decide", expected_state="proposed",
                                            decision_number="45/QĐ-UBND", decision_date=dt.date(2024, 12, 20))
        db.session.commit()
        return ids


def fingerprint(ignore: frozenset[str] = frozenset()) -> dict[str, list[tuple]]:
    """Every row of every table, as committed (read on a connection of its own)."""
    with db.engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(
                    sa.select(table).order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables if table.name not in ignore}


def changed_tables(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


def shows_dossier(response, ids: Ids) -> bool:
    """Whether a list, a ranking or a page shows the case's dossier."""
    body = response.get_json(silent=True)
    if isinstance(body, list):
        return any(row["id"] == ids.dossier_id for row in body)
    if isinstance(body, dict):
        return any(row["dossier_id"] == ids.dossier_id for row in body["nominees"])
    return re.search(rf"/ho-so/{ids.dossier_id}(?![0-9])", response.get_data(as_text=True)) is not None


def judge(expected: Outcome, response, ids: Ids) -> str | None:
    """What is wrong with ``response``, or None."""
    status = response.status_code
    if status >= 500:
        return f"got {status} (a server error), expected {expected}"
    if status != expected.status:
        return f"got {status}, expected {expected}"
    if 300 <= status < 400:
        to_login = urlsplit(response.headers.get("Location", "")).path == LOGIN_PATH
        if to_login != expected.to_login:
            return f"redirected to {response.headers.get('Location')}, expected {expected}"
    if expected.listed is not None:
        shown = shows_dossier(response, ids)
        if shown != expected.listed:
            return f"it {'shows' if shown else 'does not show'} the dossier, expected {expected}"
    return None


def detail(response) -> str:
    body = response.get_json(silent=True)
    if isinstance(body, dict) and "error" in body:
        return f" [{body['error'].get('code')}: {body['error'].get('message')}]"
    return ""


# --- the tests ------------------------------------------------------------------------------------

def test_every_rule_of_the_url_map_has_an_entry(app):
    missing = sorted((endpoint, method) for endpoint, method in url_map_entries(app)
                     if endpoint not in PUBLIC and (endpoint, method) not in ENTRIES)
    assert not missing, "rules without an authorization entry in MATRIX (say who may call them): " + ", ".join(
        f"{endpoint} {method}" for endpoint, method in missing)


def test_every_entry_names_an_existing_rule(app):
    known = url_map_entries(app)
    unknown = sorted(set(ENTRIES) - known)
    assert not unknown, "MATRIX entries without a rule in the URL map: " + ", ".join(f"{e} {m}" for e, m in unknown)
    stale_public = sorted(PUBLIC - {endpoint for endpoint, _ in known})
    assert not stale_public, f"PUBLIC names rules that do not exist: {stale_public}"
    assert not PUBLIC & set(MATRIX), "an endpoint is both PUBLIC and in MATRIX"


def test_every_case_names_every_actor_and_never_expects_a_server_error():
    for endpoint, method in ENTRIES:
        assert MATRIX[endpoint][method], (endpoint, method)
        for case in MATRIX[endpoint][method]:
            assert case.setup in SETUPS, (endpoint, method, case.setup)
            assert tuple(case.expect) == ACTORS, (endpoint, method, case.setup)
            assert all(o is None or o.status < 500 for o in case.expect.values()), (endpoint, method)


def test_public_rules_answer_visitors_without_signing_in(client):
    for url in ("/api/v1/docs", "/api/v1/openapi.json", "/api/v1/docs/assets/api_docs.js", "/static/web/site.css"):
        with client.get(url) as response:
            assert response.status_code == 200, url


@pytest.mark.parametrize("endpoint, method", ENTRIES, ids=[f"{e}-{m}" for e, m in ENTRIES])
def test_authorization_matrix(app, world, make_user, make_campaign, endpoint, method):
    stage = Stage(app, world, make_user, make_campaign)
    page = is_page(endpoint)
    adapter = app.url_map.bind("localhost")
    mismatches: list[str] = []
    for case in MATRIX[endpoint][method]:
        ids = stage.build(case.setup)
        expectations = {actor: outcome or (LOGIN if page else Outcome(401)) for actor, outcome in case.expect.items()}
        # Refused actors first: an allowed one may move the dossier on.
        for actor in sorted(ACTORS, key=lambda a: not expectations[a].refused):
            for label, client, csrf, headers in stage.variants(actor, page):
                attempts = [(label, csrf, expectations[actor])]
                if page and method in UNSAFE_METHODS and not expectations[actor].refused:
                    # A form posted from elsewhere, without the session's token, changes nothing.
                    attempts.insert(0, (f"{label} without the CSRF token", None, Outcome(400)))
                for attempt, token, expected in attempts:
                    ask = case.ask(ids, actor)
                    assert ask.method == method and adapter.match(urlsplit(ask.url).path, method=method)[0] == \
                        endpoint, f"the case's request {ask.method} {ask.url} does not reach {endpoint} {method}"
                    where = f"{endpoint} {method} [{case.setup}] as {attempt}: "
                    watch = method in UNSAFE_METHODS and expected.refused
                    before = fingerprint(case.may_change) if watch else None
                    with stage.send(ask, client, token, headers, page) as response:
                        problem = judge(expected, response, ids)
                        if problem:
                            mismatches.append(where + problem + detail(response))
                    if before is not None:
                        changed = changed_tables(before, fingerprint(case.may_change))
                        if changed:
                            mismatches.append(where + f"refused, but changed {', '.join(changed)}")
    assert not mismatches, f"{len(mismatches)} authorization mismatch(es):\n" + "\n".join(mismatches)


def test_a_nominee_is_reached_only_through_its_own_dossier(app, world, make_user, make_campaign):
    """Unit B's clerk may edit nominees of unit B's dossier, but not unit A's through that dossier's URL."""
    from service.models import Campaign
    from service.operations import dossiers as dossier_ops

    stage = Stage(app, world, make_user, make_campaign)
    ids = stage.build("draft")
    own = dossier_ops.create_dossier(stage.users["clerk_b"], db.session.get(Campaign, ids.campaign_id))
    db.session.commit()
    foreign = ids.nominee_ids[1]
    version = current_version("nominees", foreign)
    client, csrf = stage.page_client("clerk_b", "clerk_b")
    attempts = [
        ("PATCH", f"/api/v1/dossiers/{own.id}/nominees/{foreign}", {"json": {"expected_version": version,
                                                                             "position": "Phó Chủ tịch"}}),
        ("DELETE", f"/api/v1/dossiers/{own.id}/nominees/{foreign}", {}),
        ("POST", f"/ho-so/{own.id}/nguoi-duoc-de-nghi/{foreign}",
         {"data": {**NOMINEE_FORM, "expected_version": str(version), "csrf_token": csrf}}),
        ("POST", f"/ho-so/{own.id}/nguoi-duoc-de-nghi/{foreign}/xoa", {"data": {"csrf_token": csrf}}),
    ]
    before = fingerprint()
    for method, url, kwargs in attempts:
        headers = stage.bearer("clerk_b") if url.startswith("/api/") else {}
        with client.open(url, method=method, headers=headers, **kwargs) as response:
            assert response.status_code == 404, (method, url, response.status_code)
    assert changed_tables(before, fingerprint()) == []
