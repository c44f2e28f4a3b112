"""Prize money that goes with an award.

The amount is a multiplier times the base salary (mức lương cơ sở) in force
on the date of the award decision, rounded to tens of thousands of đồng:

* the multipliers are set by the decree guiding the Law on Emulation and
  Commendation that is in force on the decision date — Nghị định
  91/2017/NĐ-CP, then 98/2023/NĐ-CP (Luật Thi đua, khen thưởng 06/2022/QH15,
  from 01/01/2024), then 152/2025/NĐ-CP (from 01/07/2025);
* the base salary is set by its own decrees (the latest being Nghị định
  73/2024/NĐ-CP: 2.340.000 đồng from 01/07/2024).

Both tables are data (``base_salary.yaml`` and ``prize_multipliers.yaml``
next to this module), loadable and editable; a campaign may override the
multiplier of any of its award forms. Sources disagree on whether "rounded
to tens of thousands" means to the nearest or up, so the rule is a setting
and the unrounded amount is kept beside the rounded one.

Pure Python: no Flask, no database. Errors are ``PrizeError`` with a
Vietnamese message.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from ..documents.vnformat import format_date_short, format_money, money_in_words, nfc
from ..vocabulary import nominee_kind_word

__all__ = [
    "PrizeError",
    "NOMINEE_KINDS",
    "ROUNDING_RULES",
    "ROUNDING_STEP",
    "CHECK_NOTE",
    "BaseSalary",
    "BaseSalaryTable",
    "FormRates",
    "PrizeRegime",
    "Multiplier",
    "MultiplierTable",
    "Prize",
    "round_prize",
    "compute_prize",
    "prize_for_award_form",
    "multiplier_on",
    "apply_prizes",
]

HERE = Path(__file__).resolve().parent
BASE_SALARY_FILE = HERE / "base_salary.yaml"
MULTIPLIER_FILE = HERE / "prize_multipliers.yaml"

NOMINEE_KINDS = ("individual", "collective", "household")

ROUNDING_RULES = ("nearest", "up")
ROUNDING_STEP = 10_000

# Shown next to any figure that rests on a value marked needs_check.
CHECK_NOTE = "cần kiểm tra"


class PrizeError(ValueError):
    """Prize money cannot be computed; ``str(error)`` is a Vietnamese message."""


# --------------------------------------------------------------------------
# Parsing helpers for the data files and for rows given by callers
# --------------------------------------------------------------------------

def _parse_date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return dt.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
    raise PrizeError(f"Ngày không hợp lệ ở {what}: {value!r} (cần dạng dd/mm/yyyy).")


def _parse_decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise PrizeError(f"Giá trị không phải là số ở {what}: {value!r}.")
    try:
        # str() keeps 0.3 as 0.3 rather than float's binary expansion.
        number = Decimal(str(value).strip().replace(",", ".")) if isinstance(value, str) else Decimal(str(value))
    except InvalidOperation as exc:
        raise PrizeError(f"Giá trị không phải là số ở {what}: {value!r}.") from exc
    if not number.is_finite() or number < 0:
        raise PrizeError(f"Giá trị không hợp lệ ở {what}: {value!r}.")
    return number


def _load_yaml(source: str | Path | None, default: Path) -> Any:
    if source is None:
        source = default
    if isinstance(source, Path):
        text = source.read_text(encoding="utf-8")
    else:
        text = source
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PrizeError(f"Tệp dữ liệu tiền thưởng không đúng định dạng YAML: {exc}.") from exc


# --------------------------------------------------------------------------
# Base salary
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class BaseSalary:
    """One level of the base salary: ``amount`` đồng a month from ``valid_from``."""

    valid_from: dt.date
    amount: int
    source: str = ""
    needs_check: bool = False


class BaseSalaryTable:
    """Base salary levels by date; ``on(day)`` gives the level in force that day."""

    def __init__(self, rows: Iterable[BaseSalary]):
        ordered = sorted(rows, key=lambda row: row.valid_from)
        if not ordered:
            raise PrizeError("Bảng mức lương cơ sở không có dòng nào.")
        seen: set[dt.date] = set()
        for row in ordered:
            if row.valid_from in seen:
                raise PrizeError(
                    f"Bảng mức lương cơ sở có hai dòng cùng ngày hiệu lực {format_date_short(row.valid_from)}."
                )
            seen.add(row.valid_from)
            if row.amount <= 0:
                raise PrizeError(f"Mức lương cơ sở từ {format_date_short(row.valid_from)} phải lớn hơn 0.")
        self._rows = tuple(ordered)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any] | tuple]) -> "BaseSalaryTable":
        """Build a table from rows such as ``{"from": "01/07/2024", "amount": 2340000}``.

        A row may also be a ``(date, amount)`` tuple; dates are ``date``
        objects or text ``dd/mm/yyyy`` / ``yyyy-mm-dd``; optional keys are
        ``source`` and ``needs_check``.
        """
        parsed = []
        for index, row in enumerate(rows, start=1):
            what = f"dòng {index} của bảng mức lương cơ sở"
            if isinstance(row, tuple):
                row = {"from": row[0], "amount": row[1]}
            start = row.get("from", row.get("valid_from"))
            amount = _parse_decimal(row.get("amount"), what)
            if amount != amount.to_integral_value():
                raise PrizeError(f"Mức lương cơ sở ở {what} phải là số đồng nguyên.")
            parsed.append(BaseSalary(
                valid_from=_parse_date(start, what),
                amount=int(amount),
                source=nfc(row.get("source") or "").strip(),
                needs_check=bool(row.get("needs_check", False)),
            ))
        return cls(parsed)

    @classmethod
    def from_yaml(cls, source: str | Path | None = None) -> "BaseSalaryTable":
        """Load a table from YAML text or a file (``rows:`` list); the packaged file by default."""
        data = _load_yaml(source, BASE_SALARY_FILE)
        if not isinstance(data, Mapping) or not isinstance(data.get("rows"), list):
            raise PrizeError("Tệp mức lương cơ sở phải có mục «rows» là một danh sách.")
        return cls.from_rows(data["rows"])

    @classmethod
    def default(cls) -> "BaseSalaryTable":
        """The packaged table (``base_salary.yaml``), loaded once."""
        return _default_salaries()

    @property
    def rows(self) -> tuple[BaseSalary, ...]:
        return self._rows

    def to_rows(self) -> list[dict[str, Any]]:
        """Rows as plain dicts (for an edit form or for saving back to YAML)."""
        return [
            {"from": row.valid_from, "amount": row.amount, "source": row.source, "needs_check": row.needs_check}
            for row in self._rows
        ]

    def on(self, day: dt.date | dt.datetime) -> BaseSalary:
        """The level in force on ``day``; a day before the first row is refused."""
        day = _parse_date(day, "ngày quyết định")
        found = None
        for row in self._rows:
            if row.valid_from <= day:
                found = row
            else:
                break
        if found is None:
            raise PrizeError(
                f"Không có mức lương cơ sở áp dụng cho ngày {format_date_short(day)}: bảng mức lương cơ sở "
                f"bắt đầu từ ngày {format_date_short(self._rows[0].valid_from)}."
            )
        return found


@functools.lru_cache(maxsize=1)
def _default_salaries() -> BaseSalaryTable:
    return BaseSalaryTable.from_yaml()


# --------------------------------------------------------------------------
# Multipliers
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class FormRates:
    """Multipliers of one award form under one decree (``None``: not awarded to that kind)."""

    code: str
    name: str
    individual: Decimal | None = None
    collective: Decimal | None = None
    collective_name: str = ""
    needs_check: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PrizeRegime:
    """The multipliers of one decree, in force from ``in_force_from``."""

    decree: str
    in_force_from: dt.date
    forms: Mapping[str, FormRates]
    household_factor: Decimal = Decimal("1.5")


@dataclass(frozen=True)
class Multiplier:
    """A multiplier and where it comes from."""

    value: Decimal
    basis: str  # "Nghị định 152/2025/NĐ-CP" or "cấu hình của phong trào"
    decree: str | None = None
    is_override: bool = False
    needs_check: bool = False


class MultiplierTable:
    """Multipliers per award form and nominee kind, by the decree in force."""

    def __init__(self, regimes: Iterable[PrizeRegime]):
        ordered = sorted(regimes, key=lambda regime: regime.in_force_from)
        if not ordered:
            raise PrizeError("Bảng hệ số tiền thưởng không có nghị định nào.")
        self._regimes = tuple(ordered)

    @classmethod
    def from_rows(cls, regimes: Iterable[Mapping[str, Any]], household_factor: Any = "1.5") -> "MultiplierTable":
        """Build a table from plain dicts, shaped like ``prize_multipliers.yaml``'s ``regimes``."""
        factor = _parse_decimal(household_factor, "hệ số hộ gia đình")
        parsed = []
        for regime in regimes:
            decree = nfc(regime.get("decree") or "").strip()
            if not decree:
                raise PrizeError("Thiếu số hiệu nghị định trong bảng hệ số tiền thưởng.")
            start = _parse_date(regime.get("in_force_from"), f"nghị định {decree}")
            forms = {}
            for code, rates in (regime.get("forms") or {}).items():
                what = f"hình thức {code} (Nghị định {decree})"
                values = {
                    kind: None if rates.get(kind) is None else _parse_decimal(rates[kind], what)
                    for kind in ("individual", "collective")
                }
                checks = frozenset(rates.get("needs_check") or ())
                unknown = checks - {"individual", "collective"}
                if unknown:
                    raise PrizeError(f"Mục needs_check không hợp lệ ở {what}: {sorted(unknown)}.")
                forms[code] = FormRates(
                    code=code,
                    name=nfc(rates.get("name") or code).strip(),
                    collective_name=nfc(rates.get("collective_name") or "").strip(),
                    needs_check=checks,
                    **values,
                )
            parsed.append(PrizeRegime(decree, start, forms, _parse_decimal(
                regime.get("household_factor", factor), f"hệ số hộ gia đình (Nghị định {decree})")))
        return cls(parsed)

    @classmethod
    def from_yaml(cls, source: str | Path | None = None) -> "MultiplierTable":
        """Load a table from YAML text or a file; the packaged file by default."""
        data = _load_yaml(source, MULTIPLIER_FILE)
        if not isinstance(data, Mapping) or not isinstance(data.get("regimes"), list):
            raise PrizeError("Tệp hệ số tiền thưởng phải có mục «regimes» là một danh sách.")
        return cls.from_rows(data["regimes"], data.get("household_factor", "1.5"))

    @classmethod
    def default(cls) -> "MultiplierTable":
        """The packaged table (``prize_multipliers.yaml``), loaded once."""
        return _default_multipliers()

    @property
    def regimes(self) -> tuple[PrizeRegime, ...]:
        return self._regimes

    def regime_on(self, day: dt.date | dt.datetime) -> PrizeRegime:
        """The decree's multipliers in force on ``day``."""
        day = _parse_date(day, "ngày quyết định")
        found = None
        for regime in self._regimes:
            if regime.in_force_from <= day:
                found = regime
            else:
                break
        if found is None:
            raise PrizeError(
                f"Không có bảng hệ số tiền thưởng áp dụng cho ngày {format_date_short(day)}: bảng bắt đầu "
                f"từ ngày {format_date_short(self._regimes[0].in_force_from)} "
                f"(Nghị định {self._regimes[0].decree})."
            )
        return found

    def multiplier(self, form_code: str, kind: str, day: dt.date | dt.datetime) -> Multiplier:
        """The multiplier of award form ``form_code`` for ``kind`` on ``day``."""
        _check_kind(kind)
        regime = self.regime_on(day)
        rates = regime.forms.get(form_code)
        if rates is None:
            raise PrizeError(
                f"Hình thức khen thưởng «{form_code}» không có trong bảng hệ số tiền thưởng của "
                f"Nghị định {regime.decree}."
            )
        base_kind = "individual" if kind == "household" else kind
        value = getattr(rates, base_kind)
        if value is None:
            raise PrizeError(f"Hình thức «{rates.name}» không tặng cho {nominee_kind_word(kind)}.")
        if kind == "household":
            value = value * regime.household_factor
        return Multiplier(
            value=value,
            basis=f"Nghị định {regime.decree}",
            decree=regime.decree,
            needs_check=base_kind in rates.needs_check,
        )


@functools.lru_cache(maxsize=1)
def _default_multipliers() -> MultiplierTable:
    return MultiplierTable.from_yaml()


def _check_kind(kind: str) -> None:
    if kind not in NOMINEE_KINDS:
        raise PrizeError(f"Loại đối tượng khen thưởng không hợp lệ: {kind!r}.")


# --------------------------------------------------------------------------
# The amount
# --------------------------------------------------------------------------

def round_prize(amount: Decimal | int | float, rule: str = "nearest", step: int = ROUNDING_STEP) -> int:
    """Round an amount to a multiple of ``step`` đồng (tens of thousands by default).

    ``nearest`` rounds half up (702.000 → 700.000, 705.000 → 710.000); ``up``
    rounds any remainder up (702.000 → 710.000).
    """
    if rule not in ROUNDING_RULES:
        raise PrizeError(f"Cách làm tròn không hợp lệ: {rule!r} (chọn «nearest» hoặc «up»).")
    if step <= 0:
        raise PrizeError("Bước làm tròn phải lớn hơn 0.")
    value = _parse_decimal(amount, "số tiền")
    units = (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP if rule == "nearest" else ROUND_CEILING)
    return int(units) * step


@dataclass(frozen=True)
class Prize:
    """The prize money of one award, with everything it was computed from."""

    kind: str
    decision_date: dt.date
    multiplier: Decimal
    multiplier_basis: str
    base_salary: int
    base_salary_from: dt.date
    raw: Decimal  # multiplier × base salary, before rounding
    rounded: int
    rounding: str
    is_override: bool = False
    needs_check: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def raw_whole(self) -> int:
        """The raw amount in whole đồng (half up)."""
        return int(self.raw.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def in_words(self) -> str:
        """The rounded amount in words: ``Bảy trăm nghìn đồng``."""
        return money_in_words(self.rounded)

    @property
    def text(self) -> str:
        """``700.000 đồng (Bảy trăm nghìn đồng)``."""
        return f"{format_money(self.rounded)} ({self.in_words})"

    def snapshot_fields(self) -> dict[str, Any]:
        """The awardee fields of the document snapshot: multiplier, prize_raw, prize_rounded."""
        return {
            "multiplier": float(self.multiplier),
            "prize_raw": self.raw_whole,
            "prize_rounded": self.rounded,
            "prize_needs_check": self.needs_check,
        }


def compute_prize(
    form_code: str | None,
    kind: str,
    decision_date: dt.date | dt.datetime,
    *,
    multiplier: Any = None,
    rounding: str = "nearest",
    salaries: BaseSalaryTable | None = None,
    multipliers: MultiplierTable | None = None,
) -> Prize:
    """Compute the prize of award form ``form_code`` for a nominee of ``kind``.

    ``multiplier`` overrides the decree's value (a campaign's own setting);
    ``form_code`` may then be ``None``. ``kind`` is ``individual``,
    ``collective`` or ``household``. Raises ``PrizeError``.
    """
    _check_kind(kind)
    day = _parse_date(decision_date, "ngày quyết định")
    salaries = salaries or BaseSalaryTable.default()
    salary = salaries.on(day)
    if multiplier is not None:
        chosen = Multiplier(
            value=_parse_decimal(multiplier, "hệ số tiền thưởng"),
            basis="cấu hình của phong trào",
            is_override=True,
        )
    else:
        if not form_code:
            raise PrizeError("Thiếu hình thức khen thưởng để xác định hệ số tiền thưởng.")
        chosen = (multipliers or MultiplierTable.default()).multiplier(form_code, kind, day)
    raw = chosen.value * salary.amount
    notes = []
    if chosen.needs_check:
        notes.append(f"Hệ số {chosen.basis}: {CHECK_NOTE}.")
    if salary.needs_check:
        notes.append(f"Mức lương cơ sở từ {format_date_short(salary.valid_from)}: {CHECK_NOTE}.")
    return Prize(
        kind=kind,
        decision_date=day,
        multiplier=chosen.value,
        multiplier_basis=chosen.basis,
        base_salary=salary.amount,
        base_salary_from=salary.valid_from,
        raw=raw,
        rounded=round_prize(raw, rounding),
        rounding=rounding,
        is_override=chosen.is_override,
        needs_check=chosen.needs_check or salary.needs_check,
        notes=tuple(notes),
    )


def _form_multiplier(award_form: Mapping[str, Any], kind: str) -> Any:
    value = award_form.get("multiplier")
    if isinstance(value, Mapping):
        base_kind = "individual" if kind == "household" else kind
        value = value.get(kind, value.get(base_kind))
    return value


def multiplier_on(form: Mapping[str, Any], day: dt.date | None) -> Any:
    """The award form's multiplier in force on ``day`` (the decision date), from the campaign definition.

    A definition may date its multipliers (``multipliers: [{from, value}]``,
    when a decree changes them); the last period begun by ``day`` wins, else
    the form's single ``multiplier`` (a number, a dict by kind, or None: the
    decree's table).
    """
    periods = form.get("multipliers") or []
    if periods and day is not None:
        chosen = None
        for period in periods:
            if dt.date.fromisoformat(period["from"]) <= day:
                chosen = period["value"]
        if chosen is not None:
            return chosen
    return form.get("multiplier")


def prize_for_award_form(
    award_form: Mapping[str, Any],
    kind: str,
    decision_date: dt.date | dt.datetime,
    **options: Any,
) -> Prize:
    """Prize of a campaign's award form (``{code, name, multiplier?, category?}``).

    The form's own ``multiplier`` (a number, or a dict by kind) wins; without
    it the decree's table is read under ``category`` (one of the codes of
    ``prize_multipliers.yaml``: ``giay_khen``, ``bang_khen_bo_tinh`` …), or
    under the form's code. ``options`` are those of ``compute_prize``.
    """
    override = _form_multiplier(award_form, kind)
    category = award_form.get("category") or award_form.get("code")
    return compute_prize(category, kind, decision_date, multiplier=override, **options)


def apply_prizes(
    awardees: Iterable[Mapping[str, Any]],
    decision_date: dt.date | dt.datetime,
    award_forms: Iterable[Mapping[str, Any]] = (),
    **options: Any,
) -> list[dict[str, Any]]:
    """Return copies of ``awardees`` with ``multiplier``, ``prize_raw`` and ``prize_rounded`` set.

    Each awardee's ``award_form`` (``{code, name}``) is looked up in the
    campaign's ``award_forms`` (for a campaign multiplier or category) and
    otherwise read from the decree's table by its code. ``options`` are those
    of ``compute_prize`` (``rounding``, ``salaries``, ``multipliers``).
    """
    forms = {form.get("code"): form for form in award_forms}
    result = []
    for awardee in awardees:
        form = awardee.get("award_form") or {}
        campaign_form = {**form, **forms.get(form.get("code"), {})}
        prize = prize_for_award_form(campaign_form, awardee.get("kind") or "individual", decision_date, **options)
        result.append({**awardee, **prize.snapshot_fields()})
    return result
