"""Text flowables that are cheap to lay out (performance, SPEC §9; R-AC-05 sheets in bulk).

A reportlab ``Paragraph`` parses markup with an HTML parser, breaks lines and is wrapped
twice inside a ``Table``; for a customer sheet that was most of the rendering time, although
almost every cell holds one short line. :class:`TextLines` stands in for such text: it is
measured once, drawn with one text object and **never parsed as markup**, so user values
take this path unescaped with no CVE-2023-33733 exposure. Text that does not fit falls back
to a CJK-wrapping ``Paragraph`` of the *escaped* text.

Superscript digits (``m³``) have no glyph in the CID font (Adobe-GB1): where the font lacks
them they are drawn as small raised digits instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.platypus import Flowable, Paragraph

from reports.fonts import has_glyph
from reports.text import EMPTY_PLACEHOLDER, Markup, display_value, escape_markup, plain_text

__all__ = [
    "ENGLISH_COLOR",
    "Run",
    "TextLines",
    "bilingual_label",
    "header_cell",
    "label_cell",
    "make_runs",
    "text_block",
    "value_cell",
]

ENGLISH_HEX = "#616e7c"
ENGLISH_COLOR = HexColor(ENGLISH_HEX)

_SUPERSCRIPTS = {"¹": "1", "²": "2", "³": "3"}
_SUPERSCRIPT_SIZE = 0.62
_SUPERSCRIPT_RISE = 0.38


@dataclass(frozen=True, slots=True)
class Run:
    """Plain text in one font, size, colour and baseline rise (not markup)."""

    text: str
    font_name: str
    font_size: float
    color: Color
    rise: float = 0.0
    width: float = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "width", stringWidth(self.text, self.font_name, self.font_size))


def make_runs(text: str, font_name: str, font_size: float, color: Color) -> list[Run]:
    """Runs for plain ``text``; superscript digits the font lacks become raised digits."""
    if not any(ch in _SUPERSCRIPTS for ch in text) or all(
        has_glyph(font_name, ch) for ch in _SUPERSCRIPTS if ch in text
    ):
        return [Run(text, font_name, font_size, color)]
    runs: list[Run] = []
    plain: list[str] = []
    for ch in text:
        if ch in _SUPERSCRIPTS:
            if plain:
                runs.append(Run("".join(plain), font_name, font_size, color))
                plain.clear()
            runs.append(
                Run(
                    _SUPERSCRIPTS[ch],
                    font_name,
                    font_size * _SUPERSCRIPT_SIZE,
                    color,
                    rise=font_size * _SUPERSCRIPT_RISE,
                )
            )
        else:
            plain.append(ch)
    if plain:
        runs.append(Run("".join(plain), font_name, font_size, color))
    return runs


def _line_width(line: Sequence[Run]) -> float:
    return sum(run.width for run in line)


class TextLines(Flowable):
    """Lines of plain-text runs that are known to fit: no parsing, no line breaking."""

    def __init__(
        self,
        lines: Sequence[Sequence[Run]],
        *,
        leading: float,
        alignment: int = TA_LEFT,
        space_before: float = 0.0,
        space_after: float = 0.0,
    ) -> None:
        super().__init__()
        self.spaceBefore = space_before
        self.spaceAfter = space_after
        self._lines = [(tuple(line), _line_width(line), _baseline(line, leading)) for line in lines]
        self._leading = leading
        self._alignment = alignment
        self.height = leading * len(self._lines)
        self.width = max((w for _, w, _ in self._lines), default=0.0)

    @property
    def text(self) -> str:
        """The text as read, one line per line (for tests and debugging)."""
        return "\n".join("".join(r.text for r in line) for line, _, _ in self._lines)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width = availWidth
        return availWidth, self.height

    def draw(self) -> None:
        text = self.canv.beginText()
        font: tuple[str, float] | None = None
        color: Color | None = None
        top = self.height
        for line, line_width, baseline in self._lines:
            top -= self._leading
            y = top + baseline
            if self._alignment == TA_CENTER:
                x = (self.width - line_width) / 2
            elif self._alignment == TA_RIGHT:
                x = self.width - line_width
            else:
                x = 0.0
            text.setTextOrigin(x, y)
            rise = 0.0
            for run in line:
                if (run.font_name, run.font_size) != font:
                    font = (run.font_name, run.font_size)
                    text.setFont(run.font_name, run.font_size)
                if run.color is not color:
                    color = run.color
                    text.setFillColor(run.color)
                if run.rise != rise:
                    text.setRise(run.rise)
                    rise = run.rise
                text.textOut(run.text)
            if rise:
                text.setRise(0)
        self.canv.drawText(text)


def _baseline(line: Sequence[Run], leading: float) -> float:
    """Baseline height within a line box that centres the glyphs' ascent-descent box."""
    metrics = [getAscentDescent(r.font_name, r.font_size) for r in line if not r.rise]
    if not metrics:
        return leading * 0.25
    ascent = max(a for a, _ in metrics)
    descent = min(d for _, d in metrics)  # negative
    return (leading - (ascent - descent)) / 2 - descent


def _fits(lines: Sequence[Sequence[Run]], width: float) -> bool:
    return all(_line_width(line) <= width for line in lines)


def text_block(
    lines: Sequence[Sequence[tuple[str, float | None, Color | None]]],
    style: ParagraphStyle,
    width: float,
) -> Flowable:
    """Short plain-text lines in ``style`` (spacing and alignment included).

    Each line is a sequence of ``(text, size or None, colour or None)`` parts; ``None`` means
    the style's own. When a line does not fit ``width`` the block becomes one CJK-wrapping
    Paragraph of the escaped text (parts keep their size and colour).
    """
    runs = [
        [
            run
            for text, size, color in line
            for run in make_runs(
                plain_text(text, strip=False),
                style.fontName,
                size or style.fontSize,
                color or style.textColor,
            )
        ]
        for line in lines
    ]
    if _fits(runs, width):
        return TextLines(
            runs,
            leading=style.leading,
            alignment=style.alignment,
            space_before=style.spaceBefore,
            space_after=style.spaceAfter,
        )
    markup = "<br/>".join(
        "".join(_part_markup(text, size, color, style) for text, size, color in line) for line in lines
    )
    return Paragraph(markup, style)


def _part_markup(text: str, size: float | None, color: Color | None, style: ParagraphStyle) -> str:
    if size is None and color is None:
        return escape_markup(text)
    hex_color = (color or style.textColor).hexval()[2:]
    return f'<font size="{size or style.fontSize:g}" color="#{hex_color}">{escape_markup(text)}</font>'


def value_cell(value: object, style: ParagraphStyle, width: float) -> Flowable:
    """A user value in a cell of inner ``width``: one fast line, or a wrapping Paragraph.

    Empty values show as "—". The Paragraph fallback gets the escaped value.
    """
    text = plain_text(value) or EMPTY_PLACEHOLDER
    runs = make_runs(text, style.fontName, style.fontSize, style.textColor)
    if _line_width(runs) <= width:
        return TextLines([runs], leading=style.leading, alignment=style.alignment)
    return Paragraph(display_value(value), style)


def bilingual_label(zh: str, en: str, *, en_size: float = 7) -> Markup:
    """Paragraph markup for "中文 English": Chinese first, English smaller.

    Both parts are escaped unless they are :class:`~reports.text.Markup` already.
    """
    if not en:
        return Markup(escape_markup(zh))
    return Markup(
        f'{escape_markup(zh)} <font size="{en_size:g}" color="{ENGLISH_HEX}">{escape_markup(en)}</font>'
    )


def label_cell(zh: str, en: str, style: ParagraphStyle, width: float, *, en_size: float = 7) -> Flowable:
    """A bilingual label "中文 English" (English smaller) in a cell of inner ``width``.

    One line if it fits, else Chinese and English on two lines, else a wrapping Paragraph.
    """
    if not isinstance(zh, Markup) and not isinstance(en, Markup):
        zh_runs = make_runs(plain_text(zh), style.fontName, style.fontSize, style.textColor)
        en_text = plain_text(en)
        if not en_text:
            candidates = [[zh_runs]]
        else:
            candidates = [
                [zh_runs + make_runs(" " + en_text, style.fontName, en_size, ENGLISH_COLOR)],
                [zh_runs, make_runs(en_text, style.fontName, en_size, ENGLISH_COLOR)],
            ]
        for lines in candidates:
            if _fits(lines, width):
                return TextLines(lines, leading=style.leading, alignment=style.alignment)
    return Paragraph(bilingual_label(zh, en, en_size=en_size), style)


def header_cell(zh: str, en: str, style: ParagraphStyle, width: float, *, en_size: float = 6.5) -> Flowable:
    """A column header: Chinese on the first line, English smaller on the second."""
    if not isinstance(zh, Markup) and not isinstance(en, Markup):
        lines = [make_runs(plain_text(zh), style.fontName, style.fontSize, style.textColor)]
        if en:
            lines.append(make_runs(plain_text(en), style.fontName, en_size, style.textColor))
        if _fits(lines, width):
            return TextLines(lines, leading=style.leading, alignment=style.alignment)
    markup = escape_markup(zh) + (f'<br/><font size="{en_size:g}">{escape_markup(en)}</font>' if en else "")
    return Paragraph(markup, style)
