"""Sample snapshots: the same people as ``templates_docx/samples/*.json`` (a ward's dossier)
and ``templates_docx/campaign/samples/*.json`` (the city's decision closing the campaign).

Tests, benchmarks and the template build scripts start from these; the JSON
samples shipped with the templates are the contexts built from them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["sample_campaign_snapshot", "sample_snapshot"]


def _unit(name: str, short: str, managing: str, place: str, signer: str, *, council: str | None = None,
          authority: str = "TM. ỦY BAN NHÂN DÂN", title: str = "CHỦ TỊCH", abbreviation: str = "UBND"
          ) -> dict[str, str]:
    return {
        "name": name,
        "short_name": short,
        "managing_body": managing,
        "issuing_body": name.upper(),
        "place_name": place,
        "abbreviation": abbreviation,
        "council_name": council or f"Hội đồng Thi đua - Khen thưởng {short}",
        "council_abbreviation": "HĐTĐKT",
        "signature_authority": authority,
        "signature_title": title,
        "signer_name": signer,
    }


def sample_snapshot() -> dict[str, Any]:
    """A realistic snapshot: ward Mỹ Bình's dossier in Long Xuyên's 2024 campaign."""
    city = _unit(
        "Ủy ban nhân dân thành phố Long Xuyên", "UBND thành phố Long Xuyên", "UBND TỈNH AN GIANG",
        "Long Xuyên", "Lê Minh Hải", council="Hội đồng Thi đua - Khen thưởng thành phố Long Xuyên",
    )
    health = _unit(
        "Phòng Y tế thành phố Long Xuyên", "Phòng Y tế", "UBND THÀNH PHỐ LONG XUYÊN", "Long Xuyên",
        "Phan Thị Thu Hà", authority="", title="TRƯỞNG PHÒNG", abbreviation="PYT",
    )
    ward = _unit(
        "Ủy ban nhân dân phường Mỹ Bình", "UBND phường Mỹ Bình", "UBND THÀNH PHỐ LONG XUYÊN",
        "Mỹ Bình", "Nguyễn Văn Tâm", council="Hội đồng Thi đua - Khen thưởng phường Mỹ Bình",
    )
    rate, bhyt, relatives = "bhxh_tu_nguyen_rate", "bhyt_rate", "nguoi_than_bhxh"

    def person(ident, name, gender, position, votes, summary, count, leader=False):
        return {
            "id": ident, "kind": "individual", "full_name": name, "gender": gender,
            "position": position, "workplace": "UBND phường Mỹ Bình",
            "award_form": {"code": "giay_khen", "name": "Giấy khen"},
            "metrics": {relatives: count}, "achievement_summary": summary,
            "votes_in_favour": votes, "vote_percent": round(votes * 100 / 9, 2),
            "passed": votes * 2 > 9, "is_leader": leader,
        }

    def collective(ident, name, workplace, votes, summary, bhxh, bhyt_value):
        return {
            "id": ident, "kind": "collective", "full_name": name, "gender": None,
            "position": None, "workplace": workplace,
            "award_form": {"code": "giay_khen", "name": "Giấy khen"},
            "metrics": {rate: bhxh, bhyt: bhyt_value}, "achievement_summary": summary,
            "votes_in_favour": votes, "vote_percent": round(votes * 100 / 9, 2),
            "passed": votes * 2 > 9, "is_leader": False,
        }

    nominees = [
        person(11, "Lê Văn Dũng", "male", "Phó Chủ tịch Ủy ban nhân dân phường", 6,
               "Trực tiếp chỉ đạo Tổ vận động của phường trong đợt cao điểm.", 4, leader=True),
        collective(1, "Trạm Y tế phường Mỹ Bình", "", 7,
                   "Phối hợp rà soát người chưa tham gia bảo hiểm y tế tại 06 khóm.\n"
                   "Tổ chức 04 buổi tuyên truyền tại khu dân cư.", 62.5, 100),
        person(12, "Nguyễn Văn An", "male", "Công chức Văn phòng - Thống kê", 7,
               "Vận động được 05 người thân tham gia bảo hiểm xã hội tự nguyện.\n"
               "Hoàn thành xuất sắc nhiệm vụ được giao.", 5),
        person(13, "Võ Thị Ánh", "female", "Bí thư Đoàn phường", 4,
               "Tham gia tuyên truyền tại các khóm.", 1),
        collective(2, "Công ty A&B <Chi nhánh 1>", "Khóm Bình Thới 1, phường Mỹ Bình", 6,
                   "Vận động 100% người lao động tham gia bảo hiểm y tế.", 55, 100),
        person(14, "Trần Thị Bình", "female", "Công chức Tài chính - Kế toán", 7,
               "Vận động được 03 người thân tham gia bảo hiểm xã hội tự nguyện.", 3),
        person(15, "Phạm Minh Đức", "male", "Chỉ huy trưởng Ban Chỉ huy Quân sự phường", 7,
               "Vận động được 02 người thân tham gia bảo hiểm xã hội tự nguyện.", 2),
        collective(3, "Ban Điều hành khóm Đông Thạnh", "Khóm Đông Thạnh, phường Mỹ Bình", 3,
                   "Tuyên truyền lưu động tại khóm.", 31.25, 96.5),
        person(16, "Đỗ Thị An", "female", "Viên chức Trạm Y tế phường", 6,
               "Vận động được 03 người thân tham gia bảo hiểm y tế hộ gia đình.", 3),
        person(17, "Huỳnh Thị Uyên", "female", "Công chức Văn hóa - Xã hội", 7,
               "Biên soạn tài liệu tuyên truyền về bảo hiểm xã hội tự nguyện.", 2),
    ]
    return {
        "campaign": {
            "title": "Đợt cao điểm tuyên truyền, vận động người dân tham gia bảo hiểm xã hội "
                     "tự nguyện, bảo hiểm y tế năm 2024",
            "plan_number": "9936/KH-UBND",
            "plan_date": dt.date(2024, 11, 15),
            "issuer_name": "Ủy ban nhân dân thành phố Long Xuyên",
            "award_name": "Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên",
            "metrics": [
                {"code": rate, "label": "Tỷ lệ CBCC vận động người thân tham gia BHXH tự nguyện",
                 "unit": "%"},
                {"code": bhyt, "label": "Tỷ lệ CBCC có người thân tham gia BHYT", "unit": "%"},
                {"code": relatives, "label": "Số người thân được vận động tham gia BHXH tự nguyện",
                 "unit": "người"},
            ],
            "authority": city,
            "standing_agency": health,
        },
        "unit": ward,
        "dossier": {
            "id": 42,
            "to_trinh_number": 5,
            "to_trinh_date": dt.date(2024, 12, 2),
            "bien_ban_number": 2,
            "document_date": dt.date(2024, 12, 2),
            "recipients": ["Ủy ban nhân dân thành phố Long Xuyên", "Phòng Y tế thành phố Long Xuyên"],
        },
        "meeting": {
            "started_at": dt.datetime(2024, 12, 2, 8, 0),
            "ended_at": dt.datetime(2024, 12, 2, 10, 30),
            "place": "Hội trường Ủy ban nhân dân phường Mỹ Bình",
            "chair_name": "Nguyễn Văn Tâm",
            "chair_position": "Chủ tịch Ủy ban nhân dân phường, Chủ tịch Hội đồng",
            "chair_gender": "male",
            "secretary_name": "Trần Thị Mai",
            "secretary_position": "Công chức Văn hóa - Xã hội, Thư ký Hội đồng",
            "secretary_gender": "female",
            "total_members": 9,
            "present_members": 7,
            "absentees": [
                {"name": "Lê Hoàng Phúc", "reason": "đi công tác",
                 "written_opinion": "thống nhất với danh sách đề nghị khen thưởng"},
                {"name": "Ngô Thị Hạnh", "reason": "nghỉ phép", "written_opinion": None},
            ],
            "voting_method": "show_of_hands",
        },
        "nominees": nominees,
        "generated_on": dt.date(2024, 12, 2),
    }


def sample_campaign_snapshot() -> dict[str, Any]:
    """Long Xuyên's 2024 insurance campaign closed by a decision of the city chairman.

    Prize money is Giấy khen under Decree 98/2023 on 09/12/2024: 0,3 × 2.340.000
    = 702.000 → 700.000 đồng a person, 0,6 × 2.340.000 = 1.404.000 →
    1.400.000 đồng a collective (rounded to the nearest ten thousand).
    """
    city = _unit("Ủy ban nhân dân thành phố Long Xuyên", "UBND thành phố Long Xuyên", "UBND TỈNH AN GIANG",
                 "Long Xuyên", "Lê Minh Hải")
    health = _unit("Phòng Y tế thành phố Long Xuyên", "Phòng Y tế", "UBND THÀNH PHỐ LONG XUYÊN", "Long Xuyên",
                   "Phan Thị Thu Hà", authority="", title="TRƯỞNG PHÒNG", abbreviation="PYT")
    my_binh, my_long = "Ủy ban nhân dân phường Mỹ Bình", "Ủy ban nhân dân phường Mỹ Long"
    giay_khen = {"code": "giay_khen", "name": "Giấy khen"}

    def person(name, gender, position, unit, achievement, rank):
        return {"kind": "individual", "full_name": name, "gender": gender, "position": position,
                "workplace": unit.replace("Ủy ban nhân dân", "UBND"), "unit_name": unit, "award_form": giay_khen,
                "multiplier": 0.3, "prize_raw": 702_000, "prize_rounded": 700_000, "achievement": achievement,
                "rank": rank}

    def collective(name, workplace, unit, achievement, rank):
        return {"kind": "collective", "full_name": name, "gender": None, "position": None, "workplace": workplace,
                "unit_name": unit, "award_form": giay_khen, "multiplier": 0.6, "prize_raw": 1_404_000,
                "prize_rounded": 1_400_000, "achievement": achievement, "rank": rank}

    awardees = [
        person("Lê Văn Dũng", "male", "Phó Chủ tịch Ủy ban nhân dân phường", my_binh,
               "Trực tiếp chỉ đạo Tổ vận động của phường trong đợt cao điểm.", 5),
        collective("Trạm Y tế phường Mỹ Bình", "", my_binh,
                   "Rà soát người chưa tham gia bảo hiểm y tế tại 06 khóm.\nTổ chức 04 buổi tuyên truyền.", 1),
        person("Nguyễn Văn An", "male", "Công chức Văn phòng - Thống kê", my_binh,
               "Vận động được 05 người thân tham gia bảo hiểm xã hội tự nguyện.", 1),
        collective("Công ty A&B <Chi nhánh 1>", "Khóm Bình Thới 1, phường Mỹ Bình", my_binh,
                   "Vận động 100% người lao động tham gia bảo hiểm y tế.", 2),
        person("Trần Thị Bình", "female", "Công chức Tài chính - Kế toán", my_long,
               "Vận động được 03 người thân tham gia bảo hiểm xã hội tự nguyện.", 3),
        person("Phạm Minh Đức", "male", "Chỉ huy trưởng Ban Chỉ huy Quân sự phường", my_long,
               "Vận động được 02 người thân tham gia bảo hiểm xã hội tự nguyện.", 6),
        collective("Ban Điều hành khóm Đông Thạnh", "Khóm Đông Thạnh, phường Mỹ Long", my_long,
                   "Tuyên truyền lưu động tại khóm.", 3),
        person("Đỗ Thị An", "female", "Viên chức Trạm Y tế phường", my_binh,
               "Vận động được 03 người thân tham gia bảo hiểm y tế hộ gia đình.", 2),
        person("Huỳnh Thị Uyên", "female", "Công chức Văn hóa - Xã hội", my_long,
               "Biên soạn tài liệu tuyên truyền về bảo hiểm xã hội tự nguyện.", 4),
        person("Võ Thị Ánh", "female", "Bí thư Đoàn phường", my_long,
               "Tham gia tuyên truyền tại các khóm.", 7),
    ]
    return {
        "campaign": {
            "title": "Đợt cao điểm tuyên truyền, vận động người dân tham gia bảo hiểm xã hội "
                     "tự nguyện, bảo hiểm y tế năm 2024",
            "plan_number": "9936/KH-UBND",
            "plan_date": dt.date(2024, 11, 15),
            "issuer_name": "Ủy ban nhân dân thành phố Long Xuyên",
            "award_name": "Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên",
            "authority": city,
            "standing_agency": health,
            "legal_bases": [
                "Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015",
                "Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022",
                "Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi tiết thi hành "
                "một số điều của Luật Thi đua, khen thưởng",
            ],
        },
        "round": {"name": "Tổng kết đợt cao điểm từ ngày 15/11/2024 đến ngày 30/11/2024"},
        "proposal": {
            "number": 15,
            "date": dt.date(2024, 12, 5),
            "recipients": ["Chủ tịch Ủy ban nhân dân thành phố Long Xuyên"],
            "annex_order": "by_unit",
        },
        "decision": {
            "number": 1234,
            "date": dt.date(2024, 12, 9),
            "signer_authority": "KT. CHỦ TỊCH",
            "signer_title": "PHÓ CHỦ TỊCH",
            "signer_name": "Trần Minh Quang",
            "funding_source": "Quỹ thi đua, khen thưởng của thành phố Long Xuyên năm 2024",
            "executors": [
                "Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân thành phố",
                "Trưởng phòng Nội vụ",
                "Trưởng phòng Tài chính - Kế hoạch",
                "Trưởng phòng Y tế",
            ],
            "distribution": ["Phòng Nội vụ (theo dõi)"],
        },
        "awardees": awardees,
    }
