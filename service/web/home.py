"""The home page of each role, a campaign's progress, and opening a dossier."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from ..clock import today_local
from ..db import db
from ..errors import Conflict, ValidationFailed
from ..lookup import with_campaign
from ..models import UNIT_ROLES, Campaign, User
from ..operations import dossiers as dossier_ops
from ..operations import outcomes as outcome_ops
from ..operations import web_support
from . import views
from .blueprint import bp
from .format import date_vn
from .session import current_user, login_required

# What each role's home page puts first.
TODO_TITLES = {
    "unit_clerk": "Hồ sơ cần bạn soạn hoặc bổ sung",
    "council_secretary": "Cuộc họp Hội đồng cần ghi biên bản",
    "unit_head": "Hồ sơ chờ bạn nộp",
    "reviewer": "Hồ sơ chờ thẩm định",
    "approver": "Việc chờ bạn quyết định",
    "admin": "Việc cần làm",
}
EMPTY_TODO = {
    "unit_clerk": "Không có hồ sơ nào đang chờ bạn.",
    "council_secretary": "Chưa có hồ sơ nào được gửi Hội đồng xét.",
    "unit_head": "Chưa có hồ sơ nào sẵn sàng để nộp.",
    "reviewer": "Không có hồ sơ nào chờ thẩm định.",
    "approver": "Không có hồ sơ hay đợt khen thưởng nào chờ bạn ghi nhận quyết định.",
    "admin": "Không có việc nào.",
}


# How many dossiers the to-do list and each page of the list of dossiers show.
TODO_SIZE = 20
# How many settled dossiers the unit's home page shows, newest first (each links to its page).
RESULTS_SIZE = 10
PAGE_SIZE = 50


@bp.route("/")
@login_required
def home():
    user = current_user()
    today = today_local()
    number = views.requested_page()
    listed = web_support.visible_dossiers(user, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    rows = [views.dossier_row(user, d, today, listed.nominee_counts.get(d.id, 0)) for d in listed.dossiers]
    waiting = web_support.visible_dossiers(user, states=views.my_states(user), limit=TODO_SIZE,
                                           where=web_support.awaiting_condition(user))
    todo = [views.dossier_row(user, d, today, waiting.nominee_counts.get(d.id, 0)) for d in waiting.dossiers]
    page = {
        "todo_title": TODO_TITLES[user.role], "empty_todo": EMPTY_TODO[user.role],
        "todo": [row for row in todo if row["next"]["mine"]], "todo_total": waiting.total,
        "dossiers": rows,
        "pager": views.pager(number, PAGE_SIZE, listed.total, "web.home", anchor="#tat-ca-ho-so"),
        "campaigns_to_open": [],
        "campaigns_followed": [],
        "rounds_todo": [],
        "results": [],
        "units": [], "users": [],
    }
    if user.role == "unit_clerk":
        page["campaigns_to_open"] = [{**views.campaign_view(c, today), "rounds": round_choices(c, user.unit)}
                                     for c in web_support.campaigns_without_dossier(user.unit)]
    if user.role in ("reviewer", "approver", "admin"):
        page["campaigns_followed"] = [views.campaign_overview(user, c, today)
                                      for c in web_support.campaigns_overseen_by(user)]
        # A round's step is the user's own work too: the agency proposes, the authority decides per round.
        page["rounds_todo"] = [{**r, "campaign_title": o["campaign"]["title"]}
                               for o in page["campaigns_followed"] for r in o["rounds"] if r["next"]["mine"]]
    if user.role in UNIT_ROLES:
        page["results"] = [{**views.outcome_view(outcome, rows=10), "round_title": outcome["round_title"],
                            "campaign_title": outcome["campaign_title"]}
                           for outcome in outcome_ops.unit_results(user.unit, limit=RESULTS_SIZE)]
    if user.role == "admin":
        units, users = web_support.list_units(), web_support.list_users()
        unit_page, user_page = views.requested_page("trang_don_vi"), views.requested_page("trang_nguoi_dung")
        page["units"] = [views.unit_view(u) for u in units[(unit_page - 1) * PAGE_SIZE:unit_page * PAGE_SIZE]]
        page["unit_total"] = len(units)
        page["unit_pager"] = views.pager(unit_page, PAGE_SIZE, len(units), "web.home", "trang_don_vi", "#don-vi")
        page["users"] = [{"username": u.username, "full_name": u.full_name, "role_label": views.ROLE_LABELS[u.role],
                          "unit_name": u.unit.short_name, "is_active": u.is_active}
                         for u in users[(user_page - 1) * PAGE_SIZE:user_page * PAGE_SIZE]]
        page["user_total"] = len(users)
        page["user_pager"] = views.pager(user_page, PAGE_SIZE, len(users), "web.home", "trang_nguoi_dung",
                                         "#nguoi-dung")
    return render_template("home.html", page=page)


@bp.route("/phong-trao/<int:campaign_id>")
@login_required
@with_campaign(visible=web_support.can_follow_campaign)
def campaign_page(user: User, campaign: Campaign):
    return render_template("campaign.html", overview=views.campaign_overview(user, campaign, today_local()))


ROUND_REQUIRED = ("phong trào có nhiều đợt đang nhận hồ sơ; hãy chọn đợt khen thưởng trong danh sách "
                  "rồi bấm “Lập hồ sơ”.")


def round_choices(campaign: Campaign, unit) -> list[dict[str, Any]]:
    """The rounds a new dossier of ``unit`` may go into: those taking dossiers in which it has none yet.

    With several, the clerk chooses; with one, the form names it (another open round may already
    hold the unit's dossier, and create_dossier needs to know which one is meant).
    """
    return [{"id": r.id, "title": r.title, "deadline": date_vn(r.deadline)}
            for r in web_support.rounds_to_open(campaign, unit)]


def _requested_round() -> int | None:
    raw = request.form.get("round_id", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed("Đợt khen thưởng đã chọn không hợp lệ.", fields={"round_id": ["Hãy chọn lại đợt."]})
    return int(raw)


@bp.route("/phong-trao/<int:campaign_id>/lap-ho-so", methods=["POST"])
@login_required
@with_campaign()
def create_dossier(user: User, campaign: Campaign):
    try:
        dossier = dossier_ops.create_dossier(user, campaign, _requested_round())
    except (Conflict, ValidationFailed) as error:
        # The round is closed, not this campaign's, or not chosen: say why on the home page.
        db.session.rollback()
        existing = error.details.get("dossier_id")
        if existing:
            flash(error.message, "info")
            return redirect(url_for("web.dossier_page", dossier_id=existing))
        message = ROUND_REQUIRED if error.code == "round_required" else error.message
        flash(f"Chưa lập được hồ sơ: {message}", "error")
        return redirect(url_for("web.home") + "#phong-trao-chua-lap")
    flash("Đã lập hồ sơ. Hãy thêm người được đề nghị khen thưởng.", "success")
    return redirect(url_for("web.dossier_page", dossier_id=dossier.id) + "#nguoi-duoc-de-nghi")
