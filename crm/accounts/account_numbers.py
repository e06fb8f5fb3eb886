"""Customer account numbers, 户号 (R-AC-09).

Layout: 2-digit branch number + 8-digit sequence + 1 Damm check digit = 11 digits.
Damm is used instead of Luhn because it catches every single-digit substitution *and* every
adjacent transposition (Luhn misses 09 <-> 90), which are the two mistakes people make when
reading a number over the phone or typing it from a paper bill.
"""

from __future__ import annotations

import re
import unicodedata

from crm.errors import InvalidInput

__all__ = [
    "ACCOUNT_NO_LENGTH",
    "InvalidAccountNumber",
    "damm_check_digit",
    "is_valid_account_no",
    "make_account_no",
    "validate_account_no",
]

ACCOUNT_NO_LENGTH = 11
_MAX_BRANCH_NO = 99
_MAX_SEQUENCE = 99_999_999

# The weakly totally anti-symmetric quasigroup of order 10 from Damm's 2004 thesis.
_DAMM_TABLE = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

# People copy numbers as "01-12345678-9" or with spaces from printed bills.
_SEPARATORS = re.compile(r"[\s\-]+")


class InvalidAccountNumber(InvalidInput):
    """A 户号 that is malformed or whose check digit does not match."""

    code = "customer.invalid_account_no"

    def __init__(self, message: str, *, field: str | None = "account_no", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


def _damm_interim(digits: str) -> int:
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"Damm check digits need ASCII digits only, got {digits!r}")
    interim = 0
    for ch in digits:
        interim = _DAMM_TABLE[interim][ord(ch) - 48]
    return interim


def damm_check_digit(digits: str) -> str:
    """The digit that, appended to ``digits``, makes the Damm checksum zero."""
    return str(_damm_interim(digits))


def make_account_no(*, branch_no: int, sequence: int) -> str:
    """Build an 11-digit 户号; ValueError when an input is out of range (a programming error)."""
    if isinstance(branch_no, bool) or not 1 <= branch_no <= _MAX_BRANCH_NO:
        raise ValueError(f"branch_no must be 1..{_MAX_BRANCH_NO}, got {branch_no!r}")
    if isinstance(sequence, bool) or not 1 <= sequence <= _MAX_SEQUENCE:
        raise ValueError(f"sequence must be 1..{_MAX_SEQUENCE}, got {sequence!r}")
    body = f"{branch_no:02d}{sequence:08d}"
    return body + damm_check_digit(body)


def validate_account_no(value: str) -> str:
    """Return the 11-digit 户号 without separators, or raise InvalidAccountNumber."""
    # NFKC folds the full-width digits a Chinese IME produces into ASCII.
    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    if len(number) != ACCOUNT_NO_LENGTH or not number.isascii() or not number.isdigit():
        raise InvalidAccountNumber(
            f"户号应为 {ACCOUNT_NO_LENGTH} 位数字 / Account number must be {ACCOUNT_NO_LENGTH} digits"
        )
    if _damm_interim(number) != 0:
        raise InvalidAccountNumber(
            "户号校验位不符，可能有数字输错或顺序颠倒，请核对 / "
            "Account number check digit does not match: a digit was probably mistyped or swapped"
        )
    if number[:2] == "00" or number[2:10] == "00000000":
        # Check digit fits, but make_account_no never issues branch 00 or sequence 0.
        raise InvalidAccountNumber("户号不存在 / No such account number can exist")
    return number


def is_valid_account_no(value: str) -> bool:
    """True when ``value`` (separators allowed) is a well-formed 户号."""
    try:
        validate_account_no(value)
    except InvalidAccountNumber:
        return False
    return True
