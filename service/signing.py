"""Who signs a document and in what capacity: the authority words of Decree 30/2020 as data.

Decree 30/2020/NĐ-CP, art. 13 says who may sign for a body, and Annex I (the
part on the signer's position, full name and signature) how the block is set:
the authority word and the position in capitals, then the name.

* ``TM.`` (thay mặt): the head signs for a body that works as a collective
  (an Ủy ban nhân dân): "TM. ỦY BAN NHÂN DÂN" / "CHỦ TỊCH".
* ``KT.`` (ký thay): a deputy signs for the head, whose title is named on the
  line above: "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH".
* ``Q.`` (quyền): someone acting as head signs with "Q." before the head's
  title: "Q. CHỦ TỊCH".
* ``TL.`` (thừa lệnh) and ``TUQ.`` (thừa ủy quyền): the head of a unit under
  the body signs by order or by authorisation: "TL. CHỦ TỊCH" /
  "CHÁNH VĂN PHÒNG".
* No word: the head of a body run by one person signs as himself or herself.

Under a collective body the "TM. <body>" line stays on top of a deputy's
block ("TM. ỦY BAN NHÂN DÂN" / "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH"). A decision
the chairman issues in his or her own name (a quyết định khen thưởng of the
Chủ tịch) has no "TM." line.

Pure Python: no Flask, no database. The operations (service.operations.officials)
apply these rules to a unit's officials.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

__all__ = ["AUTHORITY_WORDS", "AuthorityWord", "SignatureRefused", "authority_word", "collective_body",
           "default_authority", "signature"]


@dataclass(frozen=True)
class AuthorityWord:
    code: str
    label: str
    # Who may sign with it: "head" (the unit's head) or "other" (anyone else among its officials).
    signer: str
    # "collective": only for a body run as a collective; "single": only where there is no "TM." line.
    body: Optional[str]
    # The line naming whom the signer stands in for ("KT. {head}"), or None.
    above: Optional[str]
    # The position line: the signer's own position, or the head's behind a word ("Q. {head}").
    title: str
    # Why the rule exists, said to the person who chose it when it does not fit.
    refusal: str


AUTHORITY_WORDS: tuple[AuthorityWord, ...] = (
    AuthorityWord("", "Người đứng đầu ký trực tiếp", "head", "single", None, "{position}",
                  "Chỉ người đứng đầu mới ký trực tiếp, không có chữ thẩm quyền."),
    AuthorityWord("TM.", "TM. — thay mặt tập thể lãnh đạo", "head", "collective", "TM. {body}", "{position}",
                  "“TM.” dành cho người đứng đầu ký thay mặt tập thể (ví dụ Ủy ban nhân dân)."),
    AuthorityWord("KT.", "KT. — cấp phó ký thay người đứng đầu", "other", None, "KT. {head}", "{position}",
                  "“KT.” dành cho cấp phó ký thay người đứng đầu; người đứng đầu không ký thay chính mình."),
    AuthorityWord("Q.", "Q. — quyền người đứng đầu", "other", None, None, "Q. {head}",
                  "“Q.” dành cho người được giao quyền người đứng đầu, không phải người đứng đầu."),
    AuthorityWord("TL.", "TL. — thừa lệnh người đứng đầu", "other", None, "TL. {head}", "{position}",
                  "“TL.” dành cho người được người đứng đầu giao ký thừa lệnh, không phải người đứng đầu."),
    AuthorityWord("TUQ.", "TUQ. — thừa ủy quyền người đứng đầu", "other", None, "TUQ. {head}", "{position}",
                  "“TUQ.” dành cho người được người đứng đầu ủy quyền ký, không phải người đứng đầu."),
)
_BY_CODE = {word.code: word for word in AUTHORITY_WORDS}
CODES = tuple(_BY_CODE)
CODES_TEXT = "TM., KT., Q., TL., TUQ. hoặc để trống (người đứng đầu ký trực tiếp)"


class SignatureRefused(ValueError):
    """The chosen signer may not sign that way; the message is Vietnamese."""


def authority_word(code: str) -> AuthorityWord:
    """The word of ``code``; ``SignatureRefused`` when there is none."""
    word = _BY_CODE.get(code)
    if word is None:
        raise SignatureRefused(f"Thẩm quyền ký “{code}” không hợp lệ: phải là {CODES_TEXT}.")
    return word


def collective_body(signature_authority: str) -> str:
    """"ỦY BAN NHÂN DÂN" when a unit signs "TM. ỦY BAN NHÂN DÂN" (a collective body), else ""."""
    text = " ".join((signature_authority or "").split()).upper()
    return text[3:].strip() if text.startswith("TM.") else ""


def default_authority(*, is_head: bool, body: str) -> str:
    """The word a signer gets unless someone chooses otherwise: the head "TM." or none, others "KT."."""
    if is_head:
        return "TM." if body else ""
    return "KT."


def signature(code: str, *, name: str, position: str, is_head: bool, head_title: str, body: str
              ) -> dict[str, str]:
    """The signature block of one official signing with ``code``.

    ``body`` is the collective body the document speaks for ("ỦY BAN NHÂN
    DÂN"), or "" (a body run by one person, or a decision issued in the
    head's own name); ``head_title`` is the head's position ("Chủ tịch").
    Returns ``signature_authority`` (the lines above the position, joined by
    line breaks), ``signature_title`` and ``signer_name``, in the case they
    print in. Raises ``SignatureRefused`` when the word does not fit.
    """
    word = authority_word(code)
    if word.signer == "head" and not is_head:
        raise SignatureRefused(word.refusal)
    if word.signer == "other" and is_head:
        raise SignatureRefused(word.refusal)
    if word.body == "collective" and not body:
        raise SignatureRefused("Đơn vị này không làm việc theo chế độ tập thể (hoặc văn bản do người đứng đầu "
                               "ban hành): không ký “TM.”; người đứng đầu ký trực tiếp.")
    if word.body == "single" and body:
        raise SignatureRefused(f"Văn bản ban hành nhân danh tập thể: người đứng đầu ký “TM. {body}”.")
    head = " ".join(head_title.split()).upper()
    if ("{head}" in (word.above or "") or "{head}" in word.title) and not head:
        raise SignatureRefused("Đơn vị chưa có người đứng đầu trong danh sách người ký: chưa ghi được "
                               f"“{word.code} …”.")
    values = {"body": body, "head": head, "position": " ".join(position.split()).upper()}
    lines = []
    if body and word.body != "collective":
        lines.append(f"TM. {body}")
    if word.above:
        lines.append(word.above.format(**values))
    return {"signature_authority": "\n".join(lines), "signature_title": word.title.format(**values),
            "signer_name": " ".join(name.split())}
