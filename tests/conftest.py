"""Fixtures: a fresh database per test, on SQLite or on TEST_DATABASE_URL (PostgreSQL).

The schema is built once per run with the Alembic migrations (so the tests run
on exactly what production runs); each test then starts from empty tables.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from service import create_app, jobs
from service.db import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "mat-khau-thu-nghiem"


@pytest.fixture(scope="session")
def _database(tmp_path_factory) -> dict[str, Any]:
    """Migrate one database for the whole run; SQLite keeps a pristine copy to clone.

    On PostgreSQL each test run works in a schema of its own, so that runs
    started at the same time on one database cannot disturb each other.
    """
    root = tmp_path_factory.mktemp("db")
    if TEST_DATABASE_URL:
        schema = f"test_run_{os.getpid()}"
        admin_engine = sa.create_engine(_psycopg(TEST_DATABASE_URL))
        with admin_engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
        options = {"connect_args": {"options": f"-csearch_path={schema}"}, "pool_pre_ping": True}
        app = create_app({"DATABASE_URL": TEST_DATABASE_URL, "DOCUMENT_STORE": str(root / "docs"),
                          "SECRET_KEY": "x", "SQLALCHEMY_ENGINE_OPTIONS": options})
        with app.app_context():
            db.engine.dispose()
        yield {"kind": "postgresql", "url": TEST_DATABASE_URL, "engine_options": options}
        with admin_engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin_engine.dispose()
        return
    template = root / "template.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{template}", "DOCUMENT_STORE": str(root / "docs"),
                      "SECRET_KEY": "x"})
    with app.app_context():
        db.engine.dispose()
    yield {"kind": "sqlite", "template": template}


def _psycopg(url: str) -> str:
    from service.config import normalise_database_url

    return normalise_database_url(url)


@pytest.fixture
def database_config(_database, tmp_path) -> dict[str, Any]:
    """Settings that point an app at this test's database (a fresh SQLite copy, or the run's schema)."""
    if _database["kind"] == "sqlite":
        path = tmp_path / "test.sqlite3"
        if not path.exists():
            shutil.copyfile(_database["template"], path)
        return {"DATABASE_URL": f"sqlite:///{path}"}
    return {"DATABASE_URL": _database["url"], "SQLALCHEMY_ENGINE_OPTIONS": _database["engine_options"]}


@pytest.fixture
def app(_database, database_config, tmp_path):
    app = create_app({
        "TESTING": True,
        **database_config,
        "DOCUMENT_STORE": str(tmp_path / "documents"),
        "SECRET_KEY": "test-secret",
        "AUTO_MIGRATE": False,
        "LOAD_DEMO_DATA": False,
        "JOB_THREADS": 1,
    })
    with app.app_context():
        if _database["kind"] == "postgresql":
            _truncate_all()
        yield app
        # A job a test started in the app's thread pool must end before its database goes away.
        jobs.wait_for_threads(app)
        db.session.remove()
        db.engine.dispose()


def _truncate_all() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


def subprocess_environment(config: dict[str, Any]) -> dict[str, str]:
    """Environment variables that point another process (gunicorn, a job worker) at this test's database."""
    url = config["DATABASE_URL"]
    options = config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options")
    if options:  # the run's schema on PostgreSQL, as a libpq URL parameter
        from urllib.parse import quote

        url += ("&" if "?" in url else "?") + "options=" + quote(options)
    return {"DATABASE_URL": url, "AUTO_MIGRATE": "0", "LOAD_DEMO_DATA": "0"}


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories ------------------------------------------------------------------------

DEPUTY_NAME = "Trần Văn Bình"


@pytest.fixture
def make_unit(app) -> Callable[..., Any]:
    """A ward by default, with its officials: the head (its signer, "Chủ tịch") and a deputy
    ("Phó Chủ tịch", DEPUTY_NAME); ``officials=False`` for a unit that lists nobody."""
    from service.models import Unit, UnitOfficial

    counter = iter(range(1, 10_000))

    def make(code: str | None = None, *, kind: str = "ward", place: str | None = None, parent=None,
             officials: bool = True, **values):
        number = next(counter)
        place = place or f"Phường Thử {number}"
        defaults = dict(
            code=code or f"unit-{number}", kind=kind, parent=parent, name=f"Ủy ban nhân dân phường {place}",
            short_name=f"UBND phường {place}", managing_body="UBND THÀNH PHỐ LONG XUYÊN",
            issuing_body=f"ỦY BAN NHÂN DÂN PHƯỜNG {place.upper()}", place_name=place, abbreviation="UBND",
            council_name=f"Hội đồng Thi đua - Khen thưởng phường {place}", signature_authority="TM. ỦY BAN NHÂN DÂN",
            signature_title="CHỦ TỊCH", signer_name="Nguyễn Văn Tâm",
        )
        defaults.update(values)
        unit = Unit(**defaults)
        db.session.add(unit)
        db.session.flush()
        if officials:
            db.session.add_all([
                UnitOfficial(unit_id=unit.id, full_name=unit.signer_name,
                             position=unit.signature_title.capitalize(), is_head=True, is_active=True),
                UnitOfficial(unit_id=unit.id, full_name=DEPUTY_NAME, position=f"Phó {unit.signature_title.capitalize()}",
                             is_head=False, is_active=True),
            ])
            db.session.flush()
        return unit

    return make


@pytest.fixture
def make_user(app) -> Callable[..., Any]:
    from service.auth import hash_password
    from service.models import User

    hashed = hash_password(PASSWORD)

    def make(username: str, role: str, unit, full_name: str | None = None):
        user = User(username=username, full_name=full_name or f"Người dùng {username}", role=role, unit=unit,
                    password_hash=hashed)
        db.session.add(user)
        db.session.flush()
        return user

    return make


@pytest.fixture
def make_campaign(app, make_unit) -> Callable[..., Any]:
    from service.demo import LONG_XUYEN_AWARD_FORMS, LONG_XUYEN_METRICS
    from service.models import Campaign

    def make(*, authority=None, agency=None, deadline: dt.date | None = None, accepts_late: bool = False,
             award_forms=None, metrics=None, code: str = "camp-1"):
        authority = authority or make_unit("city", kind="city", place="Long Xuyên")
        agency = agency or make_unit("agency", kind="department", place="Y tế")
        campaign = Campaign(
            code=code, title="Thi đua phát triển người tham gia BHXH, BHYT năm 2024", plan_number="9936/KH-UBND",
            plan_date=dt.date(2024, 11, 15), issuer=authority, period_start=dt.date(2024, 11, 15),
            period_end=dt.date(2024, 11, 30), submission_deadline=deadline or dt.date(2099, 12, 4),
            accepts_late=accepts_late, standing_agency=agency, authority=authority,
            award_name="Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên",
            award_forms=award_forms if award_forms is not None else LONG_XUYEN_AWARD_FORMS,
            metrics=metrics if metrics is not None else LONG_XUYEN_METRICS, legal_bases=[],
        )
        db.session.add(campaign)
        db.session.flush()
        return campaign

    return make


@pytest.fixture
def world(app, make_unit, make_user, make_campaign) -> dict[str, Any]:
    """One campaign, two units with a user per role each, the agency's reviewer and the approver."""
    city = make_unit("city", kind="city", place="Long Xuyên")
    agency = make_unit("agency", kind="department", place="Y tế")
    campaign = make_campaign(authority=city, agency=agency)
    unit_a = make_unit("unit-a", place="Mỹ Bình")
    unit_b = make_unit("unit-b", place="Mỹ Long")
    users = {
        "clerk": make_user("clerk", "unit_clerk", unit_a, "Lê Văn Hùng"),
        "secretary": make_user("secretary", "council_secretary", unit_a, "Phạm Thị Lan"),
        "head": make_user("head", "unit_head", unit_a, "Nguyễn Hoàng Nam"),
        "clerk_b": make_user("clerk_b", "unit_clerk", unit_b),
        "secretary_b": make_user("secretary_b", "council_secretary", unit_b),
        "head_b": make_user("head_b", "unit_head", unit_b),
        "reviewer": make_user("reviewer", "reviewer", agency, "Nguyễn Thị Thanh Hương"),
        "approver": make_user("approver", "approver", city, "Trần Minh Quang"),
        "admin": make_user("admin", "admin", city),
        "outsider_reviewer": make_user("outsider_reviewer", "reviewer", unit_b),
    }
    # The head who submits unit A's dossiers is the official who signs them (Decree 30/2020, art. 13).
    link_head(unit_a, users["head"])
    db.session.commit()
    return {"campaign": campaign, "city": city, "agency": agency, "unit_a": unit_a, "unit_b": unit_b,
            "users": users}


def link_head(unit, user) -> None:
    """Make ``user`` the unit's head official (and the name its documents are signed with)."""
    from service.models import UnitOfficial

    head = db.session.scalar(sa.select(UnitOfficial).where(UnitOfficial.unit_id == unit.id,
                                                           UnitOfficial.is_head.is_(True)))
    head.full_name = unit.signer_name = user.full_name
    head.user_id = user.id
    db.session.flush()


class ApiClient:
    """A test client that logs in once and sends the bearer token with every call."""

    def __init__(self, client, username: str):
        self.client = client
        response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        assert response.status_code == 201, response.get_json()
        self.headers = {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    def __getattr__(self, method):
        call = getattr(self.client, method)

        def send(url, **kwargs):
            headers = {**self.headers, **kwargs.pop("headers", {})}
            return call(url, headers=headers, **kwargs)

        return send


@pytest.fixture
def as_user(client, world) -> Callable[[str], ApiClient]:
    cache: dict[str, ApiClient] = {}

    def login(name: str) -> ApiClient:
        if name not in cache:
            cache[name] = ApiClient(client, world["users"][name].username)
        return cache[name]

    return login


COLLECTIVE = {
    "kind": "collective", "full_name": "Công ty A&B <Chi nhánh 1>", "award_form": "giay_khen_tap_the",
    "metrics": {"staff_total": 20, "staff_persuaded_bhxh": 12, "relatives_bhxh": 15, "relatives_bhyt": 22},
    "achievement_summary": "Vận động 15 người thân tham gia BHXH tự nguyện.\nVận động 22 người tham gia BHYT.",
}
INDIVIDUALS = [
    {"kind": "individual", "full_name": "Trần Văn Ánh", "gender": "male", "position": "Công chức",
     "workplace": "UBND phường Mỹ Bình", "award_form": "giay_khen_ca_nhan",
     "metrics": {"relatives_bhxh": 3, "relatives_bhyt": 5}, "achievement_summary": "Vận động 03 người thân."},
    {"kind": "individual", "full_name": "Lê Thị An", "gender": "female", "position": "Phó Chủ tịch",
     "workplace": "UBND phường Mỹ Bình", "award_form": "giay_khen_ca_nhan",
     "metrics": {"relatives_bhxh": 2, "relatives_bhyt": 4}, "achievement_summary": "Chỉ đạo triển khai."},
]


def docx_text(content: bytes) -> str:
    """Every paragraph and table cell of a .docx, one per line, in document order."""
    import io

    from docx import Document

    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def meeting_payload(nominee_ids, *, total=9, present=8, votes=None) -> dict[str, Any]:
    votes = votes or {nominee_id: present for nominee_id in nominee_ids}
    return {
        "started_at": "2024-12-02T08:00:00+07:00", "ended_at": "2024-12-02T09:30:00+07:00",
        "place": "Hội trường UBND phường Mỹ Bình", "chair_name": "Nguyễn Văn Tâm", "chair_gender": "male", "chair_position": "Chủ tịch",
        "secretary_name": "Phạm Thị Lan", "secretary_gender": "female", "secretary_position": "Công chức Văn phòng",
        "total_members": total, "present_members": present,
        "absentees": [{"name": "Lê Văn Sáu", "reason": "Đi công tác", "written_opinion": "Đồng ý."}][: total - present],
        "voting_method": "show_of_hands",
        "votes": [{"nominee_id": nid, "votes_in_favour": count} for nid, count in votes.items()],
    }


def docxtpl_render(template, context) -> bytes:
    """What plain docxtpl makes of the same template (a path or the bytes) and context, with the
    sandboxed, autoescaping environment the service uses: the reference for equality tests."""
    import io

    from docxtpl import DocxTemplate
    from jinja2.sandbox import SandboxedEnvironment

    source = io.BytesIO(template) if isinstance(template, bytes) else template
    tpl = DocxTemplate(source)
    tpl.render(context, jinja_env=SandboxedEnvironment(autoescape=True))
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
