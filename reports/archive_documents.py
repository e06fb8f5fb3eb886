"""Building blocks shared by the archive records (SPEC §5 R-AR-02..07, §9).

The documents themselves live in one small module each:

* :mod:`reports.handover_list` — 移交清单 Handover list (R-AR-02);
* :mod:`reports.archive_record` — 档案记录 Archive record (R-AR-03/04/06);
* :mod:`reports.archive_catalogue` — 案卷目录 Archive catalogue for one year (R-AR-03);
* :mod:`reports.lookup_register` — 查(借)阅登记簿 Lookup register (R-AR-06);
* :mod:`reports.destruction_register` — 销毁清册 Destruction register (R-AR-05);
* :mod:`reports.departure_list` — 交接清单 Departure handover list (R-AR-07).

Like :mod:`reports.customer_sheet` and :mod:`reports.contract_document`, their view models
hold display strings only (the service layer formats dates, labels and masking), empty values
print "—", and every user string reaches reportlab either drawn as plain text (never parsed)
or escaped (CVE-2023-33733) through :mod:`reports.cells` and :mod:`reports.frame`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Table, TableStyle

from reports.cells import ENGLISH_COLOR, label_cell, text_block, value_cell
from reports.frame import GRID_COLOR, LABEL_BACKGROUND, MARGIN_X, data_table, label_value_table
from reports.text import EMPTY_PLACEHOLDER, plain_text

__all__ = [
    "ARCHIVE_NO_WIDTH",
    "CONTENT_WIDTH",
    "PageTable",
    "fields_table",
    "fitted_width",
    "heading",
    "heading_line",
    "list_table",
    "note",
    "printed_line",
    "signature_block",
    "title_block",
    "value",
]

CONTENT_WIDTH = A4[0] - 2 * MARGIN_X

# An archive number such as "Z001-HT·2026-D30-SCB-0007" is ~39 mm wide in a list cell
# (8.5 pt, either font): its column keeps it on one line, so it reads and extracts intact.
ARCHIVE_NO_WIDTH = 42 * mm

# A list cell's horizontal padding (reports.frame.data_table) and a little slack.
_LIST_CELL_PADDING = 2 * 3 + 1

# A heading needs room for itself and the first rows of what follows (as in the contract).
_HEADING_ROOM = 28 * mm

_SIGNATURES_PER_ROW = 3

# A row taller than a page breaks inside itself; each part holds at least this much of it
# (two lines of a list cell with their padding).
_MIN_ROW_PART = 28


def value(text: object) -> str:
    """``text`` as drawn plain text, or "—" when it is empty."""
    return plain_text(text) or EMPTY_PLACEHOLDER


def heading_line(zh: str, en: str, st: dict) -> Flowable:
    return text_block([[(zh + " ", None, None), (en, 8.5, ENGLISH_COLOR)]], st["heading"], CONTENT_WIDTH)


def heading(zh: str, en: str, st: dict) -> list:
    """A section heading that never stands alone at the bottom of a page."""
    return [CondPageBreak(_HEADING_ROOM), heading_line(zh, en, st)]


def note(zh: str, en: str, st: dict) -> Flowable:
    """A short bilingual remark, e.g. for an empty section."""
    return text_block([[(zh + " ", None, None), (en, 7.5, ENGLISH_COLOR)]], st["body"], CONTENT_WIDTH)


def title_block(
    zh: str,
    en: str,
    *,
    company: str,
    fields: Sequence[tuple[str, str, str]],
    st: dict,
) -> list:
    """Title (Chinese, English below), the identifying fields on one line, the company.

    ``fields`` are ``(label_zh, label_en, value)``; values are user text ("—" when empty).
    """
    parts: list[tuple[str, float | None, object]] = []
    for index, (label_zh, label_en, text) in enumerate(fields):
        parts += [
            (("　　" if index else "") + label_zh + " ", None, None),
            (label_en, 7.5, ENGLISH_COLOR),
            (f"：{value(text)}", None, None),
        ]
    lines = [parts] if parts else []
    lines.append([(value(company), None, None)])
    return [
        text_block([[(zh, None, None)], [(en, 10, None)]], st["title"], CONTENT_WIDTH),
        text_block(lines, st["subtitle"], CONTENT_WIDTH),
    ]


def printed_line(by: str, at: str, st: dict) -> Flowable:
    """The small "打印人 Printed by：… 打印时间 Printed at：…" line at the end of a record."""
    return text_block(
        [
            [
                ("打印人 ", None, None),
                ("Printed by", 6.5, ENGLISH_COLOR),
                (f"：{value(by)}　　打印时间 ", None, None),
                ("Printed at", 6.5, ENGLISH_COLOR),
                (f"：{value(at)}", None, None),
            ]
        ],
        st["small"],
        CONTENT_WIDTH,
    )


def signature_block(
    parties: Sequence[tuple[str, str, str]],
    *,
    font_name: str,
    st: dict,
    title: tuple[str, str] = ("签字", "Signatures"),
    lead: Sequence[Flowable] = (),
) -> Flowable:
    """Boxes in which each party signs the printed copy, kept together on one page.

    ``parties`` are ``(role_zh, role_en, name)``: the role heads the box, the name the system
    knows is printed under it ("—" when none), then room to sign and a date line. At most
    three boxes side by side; more continue on further rows. ``lead`` (e.g. a closing
    statement) is kept on the same page, above the heading.
    """
    block: list = [*lead, heading_line(*title, st)]
    for start in range(0, len(parties), _SIGNATURES_PER_ROW):
        block.append(_signature_row(parties[start : start + _SIGNATURES_PER_ROW], font_name, st))
    return KeepTogether(block)


def _signature_row(parties: Sequence[tuple[str, str, str]], font_name: str, st: dict) -> Table:
    width = CONTENT_WIDTH / max(len(parties), 2)
    inner = width - 8
    data = [
        [label_cell(zh, en, st["label"], inner) for zh, en, _ in parties],
        [value_cell(name, st["value"], inner) for _, _, name in parties],
        [label_cell("签字", "Signature", st["label"], inner) for _ in parties],
        [label_cell("日期", "Date", st["label"], inner) for _ in parties],
    ]
    table = Table(
        data,
        colWidths=[width] * len(parties),
        rowHeights=[None, None, 18 * mm, None],
        hAlign="LEFT",
        spaceBefore=2 * mm,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, GRID_COLOR),
                ("BACKGROUND", (0, 0), (-1, 0), LABEL_BACKGROUND),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("VALIGN", (0, 2), (-1, 2), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


class PageTable(Flowable):
    """A table (e.g. :func:`reports.frame.data_table`) made safe for long records.

    * Rows move to the next page whole, as in any table; only a row taller than a whole
      page (a very long title, purpose or correction) breaks inside itself, instead of
      failing the document with a ``LayoutError``. That row's cells are top-aligned, so
      each starts in the first part; the text goes on under the header on the next page.
    * Whenever the table breaks, what follows starts on the next page: reportlab would
      otherwise retry the rest in the space left and could print the header row twice.
    * ``on_drawn(rows)``, if given, is called as each page's part is drawn with the number of
      data rows it completed (a row broken across pages counts once, where it ends), so a
      long list can report progress while it is laid out.

    Layout is delegated to the wrapped table, which must not be used elsewhere.
    """

    def __init__(
        self,
        table: Table,
        *,
        on_drawn: Callable[[int], None] | None = None,
        _at_page_top: bool = False,
    ) -> None:
        super().__init__()
        self._table = table
        self._on_drawn = on_drawn
        # True once the table is known to start at the top of a page (after a page break
        # it asked for): a next row that still does not fit is taller than a whole page.
        self._at_page_top = _at_page_top
        self._continues = False  # the last row goes on in the next part
        self.hAlign = table.hAlign

    def data_rows(self) -> int:
        """Rows of this part, not counting a repeated header row."""
        return self._table._nrows - self._table.repeatRows

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width, self.height = self._table.wrapOn(getattr(self, "canv", None), availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        canv = getattr(self, "canv", None)
        self._table.splitInRow = 0
        parts = self._table.splitOn(canv, availWidth, availHeight)
        if not parts:
            if not self._at_page_top:
                # Nothing fits here: reportlab moves the table to the next page and asks again.
                self._at_page_top = True
                return []
            # The next row is taller than a page: reportlab's in-row splitting (a public
            # Table option) breaks it, each cell's content starting at the top.
            row = self._table.repeatRows
            self._table.setStyle(TableStyle([("VALIGN", (0, row), (-1, row), "TOP")]))
            self._table.splitInRow = _MIN_ROW_PART
            parts = self._table.splitOn(canv, availWidth, availHeight)
        if len(parts) != 2:
            return [PageTable(part, on_drawn=self._on_drawn) for part in parts]
        first = PageTable(parts[0], on_drawn=self._on_drawn)
        rest = PageTable(parts[1], on_drawn=self._on_drawn, _at_page_top=True)
        # A row broken in two is in both parts: the first part does not complete it.
        first._continues = first.data_rows() + rest.data_rows() > self.data_rows()
        return [first, PageBreak(), rest]

    def getSpaceBefore(self) -> float:  # noqa: N802 - reportlab API
        return self._table.getSpaceBefore()

    def getSpaceAfter(self) -> float:  # noqa: N802 - reportlab API
        return self._table.getSpaceAfter()

    def draw(self) -> None:
        self._table.drawOn(self.canv, 0, 0)
        if self._on_drawn is not None:
            self._on_drawn(self.data_rows() - (1 if self._continues else 0))


def list_table(
    *,
    headers: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[object]],
    col_widths: Sequence[float],
    font_name: str,
    on_drawn: Callable[[int], None] | None = None,
) -> PageTable:
    """:func:`reports.frame.data_table` (header row repeated on every page) as a :class:`PageTable`."""
    table = data_table(headers=headers, rows=rows, col_widths=col_widths, font_name=font_name)
    return PageTable(table, on_drawn=on_drawn)


def fields_table(
    rows: Sequence[tuple[str, str, object]],
    *,
    font_name: str,
    pairs_per_row: int = 1,
    label_ratio: float = 0.36,
) -> PageTable:
    """:func:`reports.frame.label_value_table` across the page, as a :class:`PageTable`."""
    table = label_value_table(
        rows, font_name=font_name, width=CONTENT_WIDTH, pairs_per_row=pairs_per_row, label_ratio=label_ratio
    )
    return PageTable(table)


def fitted_width(
    texts: Iterable[str], font_name: str, *, size: float, minimum: float, maximum: float
) -> float:
    """A list column wide enough for the widest of ``texts`` on one line, within bounds."""
    widest = max((stringWidth(plain_text(t), font_name, size) for t in texts), default=0.0)
    return min(maximum, max(minimum, widest + _LIST_CELL_PADDING))
