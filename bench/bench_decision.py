"""Benchmark: the award decision with its list, our engine against plain docxtpl.

    .venv/bin/python bench/bench_decision.py [--repeat 5] [--sizes 100,1000,10000]

For decisions listing N awardees (a tenth of them collectives) it times
(a) building the context from the snapshot, (b) our engine rendering the
committed ``templates_docx/campaign/quyet_dinh.docx`` and (c) plain docxtpl
on the same template and the same context: a fresh ``DocxTemplate(path)``,
rendered with a sandboxed autoescaping environment and saved to memory.
Prints a Markdown table of medians (``time.perf_counter``) and of the peak
memory traced by ``tracemalloc`` for one render of each side (traced
separately: tracing slows the code it measures). tracemalloc sees only
Python's allocations, not lxml's, so the largest size is also run in a
child process of its own that reports how far the render raised the
process's peak resident size (``VmHWM``), next to a child that only
builds the same data (the baseline both sides share).

Target: 10,000 awardees in under 2 s and 300 MB.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from memory import max_rss_mib, traced_peak_mib  # noqa: E402

from docxtpl import DocxTemplate  # noqa: E402
from jinja2.sandbox import SandboxedEnvironment  # noqa: E402

from service.documents import builders  # noqa: E402
from service.documents import engine  # noqa: E402

KIND = "quyet_dinh"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Hoàng", "Ngọc", "Quốc", "Thị Kim"]
GIVEN = ["An", "Anh", "Ánh", "Bình", "Châu", "Dũng", "Đức", "Giang", "Hạnh", "Hùng", "Khoa",
         "Lan", "Long", "Mai", "Nam", "Nhung", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Uyên", "Vy"]


def snapshot_with(n: int) -> dict:
    """The sample campaign grown to ``n`` awardees (a tenth of them collectives)."""
    snapshot = builders.sample_campaign_snapshot()
    person = next(a for a in snapshot["awardees"] if a["kind"] == "individual")
    group = next(a for a in snapshot["awardees"] if a["kind"] == "collective")
    awardees = []
    for i in range(n):
        if i % 10 == 0:
            item = dict(group)
            item["full_name"] = f"Tổ dân phố số {i // 10 + 1}, khóm Bình Thới"
        else:
            item = dict(person)
            item["full_name"] = f"{FAMILY[i % 12]} {MIDDLE[i % 8]} {GIVEN[i % 23]}"
            item["gender"] = "female" if "Thị" in item["full_name"] else "male"
        item["unit_name"] = f"Ủy ban nhân dân phường {i % 13 + 1}"
        awardees.append(item)
    snapshot["awardees"] = awardees
    return snapshot


def build(snapshot: dict) -> dict:
    return builders.build_campaign_context(KIND, snapshot)


def ours(context: dict) -> bytes:
    return engine.render_docx(builders.campaign_template_path(KIND), context)


def plain_docxtpl(context: dict) -> bytes:
    template = DocxTemplate(builders.campaign_template_path(KIND))
    template.render(context, jinja_env=SandboxedEnvironment(autoescape=True))
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


def median_ms(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)




def child(side: str, n: int) -> None:
    """In this (fresh) process, build the data and render once with ``side``
    (``none`` for the baseline); print the peak resident size in MiB."""
    snapshot = snapshot_with(n)
    context = build(snapshot)
    if side == "ours":
        ours(build(snapshot))
    elif side == "docxtpl":
        plain_docxtpl(context)
    print(json.dumps({"peak_rss": max_rss_mib()}))


def peak_rss_mib(side: str, n: int) -> float:
    result = subprocess.run([sys.executable, __file__, "--child", side, str(n)], check=True,
                            capture_output=True, text=True)
    return json.loads(result.stdout)["peak_rss"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per measurement")
    parser.add_argument("--sizes", default="100,1000,10000", help="numbers of awardees, comma-separated")
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    sizes = [int(size) for size in args.sizes.split(",")]

    start = time.perf_counter()
    ours(build(snapshot_with(10)))
    cold_ms = (time.perf_counter() - start) * 1000

    rows = []
    for n in sizes:
        snapshot = snapshot_with(n)
        context = build(snapshot)
        ours(context)  # warm-up: the first render prepares and caches the template
        build_ms = median_ms(lambda: build(snapshot), args.repeat)
        ours_ms = median_ms(lambda: ours(context), args.repeat)
        docxtpl_ms = median_ms(lambda: plain_docxtpl(context), args.repeat)
        ours_peak = traced_peak_mib(lambda: ours(build(snapshot)))
        docxtpl_peak = traced_peak_mib(lambda: plain_docxtpl(context))
        rows.append((n, build_ms, ours_ms, docxtpl_ms, ours_peak, docxtpl_peak))

    print("| N awardees | context (ms) | ours: render (ms) | ours: context + render (ms) | docxtpl (ms) "
          "| docxtpl / ours | peak ours (MiB) | peak docxtpl (MiB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, build_ms, ours_ms, docxtpl_ms, ours_peak, docxtpl_peak in rows:
        total = build_ms + ours_ms
        print(f"| {n:,} | {build_ms:.0f} | {ours_ms:.0f} | {total:.0f} | {docxtpl_ms:.0f} "
              f"| {docxtpl_ms / total:.1f}× | {ours_peak:.0f} | {docxtpl_peak:.0f} |")
    largest = max(sizes)
    print()
    print(f"Peak resident size of a fresh process rendering {largest:,} awardees once: "
          f"ours {peak_rss_mib('ours', largest):.0f} MiB, docxtpl {peak_rss_mib('docxtpl', largest):.0f} MiB "
          f"(building the data alone: {peak_rss_mib('none', largest):.0f} MiB)")
    print(f"First render in this process (preparing the template): {cold_ms:.0f} ms")
    print(f"(medians of {args.repeat} runs; peak memory traced by tracemalloc for one run, ours including "
          "the context; docxtpl gets the context already built)")


if __name__ == "__main__":
    main()
