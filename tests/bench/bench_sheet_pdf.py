"""Benchmark: customer information sheets (R-AC-05) per second, on one core.

Plain script, not a test:  python tests/bench/bench_sheet_pdf.py [--count 300] [--meters 3]

For each font path (CID ``STSong-Light``; an embedded TrueType CJK font when one is found)
it prints, from the same run:
  * baseline — a minimal reportlab PDF per second (Canvas, one drawString, save) in that font;
  * sheets   — full customer sheets per second (goal: >= 100).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from reports.customer_sheet import (  # noqa: E402
    ApplianceLine,
    CustomerSheet,
    MeterLine,
    render_customer_sheet,
)
from reports.fonts import resolve_cjk_font  # noqa: E402


def sample_sheet(n: int, meters: int) -> CustomerSheet:
    return CustomerSheet(
        company_name="某市燃气有限公司",
        branch_name="城东营业所",
        account_no=f"01{n:010d}5",
        name=f"张三丰{n}",
        category_label="居民 Residential",
        id_type_label="居民身份证",
        id_number="310***********1234",
        phone="138****5678",
        contact_name="",
        contact_phone="",
        address=f"上海市浦东新区世纪大道{n}号3号楼1201室",
        status_label="正常 Active",
        delivery_notice_no=f"SQ-2026-{n:04d}",
        acceptance_drawing_no=f"YS-2026-{n:04d}",
        opened_at="2026-11-20 09:30",
        printed_by="李四",
        printed_at="2026-11-25 14:03",
        meters=tuple(
            MeterLine(f"M{n:05d}{i:03d}", "G2.5", "膜式表 Diaphragm", "2026-11-20", "0.000", f"QF{n:05d}{i}")
            for i in range(meters)
        ),
        appliances=(
            ApplianceLine("燃气灶 Hob", "方太", "JZT-FD21BE", "2026-11-21"),
            ApplianceLine("热水器 Water heater", "林内", "RUS-16E32FRF", "2026-11-21"),
        ),
    )


def rate(count: int, job) -> float:
    job(0)  # warm-up: font registration, style and import caches
    start = time.perf_counter()
    for i in range(count):
        job(i)
    return count / (time.perf_counter() - start)


def measure(*, sheets: list[CustomerSheet], count: int, options: dict) -> tuple[float, float]:
    """(one-line PDFs per second, customer sheets per second) in one font configuration."""
    font_name = resolve_cjk_font(**options).regular

    def one_line(i: int) -> None:
        canvas = Canvas(io.BytesIO())
        canvas.setFont(font_name, 12)
        canvas.drawString(72, 720, f"用户信息表 {i}")
        canvas.save()

    def sheet(i: int) -> None:
        render_customer_sheet(sheet=sheets[i], **options)

    return rate(count, one_line), rate(count, sheet)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--meters", type=int, default=3)
    args = parser.parse_args()

    modes = [("CID STSong-Light", {"font_path": None, "search_system": False})]
    system = resolve_cjk_font()
    if system.source == "system":
        modes.append((f"TrueType {Path(system.path).name}", {"font_path": system.path}))
    else:
        print("(no TrueType CJK font found: CID only)")

    from reportlab.lib import rl_accel

    accelerated = "fp_str" in rl_accel._c_funcs  # the optional C speedups (pip install rl-accel)
    print(f"{args.count} sheets, {args.meters} meters each; rl_accel C extension: {'yes' if accelerated else 'no'}")

    sheets = [sample_sheet(i, args.meters) for i in range(args.count + 1)]
    for label, options in modes:
        baseline, sheets_per_second = measure(sheets=sheets, count=args.count, options=options)
        print(
            f"{label:32s} baseline one-line PDF: {baseline:8.1f}/s   "
            f"customer sheet: {sheets_per_second:7.1f}/s   ({sheets_per_second / baseline:.0%} of baseline)"
        )


if __name__ == "__main__":
    main()
