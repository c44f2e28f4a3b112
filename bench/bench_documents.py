"""Benchmark: the three documents of a dossier, our engine against plain docxtpl.

    .venv/bin/python bench/bench_documents.py [--repeat 7]

For dossiers of 10, 50 and 200 nominees it times (a) our engine with the
builders (context building included) and (b) plain docxtpl on the same
templates and contexts: a fresh ``DocxTemplate(path)`` each time, rendered
with a sandboxed autoescaping environment and saved to memory. Prints a
Markdown table of medians and the peak memory (tracemalloc) of one dossier of
200 nominees for each side.
"""

from __future__ import annotations

import argparse
import copy
import gc
import io
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from docxtpl import DocxTemplate  # noqa: E402
from jinja2.sandbox import SandboxedEnvironment  # noqa: E402

from service.documents import builders, engine  # noqa: E402

SIZES = (10, 50, 200)

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Hoàng", "Ngọc", "Quốc", "Thị Kim"]
GIVEN = ["An", "Anh", "Ánh", "Bình", "Châu", "Dũng", "Đức", "Giang", "Hạnh", "Hùng", "Khoa",
         "Lan", "Long", "Mai", "Nam", "Nhung", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Uyên", "Vy"]


def snapshot_with(n: int) -> dict:
    """The sample dossier grown to ``n`` nominees (a tenth of them collectives)."""
    snapshot = builders.sample_snapshot()
    base = snapshot["nominees"]
    person = next(x for x in base if x["kind"] == "individual")
    group = next(x for x in base if x["kind"] == "collective")
    nominees = []
    for i in range(n):
        if i % 10 == 0:
            item = copy.deepcopy(group)
            item["full_name"] = f"Tổ dân phố số {i // 10 + 1}, khóm Bình Thới"
        else:
            item = copy.deepcopy(person)
            item["full_name"] = f"{FAMILY[i % 12]} {MIDDLE[i % 8]} {GIVEN[i % 23]}"
            item["gender"] = "female" if "Thị" in item["full_name"] else "male"
        item["id"] = 1000 + i
        item["passed"] = i % 7 != 3
        nominees.append(item)
    snapshot["nominees"] = nominees
    return snapshot


def ours(snapshot: dict) -> list[bytes]:
    return [
        engine.render_docx(builders.template_path(kind), builders.build_context(kind, snapshot))
        for kind in builders.DOCUMENT_KINDS
    ]


def plain_docxtpl(contexts: dict) -> list[bytes]:
    outputs = []
    for kind in builders.DOCUMENT_KINDS:
        template = DocxTemplate(builders.template_path(kind))
        template.render(
            contexts[kind],
            jinja_env=SandboxedEnvironment(autoescape=True),
        )
        buffer = io.BytesIO()
        template.save(buffer)
        outputs.append(buffer.getvalue())
    return outputs


def median_ms(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def peak_mib(function) -> float:
    gc.collect()
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="repetitions per measurement")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    ours(snapshot_with(10))
    cold_ms = (time.perf_counter() - start) * 1000

    rows = []
    for n in SIZES:
        snapshot = snapshot_with(n)
        contexts = {kind: builders.build_context(kind, snapshot) for kind in builders.DOCUMENT_KINDS}
        ours(snapshot)  # warm-up: the first render prepares and caches the templates
        plain_docxtpl(contexts)
        ours_ms = median_ms(lambda: ours(snapshot), args.repeat)
        docxtpl_ms = median_ms(lambda: plain_docxtpl(contexts), args.repeat)
        rows.append((n, ours_ms, docxtpl_ms))

    print("| N nominees | ours (ms, 3 documents) | docxtpl (ms, 3 documents) | docxtpl / ours |")
    print("|---:|---:|---:|---:|")
    for n, ours_ms, docxtpl_ms in rows:
        print(f"| {n} | {ours_ms:.1f} | {docxtpl_ms:.1f} | {docxtpl_ms / ours_ms:.1f}× |")

    snapshot = snapshot_with(200)
    contexts = {kind: builders.build_context(kind, snapshot) for kind in builders.DOCUMENT_KINDS}
    print()
    print(f"Peak memory, 200 nominees (tracemalloc): ours {peak_mib(lambda: ours(snapshot)):.1f} MiB, "
          f"docxtpl {peak_mib(lambda: plain_docxtpl(contexts)):.1f} MiB")
    print(f"First render in this process (preparing the three templates): {cold_ms:.0f} ms")
    print(f"(medians of {args.repeat} runs; ours includes building the contexts, "
          "and its templates are prepared once before timing)")


if __name__ == "__main__":
    main()
