"""Reading a customer CSV from the old system: encoding, header, rows (no database here).

Files come from Excel on Chinese Windows as often as from other systems, so the header may be
English or the Chinese field labels the counter forms use, and the bytes may be UTF-8 (with
or without BOM) or GBK/GB18030. Every row becomes the same `CustomerInput` the API takes, so
the import can never accept what a front-desk clerk could not type.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from crm.accounts.customer_rules import CUSTOMER_FIELDS, FIELD_LABELS, CustomerInput
from crm.common.csv_writer import restore
from crm.common.fields import FieldError
from crm.accounts.meter_rules import MeterInput
from crm.errors import InvalidInput

__all__ = [
    "EXPORT_ONLY_COLUMNS",
    "IMPORT_COLUMNS",
    "METER_COLUMNS",
    "ImportFileInvalid",
    "ParsedRow",
    "detect_encoding",
    "read_rows",
    "resolve_header",
]

METER_COLUMNS = ("meter_serial", "meter_model", "meter_type", "meter_installed_date", "meter_initial_reading")
IMPORT_COLUMNS = CUSTOMER_FIELDS + METER_COLUMNS
# Written by `crm export customers`; an export re-imports, so these are read and ignored.
EXPORT_ONLY_COLUMNS = ("account_no", "status", "opened_at")
REQUIRED_COLUMNS = (
    "category", "name", "id_type", "id_number", "phone", "province", "city", "district", "detail",
    "branch", "delivery_notice_no", "acceptance_drawing_no",
)

_ALIASES: dict[str, str] = {
    **{label_zh: field for field, (label_zh, _) in FIELD_LABELS.items()},
    "户号": "account_no",
    "状态": "status",
    "开户时间": "opened_at",
    "营业网点": "branch",
    "详细地址": "detail",
    "表号": "meter_serial",
    "表具型号": "meter_model",
    "表具类型": "meter_type",
    "安装日期": "meter_installed_date",
    "初始读数": "meter_initial_reading",
}

# A line longer than this is not a customer record: stop before it fills the memory.
MAX_LINE_CHARS = 64 * 1024
_SNIFF_BYTES = 64 * 1024


class ImportFileInvalid(InvalidInput):
    """The file as a whole cannot be read: nothing is imported from it."""

    code = "import.file_invalid"


def detect_encoding(head: bytes) -> str:
    """UTF-8 (BOM or not) or GB18030 (a superset of GBK), from the first bytes of the file."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileInvalid(
            "不支持 UTF-16 文件，请另存为 UTF-8 或 GBK 的 CSV / UTF-16 is not supported: save the CSV as UTF-8 or GBK",
            field="encoding", code="import.encoding",
        )
    for encoding in ("utf-8", "gb18030"):
        try:
            # Not final: the sample may end in the middle of a character.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileInvalid(
        "无法识别文件编码，请用 --encoding 指定 / Unknown file encoding: name it with --encoding",
        field="encoding", code="import.encoding",
    )


def sniff(stream: IO[bytes]) -> bytes:
    """The first bytes for detect_encoding, leaving the stream where it was."""
    position = stream.tell()
    head = stream.read(_SNIFF_BYTES)
    stream.seek(position)
    return head


@dataclass(frozen=True)
class ColumnMap:
    """Where each known column sits in a row."""

    positions: Mapping[str, int]

    @property
    def has_meter(self) -> bool:
        return "meter_serial" in self.positions


def _canonical(name: str) -> str:
    cleaned = name.strip().lstrip("\ufeff").strip()
    return _ALIASES.get(cleaned, cleaned.lower())


def resolve_header(names: Sequence[str]) -> ColumnMap:
    """Map a header row to columns; unknown, duplicate or missing columns stop the import."""
    if not names or all(not n.strip() for n in names):
        raise ImportFileInvalid("文件为空或缺少表头 / The file is empty or has no header row", field="header", code="import.empty")
    positions: dict[str, int] = {}
    unknown, duplicate = [], []
    for index, name in enumerate(names):
        column = _canonical(name)
        if column in EXPORT_ONLY_COLUMNS:
            continue
        if column not in IMPORT_COLUMNS:
            unknown.append(name.strip())
        elif column in positions:
            duplicate.append(name.strip())
        else:
            positions[column] = index
    if unknown:
        raise ImportFileInvalid(
            f"表头含未知列：{', '.join(unknown)} / Unknown columns in the header: {', '.join(unknown)}",
            field="header", code="import.unknown_columns",
        )
    if duplicate:
        raise ImportFileInvalid(
            f"表头列重复：{', '.join(duplicate)} / Columns given twice: {', '.join(duplicate)}",
            field="header", code="import.duplicate_columns",
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise ImportFileInvalid(
            f"表头缺少必需列：{', '.join(missing)} / Required columns missing: {', '.join(missing)}",
            field="header", code="import.missing_columns",
        )
    meter_given = [c for c in METER_COLUMNS if c in positions]
    if meter_given and "meter_serial" not in positions:
        raise ImportFileInvalid(
            "表具列需要 meter_serial 列 / Meter columns need the meter_serial column",
            field="header", code="import.missing_columns",
        )
    return ColumnMap(positions=positions)


@dataclass(frozen=True)
class ParsedRow:
    line: int  # the file's line number where the record starts (the header is line 1)
    customer: CustomerInput | None
    meter: MeterInput | None
    errors: tuple[FieldError, ...] = ()


def _value(row: Sequence[str], position: int | None) -> str | None:
    if position is None or position >= len(row):
        return None
    # Our own export quotes formula cells; loading it back must give the stored text, not the quote.
    text = restore(row[position].strip())
    return text or None


def _meter(row: Sequence[str], columns: ColumnMap) -> tuple[MeterInput | None, list[FieldError]]:
    get = lambda name: _value(row, columns.positions.get(name))  # noqa: E731 - local shorthand
    if not columns.has_meter or not any(get(c) for c in METER_COLUMNS):
        return None, []
    installed: dt.date | None = None
    errors: list[FieldError] = []
    if raw := get("meter_installed_date"):
        try:
            installed = dt.date.fromisoformat(raw.replace("/", "-"))
        except ValueError:
            errors.append(FieldError(
                code="meter.invalid_date", field="meter_installed_date",
                message=f"安装日期应为 YYYY-MM-DD：{raw} / Installation date must be YYYY-MM-DD: {raw}",
            ))
    meter = MeterInput(
        serial=get("meter_serial"), model=get("meter_model"), meter_type=get("meter_type"),
        installed_date=installed, initial_reading=get("meter_initial_reading") or "0",
    )
    return meter, errors


def _customer(row: Sequence[str], columns: ColumnMap) -> CustomerInput:
    return CustomerInput(**{field: _value(row, columns.positions.get(field)) for field in CUSTOMER_FIELDS})


def _bounded_lines(stream: IO[str]) -> Iterator[str]:
    line_no = 0
    while True:
        line = stream.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        line_no += 1
        if len(line) > MAX_LINE_CHARS and not line.endswith("\n"):
            raise ImportFileInvalid(
                f"第 {line_no} 行超过 {MAX_LINE_CHARS} 个字符，不是 CSV 记录 / Line {line_no} is longer than "
                f"{MAX_LINE_CHARS} characters: not a CSV record",
                field="file", code="import.line_too_long",
            )
        yield line


def read_rows(stream: IO[str]) -> tuple[ColumnMap, Iterable[ParsedRow]]:
    """The header's column map and, lazily, every data row as inputs for the validators."""
    reader = csv.reader(_bounded_lines(stream))
    try:
        header = next(reader, [])
    except (csv.Error, UnicodeDecodeError) as exc:
        raise _unreadable(1, exc) from exc
    columns = resolve_header(header)

    def rows() -> Iterator[ParsedRow]:
        while True:
            line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise _unreadable(line, exc) from exc
            if not any(cell.strip() for cell in row):
                continue  # blank lines, e.g. Excel's trailing ones
            meter, meter_errors = _meter(row, columns)
            yield ParsedRow(line=line, customer=_customer(row, columns), meter=meter, errors=tuple(meter_errors))

    return columns, rows()


def _unreadable(line: int, exc: Exception) -> ImportFileInvalid:
    if isinstance(exc, UnicodeDecodeError):
        return ImportFileInvalid(
            f"第 {line} 行附近的字节不符合文件编码（{exc.encoding}），请用 --encoding 指定 / Bytes near line {line} "
            f"are not valid {exc.encoding}: name the encoding with --encoding",
            field="encoding", code="import.encoding",
        )
    return ImportFileInvalid(
        f"第 {line} 行不是有效的 CSV：{exc} / Line {line} is not valid CSV: {exc}", field="file", code="import.bad_csv",
    )


def field_errors(row: ParsedRow, errors: Iterable[FieldError]) -> list[dict[str, str]]:
    """Rows of the error report: line, column, code, message."""
    return [{"line": str(row.line), "column": e.field, "code": e.code, "message": e.message} for e in errors]
