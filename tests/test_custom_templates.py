"""An administrator replaces a Word template for one campaign; the upload is checked first."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from docx import Document

BUILT_IN = Path(__file__).resolve().parents[1] / "templates_docx" / "to_trinh.docx"


def _with_body(replace: tuple[str, str]) -> bytes:
    """The built-in tờ trình with one piece of its body XML replaced."""
    source = zipfile.ZipFile(io.BytesIO(BUILT_IN.read_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                assert replace[0] in text
                data = text.replace(replace[0], replace[1], 1).encode("utf-8")
            target.writestr(item, data)
    return buffer.getvalue()


def _upload(api, campaign_id, content, kind="to_trinh"):
    return api.put(f"/api/v1/admin/campaigns/{campaign_id}/templates/{kind}",
                   data={"file": (io.BytesIO(content), "mau_tinh.docx")}, content_type="multipart/form-data")


def _text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    return "\n".join(p.text for p in document.paragraphs)


def _dossier(as_user, world):
    from conftest import INDIVIDUALS

    clerk = as_user("clerk")
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()["id"]
    clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json=INDIVIDUALS[0])
    return clerk, dossier_id


def test_an_uploaded_template_is_used_and_the_built_in_one_comes_back(as_user, world):
    clerk, dossier_id = _dossier(as_user, world)
    url = f"/api/v1/dossiers/{dossier_id}/documents/to_trinh.docx"
    assert "TỜ TRÌNH (MẪU CỦA TỈNH)" not in _text(clerk.get(url).data)
    response = _upload(as_user("admin"), world["campaign"].id, _with_body(("TỜ TRÌNH", "TỜ TRÌNH (MẪU CỦA TỈNH)")))
    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()["sha256"]) == 64
    custom = clerk.get(url)
    assert "TỜ TRÌNH (MẪU CỦA TỈNH)" in _text(custom.data) and custom.headers["X-Document-Version"] == "2"
    versions = clerk.get(f"/api/v1/dossiers/{dossier_id}/documents").get_json()
    assert [d["template_name"] for d in versions if d["kind"] == "to_trinh"][-1].startswith("tải lên")
    assert as_user("admin").delete(f"/api/v1/admin/campaigns/{world['campaign'].id}/templates/to_trinh"
                                   ).status_code == 204
    back = clerk.get(url)
    assert "MẪU CỦA TỈNH" not in _text(back.data) and back.headers["X-Document-Version"] == "3"


def test_bad_templates_are_refused_with_the_reason(as_user, world):
    admin, campaign_id = as_user("admin"), world["campaign"].id
    cases = [
        b"day khong phai tep Word",
        _with_body(("TỜ TRÌNH", "{{ ''.__class__.__mro__ }}")),
        _with_body(("TỜ TRÌNH", "{{ secret_key }}")),
        _with_body(("TỜ TRÌNH", "{% for x in range(100000000) %}x{% endfor %}")),
    ]
    for content in cases:
        response = _upload(admin, campaign_id, content)
        assert response.status_code == 422, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == "invalid_template" and error["fields"]["file"]
    assert _upload(admin, campaign_id, BUILT_IN.read_bytes(), kind="khong_co").status_code == 404
    assert _upload(as_user("reviewer"), campaign_id, BUILT_IN.read_bytes()).status_code == 403
    assert admin.put(f"/api/v1/admin/campaigns/{campaign_id}/templates/to_trinh").status_code in (415, 422)
