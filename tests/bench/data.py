"""Valid, unique test customers: for the benchmarks and the import tests."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Iterator

IMPORT_HEADER = (
    "category", "name", "id_type", "id_number", "phone", "contact_name", "contact_phone", "province", "city",
    "district", "street", "detail", "branch", "delivery_notice_no", "acceptance_drawing_no",
)
METER_HEADER = ("meter_serial", "meter_model", "meter_type", "meter_installed_date", "meter_initial_reading")


def resident_id(i: int) -> str:
    """The i-th of a million distinct valid GB 11643 numbers (check digit included)."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=i // 1000)
    body = f"110101{birth:%Y%m%d}{i % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def credit_code(i: int) -> str:
    """The i-th distinct valid GB 32100 unified social credit code (check character included)."""
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    body = f"91110101MA{i:07d}"
    total = sum(charset.index(ch) * w for ch, w in zip(body, weights))
    return body + charset[(31 - total % 31) % 31]


def customer_fields(i: int, *, branch: str) -> dict[str, str | None]:
    return dict(
        category="residential", name=f"压测用户{i}", id_type="resident_id", id_number=resident_id(i),
        phone=f"139{i:08d}", contact_name=None, contact_phone=None, province="北京市", city="北京市",
        district="东城区", street="建国路", detail=f"幸福小区{i % 30 + 1}号楼{i % 6 + 1}单元{100 + i % 900}室",
        branch=branch, delivery_notice_no=f"SQ-B-{i:07d}", acceptance_drawing_no=f"YS-B-{i:07d}",
    )


def import_rows(count: int, *, branch: str, start: int = 0, meters: bool = False) -> Iterator[list[str]]:
    for i in range(start, start + count):
        fields = customer_fields(i, branch=branch)
        row = [fields[name] or "" for name in IMPORT_HEADER]
        if meters:
            row += [f"M{i:09d}", "G2.5", "diaphragm", "2024-05-01", "0"]
        yield row


def write_import_csv(path: Path, count: int, *, branch: str, start: int = 0, meters: bool = False,
                     encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(IMPORT_HEADER + (METER_HEADER if meters else ()))
        writer.writerows(import_rows(count, branch=branch, start=start, meters=meters))
    return path
