"""Fast table cells: plain-text lines with a Paragraph fallback (SPEC §9 performance and escaping)."""

from __future__ import annotations

import pytest
from reportlab.platypus import Paragraph

from reports.cells import TextLines, label_cell, make_runs, value_cell
from reports.fonts import register_cjk_font, resolve_cjk_font
from reports.frame import styles
from tests.unit.reports.pdf_helpers import truetype_cjk_font_path


def cid_value_style():
    return styles(register_cjk_font(search_system=False))["value"]


class TestValueCell:
    def test_short_value_is_drawn_as_plain_text(self) -> None:
        """SPEC §9: a one-line value skips markup parsing entirely (tags stay characters)."""

        cell = value_cell("<b>张三</b>", cid_value_style(), 200)

        assert isinstance(cell, TextLines)
        assert cell.text == "<b>张三</b>"

    def test_long_value_becomes_an_escaped_wrapping_paragraph(self) -> None:
        """SPEC §9: a value wider than its cell wraps, escaped (CVE-2023-33733)."""

        cell = value_cell("<b>" + "很长的地址" * 20, cid_value_style(), 200)

        assert isinstance(cell, Paragraph)
        assert cell.text.startswith("&lt;b&gt;")

    def test_empty_value_shows_a_dash(self) -> None:
        """R-AC-05: blank values print "—"."""

        cell = value_cell("  ", cid_value_style(), 200)

        assert cell.text == "—"


class TestLabelCell:
    def test_label_that_does_not_fit_on_one_line_puts_english_below(self) -> None:
        """SPEC §9: Chinese first, English after; on two lines when the column is narrow."""
        style = styles(register_cjk_font(search_system=False))["label"]

        cell = label_cell("联系人电话", "Contact Phone", style, 60)

        assert isinstance(cell, TextLines)
        assert cell.text == "联系人电话\nContact Phone"


class TestSuperscripts:
    def test_cid_font_draws_a_raised_digit_for_cubed(self) -> None:
        """SPEC §9: "m³" has no glyph in Adobe-GB1, so a small raised "3" is drawn."""
        font_name = register_cjk_font(search_system=False)

        runs = make_runs("读数(m³)", font_name, 9, None)

        assert [(r.text, r.rise > 0) for r in runs] == [("读数(m", False), ("3", True), (")", False)]

    def test_truetype_font_with_the_glyph_keeps_it(self) -> None:
        """SPEC §9: an embedded font that has "³" prints it as is."""
        path = truetype_cjk_font_path()
        if path is None:
            pytest.skip("no TrueType CJK font on this machine")
        font_name = resolve_cjk_font(font_path=path).regular

        runs = make_runs("读数(m³)", font_name, 9, None)

        assert [r.text for r in runs] == ["读数(m³)"]
