"""How every document words its award forms: who is counted, under which form, with which verb.

Law on Emulation and Commendation 06/2022/QH15 words the two families apart: a title
(*danh hiệu thi đua*, art. 7) is recognised, "công nhận danh hiệu “Chiến sĩ thi đua cơ sở”";
a commendation (*hình thức khen thưởng*, art. 9) is given, "tặng Giấy khen". A proposal or a
decision covering several forms names each form with its own count, e.g.

    tặng Giấy khen cho 01 tập thể và 11 cá nhân; công nhận danh hiệu “Chiến sĩ thi đua cơ sở” cho 01 cá nhân

and its list groups the people by form. The dossier's documents (``dossier``) and the round's
(``round``) both word their forms here, so the two never drift apart.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from ...awards.families import COMMENDATION, award_object, form_family
from ..vnformat import format_count
from .common import body_name, capitalise, clause, line, roman

__all__ = [
    "KINDS",
    "FormGroup",
    "count_by_kind",
    "count_phrase",
    "form_clauses",
    "forms_subject",
    "group_by_form",
    "join_and",
    "whom",
]

# Who can be rewarded, in the order lists and counts name them.
KINDS = ("collective", "individual", "household")
_KIND_WORDS = {"collective": "tập thể", "individual": "cá nhân", "household": "hộ gia đình"}


def join_and(items: Iterable[str]) -> str:
    """"a", "a và b", "a, b và c"."""
    items = [item for item in items if item]
    if len(items) > 2:
        return ", ".join(items[:-1]) + " và " + items[-1]
    return " và ".join(items)


def count_by_kind(people: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """How many collectives, individuals and households; anything not a collective or a
    household counts as an individual."""
    counts = dict.fromkeys(KINDS, 0)
    for person in people:
        kind = person.get("kind")
        counts[kind if kind in counts else "individual"] += 1
    return counts


def count_phrase(counts: Mapping[str, int]) -> str:
    """"01 tập thể và 11 cá nhân", leaving out the kinds that are zero."""
    return join_and(f"{format_count(counts[kind])} {_KIND_WORDS[kind]}" for kind in KINDS if counts.get(kind))


def whom(counts: Mapping[str, int]) -> str:
    """"các tập thể, cá nhân" for a subject line."""
    return "các " + ", ".join(_KIND_WORDS[kind] for kind in KINDS if counts.get(kind))


def _full_name(form: Mapping[str, Any], fallback: str) -> str:
    """A commendation's full name ("Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên")
    when its title, or the campaign's award name, spells out the form's short name; else the short name."""
    name = clause(form.get("name"))
    for candidate in (clause(form.get("title")), clause(fallback)):
        if candidate and name and candidate.casefold().startswith(name.casefold()):
            # "… của Chủ tịch UBND …" is written in full in a sentence (Decree 30/2020, Annex III).
            return body_name(candidate)
    return name


@dataclass
class FormGroup:
    """The people receiving one award form (forms with the same wording count as one)."""

    family: str
    short: str          # "Giấy khen" or "danh hiệu “Chiến sĩ thi đua cơ sở”"
    full: str           # "Giấy khen của Chủ tịch …" for a commendation; the title as ``short``
    forms: list[Mapping[str, Any]] = field(default_factory=list)
    people: list[Any] = field(default_factory=list)

    @property
    def bare(self) -> str:
        """The form's own name, as a certificate prints it: "Giấy khen", "Chiến sĩ thi đua cơ sở"."""
        if self.family == COMMENDATION:
            return self.short
        return self.short[len("danh hiệu"):].strip().strip("“”\"")

    @property
    def verb(self) -> str:
        return "tặng" if self.family == COMMENDATION else "công nhận"

    @property
    def counts(self) -> dict[str, int]:
        return count_by_kind(self.people)

    def phrase(self, *, full: bool = False) -> str:
        """"tặng Giấy khen" / "công nhận danh hiệu “Chiến sĩ thi đua cơ sở”"."""
        return f"{self.verb} {self.full if full else self.short}"

    def clause(self, *, full: bool = False) -> str:
        """"tặng Giấy khen cho 01 tập thể và 11 cá nhân"."""
        return f"{self.phrase(full=full)} cho {count_phrase(self.counts)}"

    def heading(self, number: int, *, full: bool = False) -> str:
        """"I. Tặng Giấy khen", the heading row of this form's part of a list."""
        return f"{roman(number)}. {capitalise(self.phrase(full=full))}"


def group_by_form(people: Iterable[Any], form_of: Callable[[Any], Mapping[str, Any] | None] | None = None,
                  *, award_name: str = "") -> list[FormGroup]:
    """The people grouped by the wording of their award form, in the order documents name them:
    commendations first, then titles, each in the order its first person comes.

    ``form_of`` gives a person's form dict (``award_form`` by default); a person without one is
    taken to receive ``award_name`` (the campaign's), which also supplies a commendation's full
    name when its form has no ``title``.
    """
    form_of = form_of or (lambda person: person.get("award_form"))
    groups: dict[tuple[str, str], FormGroup] = {}
    for person in people:
        form = form_of(person) or {"name": award_name}
        family = form_family(form)
        short = line(award_object(form))
        group = groups.get((family, short))
        if group is None:
            full = _full_name(form, award_name) if family == COMMENDATION else short
            group = groups[(family, short)] = FormGroup(family, short, full)
        if form not in group.forms:
            group.forms.append(form)
        group.people.append(person)
    ordered = list(groups.values())
    ordered.sort(key=lambda g: g.family != COMMENDATION)
    return ordered


def form_clauses(groups: list[FormGroup], *, full: bool = False) -> str:
    """Every form with its own verb and count, joined by "; ":
    "tặng Giấy khen cho 01 tập thể và 11 cá nhân; công nhận danh hiệu “…” cho 01 cá nhân"."""
    return "; ".join(group.clause(full=full) for group in groups)


def forms_subject(groups: list[FormGroup], *, full: bool = False) -> str:
    """The forms as a subject line names them, one verb per family:
    "tặng Giấy khen và công nhận danh hiệu “Chiến sĩ thi đua cơ sở”",
    "tặng Giấy khen, Bằng khen và công nhận danh hiệu “…”, danh hiệu “…”"."""
    families = list(dict.fromkeys(g.family for g in groups))
    parts = []
    for family in families:
        same = [g.full if full else g.short for g in groups if g.family == family]
        # "và" joins the two verbs; inside one verb of two, commas keep the sentence readable.
        objects = join_and(same) if len(families) == 1 else ", ".join(same)
        parts.append(f"{next(g.verb for g in groups if g.family == family)} {objects}")
    return " và ".join(parts)
