"""Benchmark: importing a filled Excel nominee list through the API, and refusing hostile sheets.

    .venv/bin/python bench/bench_import.py [--rows 5000] [--existing 0,10000]
                                           [--database-url postgresql://user@host:5432/db]
                                           [--root path/to/another/checkout]

For each size in ``--existing`` it opens a unit's dossier holding that many
nominees (inserted directly), builds a list of ``--rows`` valid rows from the
campaign's own template columns (openpyxl write-only), and times
``POST /api/v1/dossiers/{id}/nominees/import`` through Flask's test client as
the unit's clerk: parsing, checking, writing, the audit trail and the commit,
everything but the network. It checks the answer (201 and the count). Then it
times three hostile sheets, written as raw XML in a zip: a row numbered
1 048 576 under a dimension claiming A1:XFD1048576, 300 000 empty rows, and
rows of 16 384 cells; each must be refused with a 422.

SQLite by default (a file in a temporary folder); with ``--database-url`` a
schema of its own in that PostgreSQL database, dropped at the end. ``--root``
runs the same script against another checkout of the service (the code before
a change), which must have the same entry points.

Targets: 5 000 rows into a dossier of 10 000 in under 5 s; a hostile sheet refused in under 1 s.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ARGS = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ARGS.add_argument("--rows", type=int, default=5_000)
ARGS.add_argument("--existing", default="0,10000")
ARGS.add_argument("--database-url", default="")
ARGS.add_argument("--no-hostile", action="store_true", help="skip the hostile sheets")
ARGS.add_argument("--root", default=str(Path(__file__).resolve().parents[1]))
OPTIONS = ARGS.parse_args()
ROOT = Path(OPTIONS.root).resolve()
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from service import create_app  # noqa: E402
from service.auth import issue_token  # noqa: E402
from service.awards import excel  # noqa: E402
from service.db import db  # noqa: E402
from service.demo import LONG_XUYEN_AWARD_FORMS, LONG_XUYEN_METRICS  # noqa: E402
from service.models import Campaign, Nominee, Unit, User  # noqa: E402
from service.operations import dossiers as dossier_ops  # noqa: E402

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi"]
GIVEN = ["Văn An", "Thị Bích", "Minh Cường", "Thị Diễm", "Quốc Dũng", "Ngọc Hạnh", "Hữu Lộc", "Thị Mai"]


@contextlib.contextmanager
def database(url: str):
    if not url:
        with tempfile.TemporaryDirectory() as folder:
            yield {"DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.sqlite3'}"}, folder
        return
    from service.config import normalise_database_url

    schema = f"bench_import_{os.getpid()}"
    admin = sa.create_engine(normalise_database_url(url))
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        with tempfile.TemporaryDirectory() as folder:
            yield {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": {
                "connect_args": {"options": f"-csearch_path={schema}"}}}, folder
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def unit(code: str, kind: str, place: str) -> Unit:
    record = Unit(code=code, kind=kind, name=f"Ủy ban nhân dân phường {place}", short_name=f"UBND phường {place}",
                  managing_body="UBND THÀNH PHỐ LONG XUYÊN", issuing_body=f"ỦY BAN NHÂN DÂN PHƯỜNG {place.upper()}",
                  place_name=place, abbreviation="UBND", council_name=f"Hội đồng Thi đua - Khen thưởng phường {place}",
                  signature_authority="TM. ỦY BAN NHÂN DÂN", signature_title="CHỦ TỊCH", signer_name="Nguyễn Văn Tâm")
    db.session.add(record)
    db.session.flush()
    return record


def world(number: int) -> tuple[User, Campaign]:
    city = unit(f"city-{number}", "city", "Long Xuyên")
    agency = unit(f"agency-{number}", "department", "Y tế")
    ward = unit(f"ward-{number}", "ward", f"Mỹ Bình {number}")
    clerk = User(username=f"clerk{number}", full_name="Lê Văn Hùng", role="unit_clerk", unit=ward, password_hash="x")
    db.session.add(clerk)
    campaign = Campaign(
        code=f"camp-{number}", title="Thi đua phát triển người tham gia BHXH, BHYT năm 2024",
        plan_number="9936/KH-UBND", plan_date=dt.date(2024, 11, 15), issuer=city,
        period_start=dt.date(2024, 11, 15), period_end=dt.date(2024, 11, 30), submission_deadline=dt.date(2099, 12, 4),
        accepts_late=False, standing_agency=agency, authority=city,
        award_name="Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên",
        award_forms=LONG_XUYEN_AWARD_FORMS, metrics=LONG_XUYEN_METRICS, legal_bases=[])
    db.session.add(campaign)
    db.session.flush()
    return clerk, campaign


def person(index: int, campaign: Campaign) -> dict:
    form = next(f["code"] for f in campaign.award_forms if "individual" in f.get("nominee_kinds", ["individual"]))
    figures = {m["code"]: 3 + index % 7 for m in campaign.metrics
               if "individual" in m.get("nominee_kinds", ["individual"])}
    return {"kind": "individual", "full_name": f"{FAMILY[index % 10]} {GIVEN[index % 8]} {index}",
            "gender": "male" if index % 2 else "female", "position": "Công chức", "workplace": "UBND phường Mỹ Bình",
            "award_form": form, "metrics": figures, "summary": f"Vận động {3 + index % 7:02d} người thân tham gia."}


def filled_sheet(campaign: Campaign, rows: int, offset: int) -> bytes:
    headers = excel._columns(campaign.metrics)
    by_code = {excel.metric_header(m): m["code"] for m in campaign.metrics}
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(excel.DATA_SHEET)
    sheet.append(headers)
    for index in range(offset, offset + rows):
        values = person(index, campaign)
        plain = {excel.HEADER_KIND: "Cá nhân", excel.HEADER_NAME: values["full_name"],
                 excel.HEADER_GENDER: "Nam" if values["gender"] == "male" else "Nữ",
                 excel.HEADER_POSITION: values["position"], excel.HEADER_WORKPLACE: values["workplace"],
                 excel.HEADER_AWARD_FORM: values["award_form"], excel.HEADER_SUMMARY: values["summary"]}
        sheet.append([plain.get(h, values["metrics"].get(by_code.get(h))) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def raw_sheet(campaign: Campaign, rows_xml: str, dimension: str = "") -> bytes:
    def text(value: str) -> str:
        return f'<c t="inlineStr"><is><t>{value}</t></is></c>'

    header = "<row>" + "".join(text(h) for h in excel._columns(campaign.metrics)) + "</row>"
    ns = "http://schemas.openxmlformats.org"
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{ns}/package/2006/content-types"><Default Extension="rels" '
                               'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                               '<Default Extension="xml" ContentType="application/xml"/><Override '
                               'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                               'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
                               'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                               'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
                       f'Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                       '</Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/'
                           'relationships"><sheets><sheet name="Danh sách đề nghị" sheetId="1" r:id="rId1"/>'
                           '</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship '
                                      f'Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" '
                                      'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{ns}/spreadsheetml/2006/main">'
                                    + (f'<dimension ref="{dimension}"/>' if dimension else "")
                                    + f"<sheetData>{header}{rows_xml}</sheetData></worksheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def hostile_sheets(campaign: Campaign) -> dict[str, bytes]:
    wide = "".join(f'<c r="{openpyxl.utils.get_column_letter(i)}{{row}}"><v>1</v></c>' for i in range(1, 16_385))
    return {
        "a row numbered 1 048 576, dimension A1:XFD1048576": raw_sheet(
            campaign, '<row r="1048576"><c t="inlineStr"><is><t>Cá nhân</t></is></c></row>', "A1:XFD1048576"),
        "300 000 empty rows": raw_sheet(campaign, "".join(f'<row ht="{i % 997}.{i % 7}"/>' for i in range(300_000))),
        "50 rows of 16 384 cells": raw_sheet(
            campaign, "".join(f'<row r="{r}">{wide.format(row=r)}</row>' for r in range(2, 52))),
    }


def main() -> int:
    existing_sizes = [int(size) for size in OPTIONS.existing.split(",") if size]
    kind = "PostgreSQL" if OPTIONS.database_url else "SQLite"
    print(f"code: {ROOT}; database: {kind}; rows imported: {OPTIONS.rows}")
    with database(OPTIONS.database_url) as (config, folder):
        app = create_app({**config, "DOCUMENT_STORE": str(Path(folder) / "docs"), "SECRET_KEY": "bench",
                          "AUTO_MIGRATE": True, "LOAD_DEMO_DATA": False})
        client = app.test_client()
        print("| dossier already holds | rows imported | status | seconds |")
        print("|---:|---:|---|---:|")
        for number, existing in enumerate(existing_sizes, start=1):
            with app.app_context():
                clerk, campaign = world(number)
                dossier = dossier_ops.create_dossier(clerk, campaign)
                db.session.flush()
                if existing:
                    rows = []
                    for index in range(existing):
                        values = person(index, campaign)
                        rows.append({"dossier_id": dossier.id, "kind": values["kind"],
                                     "full_name": values["full_name"], "gender": values["gender"],
                                     "position": values["position"], "workplace": values["workplace"],
                                     "award_form": values["award_form"], "metric_values": values["metrics"],
                                     "achievement_summary": values["summary"], "position_in_list": index + 1})
                    db.session.execute(sa.insert(Nominee), rows)
                raw, _ = issue_token(clerk, dt.timedelta(hours=2))
                dossier_id = dossier.id
                content = filled_sheet(campaign, OPTIONS.rows, existing)
                hostile = hostile_sheets(campaign) if number == 1 and not OPTIONS.no_hostile else {}
                db.session.commit()
            headers = {"Authorization": f"Bearer {raw}"}
            url = f"/api/v1/dossiers/{dossier_id}/nominees/import"
            started = time.perf_counter()
            response = client.post(url, headers=headers, content_type="multipart/form-data",
                                   data={"file": (io.BytesIO(content), "danh_sach.xlsx")})
            seconds = time.perf_counter() - started
            status = response.status_code
            if status != 201 or len(response.get_json()) != OPTIONS.rows:
                print(f"unexpected answer: {status} {str(response.get_json())[:300]}", file=sys.stderr)
                return 1
            with app.app_context():
                total = db.session.scalar(sa.select(sa.func.count()).where(Nominee.dossier_id == dossier_id))
            assert total == existing + OPTIONS.rows, total
            print(f"| {existing:,} | {OPTIONS.rows:,} | {status} | {seconds:.2f} |")
            for name, sheet in hostile.items():
                started = time.perf_counter()
                response = client.post(url, headers=headers, content_type="multipart/form-data",
                                       data={"file": (io.BytesIO(sheet), "doc_hai.xlsx")})
                seconds = time.perf_counter() - started
                message = response.get_json()["error"]["message"] if response.status_code >= 400 else ""
                print(f"| hostile: {name} ({len(sheet) // 1024} KB) | – | {response.status_code} | {seconds:.2f} |"
                      f" {message[:90]}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
