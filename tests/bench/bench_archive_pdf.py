"""Benchmark: archive records (R-AR-03/04) per second and a 5,000-row archive catalogue, on one core.

Plain script, not a test:  python tests/bench/bench_archive_pdf.py [--count 300] [--rows 5000]

For each font path (CID ``STSong-Light``; an embedded TrueType CJK font when one is found)
it prints, from the same run:
  * baseline  — a minimal reportlab PDF per second (Canvas, one drawString, save) in that
    font, the same baseline as tests/bench/bench_sheet_pdf.py;
  * records   — full archive records per second: 5 files with their SHA-256, 2 addenda,
    6 access-log rows and the lookup watermark (R-AR-06) on every page;
  * catalogue — one archive catalogue of ``--rows`` archives (R-AR-03 batch generation):
    seconds, pages, and rows laid out per second, with how often progress was reported.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pypdf import PdfReader  # noqa: E402

from reports.archive_catalogue import ArchiveCatalogue, CatalogueLine, render_archive_catalogue  # noqa: E402
from reports.archive_record import (  # noqa: E402
    AccessLine,
    AddendumLine,
    ArchiveFileLine,
    ArchiveRecord,
    render_archive_record,
)
from reports.fonts import resolve_cjk_font  # noqa: E402
from tests.bench.bench_contract_pdf import _font_modes, _one_line_pdf  # noqa: E402
from tests.bench.bench_sheet_pdf import rate  # noqa: E402

_KINDS = ("合同正本", "信函", "图表", "批件", "预算", "通知单")


def sample_record(n: int) -> ArchiveRecord:
    return ArchiveRecord(
        company_name="某市燃气有限公司",
        archive_no=f"Z001-HT·2026-D30-SCB-{n % 10000:04d}",
        title=f"欧阳娜娜餐饮有限公司{n}天然气用户工程安装合同",
        fonds="Z001 某市燃气有限公司",
        category_label="HT 合同",
        year="2026",
        retention_label="30年 D30",
        department_label="SCB 市场部",
        accepted_by="王五",
        accepted_at="2026-11-21 10:00",
        contract_no=f"HT-AZ-2026-{n:06d}",
        contract_type_label="天然气用户工程安装合同",
        customer_name=f"欧阳娜娜餐饮有限公司{n}",
        account_no=f"01{n:010d}5",
        amount="¥12,345.00",
        contract_status_label="履行完毕",
        printed_by="张三",
        printed_at="2026-11-25 10:31",
        files=tuple(
            ArchiveFileLine(
                kind_label=_KINDS[i],
                file_name=f"HT-AZ-2026-{n:06d}-{i + 1}.pdf",
                size=f"{i + 1}.2 MB",
                sha256=hashlib.sha256(f"{n}/{i}".encode()).hexdigest(),
                uploaded_at=f"2026-11-20 09:3{i}",
            )
            for i in range(5)
        ),
        addenda=(
            AddendumLine("2026-11-22", "王五", "更正：用户联系人应为王经理，联系电话以用户信息表为准"),
            AddendumLine("2026-12-01", "赵六", "补充：附竣工验收单一份"),
        ),
        access_summary="查阅 4 次，下载 2 次",
        access_history=tuple(
            AccessLine(
                f"2026-11-25 10:{i:02d}",
                "张三",
                "下载 Download" if i % 3 else "查阅 View",
                "CY-2026-0001",
                "",
            )
            for i in range(6)
        ),
        watermark="查阅人 张三（zhangsan） 2026-11-25 10:31 仅供查阅",
    )


def sample_catalogue(rows: int) -> ArchiveCatalogue:
    return ArchiveCatalogue(
        company_name="某市燃气有限公司",
        fonds="Z001",
        year="2026",
        generated_by="王五",
        generated_at="2026-12-31 17:00",
        category_label="HT 合同",
        lines=tuple(
            CatalogueLine(
                archive_no=f"Z001-HT·2026-D30-SCB-{n:04d}",
                title=f"欧阳娜娜餐饮有限公司{n}天然气用户工程安装合同" if n % 5 == 0 else f"供用气合同{n}",
                retention_label="30年 D30",
                department_label="SCB 市场部",
                accepted_date="2026-03-01",
                file_count=str(n % 7 + 1),
                status_label="在库",
            )
            for n in range(1, rows + 1)
        ),
    )


def measure(count: int, *, rows: int = 5000) -> list[dict]:
    """Per font path, from one run: {"font", "count", "per_second", "baseline_per_second",
    "catalogue_rows", "catalogue_seconds", "catalogue_pages", "catalogue_rows_per_second",
    "progress_calls"}."""
    records = [sample_record(i) for i in range(count + 1)]
    catalogue = sample_catalogue(rows)
    results = []
    for label, options in _font_modes():
        font_name = resolve_cjk_font(**options).regular

        def record(i: int, options: dict = options) -> None:
            render_archive_record(record=records[i], **options)

        baseline = rate(count, _one_line_pdf(font_name))
        per_second = rate(count, record)

        calls: list[tuple[int, int]] = []
        start = time.perf_counter()
        pdf = render_archive_catalogue(
            catalogue=catalogue, progress=lambda done, total: calls.append((done, total)), **options
        )
        seconds = time.perf_counter() - start
        results.append(
            {
                "font": label,
                "count": count,
                "per_second": per_second,
                "baseline_per_second": baseline,
                "catalogue_rows": rows,
                "catalogue_seconds": seconds,
                "catalogue_pages": len(PdfReader(io.BytesIO(pdf)).pages),
                "catalogue_rows_per_second": rows / seconds,
                "progress_calls": len(calls),
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()

    from reportlab.lib import rl_accel

    accelerated = "fp_str" in rl_accel._c_funcs  # the optional C speedups (pip install rl-accel)
    print(
        f"{args.count} archive records (5 files, 2 addenda, 6 access rows, watermark); catalogue of "
        f"{args.rows} rows; rl_accel C extension: {'yes' if accelerated else 'no'}"
    )
    results = measure(args.count, rows=args.rows)
    if len(results) == 1:
        print("(no TrueType CJK font found: CID only)")
    for r in results:
        print(
            f"{r['font']:32s} baseline one-line PDF: {r['baseline_per_second']:8.1f}/s   "
            f"archive record: {r['per_second']:7.1f}/s   ({r['per_second'] / r['baseline_per_second']:.0%} of baseline)"
        )
        print(
            f"{'':32s} catalogue: {r['catalogue_rows']} rows in {r['catalogue_seconds']:.2f} s "
            f"({r['catalogue_pages']} pages, {r['catalogue_rows_per_second']:,.0f} rows/s, "
            f"{r['progress_calls']} progress calls)"
        )


if __name__ == "__main__":
    main()
