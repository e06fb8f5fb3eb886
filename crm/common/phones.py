"""Customer phone numbers.

One canonical form per number ("13812345678", "021-12345678", "0571-88886666-123") so that
the blind index used for exact-match search finds a customer however the clerk typed it.
"""

from __future__ import annotations

import re
import unicodedata

from crm.errors import InvalidInput

__all__ = ["InvalidPhone", "normalise_phone"]

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Beijing 010 and the 02x cities have 3-digit area codes and 8-digit local numbers; every
# other area code is 4 digits with 7- or 8-digit local numbers. A local number never starts
# with 0, which is what keeps "0571…" from being read as area "057" plus a local number.
_LANDLINE_3 = re.compile(r"^(010|02\d)([1-9]\d{7})$")
_LANDLINE_4 = re.compile(r"^(0[3-9]\d\d)([1-9]\d{6,7})$")
_EXTENSION_MARK = re.compile(r"^(.*?)(?:转|ext\.?|x|#)(\d{1,6})$", re.IGNORECASE)
_ALLOWED = re.compile(r"^\+?[\d\-]+$")
_MAX_EXTENSION = 6


class InvalidPhone(InvalidInput):
    """A phone number that is not a Chinese mobile or landline a customer can be reached on."""

    code = "customer.invalid_phone"

    def __init__(self, message: str, *, field: str | None = "phone", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


def _strip_country_code(digits: str, *, had_plus: bool) -> str:
    if had_plus or digits.startswith("0086"):
        rest = digits[2:] if had_plus else digits[4:]
        # Dialled from abroad the trunk 0 is dropped ("+86 21 …"); put it back for landlines.
        return rest if _MOBILE.match(rest) or rest.startswith("0") else "0" + rest
    if digits.startswith("86") and _MOBILE.match(digits[2:]):
        # A bare "86" is only a country code when a mobile follows; "86…" may be a local number.
        return digits[2:]
    return digits


def _is_service_number(digits: str) -> bool:
    return (len(digits) == 10 and digits[:3] in {"400", "800"}) or (
        digits.startswith("95") and 5 <= len(digits) <= 8
    )


def _landline(digits: str) -> tuple[str, str] | None:
    for pattern in (_LANDLINE_3, _LANDLINE_4):
        found = pattern.match(digits)
        if found:
            return found.group(1), found.group(2)
    return None


def normalise_phone(value: str, *, field: str = "phone") -> str:
    """Return the canonical form of a customer's mobile or landline, or raise InvalidPhone."""
    # NFKC turns full-width digits and dashes from a Chinese IME into ASCII.
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise InvalidPhone("请填写电话号码 / Phone number is required", field=field)
    text = re.sub(r"[\s()]+", "", text)

    extension = None
    marked = _EXTENSION_MARK.match(text)
    if marked:
        text, extension = marked.group(1), marked.group(2)
    had_plus = text.startswith("+")
    if not _ALLOWED.match(text):
        raise InvalidPhone(
            "电话号码只能包含数字、空格、短横线和 +86 前缀 / "
            "Phone number may only contain digits, spaces, dashes and a +86 prefix",
            field=field,
        )
    groups = [g for g in text.lstrip("+").split("-") if g]
    digits = "".join(groups)
    if had_plus and not digits.startswith("86"):
        raise InvalidPhone("只接受中国大陆号码（+86） / Only mainland China numbers (+86) are accepted", field=field)
    digits = _strip_country_code(digits, had_plus=had_plus)

    if _is_service_number(digits):
        raise InvalidPhone(
            "400/800 和 95 开头的服务热线不能作为客户电话 / "
            "Service hotlines (400, 800, 95…) cannot be a customer's phone",
            field=field,
        )

    if extension is None and _MOBILE.match(digits):
        return digits
    if _MOBILE.match(digits):
        raise InvalidPhone("手机号码不能带分机号 / A mobile number cannot have an extension", field=field)

    if not digits.startswith("0") and 7 <= len(digits) <= 8:
        raise InvalidPhone(
            "固定电话请带区号，例如 021-12345678 / Landline numbers need an area code, e.g. 021-12345678",
            field=field,
        )

    parts = _landline(digits)
    if parts is None and extension is None and len(groups) >= 2:
        # "021-12345678-123": the last dash group is an extension only if the rest is a number.
        head = digits[: len(digits) - len(groups[-1])]
        parts = _landline(head)
        if parts is not None:
            extension = groups[-1]
    if parts is None:
        if digits.startswith("1"):
            raise InvalidPhone(
                "手机号码应为 11 位、以 13–19 开头 / A mobile number has 11 digits and starts with 13-19",
                field=field,
            )
        raise InvalidPhone(
            "电话号码无效：手机 11 位，固话为区号加 7–8 位号码 / "
            "Not a valid phone: mobiles have 11 digits, landlines an area code plus 7-8 digits",
            field=field,
        )
    if extension is not None and len(extension) > _MAX_EXTENSION:
        raise InvalidPhone("分机号最多 6 位 / Extension has at most 6 digits", field=field)
    area, local = parts
    return f"{area}-{local}" + (f"-{extension}" if extension else "")
