"""Real-name identity numbers (R-AC-01).

Individuals register with an 18-digit resident ID (GB 11643-1999); organisations with an
18-character unified social credit code (GB 32100-2015). Both carry a check character that
catches every single-character typo, so a wrong number is refused at the counter instead of
surfacing months later as a duplicate account or a failed real-name audit.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from crm.errors import InvalidInput

__all__ = [
    "CREDIT_CODE_CHARSET",
    "ID_TYPES",
    "InvalidIdNumber",
    "InvalidIdType",
    "PROVINCE_PREFIXES",
    "validate_credit_code",
    "validate_identity",
    "validate_resident_id",
]

ID_TYPES = ("resident_id", "credit_code")

# GB/T 2260 first-level divisions plus 71 (Taiwan), 81/82 (Hong Kong/Macao residence permits),
# 83 (Taiwan residents' residence permits) and 91 (foreigners' permanent residence, 2023 format).
PROVINCE_PREFIXES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23"}
    | {f"{n}" for n in range(31, 38)}
    | {f"{n}" for n in range(41, 47)}
    | {f"{n}" for n in range(50, 55)}
    | {f"{n}" for n in range(61, 66)}
    | {"71", "81", "82", "83", "91"}
)

_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# ISO 7064 MOD 11-2: index is (sum mod 11), value is the check character.
_RESIDENT_CHECK = "10X98765432"
_RESIDENT_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MIN_BIRTH_YEAR = 1900

# I, O, Z, S and V are left out of the standard's alphabet because they read like 1, 0, 2, 5, U.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_VALUES = {ch: i for i, ch in enumerate(CREDIT_CODE_CHARSET)}


class InvalidIdNumber(InvalidInput):
    """An identity number that is malformed or fails its check character."""

    code = "customer.invalid_id_number"

    def __init__(self, message: str, *, field: str | None = "id_number", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class InvalidIdType(InvalidInput):
    """An identity document type this system does not know."""

    code = "customer.invalid_id_type"

    def __init__(self, message: str, *, field: str | None = "id_type", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


def _normalise(value: str) -> str:
    # NFKC folds the full-width digits and letters a Chinese IME produces into ASCII.
    return unicodedata.normalize("NFKC", value).strip().upper()


def validate_resident_id(value: str, *, field: str = "id_number") -> str:
    """Return the normalised 18-digit resident ID, or raise InvalidIdNumber."""
    number = _normalise(value)
    if len(number) != 18:
        raise InvalidIdNumber(
            f"身份证号应为 18 位，当前为 {len(number)} 位 / Resident ID must have 18 characters, got {len(number)}",
            field=field,
        )
    if not _RESIDENT_SHAPE.match(number):
        raise InvalidIdNumber(
            "身份证号前 17 位须为数字，最后一位为数字或 X / "
            "Resident ID must be 17 digits followed by a digit or X",
            field=field,
        )
    if number[:2] not in PROVINCE_PREFIXES:
        raise InvalidIdNumber(
            f"身份证号地区码 {number[:2]} 不存在 / Resident ID region code {number[:2]} does not exist",
            field=field,
        )
    birth = number[6:14]
    try:
        birth_date = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError:
        birth_date = None
    if birth_date is None or birth_date.year < _MIN_BIRTH_YEAR:
        raise InvalidIdNumber(
            f"身份证号中的出生日期 {birth} 无效 / Resident ID birth date {birth} is not a valid date",
            field=field,
        )
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _RESIDENT_WEIGHTS))
    if _RESIDENT_CHECK[total % 11] != number[17]:
        raise InvalidIdNumber("身份证号校验位错误 / Resident ID check digit is wrong", field=field)
    return number


def validate_credit_code(value: str, *, field: str = "id_number") -> str:
    """Return the normalised unified social credit code, or raise InvalidIdNumber."""
    code = _normalise(value)
    if len(code) != 18:
        raise InvalidIdNumber(
            f"统一社会信用代码应为 18 位，当前为 {len(code)} 位 / "
            f"Unified social credit code must have 18 characters, got {len(code)}",
            field=field,
        )
    bad = sorted({ch for ch in code if ch not in _CREDIT_VALUES})
    if bad:
        shown = "".join(bad)
        raise InvalidIdNumber(
            f"统一社会信用代码含有不允许的字符 {shown}（不使用 I、O、Z、S、V） / "
            f"Unified social credit code contains characters not allowed: {shown} (I, O, Z, S, V are never used)",
            field=field,
        )
    total = sum(_CREDIT_VALUES[ch] * weight for ch, weight in zip(code[:17], _CREDIT_WEIGHTS))
    expected = CREDIT_CODE_CHARSET[(31 - total % 31) % 31]
    if code[17] != expected:
        raise InvalidIdNumber(
            "统一社会信用代码校验位错误 / Unified social credit code check character is wrong",
            field=field,
        )
    return code


def validate_identity(*, id_type: str, value: str) -> str:
    """Validate ``value`` as the identity document named by ``id_type``."""
    if id_type == "resident_id":
        return validate_resident_id(value)
    if id_type == "credit_code":
        return validate_credit_code(value)
    raise InvalidIdType(
        "证件类型须为居民身份证或统一社会信用代码 / "
        "ID type must be resident ID or unified social credit code"
    )
