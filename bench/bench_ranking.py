"""Benchmark: ranking a large round (service.ranking) with the rule of a real definition.

    .venv/bin/python bench/bench_ranking.py [--units 1000] [--per-unit 20] [--repeat 7]

Builds a round of ``units`` units (nine in ten provincial branches, one in
ten central units) each proposing one collective and ``per-unit - 1``
individuals, with random figures, under the rule of
``campaigns/bhxh-viet-nam-4111-2024.yaml`` (late-payment ratio where lower is
better, tie-break on the last three months, targets, at most 3 or 5
individuals per unit, individuals only from selected collectives) plus a
round-wide quota and 50 overrides. Times, as medians of ``--repeat`` runs
(``time.perf_counter``):

* figures: the derived values and the stable (Vietnamese collation) keys of
  every nominee, i.e. what ``service.operations.rounds.round_entries`` does
  after reading the database;
* rank: ``service.ranking.rank`` itself, quotas, reasons and overrides included.

Then traces one run of each with ``tracemalloc`` and prints the peak.
Target: 1,000 units and 20,000 nominees well under one second.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from service import ranking  # noqa: E402
from service.campaigns.definition import parse_definition  # noqa: E402
from service.campaigns.metrics import derived_values  # noqa: E402
from service.documents import collation  # noqa: E402
from service.operations.rounds import ranking_rule  # noqa: E402

DEFINITION = ROOT / "campaigns" / "bhxh-viet-nam-4111-2024.yaml"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Hoàng", "Ngọc", "Quốc", "Thị Kim"]
GIVEN = ["An", "Anh", "Ánh", "Bình", "Châu", "Dũng", "Đức", "Giang", "Hạnh", "Hùng", "Khoa",
         "Lan", "Long", "Mai", "Nam", "Nhung", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Uyên", "Vy"]


def campaign_and_round():
    data = parse_definition(DEFINITION.read_text(encoding="utf-8")).data
    campaign = SimpleNamespace(metrics=data["metrics"], derived_metrics=data["derived"],
                               ranking={"groups": data["ranking"], "rules": data["rules"]})
    quotas = dict(data["rounds"][0]["quotas"])
    # A round-wide limit as well, so that quotas of both kinds cut.
    quotas["total"] = {"collective": 300, "individual": 2500}
    round_ = SimpleNamespace(quotas=quotas, requirements=[], title="Đợt thi đua nước rút")
    return campaign, round_


def raw_nominees(units: int, per_unit: int, rng: random.Random) -> list[dict]:
    nominees = []
    nid = 0
    for u in range(units):
        code, kind = (f"agency-{u}", "agency") if u % 10 == 0 else (f"branch-{u}", "branch")
        due = rng.randint(200, 5000)
        due_q4 = due // 4
        nid += 1
        figures = {} if kind == "agency" else {
            "amount_due": due, "amount_late": round(due * rng.uniform(0.005, 0.035), 2),
            "amount_due_q4": due_q4, "amount_late_q4": round(due_q4 * rng.uniform(0.003, 0.03), 2),
            "revenue": round(due * rng.uniform(0.97, 1.05), 2), "revenue_plan": due,
            "participants": rng.randint(50_000, 400_000), "participants_plan": 200_000}
        nominees.append({"id": nid, "kind": "collective", "unit": code, "unit_kind": kind,
                         "name": f"Bảo hiểm xã hội đơn vị {u}", "metrics": figures, "state": "accepted",
                         "passed": rng.random() > 0.02})
        for _ in range(per_unit - 1):
            nid += 1
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            nominees.append({"id": nid, "kind": "individual", "unit": code, "unit_kind": kind, "name": name,
                             "metrics": {"initiatives": rng.randint(0, 15)},
                             "state": "accepted" if rng.random() > 0.01 else "rejected",
                             "passed": rng.random() > 0.03})
    return nominees


def build_entries(campaign, nominees: list[dict]) -> list[ranking.Entry]:
    entries = []
    for n in nominees:
        values = dict(n["metrics"])
        values.update(derived_values(campaign.metrics, campaign.derived_metrics, n["metrics"], n["unit"], n["kind"]))
        entries.append(ranking.Entry(
            nominee_id=n["id"], kind=n["kind"], unit_code=n["unit"], unit_kind=n["unit_kind"], values=values,
            dossier_state=n["state"], vote_passed=n["passed"], vote_note="5/9 phiếu",
            stable_key=collation.nominee_sort_key({"kind": n["kind"], "full_name": n["name"]})))
    return entries


def timed(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def peak(function) -> int:
    gc.collect()
    tracemalloc.start()
    function()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--per-unit", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(2024)
    campaign, round_ = campaign_and_round()
    rule = ranking_rule(campaign, round_)
    nominees = raw_nominees(args.units, args.per_unit, rng)
    overrides = [ranking.Override(n["id"], rng.random() < 0.5, "Điều chỉnh thử.")
                 for n in rng.sample(nominees, 50)]

    figures_time, entries = timed(lambda: build_entries(campaign, nominees), args.repeat)
    rank_time, result = timed(lambda: ranking.rank(entries, rule, overrides), args.repeat)
    again = ranking.rank(list(reversed(entries)), rule, overrides)
    assert [o.nominee_id for o in again.outcomes] == [o.nominee_id for o in result.outcomes], "not deterministic"

    figures_peak = peak(lambda: build_entries(campaign, nominees))
    rank_peak = peak(lambda: ranking.rank(entries, rule, overrides))
    reasons: dict[str, int] = {}
    for outcome in result.outcomes:
        key = "selected" if outcome.is_selected else outcome.reason_code or "?"
        reasons[key] = reasons.get(key, 0) + 1

    print(f"Round of {args.units} units, {len(nominees)} nominees "
          f"({sum(1 for n in nominees if n['kind'] == 'collective')} collectives), 50 overrides, "
          f"median of {args.repeat} runs, Python {sys.version.split()[0]}")
    print()
    print("| stage | time | peak traced memory |")
    print("|---|---|---|")
    print(f"| figures (derived values + collation keys) | {figures_time * 1000:.0f} ms | "
          f"{figures_peak / 2**20:.1f} MiB |")
    print(f"| rank (groups, targets, quotas, overrides, reasons) | {rank_time * 1000:.0f} ms | "
          f"{rank_peak / 2**20:.1f} MiB |")
    print(f"| total | {(figures_time + rank_time) * 1000:.0f} ms | |")
    print()
    print("Outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))


if __name__ == "__main__":
    main()
