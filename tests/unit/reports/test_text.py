"""Escaping user text for reportlab markup (SPEC §9, CVE-2023-33733)."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from reports.text import EMPTY_PLACEHOLDER, Markup, display_value, escape_markup, plain_text
from tests.unit.reports.pdf_helpers import squash

CVE_PAYLOAD = (
    "<para><font color=\"[[[getattr(pow, Word('__globals__'))['os'].system('touch /tmp/x') "
    "for Word in [orgTypeFun('Word', (str,), {'mutated': 1})]] "
    "for orgTypeFun in [type(type(1))]] and 'red'\">exploit</font></para>"
)

_STYLE = ParagraphStyle("plain")


def paragraph_text(markup: str) -> str:
    return "".join(frag.text for frag in Paragraph(markup, _STYLE).frags)


class TestEscapeMarkup:
    def test_markup_characters_become_entities(self) -> None:
        """SPEC §9: & < > and both quotes can no longer open a tag or an attribute."""

        escaped = escape_markup("""a & b <c> "d" 'e'""")

        assert escaped == "a &amp; b &lt;c&gt; &quot;d&quot; &#x27;e&#x27;"

    def test_none_becomes_an_empty_string(self) -> None:
        """SPEC §9: a missing value escapes to nothing, not to the text "None"."""

        escaped = escape_markup(None)

        assert escaped == ""

    def test_other_objects_are_converted_with_str(self) -> None:
        """SPEC §9: numbers and other objects are shown as their text."""

        escaped = escape_markup(12.5)

        assert escaped == "12.5"

    def test_cve_2023_33733_payload_reads_literally_in_a_paragraph(self) -> None:
        """SPEC §9 / CVE-2023-33733: the font-colour payload is text, not a tag."""

        text = paragraph_text(escape_markup(CVE_PAYLOAD))

        assert text == CVE_PAYLOAD

    def test_control_characters_are_replaced(self) -> None:
        """SPEC §9: characters that cannot be printed do not reach the PDF."""

        escaped = escape_markup("a\x00b\x1fc\ud800")

        assert escaped == "a\ufffdb\ufffdc\ufffd"

    def test_trusted_markup_is_left_alone(self) -> None:
        """SPEC §9: our own constant markup (Markup) is not escaped a second time."""

        escaped = escape_markup(Markup("m<super>3</super>"))

        assert escaped == "m<super>3</super>"

    @given(st.text())
    def test_any_text_reads_back_unchanged_from_a_paragraph(self, value: str) -> None:
        """SPEC §9: whatever a user types, a Paragraph shows that text (spacing aside)."""

        text = paragraph_text(escape_markup(value))

        assert squash(text) == squash(html.unescape(escape_markup(value)))


class TestDisplayValue:
    def test_blank_values_show_a_dash(self) -> None:
        """R-AC-05: empty fields print as "—" rather than disappearing."""

        shown = [display_value(v) for v in (None, "", "   ")]

        assert shown == [EMPTY_PLACEHOLDER] * 3

    def test_values_are_escaped(self) -> None:
        """SPEC §9: display values are escaped like any user text."""

        shown = display_value("<b>")

        assert shown == "&lt;b&gt;"


class TestPlainText:
    def test_whitespace_collapses_as_in_a_paragraph(self) -> None:
        """SPEC §9: text drawn directly reads like the same text in a Paragraph."""

        text = plain_text("  上海市\t浦东新区\n 世纪大道  ")

        assert text == "上海市 浦东新区 世纪大道"

    def test_ideographic_space_is_kept(self) -> None:
        """SPEC §9: the full-width space is part of Chinese text, not layout."""

        text = plain_text("城东　营业所")

        assert text == "城东　营业所"

    def test_markup_is_not_interpreted_or_escaped(self) -> None:
        """SPEC §9: plain text is drawn with drawString, where tags are just characters."""

        text = plain_text("<b>x</b> & y")

        assert text == "<b>x</b> & y"
