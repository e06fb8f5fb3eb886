"""Archive numbers (档号) in the DA/T 22-2015 shape (R-AR-03).

全宗号-门类代码·年度-保管期限代码-机构(问题)代码-件号, e.g. ``Z001-HT·2026-D30-SCB-0007``.
The text form is what staff read off a box label and type back into a search field, so parsing
forgives the dots and letter case people produce while typing or pasting, and formatting always
produces the one canonical text that is stored and printed.

Codes follow DA/T 22-2015:

- fonds (全宗号): four characters, digits or a combination of capital letters and digits
  ("用4位数字或字母与数字的结合标识", e.g. 0001, Z001, Z109). Four letters alone (ABCD) are
  refused because the standard never forms a fonds number without a digit.
- category (门类代码): 1–4 capital letters (HT 合同, WS 文书, KJ 科技 …).
- year (年度): four digits.
- retention (保管期限代码): Y 永久, D30 定期30年, D10 定期10年.
- department (机构(问题)代码): 2–6 capital letters or digits; the standard's own examples are
  three pinyin initials (SCB 市场部) or three digits, the wider range leaves room for branches.
- item (件号): four digits, zero-padded; wider only once a sequence passes 9999.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crm.common.fields import FieldError, InvalidFields
from crm.errors import InvalidInput

__all__ = [
    "CATEGORY_PATTERN",
    "DEPARTMENT_PATTERN",
    "DOT",
    "DOT_LOOKALIKES",
    "FONDS_PATTERN",
    "ITEM_WIDTH",
    "MAX_YEAR",
    "MIN_YEAR",
    "RETENTION_CODES",
    "ArchiveNumber",
    "InvalidArchiveCodes",
    "InvalidArchiveNumber",
    "check_codes",
    "counter_key",
    "next_number",
    "parse_archive_no",
]

RETENTION_CODES = ("Y", "D30", "D10")

DOT = "\u00b7"  # MIDDLE DOT, the separator DA/T 22 prints between category and year
# What a Chinese IME, a word processor or a web page produces for "·": katakana middle dot,
# bullet, hyphenation point, half-width katakana middle dot, and the full stop of a plain keyboard.
DOT_LOOKALIKES = ("\u30fb", "\u2022", "\u2027", "\uff65", ".")

ITEM_WIDTH = 4
MIN_YEAR = 1000
MAX_YEAR = 9999

FONDS_PATTERN = re.compile(r"^(?=[A-Z0-9]*[0-9])[A-Z0-9]{4}$")
CATEGORY_PATTERN = re.compile(r"^[A-Z]{1,4}$")
DEPARTMENT_PATTERN = re.compile(r"^[A-Z0-9]{2,6}$")

_EXAMPLE = "Z001-HT·2026-D30-SCB-0007"
_SHAPE_ZH = "全宗号-门类代码·年度-保管期限代码-机构代码-件号"
_SHAPE_EN = "fonds-category·year-retention-department-item"
# Far longer than any real number; stops a pasted paragraph from being echoed back in errors.
_MAX_TEXT_LENGTH = 64
# A Chinese IME in full-width mode types Ｚ００１－ＨＴ; those mean the same characters.
_FULL_WIDTH_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_TO_DOT = str.maketrans({ch: DOT for ch in DOT_LOOKALIKES})
_YEAR = re.compile(r"^[0-9]{4}$")
_ITEM = re.compile(r"^[0-9]{4,}$")


@dataclass(frozen=True, order=True)
class ArchiveNumber:
    """One archive number; fields in DA/T 22 order, so sorting follows the catalogue order."""

    fonds: str
    category: str
    year: int
    retention: str
    department: str
    item: int

    def __str__(self) -> str:
        return (
            f"{self.fonds}-{self.category}{DOT}{self.year:04d}-{self.retention}-"
            f"{self.department}-{self.item:0{ITEM_WIDTH}d}"
        )


class InvalidArchiveNumber(InvalidInput):
    code = "archive.invalid_number"

    def __init__(self, message: str, *, field: str | None = "archive_no", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class InvalidArchiveCodes(InvalidFields):
    """One or more parts of an archive number (fonds, category, year, retention, department) break a rule."""


# ---- code checks ----------------------------------------------------------------------------


def _fonds_error(fonds: str) -> FieldError | None:
    if isinstance(fonds, str) and FONDS_PATTERN.match(fonds):
        return None
    return FieldError(
        code="archive.invalid_fonds",
        message=f"全宗号 {fonds!r} 须为 4 位数字或大写字母与数字的组合，如 Z001 / "
        f"The fonds {fonds!r} must be 4 digits or capital letters with digits, e.g. Z001",
        field="fonds",
    )


def _category_error(category: str) -> FieldError | None:
    if isinstance(category, str) and CATEGORY_PATTERN.match(category):
        return None
    return FieldError(
        code="archive.invalid_category",
        message=f"门类代码 {category!r} 须为 1–4 个大写字母，如 HT（合同） / "
        f"The category {category!r} must be 1–4 capital letters, e.g. HT (contracts)",
        field="category",
    )


def _department_error(department: str) -> FieldError | None:
    if isinstance(department, str) and DEPARTMENT_PATTERN.match(department):
        return None
    return FieldError(
        code="archive.invalid_department",
        message=f"机构代码 {department!r} 须为 2–6 个大写字母或数字，如 SCB（市场部） / "
        f"The department {department!r} must be 2–6 capital letters or digits, e.g. SCB",
        field="department",
    )


def _year_error(year: int) -> FieldError | None:
    if isinstance(year, int) and not isinstance(year, bool) and MIN_YEAR <= year <= MAX_YEAR:
        return None
    return FieldError(
        code="archive.invalid_year",
        message=f"年度 {year!r} 须为四位年份 / The year {year!r} must have four digits",
        field="year",
    )


def _retention_error(retention: str) -> FieldError | None:
    if retention in RETENTION_CODES:
        return None
    return FieldError(
        code="archive.invalid_retention",
        message=f"保管期限代码 {retention!r} 须为 Y（永久）、D30（30年）或 D10（10年） / "
        f"The retention code {retention!r} must be Y (permanent), D30 (30 years) or D10 (10 years)",
        field="retention",
    )


def _raise_if_any(*errors: FieldError | None) -> None:
    found = [error for error in errors if error is not None]
    if found:
        raise InvalidArchiveCodes(found)


def check_codes(*, fonds: str, category: str, department: str) -> None:
    """Refuse codes outside DA/T 22, all at once, so a settings form shows every wrong field.

    Strict on case: these are configuration values stored as typed, and a lower-case code
    saved once would print on every label.
    """
    _raise_if_any(_fonds_error(fonds), _category_error(category), _department_error(department))


def _check_all(*, fonds: str, category: str, year: int, retention: str, department: str) -> None:
    _raise_if_any(
        _fonds_error(fonds),
        _category_error(category),
        _year_error(year),
        _retention_error(retention),
        _department_error(department),
    )


# ---- sequences ------------------------------------------------------------------------------


def counter_key(*, fonds: str, category: str, year: int, retention: str, department: str) -> str:
    """The key of one gap-free item sequence, e.g. ``Z001|HT|2026|D30|SCB``.

    Validated so a typo can never open a second, parallel sequence for the same box of records.
    """
    _check_all(fonds=fonds, category=category, year=year, retention=retention, department=department)
    return f"{fonds}|{category}|{year:04d}|{retention}|{department}"


def next_number(
    *, fonds: str, category: str, year: int, retention: str, department: str, last_item: int
) -> ArchiveNumber:
    """The number after ``last_item`` (0 for an empty sequence) in its sequence.

    ``last_item`` comes from the counter row, not from a user; a negative or non-integer value
    means corrupt data, hence ValueError rather than a 422.
    """
    _check_all(fonds=fonds, category=category, year=year, retention=retention, department=department)
    if isinstance(last_item, bool) or not isinstance(last_item, int) or last_item < 0:
        raise ValueError(f"last_item must be a non-negative integer, not {last_item!r}")
    return ArchiveNumber(
        fonds=fonds, category=category, year=year, retention=retention, department=department, item=last_item + 1
    )


# ---- parsing --------------------------------------------------------------------------------


def _refuse(detail_zh: str, detail_en: str) -> InvalidArchiveNumber:
    return InvalidArchiveNumber(
        f"{detail_zh}；档号格式为 {_SHAPE_ZH}，如 {_EXAMPLE} / "
        f"{detail_en}; an archive number looks like {_EXAMPLE} ({_SHAPE_EN})"
    )


def _normalise(text: str) -> str:
    # Upper-casing waits until the text is known to be ASCII (see parse_archive_no).
    return text.strip().translate(_FULL_WIDTH_ASCII).translate(_TO_DOT)


def _check_part(error: FieldError | None) -> None:
    if error is not None:
        zh, _, en = error.message.partition(" / ")
        raise _refuse(zh, en)


def parse_archive_no(*, text: str) -> ArchiveNumber:
    """Read an archive number as typed or pasted; refuse anything that is not one."""
    if not isinstance(text, str) or not text.strip():
        raise _refuse("请输入档号", "An archive number is required")
    if len(text.strip()) > _MAX_TEXT_LENGTH:
        raise _refuse("档号过长", "The text is too long for an archive number")
    normalised = _normalise(text)
    if any(ch.isspace() for ch in normalised):
        raise _refuse("档号中不能有空格", "An archive number has no spaces inside")
    # Checked before anything else: str.upper() turns a few non-ASCII letters (ı, ſ) into
    # ASCII ones, and a dash look-alike (–, —) deserves to be named rather than miscounted.
    stray = next((ch for ch in normalised if ch != DOT and not ("!" <= ch <= "~")), None)
    if stray is not None:
        raise _refuse(
            f"档号中不能有字符“{stray}”（U+{ord(stray):04X}）",
            f"The character {stray!r} (U+{ord(stray):04X}) does not belong in an archive number",
        )
    parts = normalised.upper().split("-")
    if len(parts) != 5:
        raise _refuse(
            f"档号应由 5 段以“-”连接，实际为 {len(parts)} 段",
            f"Expected 5 parts joined by '-', found {len(parts)}",
        )
    fonds, category_year, retention, department, item_text = parts
    if category_year.count(DOT) != 1:
        raise _refuse(
            "门类代码与年度之间须用间隔号“·”分隔",
            "The category and the year are separated by a middle dot '·'",
        )
    category, year_text = category_year.split(DOT)
    _check_part(_fonds_error(fonds))
    _check_part(_category_error(category))
    if not _YEAR.match(year_text) or int(year_text) < MIN_YEAR:
        raise _refuse(f"年度 {year_text!r} 须为四位年份", f"The year {year_text!r} must have four digits")
    _check_part(_retention_error(retention))
    _check_part(_department_error(department))
    # Only the canonical width is accepted, so one record never answers to two spellings.
    if not _ITEM.match(item_text) or (len(item_text) > ITEM_WIDTH and item_text.startswith("0")):
        raise _refuse(
            f"件号 {item_text!r} 须为 4 位数字（不足 4 位前面补 0）",
            f"The item {item_text!r} must have 4 digits, zero-padded",
        )
    item = int(item_text)
    if item < 1:
        raise _refuse("件号从 0001 开始", "Item numbers start at 0001")
    return ArchiveNumber(
        fonds=fonds, category=category, year=int(year_text), retention=retention, department=department, item=item
    )
