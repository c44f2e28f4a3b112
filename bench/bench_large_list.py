"""Benchmark: a dossier's list (danh sách) of 1 000 to 20 000 nominees, our engine against plain docxtpl.

    .venv/bin/python bench/bench_large_list.py [--repeat 5] [--sizes 1000,10000,20000]

For a unit dossier of N nominees (a tenth of them collectives; names,
positions, metric figures and achievement summaries generated from a fixed
seed) it measures, on the committed ``templates_docx/danh_sach.docx``:

* ours: building the context from the snapshot with the service's own
  builder (``builders.build_context("danh_sach", snapshot)``) and rendering it
  with ``engine.render_docx``, exactly what the service does for the list;
* docxtpl: plain docxtpl on the same template and the same (already built)
  context, a fresh ``DocxTemplate(path)`` rendered with
  ``SandboxedEnvironment(autoescape=True)`` and saved to memory;
* floor: writing the rendered ``word/document.xml`` plus the template's other
  parts into a new zip with ``zipfile`` (deflate), the least any renderer has
  to do once the XML exists.

Times are medians of ``--repeat`` runs, wall clock (``time.perf_counter``)
and, in brackets, the CPU time of the process (``time.process_time``), which
moves less when other work shares the cores. Memory is measured twice: the
peak resident set of a fresh child process per (engine, N) that builds the
snapshot and runs once, next to a child that only builds the snapshot, and
the peak of Python's allocations during one run (``tracemalloc``, which does
not see lxml's or zlib's C buffers). The child reads its peak from
``VmHWM``: ``ru_maxrss`` of a child started from this (large) process
starts at this process's size, so it is only the fallback where /proc is
missing. Every output is checked: it opens with python-docx and its list
table has one row per nominee plus the header row and one heading row per
section.

Target: 10 000 nominees in under 0.5 s and 150 MB, and 20 000 taking at
most 2.2 times as long as 10 000.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import random
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from memory import max_rss_mib, traced_peak_mib  # noqa: E402

import docx  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docxtpl import DocxTemplate  # noqa: E402
from jinja2.sandbox import SandboxedEnvironment  # noqa: E402

from service.documents import builders, engine  # noqa: E402

KIND = "danh_sach"
SEED = 20241202
TARGET_MS, TARGET_MB, TARGET_RATIO = 500, 150, 2.2

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh", "Lâm", "Quách"]
MIDDLE_MALE = ["Văn", "Minh", "Quốc", "Hữu", "Đức", "Thanh", "Hoàng", "Công", "Xuân", "Trọng"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thị Kim", "Thị Thu", "Thị Mỹ", "Thanh", "Hồng", "Thị Ánh"]
GIVEN_MALE = ["An", "Bảo", "Cường", "Dũng", "Đức", "Hải", "Hiếu", "Hùng", "Khải", "Khoa", "Lộc",
              "Long", "Nghĩa", "Phúc", "Quân", "Sơn", "Tâm", "Thắng", "Thịnh", "Trí", "Vĩnh", "Vũ"]
GIVEN_FEMALE = ["Ánh", "Bích", "Châu", "Diễm", "Giang", "Hằng", "Hạnh", "Hương", "Lan", "Liễu",
                "Mai", "Nhung", "Oanh", "Phượng", "Quyên", "Thảo", "Thủy", "Trâm", "Uyên", "Yến"]
POSITIONS = ["Công chức Văn phòng - Thống kê", "Công chức Tài chính - Kế toán",
             "Công chức Tư pháp - Hộ tịch", "Công chức Địa chính - Xây dựng",
             "Công chức Văn hóa - Xã hội", "Phó Chủ tịch Ủy ban nhân dân phường",
             "Chỉ huy trưởng Ban Chỉ huy Quân sự phường", "Viên chức Trạm Y tế phường",
             "Bí thư Đoàn Thanh niên phường", "Trưởng khóm", "Chi hội trưởng Hội Phụ nữ",
             "Nhân viên Bưu điện văn hóa phường", "Tổ trưởng tổ dân phố"]
PLACES = ["Bình Thới", "Đông Thạnh", "Tây Huề", "Mỹ Phú", "Long Thạnh", "Phú Hòa", "Bình Đức",
          "Mỹ Quý", "Hòa Thạnh", "Đông An"]
GROUPS = ["Tổ dân phố số {n}, khóm {p}", "Ban Điều hành khóm {p}", "Chi hội Phụ nữ khóm {p}",
          "Chi đoàn khóm {p}", "Hợp tác xã dịch vụ {p} số {n}", "Trường Tiểu học {p} {n}"]
DEEDS = [
    "Vận động được {a} người thân tham gia bảo hiểm xã hội tự nguyện",
    "Phối hợp rà soát {a} hộ gia đình chưa tham gia bảo hiểm y tế tại {b} khóm",
    "Tổ chức {a} buổi tuyên truyền lưu động về chính sách bảo hiểm xã hội, bảo hiểm y tế",
    "Trực tiếp đến từng hộ dân hướng dẫn thủ tục đăng ký, gia hạn thẻ bảo hiểm y tế hộ gia đình",
    "Biên soạn {a} tài liệu hỏi - đáp về quyền lợi của người tham gia bảo hiểm xã hội tự nguyện",
    "Hoàn thành xuất sắc nhiệm vụ được giao, là điển hình của phong trào thi đua năm {y}",
    "Phối hợp với Bưu điện văn hóa phường thu {a} hồ sơ tham gia mới, vượt {b}% chỉ tiêu được giao",
]


def snapshot_with(n: int, seed: int = SEED) -> dict:
    """The sample dossier grown to ``n`` nominees, all proposed (a tenth collectives).

    Deterministic for a given ``n`` and seed; summaries run two or three
    sentences (about 150 to 300 characters) before the metric lines.
    """
    rng = random.Random(seed)
    snapshot = builders.sample_snapshot()
    metrics = [m["code"] for m in snapshot["campaign"]["metrics"]]
    nominees = []
    for i in range(n):
        deeds = [rng.choice(DEEDS).format(a=rng.randint(2, 60), b=rng.randint(2, 40), y=2024)
                 for _ in range(rng.randint(2, 3))]
        summary = ".\n".join(deeds) + "."
        place = rng.choice(PLACES)
        if i % 10 == 0:
            item = {
                "kind": "collective", "gender": None, "position": None,
                "full_name": rng.choice(GROUPS).format(n=rng.randint(1, 40), p=place),
                "workplace": f"Khóm {place}, phường Mỹ Bình",
                "metrics": {metrics[0]: round(rng.uniform(20, 100), 2), metrics[1]: rng.choice([95.5, 100])},
            }
        else:
            female = rng.random() < 0.5
            middle, given = (MIDDLE_FEMALE, GIVEN_FEMALE) if female else (MIDDLE_MALE, GIVEN_MALE)
            item = {
                "kind": "individual", "gender": "female" if female else "male",
                "full_name": f"{rng.choice(FAMILY)} {rng.choice(middle)} {rng.choice(given)}",
                "position": rng.choice(POSITIONS), "workplace": "UBND phường Mỹ Bình",
                "metrics": {metrics[2]: rng.randint(1, 12)},
            }
        votes = rng.randint(5, 9)
        item.update({
            "id": 1000 + i,
            "award_form": {"code": "giay_khen", "name": "Giấy khen"},
            "achievement_summary": summary,
            "votes_in_favour": votes, "vote_percent": round(votes * 100 / 9, 2),
            "passed": True, "is_leader": False,
        })
        nominees.append(item)
    snapshot["nominees"] = nominees
    return snapshot


def build(snapshot: dict) -> dict:
    return builders.build_context(KIND, snapshot)


def ours(snapshot: dict) -> bytes:
    """What the service does for the list: build the context, render it."""
    return engine.render_docx(builders.template_path(KIND), build(snapshot))


def plain_docxtpl(context: dict) -> bytes:
    template = DocxTemplate(builders.template_path(KIND))
    template.render(context, jinja_env=SandboxedEnvironment(autoescape=True))
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


def template_parts() -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(builders.template_path(KIND)) as archive:
        return [(info, archive.read(info)) for info in archive.infolist()]


def floor(parts: list[tuple[zipfile.ZipInfo, bytes]], document_xml: bytes) -> bytes:
    """Write an already rendered document.xml and the other parts into a zip (deflate)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            archive.writestr(info.filename, document_xml if info.filename == "word/document.xml" else data)
    return buffer.getvalue()


def check(data: bytes, n: int, sections: int) -> None:
    """The output opens with python-docx and its list has a row per nominee."""
    document = docx.Document(io.BytesIO(data))
    table = document.element.body.findall(qn("w:tbl"))[1]
    rows = len(table.findall(qn("w:tr")))
    if rows != 1 + sections + n:
        raise AssertionError(f"{n} nominees gave {rows} table rows, expected {1 + sections + n}")


def medians_ms(function, repeat: int) -> tuple[float, float]:
    """Median wall-clock and median CPU time of ``repeat`` runs, in ms."""
    wall, cpu = [], []
    for _ in range(repeat):
        gc.collect()
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        function()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start_wall) * 1000)
    return statistics.median(wall), statistics.median(cpu)




def child(side: str, n: int) -> None:
    """In this fresh process build the snapshot, run ``side`` once (``none``:
    nothing more) and print the peak resident size in MiB."""
    snapshot = snapshot_with(n)
    if side == "ours":
        ours(snapshot)
    elif side == "docxtpl":
        plain_docxtpl(build(snapshot))
    print(json.dumps({"peak_rss": max_rss_mib()}))


def peak_rss_mib(side: str, n: int) -> float:
    result = subprocess.run([sys.executable, __file__, "--child", side, str(n)], check=True,
                            capture_output=True, text=True)
    return json.loads(result.stdout)["peak_rss"]


def document_xml_of(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per time measurement")
    parser.add_argument("--sizes", default="1000,10000,20000", help="numbers of nominees, comma-separated")
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    parts = template_parts()

    start = time.perf_counter()
    ours(snapshot_with(10))
    cold_ms = (time.perf_counter() - start) * 1000

    rows = {}
    for n in sizes:
        snapshot = snapshot_with(n)
        context = build(snapshot)
        sections = len(context["sections"])
        ours_out = ours(snapshot)
        xml = document_xml_of(ours_out)
        check(ours_out, n, sections)
        check(plain_docxtpl(context), n, sections)
        check(floor(parts, xml), n, sections)
        r = rows[n] = {"xml_mib": len(xml) / 2**20}
        r["context"], r["context_cpu"] = medians_ms(lambda: build(snapshot), args.repeat)
        r["ours"], r["ours_cpu"] = medians_ms(lambda: ours(snapshot), args.repeat)
        r["docxtpl"], r["docxtpl_cpu"] = medians_ms(lambda: plain_docxtpl(context), args.repeat)
        r["floor"], r["floor_cpu"] = medians_ms(lambda: floor(parts, xml), args.repeat)
        r["ours_traced"] = traced_peak_mib(lambda: ours(snapshot))
        r["docxtpl_traced"] = traced_peak_mib(lambda: plain_docxtpl(context))
        for side in ("ours", "docxtpl", "none"):
            r[f"{side}_rss"] = peak_rss_mib(side, n)

    print("Time, median of", args.repeat, "runs (wall clock; CPU time of the process in brackets):")
    print()
    print("| nominees | document.xml | this service: context + render | of which context | plain docxtpl "
          "| docxtpl ÷ service | floor: zip the XML |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n, r in rows.items():
        print(f"| {n:,} | {r['xml_mib']:.1f} MiB | {r['ours']:.0f} ms ({r['ours_cpu']:.0f}) "
              f"| {r['context']:.0f} ms ({r['context_cpu']:.0f}) | {r['docxtpl']:.0f} ms ({r['docxtpl_cpu']:.0f}) "
              f"| {r['docxtpl'] / r['ours']:.1f}× | {r['floor']:.0f} ms ({r['floor_cpu']:.0f}) |")
    print()
    print("Peak memory: resident set of a fresh process that builds the snapshot and renders once "
          "(the snapshot alone in the last column); Python allocations traced by tracemalloc in brackets:")
    print()
    print("| nominees | this service | plain docxtpl | snapshot alone |")
    print("|---:|---:|---:|---:|")
    for n, r in rows.items():
        print(f"| {n:,} | {r['ours_rss']:.0f} MiB ({r['ours_traced']:.0f}) "
              f"| {r['docxtpl_rss']:.0f} MiB ({r['docxtpl_traced']:.0f}) | {r['none_rss']:.0f} MiB |")
    print()
    if 10000 in rows and 20000 in rows:
        big, small = rows[20000], rows[10000]
        print(f"20 000 ÷ 10 000 nominees, this service: {big['ours'] / small['ours']:.2f} "
              f"(CPU {big['ours_cpu'] / small['ours_cpu']:.2f}); plain docxtpl: "
              f"{big['docxtpl'] / small['docxtpl']:.2f} (target ≤ {TARGET_RATIO})")
    if 10000 in rows:
        r = rows[10000]
        met = r["ours"] < TARGET_MS and r["ours_rss"] < TARGET_MB
        print(f"10 000 nominees: {r['ours']:.0f} ms, {r['ours_rss']:.0f} MiB peak resident "
              f"(target under {TARGET_MS} ms and {TARGET_MB} MB): {'met' if met else 'NOT met'}")
    print(f"First render in this process (preparing the template): {cold_ms:.0f} ms")
    print("(this service includes building the context from the snapshot; docxtpl is given it built)")


if __name__ == "__main__":
    main()
