"""Turning the text of a campaign definition into a checked, plain definition.

``parse_definition`` reads the YAML (keeping lines), checks its shape with
``schema.DefinitionSchema``, then checks what refers to what: metric codes
used by the ranking, units named as authority or issuer, rounds inside the
campaign's period.  Every problem comes back at once, each with the field's
path and the line of the file, in Vietnamese.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from marshmallow import ValidationError

from ..awards.families import form_family
from ..vocabulary import field_label, file_field_label, nominee_kind_word
from .schema import FORMAT_VERSION, ROUND_KIND_LABELS, DefinitionSchema
from .yaml_source import Path, SourceError, SourceProblem, YamlDocument, load_yaml_document

__all__ = ["DefinitionError", "Definition", "parse_definition", "format_path", "describe", "to_json",
           "FORMAT_VERSION", "ROUND_KIND_LABELS"]


# Past this many problems the file is not a definition at all; the rest would bury the first ones.
MAX_PROBLEMS = 100


class DefinitionError(ValueError):
    """The definition cannot be loaded; ``problems`` says where and why, sorted by line."""

    def __init__(self, problems: list[SourceProblem]) -> None:
        ordered = sorted(problems, key=lambda p: (p.line or 0, format_path(p.path)))
        #: How many problems were found; ``problems`` keeps the first MAX_PROBLEMS and says how many more.
        self.total = len(ordered)
        if len(ordered) > MAX_PROBLEMS:
            hidden = len(ordered) - MAX_PROBLEMS
            ordered = ordered[:MAX_PROBLEMS] + [SourceProblem((), None, f"Còn {hidden} lỗi khác không hiển thị; "
                                                                        "hãy sửa các lỗi trên rồi nạp lại tệp.")]
        self.problems = ordered
        super().__init__("\n".join(describe(p) for p in self.problems))


@dataclass(frozen=True)
class Definition:
    """A checked definition: ``data`` holds plain values (dates as ``datetime.date``)."""

    data: dict[str, Any]
    source: str
    sha256: str

    @property
    def code(self) -> str:
        return self.data["code"]


def format_path(path: Path) -> str:
    """``("rounds", 0, "deadline")`` → ``rounds[0].deadline``: the path for programs (the API's details);
    people read :func:`service.vocabulary.file_field_label` instead."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def describe(problem: SourceProblem) -> str:
    """One line for a person: "Dòng 42 (Đợt khen thưởng thứ 1 › Hạn nộp hồ sơ): …"."""
    where = f"Dòng {problem.line}" if problem.line else "Tệp định nghĩa"
    field = file_field_label(problem.path)
    return f"{where} ({field}): {problem.message}" if field else f"{where}: {problem.message}"


def _flatten(messages: Any, path: Path = ()) -> Iterable[tuple[Path, str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, path if key == "_schema" else path + (key,))
    elif isinstance(messages, list):
        for message in messages:
            if isinstance(message, (dict, list)):
                yield from _flatten(message, path)
            else:
                yield path, str(message)
    else:
        yield path, str(messages)


def to_json(value: Any) -> Any:
    """The definition with dates as ISO text, ready for a JSON column."""
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def parse_definition(text: str, known_units: Mapping[str, str] | None = None) -> Definition:
    """Read and check a definition; raise DefinitionError listing every problem with its line.

    ``known_units`` maps the codes of units already in the database to their
    kind; a definition may name those, or declare new ones under ``units``.
    """
    if not isinstance(text, str) or not text.strip():
        raise DefinitionError([SourceProblem((), 1, "Tệp định nghĩa trống.")])
    try:
        document = load_yaml_document(text)
    except SourceError as error:
        raise DefinitionError(error.problems) from None
    if not isinstance(document.data, dict):
        raise DefinitionError([SourceProblem((), 1, "Tệp định nghĩa phải là một nhóm khóa: giá trị.")])
    try:
        data = DefinitionSchema().load(document.data)
    except ValidationError as error:
        raise DefinitionError([SourceProblem(path, document.line_of(path), message)
                               for path, message in _flatten(error.messages)]) from None
    problems = list(_Checker(data, document, dict(known_units or {})).problems())
    if problems:
        raise DefinitionError(problems)
    return Definition(data=_normalise(data), source=text, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


class _Checker:
    """What refers to what, once every part has the right shape."""

    def __init__(self, data: dict[str, Any], document: YamlDocument, known_units: dict[str, str]) -> None:
        self.data = data
        self.document = document
        self.units = dict(known_units)
        for unit in data["units"]:
            self.units[unit["code"]] = unit["kind"]
        self.found: list[SourceProblem] = []

    def problem(self, path: Path, message: str) -> None:
        self.found.append(SourceProblem(path, self.document.line_of(path), message))

    def unit(self, path: Path, code: str | None) -> None:
        if code is not None and code not in self.units:
            self.problem(path, f"Không có đơn vị mã “{code}” trong cơ sở dữ liệu, và tệp không khai báo "
                               f"đơn vị này trong “{field_label('definition', 'units')}”.")

    def problems(self) -> list[SourceProblem]:
        data = self.data
        self.check_units()
        self.unit(("plan", "issuer"), data["plan"]["issuer"])
        self.unit(("standing_agency",), data["standing_agency"])
        self.unit(("authority",), data["authority"])
        for index, code in enumerate(data["participants"]["unit_codes"]):
            self.unit(("participants", "unit_codes", index), code)
        if data["plan"]["date"] > data["period"]["end"]:
            self.problem(("plan", "date"), "Ngày ban hành kế hoạch không thể sau ngày kết thúc phong trào.")
        self.check_award_forms()
        metrics = self.check_metrics()
        self.check_ranking(metrics)
        self.check_rounds(metrics)
        if data["quotas"] is not None:
            self.check_quotas(("quotas",), data["quotas"])
        self.unique(("required_documents",), [d["code"] for d in data["required_documents"]], "văn bản")
        return self.found

    def unique(self, path: Path, codes: list[str], what: str, key: str = "code") -> None:
        seen: set[str] = set()
        for index, code in enumerate(codes):
            if code in seen:
                self.problem(path + (index, key), f"Mã {what} “{code}” bị trùng.")
            seen.add(code)

    def check_units(self) -> None:
        declared = self.data["units"]
        self.unique(("units",), [u["code"] for u in declared], "đơn vị")
        for index, unit in enumerate(declared):
            self.unit(("units", index, "parent"), unit["parent"])

    def check_award_forms(self) -> None:
        forms = self.data["award_forms"]
        self.unique(("award_forms",), [f["code"] for f in forms], "hình thức khen thưởng")
        for index, form in enumerate(forms):
            self.unit(("award_forms", index, "issuer"), form["issuer"])

    def check_metrics(self) -> dict[str, dict[str, Any]]:
        """Return every metric and derived value by code, as far as they are valid."""
        inputs, derived = self.data["metrics"], self.data["derived"]
        known: dict[str, dict[str, Any]] = {}
        for index, metric in enumerate(inputs):
            path = ("metrics", index)
            if metric["code"] in known:
                self.problem(path + ("code",), f"Mã chỉ tiêu “{metric['code']}” bị trùng.")
            known[metric["code"]] = metric
            for unit_code in metric["targets"]:
                self.unit(path + ("targets", unit_code), unit_code)
        for index, metric in enumerate(inputs):
            other = metric["at_most"]
            if other is not None and (other not in known or other == metric["code"]):
                self.problem(("metrics", index, "at_most"), f"“{other}” không phải một chỉ tiêu nhập khác của tệp.")
        for index, item in enumerate(derived):
            path = ("derived", index)
            if item["code"] in known:
                self.problem(path + ("code",), f"Mã chỉ tiêu “{item['code']}” bị trùng.")
            operands = [(name, item[name]) for name in ("numerator", "denominator", "metric") if item[name]]
            operands += [(("of", i), code) for i, code in enumerate(item["of"])]
            for name, code in operands:
                if code not in known:
                    where = path + (name if isinstance(name, tuple) else (name,))
                    self.problem(where, f"Chỉ tiêu “{code}” chưa được khai báo ở trên "
                                        "(chỉ tiêu tính toán chỉ dùng chỉ tiêu khai báo trước nó).")
            if item["formula"] == "attainment" and item["metric"] in known:
                base = known[item["metric"]]
                if base.get("target") is None and not base.get("targets"):
                    self.problem(path + ("metric",), f"Chỉ tiêu “{item['metric']}” không ghi "
                                                     f"“{field_label('metric', 'target')}” hoặc "
                                                     f"“{field_label('metric', 'targets')}” để tính tỷ lệ "
                                                     "hoàn thành.")
            known[item["code"]] = item
        return known

    def check_requirements(self, path: Path, requirements: list[dict[str, Any]],
                           metrics: Mapping[str, Any]) -> None:
        for index, requirement in enumerate(requirements):
            if requirement["metric"] not in metrics:
                self.problem(path + (index, "metric"), f"Không có chỉ tiêu “{requirement['metric']}”.")

    def check_ranking(self, metrics: Mapping[str, Any]) -> None:
        groups = self.data["ranking"]
        self.unique(("ranking",), [g["name"] for g in groups], "nhóm xếp hạng", key="name")
        for index, group in enumerate(groups):
            path = ("ranking", index)
            for part in ("order", "tie_break"):
                for position, code in enumerate(group[part]):
                    if code not in metrics:
                        self.problem(path + (part, position), f"Không có chỉ tiêu “{code}”.")
            for position, code in enumerate(group["unit_codes"]):
                self.unit(path + ("unit_codes", position), code)
            self.check_requirements(path + ("requirements",), group["requirements"], metrics)
        if groups:
            ranked = {g["nominee_kind"] for g in groups}
            for index, form in enumerate(self.data["award_forms"]):
                for kind in form["nominee_kinds"]:
                    if kind not in ranked:
                        self.problem(("award_forms", index, "nominee_kinds"),
                                     f"Chưa có nhóm xếp hạng nào cho {nominee_kind_word(kind)}.")

    def check_quotas(self, path: Path, quotas: dict[str, Any]) -> None:
        for index, limit in enumerate(quotas["per_unit"]):
            for position, code in enumerate(limit["unit_codes"]):
                self.unit(path + ("per_unit", index, "unit_codes", position), code)

    def check_rounds(self, metrics: Mapping[str, Any]) -> None:
        rounds, period = self.data["rounds"], self.data["period"]
        self.unique(("rounds",), [r["code"] for r in rounds], "đợt")
        for index, item in enumerate(rounds):
            path = ("rounds", index)
            if item["period"]["start"] < period["start"] or item["period"]["end"] > period["end"]:
                self.problem(path + ("period",), "Thời gian của đợt phải nằm trong thời gian của phong trào "
                                                 f"({period['start']:%d/%m/%Y} – {period['end']:%d/%m/%Y}).")
            if item["deadline"] < item["period"]["start"]:
                self.problem(path + ("deadline",), "Hạn nộp hồ sơ không thể trước ngày bắt đầu của đợt.")
            if item["quotas"] is not None:
                self.check_quotas(path + ("quotas",), item["quotas"])
            self.check_requirements(path + ("requirements",), item["requirements"], metrics)


def _metric(metric: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": metric["code"], "label": metric["label"], "unit": metric["unit"], "type": metric["type"],
        "higher_is_better": metric["better"] == "higher", "required": metric["required"],
        "nominee_kinds": list(metric["nominee_kinds"]), "min": metric["min"], "max": metric["max"],
        "at_most": metric["at_most"], "precision": metric["precision"], "target": metric["target"],
        "targets": dict(metric["targets"]),
    }


def _derived(item: dict[str, Any], kinds_of: dict[str, list[str]]) -> dict[str, Any]:
    operands = [item[n] for n in ("numerator", "denominator", "metric") if item[n]] + list(item["of"])
    kinds = item["nominee_kinds"]
    if kinds is None:
        # A value can only be computed for the nominees every operand applies to.
        kinds = [k for k in ("collective", "individual") if all(k in kinds_of[o] for o in operands)]
    return {
        "code": item["code"], "label": item["label"], "unit": item["unit"], "formula": item["formula"],
        "higher_is_better": item["better"] == "higher", "numerator": item["numerator"],
        "denominator": item["denominator"], "metric": item["metric"], "of": list(item["of"]),
        "precision": item["precision"], "nominee_kinds": kinds,
    }


def _award_form(form: dict[str, Any], default_title: str | None) -> dict[str, Any]:
    value = form["multiplier"]
    periods = value if isinstance(value, list) else []
    return {
        "code": form["code"], "name": form["name"], "title": form["title"] or default_title or form["name"],
        "issuer": form["issuer"], "category": form["category"], "family": form_family(form),
        "nominee_kinds": list(form["nominee_kinds"]),
        "vote_rule": form["vote_rule"],
        "multiplier": periods[-1]["value"] if periods else value,
        "multipliers": [{"from": p["start"], "value": p["value"], "basis": p["basis"]} for p in periods],
    }


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    kinds_of: dict[str, list[str]] = {m["code"]: list(m["nominee_kinds"]) for m in data["metrics"]}
    derived = []
    for item in data["derived"]:
        stored = _derived(item, kinds_of)
        kinds_of[item["code"]] = stored["nominee_kinds"]
        derived.append(stored)
    award_name = data["award_name"] or data["award_forms"][0]["title"] or data["award_forms"][0]["name"]
    default_quotas = data["quotas"] or {"total": {}, "per_unit": []}
    rounds = []
    for position, item in enumerate(data["rounds"], start=1):
        rounds.append({
            "code": item["code"], "kind": item["kind"], "title": item["title"], "position": position,
            "period": item["period"], "deadline": item["deadline"],
            "accepts_late": (item["late_policy"] or data["late_policy"]) == "accept",
            "quotas": _quotas(item["quotas"] or default_quotas),
            "requirements": item["requirements"],
            "legal_bases": item["legal_bases"] if item["legal_bases"] is not None else list(data["legal_bases"]),
        })
    return {
        "format": data["format"], "code": data["code"], "plan": {**data["plan"], "signer": data["plan"]["signer"]},
        "participants": data["participants"], "period": data["period"],
        "standing_agency": data["standing_agency"], "authority": data["authority"], "units": data["units"],
        "award_name": award_name, "legal_bases": list(data["legal_bases"]),
        "award_forms": [_award_form(f, award_name) for f in data["award_forms"]],
        "metrics": [_metric(m) for m in data["metrics"]], "derived": derived,
        "ranking": data["ranking"], "rules": {"individuals_need_selected_collective": False, **data["rules"]},
        "rounds": rounds, "required_documents": data["required_documents"], "late_policy": data["late_policy"],
        "decisions": data["decisions"],
    }


def _quotas(quotas: dict[str, Any]) -> dict[str, Any]:
    total = {k: v for k, v in (quotas.get("total") or {}).items() if v is not None}
    per_unit = [{key: value for key, value in limit.items() if value not in (None, [])}
                for limit in quotas.get("per_unit") or []]
    return {"total": total, "per_unit": per_unit}
