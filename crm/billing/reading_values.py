"""Reading values as people type them: whole units with up to three decimals -> thousandths.

Pure. A value travels as a decimal string ("1234.567") so no JSON float rounds a litre away;
a bare integer is whole units. The bound is the largest dial reading_rules accepts (12 digits).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from crm.errors import InvalidInput

__all__ = ["ReadingValueInvalid", "parse_value_milli"]

_VALUE = re.compile(r"[0-9]{1,12}(\.[0-9]{1,3})?")
_MILLI = 1000


class ReadingValueInvalid(InvalidInput):
    code = "reading.invalid_value"


def parse_value_milli(value: str | int | None, *, field: str = "value") -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        # Full-width digits from a Chinese input method are the same number.
        text = unicodedata.normalize("NFKC", value).strip()
    else:
        text = ""
    if not _VALUE.fullmatch(text):
        raise ReadingValueInvalid(
            "读数须为不小于 0、最多 3 位小数的数字，如 \"1234.567\" / A reading is a number ≥ 0 with at most "
            "3 decimals, e.g. \"1234.567\"",
            field=field,
        )
    return int(Decimal(text) * _MILLI)
