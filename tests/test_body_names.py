"""One spelling of a body's name in each place of a document (Decree 30/2020/NĐ-CP): in full in the text,
capitals at top left (shortened there only when the full name does not fit), always "Ủy", never "Uỷ",
whether the name was typed abbreviated, with "Uỷ" or decomposed (NFD); and the minutes' "Chủ tọa"."""
from __future__ import annotations

import copy
import re
import subprocess
import unicodedata
from pathlib import Path
from typing import Any, Iterator

import pytest

from service.documents.builders import CONTEXT_BUILDERS, DOCUMENT_KINDS
from service.documents.builders.common import body_name
from service.documents.builders.samples import sample_campaign_snapshot, sample_snapshot

ROOT = Path(__file__).resolve().parents[1]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("typed, where, expected", [
    ("UBND phường Mỹ Bình", "text", "Ủy ban nhân dân phường Mỹ Bình"),
    (nfd("Uỷ ban nhân dân phường Mỹ Bình"), "text", "Ủy ban nhân dân phường Mỹ Bình"),
    ("Văn phòng HĐND và UBND thành phố Long Xuyên", "text",
     "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân thành phố Long Xuyên"),
    ("Giấy khen của Chủ tịch UBND thành phố Long Xuyên", "text",
     "Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên"),
    # Top left, upper line: the full name when it fits on the line, "UBND …" when it does not.
    ("Ủy ban nhân dân tỉnh An Giang", "managing", "UBND TỈNH AN GIANG"),
    (nfd("UỶ BAN NHÂN DÂN THÀNH PHỐ LONG XUYÊN"), "managing", "UBND THÀNH PHỐ LONG XUYÊN"),
    ("UBND xã Mỹ Hòa Hưng", "managing", "UBND XÃ MỸ HÒA HƯNG"),
    ("UBND xã An", "managing", "ỦY BAN NHÂN DÂN XÃ AN"),
    # Top left, bold line: in full, broken before the place; a name typed shortened stays so when its full form would break inside a phrase.
    ("UBND phường Mỹ Bình", "issuing", "ỦY BAN NHÂN DÂN\nPHƯỜNG MỸ BÌNH"),
    (nfd("Uỷ ban nhân dân thành phố Long Xuyên"), "issuing", "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ LONG XUYÊN"),
    ("VĂN PHÒNG HĐND VÀ UBND", "issuing", "VĂN PHÒNG HĐND VÀ UBND"),
    ("Phòng Y tế", "issuing", "PHÒNG Y TẾ"),
    ("TM. UBND", "signature", "TM. ỦY BAN NHÂN DÂN"),
    (nfd("TM. Uỷ ban nhân dân"), "signature", "TM. ỦY BAN NHÂN DÂN"),
])
def test_a_body_name_in_each_place(typed, where, expected):
    assert body_name(typed, where) == expected


def test_a_document_number_keeps_its_abbreviation_and_a_persons_name_its_spelling():
    assert body_name("Kế hoạch 9936/KH-UBND của UBND thành phố") == "Kế hoạch 9936/KH-UBND của Ủy ban nhân dân thành phố"
    assert body_name("Trường Thuỷ Lợi") == "Trường Thuỷ Lợi"
    with pytest.raises(ValueError):
        body_name("x", "footer")


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def _spoilt(value: Any) -> Any:
    """Every body name typed the other ways: abbreviated in the text, "Uỷ", decomposed."""
    if isinstance(value, dict):
        return {key: _spoilt(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_spoilt(item) for item in value]
    if isinstance(value, str):
        return nfd(value.replace("Ủy ban nhân dân", "UBND").replace("ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN"))
    return value


NUMBER = re.compile(r"/[A-Za-zĐđ]+-(?:UBND|HĐND)")


@pytest.mark.parametrize("kind", list(CONTEXT_BUILDERS))
def test_every_document_writes_the_names_one_way_whatever_was_typed(kind):
    snapshot = sample_snapshot() if kind in DOCUMENT_KINDS else sample_campaign_snapshot()
    clean = CONTEXT_BUILDERS[kind](copy.deepcopy(snapshot))
    spoilt = CONTEXT_BUILDERS[kind](_spoilt(snapshot))
    checked = 0
    for (path, text), (_, original) in zip(_strings(spoilt), _strings(clean)):
        assert "Uỷ" not in text and "uỷ" not in text and "UỶ" not in text, (path, text)
        assert unicodedata.is_normalized("NFC", text), path
        in_header = path.startswith(".issuer.")
        # Tables copy what the clerk typed ("UBND phường …" as a workplace); sentences and headings do not.
        # So does "Nơi nhận", where offices write "- UBND tỉnh;" as their practice is.
        in_table = path.startswith((".rows", ".sections", ".annex.rows", ".nominees", ".distribution",
                                    ".passed_lines", ".vote_rows", ".awardees")) or path.endswith(".detail")
        if not in_header and not in_table:
            bare = NUMBER.sub("", text)
            assert "UBND" not in bare and "HĐND" not in bare, (path, text)
            checked += 1
        if not in_table:
            # Written "UBND …" or "Uỷ ban …" or decomposed, the document says it as with the clean name.
            assert text == original, (path, text, original)
    assert checked > 0


def test_the_sample_headers_follow_the_rule():
    to_trinh = CONTEXT_BUILDERS["to_trinh"](sample_snapshot())
    assert to_trinh["issuer"] == {"managing_body": "UBND THÀNH PHỐ LONG XUYÊN",
                                  "issuing_body": "ỦY BAN NHÂN DÂN\nPHƯỜNG MỸ BÌNH"}
    assert to_trinh["signer"]["authority"] == "TM. ỦY BAN NHÂN DÂN"
    assert "- Ủy ban nhân dân thành phố Long Xuyên;" in to_trinh["recipient_lines"]
    minutes = CONTEXT_BUILDERS["bien_ban"](sample_snapshot())
    assert minutes["issuer"]["managing_body"] == "UBND PHƯỜNG MỸ BÌNH"


def test_typed_names_are_stored_with_one_spelling(as_user, world):
    clerk = as_user("clerk")
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()["id"]
    response = clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json={
        "kind": "individual", "full_name": nfd("Nguyễn Thị Thuỷ"), "gender": "female",
        "position": nfd("Phó Chủ tịch Uỷ ban nhân dân phường"), "workplace": nfd("UỶ BAN NHÂN DÂN PHƯỜNG MỸ BÌNH"),
        "award_form": "giay_khen_ca_nhan", "metrics": {"relatives_bhxh": 2, "relatives_bhyt": 3},
        "achievement_summary": nfd("Được Uỷ ban khen.")})
    assert response.status_code == 201, response.get_json()
    nominee = response.get_json()
    assert nominee["full_name"] == "Nguyễn Thị Thuỷ"          # a person's name keeps its spelling
    assert nominee["position"] == "Phó Chủ tịch Ủy ban nhân dân phường"
    assert nominee["workplace"] == "ỦY BAN NHÂN DÂN PHƯỜNG MỸ BÌNH"
    assert nominee["achievement_summary"] == "Được Ủy ban khen."


def test_a_campaign_file_with_uy_spelt_the_old_way_is_stored_the_one_way():
    from round_helpers import CAMPAIGNS_DIR
    from service.campaigns.definition import parse_definition

    text = (CAMPAIGNS_DIR / "long-xuyen-9936-2024.yaml").read_text(encoding="utf-8")
    definition = parse_definition(nfd(text.replace("Ủy ban", "Uỷ ban").replace("ỦY BAN", "UỶ BAN")))
    names = [value for _, value in _strings(definition.data)]
    assert not any("Uỷ" in v or "UỶ" in v for v in names)
    assert definition.data["units"][0]["name"] == "Ủy ban nhân dân thành phố Long Xuyên"


def test_the_minutes_say_chu_toa_and_nothing_says_chu_tri():
    """The person who chairs the council's meeting is "Chủ tọa" (Decree 30/2020, model 1.9), everywhere."""
    minutes = CONTEXT_BUILDERS["bien_ban"](sample_snapshot())
    assert "chair" in minutes
    files = subprocess.run(["git", "ls-files", "service", "templates_docx", "workflows", "campaigns", "docs",
                            "README.md"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    found = []
    for name in files:
        path = ROOT / name
        if path.suffix == ".docx":
            import zipfile

            with zipfile.ZipFile(path) as archive:
                text = " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                                if n.endswith(".xml"))
        elif path.suffix in (".py", ".html", ".yaml", ".md", ".txt", ".js", ".json"):
            text = path.read_text(encoding="utf-8")
        else:
            continue
        if re.search("chủ trì", unicodedata.normalize("NFC", text), re.IGNORECASE):
            found.append(name)
    assert not found, found
    template = (ROOT / "templates_docx" / "build_templates.py").read_text(encoding="utf-8")
    assert "CHỦ TỌA" in template
