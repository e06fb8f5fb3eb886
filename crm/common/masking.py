"""Masked display of personal data (R-PM-02).

Masking functions never raise: they run while rendering pages, PDFs and history entries,
where a malformed legacy value must still come out hidden rather than crash the page or, worse,
be shown in full. When a value does not have the expected shape, more is hidden, never less.
"""

from __future__ import annotations

from crm.common.phones import InvalidPhone, normalise_phone

__all__ = [
    "MASKABLE_KINDS",
    "mask_address_detail",
    "mask_bank_account",
    "mask_id_number",
    "mask_phone",
    "mask_value",
]

_STAR = "*"
_KEEP_ID_HEAD = 3
_KEEP_TAIL = 4
_KEEP_ADDRESS_HEAD = 2
_MIN_ADDRESS_STARS = 3
_MOBILE_LENGTH = 11

MASKABLE_KINDS = ("id_number", "phone", "contact_phone", "address_detail", "bank_account")


def mask_id_number(value: str) -> str:
    """``310***********1234``: first 3 and last 4 kept, same length."""
    if len(value) <= _KEEP_ID_HEAD + _KEEP_TAIL:
        # Too short to keep both ends without showing most of it.
        return _STAR * len(value)
    hidden = len(value) - _KEEP_ID_HEAD - _KEEP_TAIL
    return value[:_KEEP_ID_HEAD] + _STAR * hidden + value[-_KEEP_TAIL:]


def mask_phone(value: str) -> str:
    """``138****5678`` for mobiles, ``021-****5678`` for landlines (extension hidden too)."""
    try:
        canonical = normalise_phone(value)
    except InvalidPhone:
        return _mask_unknown_phone(value)
    if "-" not in canonical:
        return canonical[:3] + _STAR * 4 + canonical[-4:]
    area, local, *extension = canonical.split("-")
    masked = f"{area}-{_STAR * (len(local) - _KEEP_TAIL)}{local[-_KEEP_TAIL:]}"
    if extension:
        masked += "-" + _STAR * len(extension[0])
    return masked


def _mask_unknown_phone(value: str) -> str:
    # Never show more than a valid number's mask would: head only when a mobile's worth of
    # digits is there, the tail only when at least as many digits stay hidden.
    digits = "".join(ch for ch in value if ch.isascii() and ch.isdigit())
    if len(digits) >= _MOBILE_LENGTH:
        return digits[:3] + _STAR * (len(digits) - 3 - _KEEP_TAIL) + digits[-_KEEP_TAIL:]
    if len(digits) >= 2 * _KEEP_TAIL:
        return _STAR * (len(digits) - _KEEP_TAIL) + digits[-_KEEP_TAIL:]
    return _STAR * max(len(value), _KEEP_TAIL)


def mask_address_detail(value: str) -> str:
    """``幸福***``: the first 2 characters, then at least 3 asterisks."""
    # With 1-2 characters, keeping 2 would reveal everything; keep one fewer than the length.
    keep = min(_KEEP_ADDRESS_HEAD, max(len(value) - 1, 0))
    return value[:keep] + _STAR * max(len(value) - keep, _MIN_ADDRESS_STARS)


def mask_bank_account(value: str) -> str:
    """``**** **** **** 1234``: a fixed shape so the length of the account is not revealed."""
    digits = "".join(ch for ch in value if not ch.isspace())
    if len(digits) <= _KEEP_TAIL:
        return "**** **** **** ****"
    return "**** **** **** " + digits[-_KEEP_TAIL:]


_MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "contact_phone": mask_phone,
    "address_detail": mask_address_detail,
    "bank_account": mask_bank_account,
}


def mask_value(*, kind: str, value: str | None) -> str | None:
    """Mask ``value`` as ``kind``; None and "" pass through so "not recorded" stays visible."""
    masker = _MASKERS.get(kind)
    if masker is None:
        raise ValueError(f"no masking rule for {kind!r}; expected one of {MASKABLE_KINDS}")
    if not value:
        return value
    return masker(value)
