"""Money: integer fen (分) everywhere, yuan only at the edges (R-BL-07; billing R-BL-01..05).

Piccolo's SQLite engine turns Decimal into float, so amounts are stored and summed as whole fen.
Every division or multiplication by a fractional price rounds once, half-up, here and nowhere
else: a fee line, a bill line and a late fee all go through ``round_fen``.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "FEN_PER_YUAN",
    "format_amount",
    "format_plain",
    "format_yuan",
    "line_amount_fen",
    "parse_yuan",
    "round_fen",
]

FEN_PER_YUAN = 100
_MILLI = Decimal(1000)
# What a clerk types: up to twelve digits of yuan and at most two decimals (fen).
_YUAN = re.compile(r"^\d{1,12}(\.\d{1,2})?$")


def _split(fen: int) -> tuple[str, int, int]:
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return ("-" if fen < 0 else ""), yuan, cents


def format_yuan(fen: int) -> str:
    """¥1,234.56; the sign goes before the currency symbol (-¥0.01). For documents and messages."""
    sign, yuan, cents = _split(fen)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def format_amount(fen: int | None) -> str:
    """1,234.56 (no symbol): table cells whose column header names the currency; None is 0.00."""
    sign, yuan, cents = _split(fen or 0)
    return f"{sign}{yuan:,}.{cents:02d}"


def format_plain(fen: int) -> str:
    """1234.56: as a form field takes it back (``parse_yuan``), without separators."""
    sign, yuan, cents = _split(fen)
    return f"{sign}{yuan}.{cents:02d}"


def parse_yuan(text: str) -> int | None:
    """"3,868.75", "¥3868.75" or "￥3868.75" -> 386875; None when blank; ValueError when not an amount."""
    cleaned = text.strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    if not cleaned:
        return None
    if not _YUAN.match(cleaned):
        raise ValueError(cleaned)
    return int(Decimal(cleaned) * FEN_PER_YUAN)


def round_fen(exact_fen: Decimal) -> int:
    """The one rounding rule for money: to a whole fen, half away from zero (四舍五入)."""
    try:
        return int(exact_fen.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation as exc:  # NaN or infinity: a caller's bug, never a customer's amount
        raise ValueError(f"not a finite amount: {exact_fen!r}") from exc


def line_amount_fen(*, unit_price_fen: int | Decimal, quantity_milli: int) -> int:
    """Price × quantity (in thousandths) as whole fen: the exact product, rounded once."""
    return round_fen(Decimal(unit_price_fen) * quantity_milli / _MILLI)
