"""Figures of a nominee: checking what the clerk typed, and computing what the service derives.

A campaign declares input metrics (counts, amounts, percentages typed by the
unit's clerk) and derived ones (rates, per-head figures, attainment of the
unit's target, means of those), which are computed here and never typed by
hand, so that a rate can never disagree with the counts it comes from.

Derived values are rounded half up to the metric's ``precision``; rankings
compare these rounded values, so two units whose rates show the same figure
are "tương đương" (equal results) and go to the tie-break, as the plans say.
"""
from __future__ import annotations

import math
import numbers
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping, Sequence

from ..vocabulary import nominee_kind_word

__all__ = [
    "clean_figures",
    "derived_values",
    "format_figure",
    "nominee_values",
    "requirement_failure",
    "round_half_up",
    "target_for",
]



def format_figure(value: float | int | None, unit: str = "", precision: int = 2) -> str:
    """Vietnamese figure: 1757 → "1.757", 62.5 → "62,5", with the unit ("62,5%", "1.757 người").

    Plain string work rather than Babel: rankings write one reason per cut
    nominee, and twenty thousand of them must stay well under a second.
    """
    if value is None:
        return "—"
    text = f"{value:,.{precision}f}" if isinstance(value, float) else f"{value:,}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def round_half_up(value: float | int, precision: int) -> float | int:
    """Round like people do (0,125 → 0,13), not like binary floats do."""
    if isinstance(value, int):
        return value
    quantum = Decimal(1).scaleb(-precision)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _divide(numerator: float | int, denominator: float | int, scale: int, precision: int) -> float:
    """numerator × scale ÷ denominator, rounded half up; exact for integers."""
    if isinstance(numerator, int) and isinstance(denominator, int) and denominator > 0 and numerator >= 0:
        factor = 10 ** precision
        scaled = (2 * numerator * scale * factor + denominator) // (2 * denominator)
        return scaled / factor
    return round_half_up(numerator * scale / denominator, precision)


def target_for(metric: Mapping[str, Any], unit_code: str | None) -> float | int | None:
    """The target the plan gives ``unit_code`` for ``metric`` (its own, else the common one)."""
    targets = metric.get("targets") or {}
    if unit_code is not None and unit_code in targets:
        return targets[unit_code]
    return metric.get("target")


def derived_values(metrics: Sequence[Mapping[str, Any]], derived: Sequence[Mapping[str, Any]],
                   values: Mapping[str, Any], unit_code: str | None = None,
                   kind: str | None = None) -> dict[str, float | None]:
    """Every derived value for one nominee, in declaration order (a mean may use earlier rates).

    A value whose operands are missing, or whose denominator or target is
    zero, is None (shown as "—" and ranked last).
    """
    known: dict[str, Any] = dict(values)
    by_code = {m["code"]: m for m in metrics}
    result: dict[str, float | None] = {}
    for item in derived:
        if kind is not None and kind not in (item.get("nominee_kinds") or (kind,)):
            continue
        precision = item.get("precision", 2)
        formula = item["formula"]
        value: float | None = None
        if formula in ("ratio", "per"):
            numerator, denominator = known.get(item["numerator"]), known.get(item["denominator"])
            if numerator is not None and denominator:
                value = _divide(numerator, denominator, 100 if formula == "ratio" else 1, precision)
        elif formula == "attainment":
            figure = known.get(item["metric"])
            base = by_code.get(item["metric"])
            target = target_for(base, unit_code) if base is not None else None
            if figure is not None and target:
                value = _divide(figure, target, 100, precision)
        elif formula == "mean":
            parts = [known.get(code) for code in item["of"]]
            if parts and all(p is not None for p in parts):
                value = round_half_up(math.fsum(parts) / len(parts), precision)
        result[item["code"]] = value
        known[item["code"]] = value
    return result


def clean_figures(metrics: Sequence[Mapping[str, Any]], derived: Sequence[Mapping[str, Any]],
                  values: Mapping[str, Any], kind: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """Check typed figures against the campaign's metrics; return (figures to store, problems).

    Refuses unknown codes, derived codes (the service computes those), text,
    booleans, non-finite numbers, decimals where a count is expected, values
    out of range, and a part larger than its whole (``at_most``).  Whole
    numbers sent as ``3.0`` are stored as ``3``.
    """
    known = {m["code"]: m for m in metrics}
    computed = {d["code"]: d for d in derived}
    problems: list[str] = []
    cleaned: dict[str, Any] = {}
    for code, value in values.items():
        metric = known.get(code)
        if metric is None:
            if code in computed:
                problems.append(f"“{computed[code]['label']}” do hệ thống tự tính, không nhập tay.")
            else:
                problems.append(f"Chỉ tiêu “{code}” không có trong phong trào.")
            continue
        label = metric["label"]
        if kind is not None and kind not in metric.get("nominee_kinds", (kind,)):
            problems.append(f"“{label}” không áp dụng cho {nominee_kind_word(kind)}.")
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            problems.append(f"“{label}” phải là một số.")
            continue
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"“{label}” không phải là số hợp lệ.")
            continue
        if metric.get("type", "number") == "integer":
            if isinstance(value, float) and not value.is_integer():
                problems.append(f"“{label}” phải là số nguyên (đếm được), không có phần thập phân.")
                continue
            value = int(value)
        low, high = metric.get("min", 0), metric.get("max")
        if high is None and metric.get("type") == "percent":
            high = 100
        if low is not None and value < low:
            problems.append(f"“{label}” không được nhỏ hơn {format_figure(low)}.")
        if high is not None and value > high:
            problems.append(f"“{label}” không được lớn hơn {format_figure(high)}.")
        cleaned[code] = value
    for code, value in cleaned.items():
        whole = known[code].get("at_most")
        if whole and whole in cleaned and value > cleaned[whole]:
            problems.append(
                f"“{known[code]['label']}” ({format_figure(value)}) không được lớn hơn "
                f"“{known[whole]['label']}” ({format_figure(cleaned[whole])}).")
    return cleaned, problems


def requirement_failure(requirement: Mapping[str, Any], value: float | int | None, label: str,
                        unit: str = "") -> str | None:
    """Why ``value`` misses the requirement (a target, a threshold), or None when it meets it."""
    low, high = requirement.get("min"), requirement.get("max")
    if value is None:
        return f"chưa có số liệu “{label}”"
    if low is not None and value < low:
        return f"“{label}” đạt {format_figure(value, unit)}, yêu cầu từ {format_figure(low, unit)} trở lên"
    if high is not None and value > high:
        return f"“{label}” là {format_figure(value, unit)}, yêu cầu không quá {format_figure(high, unit)}"
    return None


def nominee_values(campaign: Any, nominee: Any, unit_code: str) -> dict[str, Any]:
    """Typed figures (rounded to each metric's precision) followed by the derived values.

    ``campaign`` has ``metrics`` and ``derived_metrics`` (the definition's
    lists), ``nominee`` has ``metric_values`` (what the clerk typed) and
    ``kind``; the models ``Campaign`` and ``Nominee`` are such objects.
    """
    precision = {m["code"]: m.get("precision", 2) for m in campaign.metrics or []}
    typed = {code: round_half_up(value, precision.get(code, 2)) if isinstance(value, float) else value
             for code, value in (nominee.metric_values or {}).items()}
    derived = derived_values(campaign.metrics or [], campaign.derived_metrics or [], typed, unit_code,
                             nominee.kind)
    return {**typed, **derived}
