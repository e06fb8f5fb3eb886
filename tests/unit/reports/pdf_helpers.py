"""Helpers for the PDF report tests (SPEC §9): extraction and font discovery."""

from __future__ import annotations

import io
import os

from pypdf import PdfReader

from reports.customer_sheet import MeterLine
from reports.fonts import SYSTEM_FONT_CANDIDATES, FontConfigurationError, resolve_cjk_font


def extract_pages(pdf: bytes) -> list[str]:
    """The text of every page, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    """``text`` without any whitespace: line wrapping may split long values anywhere."""
    return "".join(text.split())


def truetype_cjk_font_path() -> str | None:
    """The first well-known TrueType CJK font on this machine that reportlab can embed."""
    for candidate in SYSTEM_FONT_CANDIDATES:
        if not os.path.isfile(candidate.path):
            continue
        try:
            resolve_cjk_font(font_path=candidate.path, subfont_index=candidate.subfont_index)
        except FontConfigurationError:
            continue
        return candidate.path
    return None


def meter(n: int) -> MeterLine:
    return MeterLine(
        serial=f"M{n:08d}",
        model="G2.5",
        type_label="膜式表 Diaphragm",
        installed_date="2026-11-20",
        initial_reading="0.000",
        seal_no=f"QF{n:06d}",
    )
