"""Shared page frame for every PDF record (SPEC §9).

* header: company name (left), document title (right), a hairline below;
* footer: "第 N 页 共 M 页" — the total is known only after layout, so the canvas keeps each
  finished page's state and draws the furniture on all of them in ``save`` (the classic
  "NumberedCanvas" pattern: one layout pass, no second build);
* optional diagonal light-grey watermark on every page (confidential copies, R-AR-06). It is
  drawn over the content, semi-transparent, so table shading cannot hide it;
* PDF metadata (title, author, subject, creator, keywords).

Callers pass already formatted strings; nothing here reads the clock.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from reports.cells import header_cell, label_cell, value_cell
from reports.fonts import bold_font_name
from reports.text import plain_text

__all__ = [
    "CREATOR",
    "DocumentInfo",
    "build_pdf",
    "data_table",
    "label_value_table",
    "page_label",
    "styles",
]

CREATOR = "Utility CRM & Archives"

# reportlab wraps every compressed stream in ASCII85 by default: 25% larger streams and a
# pure-Python encoder on the hot path. Our PDFs are binary anyway (embedded font subsets),
# so streams are written Flate-only. This is a process-wide reportlab setting; `reports` is
# the project's only reportlab user.
rl_config.useA85 = 0

MARGIN_X = 18 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 20 * mm

GRID_COLOR = colors.HexColor("#9aa5b1")
LABEL_BACKGROUND = colors.HexColor("#eef2f6")
HEADER_BACKGROUND = colors.HexColor("#dde4ec")
RULE_COLOR = colors.HexColor("#52606d")
WATERMARK_COLOR = colors.HexColor("#9e9e9e")
_CELL_PADDING_X = 4
_LIST_PADDING_X = 3


@dataclass(frozen=True)
class DocumentInfo:
    title: str
    subject: str
    author: str
    company: str
    keywords: tuple[str, ...] = ()
    watermark: str | None = None


def page_label(number: int, total: int) -> str:
    """The footer text of page ``number`` of ``total``."""
    return f"第 {number} 页 共 {total} 页"


@dataclass(frozen=True)
class _Furniture:
    font_name: str
    bold_font_name: str
    company: str
    title: str
    watermark: str | None


class _FramedCanvas(Canvas):
    """Canvas that defers header, footer and watermark until the page count is known."""

    def __init__(self, *args, furniture: _Furniture, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._finished_pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab API
        self._finished_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._finished_pages)
        for number, state in enumerate(self._finished_pages, start=1):
            self.__dict__.update(state)
            self._draw_furniture(number, total)
            super().showPage()
        super().save()

    def _draw_furniture(self, number: int, total: int) -> None:
        f = self._furniture
        width, height = self._pagesize
        self.saveState()

        header_y = height - MARGIN_TOP + 6 * mm
        self.setFillColor(colors.black)
        self.setFont(f.bold_font_name, 9)
        self.drawString(MARGIN_X, header_y, f.company)
        self.setFont(f.font_name, 9)
        self.drawRightString(width - MARGIN_X, header_y, f.title)
        self.setStrokeColor(RULE_COLOR)
        self.setLineWidth(0.6)
        self.line(MARGIN_X, header_y - 2 * mm, width - MARGIN_X, header_y - 2 * mm)

        footer_y = MARGIN_BOTTOM - 10 * mm
        self.setLineWidth(0.3)
        self.line(MARGIN_X, footer_y + 4 * mm, width - MARGIN_X, footer_y + 4 * mm)
        self.setFont(f.font_name, 8.5)
        self.drawCentredString(width / 2, footer_y, page_label(number, total))

        if f.watermark:
            self._draw_watermark(f.watermark, width, height)
        self.restoreState()

    def _draw_watermark(self, text: str, width: float, height: float) -> None:
        f = self._furniture
        # Fit the text along ~80% of the diagonal, between 18 and 44 pt.
        diagonal = (width**2 + height**2) ** 0.5
        size = 44.0
        text_width = stringWidth(text, f.font_name, size)
        if text_width > 0.8 * diagonal:
            size = max(18.0, size * 0.8 * diagonal / text_width)
        self.setFillColor(WATERMARK_COLOR)
        self.setFillAlpha(0.22)
        self.setFont(f.font_name, size)
        self.translate(width / 2, height / 2)
        self.rotate(45)
        self.drawCentredString(0, -size / 3, text)


def build_pdf(*, info: DocumentInfo, story: list, font_name: str, pagesize=A4) -> bytes:
    """Lay ``story`` out in the shared page frame and return the PDF bytes."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=info.title,
        author=info.author,
        subject=info.subject,
        creator=CREATOR,
        keywords=list(info.keywords),
        lang="zh-CN",
        initialFontName=font_name,
    )
    furniture = _Furniture(
        font_name=font_name,
        bold_font_name=bold_font_name(font_name),
        company=plain_text(info.company),
        title=plain_text(info.title),
        watermark=plain_text(info.watermark) or None,
    )
    doc.build(story, canvasmaker=functools.partial(_FramedCanvas, furniture=furniture))
    return buffer.getvalue()


def _styles(font_name: str) -> dict[str, ParagraphStyle]:
    # Keyed on the bold face too: it is known only once the font family is registered.
    return _build_styles(font_name, bold_font_name(font_name))


@functools.lru_cache(maxsize=None)
def _build_styles(font_name: str, bold: str) -> dict[str, ParagraphStyle]:
    def style(name: str, *, font: str = font_name, **kwargs: object) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, wordWrap="CJK", **kwargs)

    dark, muted = colors.HexColor("#1f2933"), colors.HexColor("#3e4c59")
    return {
        "title": style("title", font=bold, fontSize=17, leading=22, alignment=TA_CENTER, spaceAfter=1 * mm),
        "subtitle": style(
            "subtitle", fontSize=9.5, leading=12, alignment=TA_CENTER, textColor=muted, spaceAfter=4 * mm
        ),
        "heading": style(
            "heading",
            font=bold,
            fontSize=11.5,
            leading=15,
            spaceBefore=4 * mm,
            spaceAfter=1.5 * mm,
            textColor=dark,
        ),
        "body": style("body", fontSize=9.5, leading=13, alignment=TA_LEFT),
        "label": style("label", fontSize=9, leading=11.5, textColor=dark),
        "value": style("value", fontSize=9.5, leading=12.5),
        "cell": style("cell", fontSize=8.5, leading=11),
        "cell_header": style("cell_header", font=bold, fontSize=8.5, leading=10.5, alignment=TA_CENTER),
        "small": style("small", fontSize=8, leading=10, textColor=muted),
    }


def styles(font_name: str) -> dict[str, ParagraphStyle]:
    """Shared paragraph styles for ``font_name`` (cached; treat them as read-only).

    Keys: title, subtitle, heading, body, label, value, cell, cell_header, small.
    All use ``wordWrap="CJK"`` so Chinese text breaks between any two characters.
    """
    return dict(_styles(font_name))


def label_value_table(
    rows: Sequence[tuple[str, str, object]],
    *,
    font_name: str,
    width: float,
    pairs_per_row: int = 1,
    label_ratio: float = 0.36,
) -> Table:
    """A label/value grid from ``(label_zh, label_en, value)`` triples.

    ``pairs_per_row=2`` puts two label/value pairs side by side. Labels read "中文 English";
    values are user text: empty ones show as "—", long ones wrap CJK-style in a Paragraph
    of the escaped value (see :mod:`reports.cells`).
    """
    st = _styles(font_name)
    pair_width = width / pairs_per_row
    label_width = pair_width * label_ratio
    col_widths = [label_width, pair_width - label_width] * pairs_per_row
    label_inner = label_width - 2 * _CELL_PADDING_X
    value_inner = pair_width - label_width - 2 * _CELL_PADDING_X

    cells = [
        (label_cell(zh, en, st["label"], label_inner), value_cell(value, st["value"], value_inner))
        for zh, en, value in rows
    ]
    data: list[list] = []
    for start in range(0, len(cells), pairs_per_row):
        chunk = cells[start : start + pairs_per_row]
        row: list = [cell for pair in chunk for cell in pair]
        row.extend([""] * (2 * pairs_per_row - len(row)))
        data.append(row)

    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID_COLOR),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), _CELL_PADDING_X),
        ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PADDING_X),
    ]
    commands += [
        ("BACKGROUND", (col, 0), (col, -1), LABEL_BACKGROUND) for col in range(0, 2 * pairs_per_row, 2)
    ]
    table = Table(data, colWidths=col_widths, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def data_table(
    *,
    headers: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[object]],
    col_widths: Sequence[float],
    font_name: str,
) -> Table:
    """A list table: bilingual header row repeated on every page, one row per record.

    Header parts are escaped unless they are :class:`~reports.text.Markup`; cell values
    are user text (empty -> "—", long values wrap CJK-style).
    """
    st = _styles(font_name)
    inner = [w - 2 * _LIST_PADDING_X for w in col_widths]
    header_row = [
        header_cell(zh, en, st["cell_header"], inner[i]) for i, (zh, en) in enumerate(headers)
    ]
    cell_style = st["cell"]
    data = [header_row] + [
        [value_cell(v, cell_style, inner[i]) for i, v in enumerate(row)] for row in rows
    ]
    table = Table(data, colWidths=list(col_widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, GRID_COLOR),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LEFTPADDING", (0, 0), (-1, -1), _LIST_PADDING_X),
                ("RIGHTPADDING", (0, 0), (-1, -1), _LIST_PADDING_X),
            ]
        )
    )
    return table
