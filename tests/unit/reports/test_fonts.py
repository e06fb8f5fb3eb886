"""CJK font registration (SPEC §9: embedded TrueType when configured or found, else STSong-Light)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from reportlab.pdfgen.canvas import Canvas

import reports.fonts as fonts
from reports.fonts import (
    CID_FONT_NAME,
    FontConfigurationError,
    bold_font_name,
    has_glyph,
    register_cjk_font,
    resolve_cjk_font,
)
from tests.unit.reports.pdf_helpers import extract_pages, truetype_cjk_font_path

SAMPLE = "用户信息表 张三丰 阿卜杜·热合曼 第 1 页 共 1 页"


def one_line_pdf(font_name: str, text: str = SAMPLE) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.setFont(font_name, 12)
    canvas.drawString(50, 700, text)
    canvas.save()
    return buffer.getvalue()


@pytest.fixture
def truetype_path() -> str:
    path = truetype_cjk_font_path()
    if path is None:
        pytest.skip("no TrueType CJK font on this machine (e.g. apt-get install fonts-wqy-microhei)")
    return path


class TestCidFallback:
    def test_without_configured_or_system_fonts_stsong_light_is_used(self) -> None:
        """SPEC §9: a machine with no TrueType CJK font still renders Chinese (CID font)."""

        font = resolve_cjk_font(font_path=None, search_system=False)

        assert (font.regular, font.bold, font.source, font.embedded) == (
            CID_FONT_NAME,
            CID_FONT_NAME,
            "cid",
            False,
        )

    def test_chinese_drawn_with_the_cid_font_extracts_with_pypdf(self) -> None:
        """SPEC §9: Chinese text in the CID font is extractable, middle dot included."""
        font_name = register_cjk_font(font_path=None, search_system=False)

        pages = extract_pages(one_line_pdf(font_name))

        assert SAMPLE in pages[0]

    def test_cid_font_is_written_with_the_utf16_cmap(self) -> None:
        """SPEC §9: UniGB-UTF16-H (not reportlab's UCS2-H) so viewers have glyphs for "·"."""
        font_name = register_cjk_font(font_path=None, search_system=False)

        pdf = one_line_pdf(font_name)

        assert b"/Encoding /UniGB-UTF16-H" in pdf
        assert b"/FontFile2" not in pdf

    def test_cid_font_lacks_superscript_digits(self) -> None:
        """SPEC §9: Adobe-GB1 has no "³", so layout knows to draw it another way."""
        font_name = register_cjk_font(font_path=None, search_system=False)

        answers = (has_glyph(font_name, "³"), has_glyph(font_name, "用"))

        assert answers == (False, True)


class TestTrueTypeFont:
    def test_configured_font_is_registered_and_embedded(self, truetype_path: str) -> None:
        """SPEC §9: a configured TrueType CJK font is embedded (subset) in the PDF."""

        font = resolve_cjk_font(font_path=truetype_path)
        pdf = one_line_pdf(font.regular)

        assert font.source == "configured"
        assert font.embedded
        assert b"/FontFile2" in pdf
        assert SAMPLE in extract_pages(pdf)[0]

    def test_system_search_prefers_a_truetype_font_when_one_is_installed(self, truetype_path: str) -> None:
        """SPEC §9: without configuration a well-known system TrueType CJK font is found."""

        font = resolve_cjk_font()

        assert font.source == "system"
        assert font.path == truetype_path

    def test_registration_parses_the_font_file_once(
        self,
        truetype_path: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """SPEC §9 performance: the TrueType file is parsed once per process, not per PDF."""
        copy = tmp_path / Path(truetype_path).name
        shutil.copyfile(truetype_path, copy)
        parses: list[str] = []
        real_ttfont = fonts.TTFont

        def counting_ttfont(name: str, path: str, **kwargs: object) -> object:
            parses.append(path)
            return real_ttfont(name, path, **kwargs)

        monkeypatch.setattr(fonts, "TTFont", counting_ttfont)

        first = register_cjk_font(font_path=str(copy))
        second = register_cjk_font(font_path=str(copy))

        assert first == second
        assert parses == [str(copy)]

    def test_bold_name_falls_back_to_the_regular_face(self, truetype_path: str) -> None:
        """SPEC §9: fonts without a bold face use the regular one for headings."""
        font = resolve_cjk_font(font_path=truetype_path)

        bold = bold_font_name(font.regular)

        assert bold == font.bold


class TestConfigurationErrors:
    def test_missing_configured_file_is_refused(self, tmp_path: Path) -> None:
        """SPEC §9: a configured font that does not exist is a loud error, not a silent fallback."""

        with pytest.raises(FontConfigurationError, match="cannot be used"):
            register_cjk_font(font_path=str(tmp_path / "missing.ttf"))

    def test_file_that_is_not_a_font_is_refused(self, tmp_path: Path) -> None:
        """SPEC §9: a corrupt font file is reported as a configuration error."""
        bogus = tmp_path / "bogus.ttf"
        bogus.write_bytes(b"not a font at all")

        with pytest.raises(FontConfigurationError):
            register_cjk_font(font_path=str(bogus))

    def test_font_without_chinese_glyphs_is_refused(self) -> None:
        """SPEC §9: a Latin-only TrueType font (reportlab's Vera) cannot print Chinese."""
        import reportlab

        vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"

        with pytest.raises(FontConfigurationError, match="not a CJK font"):
            register_cjk_font(font_path=str(vera))

    def test_cff_based_noto_cjk_is_refused(self) -> None:
        """SPEC §9: Noto CJK has PostScript (CFF) outlines, which reportlab cannot embed."""
        noto = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
        if not noto.is_file():
            pytest.skip("Noto Sans CJK is not installed here")

        with pytest.raises(FontConfigurationError, match="postscript outlines"):
            register_cjk_font(font_path=str(noto))
