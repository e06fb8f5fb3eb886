"""The report kit: the blocks every PDF record is built from (SPEC §9).

Every report — :mod:`reports.customer_sheet`, :mod:`reports.contract_document` and the
archive records (:mod:`reports.handover_list`, :mod:`reports.archive_record`,
:mod:`reports.archive_catalogue`, :mod:`reports.lookup_register`,
:mod:`reports.destruction_register`, :mod:`reports.departure_list`) — is rendered by
:func:`render_report` (font → document info → page frame with "第 N 页 共 M 页") from a
story built with a :class:`Kit`: title block, headings, notes, field tables, list sections,
the approval trail, signature boxes and the "printed by" line. So a record looks like its
siblings, and a fix to a block reaches all of them.

View models hold display strings only (the service layer formats dates, amounts, labels and
masking); empty values print "—"; every user string reaches reportlab either drawn as plain
text, never parsed as markup, or escaped (CVE-2023-33733), through :mod:`reports.cells` and
:mod:`reports.frame`. Every view model names its company ``company_name`` and its
watermark ``watermark`` (:class:`Printable`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle

from reports.cells import ENGLISH_COLOR, label_cell, text_block, value_cell
from reports.fonts import register_cjk_font
from reports.frame import (
    GRID_COLOR,
    LABEL_BACKGROUND,
    MARGIN_X,
    DocumentInfo,
    build_pdf,
    data_table,
    label_value_table,
    styles,
)
from reports.page_table import PageTable
from reports.text import EMPTY_PLACEHOLDER, plain_text

__all__ = [
    "ARCHIVE_NO_WIDTH",
    "CONTENT_WIDTH",
    "ApprovalLine",
    "Kit",
    "Printable",
    "fitted_width",
    "render_report",
    "value",
]

CONTENT_WIDTH = A4[0] - 2 * MARGIN_X

# An archive number such as "Z001-HT·2026-D30-SCB-0007" is ~39 mm wide in a list cell
# (8.5 pt, either font): its column keeps it on one line, so it reads and extracts intact.
ARCHIVE_NO_WIDTH = 42 * mm

# A heading needs room for itself and at least the first rows of what follows; with less
# left on the page it starts on the next one instead of standing alone at the bottom.
_HEADING_ROOM = 28 * mm

# A list cell's horizontal padding (reports.frame.data_table) and a little slack.
_LIST_CELL_PADDING = 2 * 3 + 1

_SIGNATURES_PER_ROW = 3

# Label share of a label/value pair: two pairs side by side, or one pair across the page.
_PAIR_LABEL_RATIO = 0.42
_WIDE_LABEL_RATIO = 0.21

_APPROVAL_HEADERS = (
    ("步骤", "Step"),
    ("角色", "Role"),
    ("审批人", "Decided by"),
    ("时间", "Decided at"),
    ("意见", "Decision"),
    ("理由", "Reason"),
)
# "Decided by" holds "姓名（username）"; the reason takes what is left and wraps.
_APPROVAL_WIDTHS = (10 * mm, 38 * mm, 28 * mm, 28 * mm, 24 * mm, CONTENT_WIDTH - 128 * mm)


def value(text: object) -> str:
    """``text`` as drawn plain text, or "—" when it is empty."""
    return plain_text(text) or EMPTY_PLACEHOLDER


@dataclass(frozen=True)
class ApprovalLine:
    """One decided (or pending) step of an approval chain: who, role, when, decision, why."""

    seq: str
    role_label: str
    decided_by: str
    decided_at: str
    decision_label: str
    reason: str


class Kit:
    """The blocks of one document, bound to its registered font and the shared styles.

    Bilingual texts are ``(zh, en)``: Chinese first, English smaller and grey. Values and
    rows are user text; labels and headers are the report's own constants.
    """

    def __init__(self, font_name: str) -> None:
        self.font_name = font_name
        self.st = styles(font_name)

    # ---- text --------------------------------------------------------------------------------

    def title_block(
        self, zh: str, en: str = "", *, company: str, fields: Sequence[tuple[str, str, object]] = ()
    ) -> list:
        """Title (English below it, if any), the identifying fields on one line, the company.

        ``fields`` are ``(label_zh, label_en, value)``; ``company`` is the organisation line
        (company and branch, as the report names it).
        """
        parts: list[tuple[str, float | None, object]] = []
        for index, (label_zh, label_en, text) in enumerate(fields):
            parts += [
                (("　　" if index else "") + label_zh + " ", None, None),
                (label_en, 7.5, ENGLISH_COLOR),
                (f"：{value(text)}", None, None),
            ]
        title_lines = [[(zh, None, None)]] + ([[(en, 10, None)]] if en else [])
        subtitle_lines = ([parts] if parts else []) + [[(value(company), None, None)]]
        return [
            text_block(title_lines, self.st["title"], CONTENT_WIDTH),
            text_block(subtitle_lines, self.st["subtitle"], CONTENT_WIDTH),
        ]

    def heading_line(self, zh: str, en: str) -> Flowable:
        """A section heading by itself (inside a block kept together)."""
        return text_block(
            [[(zh + " ", None, None), (en, 8.5, ENGLISH_COLOR)]], self.st["heading"], CONTENT_WIDTH
        )

    def heading(self, zh: str, en: str) -> list:
        """A section heading that never stands alone at the bottom of a page."""
        return [CondPageBreak(_HEADING_ROOM), self.heading_line(zh, en)]

    def note(self, zh: str, en: str) -> Flowable:
        """A short bilingual remark, e.g. for an empty section."""
        return text_block([[(zh + " ", None, None), (en, 7.5, ENGLISH_COLOR)]], self.st["body"], CONTENT_WIDTH)

    def paragraph(self, text: object, *, style: str = "body") -> Flowable:
        """One paragraph of user text (wraps CJK-style when it is long)."""
        return text_block([[(plain_text(text), None, None)]], self.st[style], CONTENT_WIDTH)

    def printed_line(self, *, by: str, at: str) -> Flowable:
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
            self.st["small"],
            CONTENT_WIDTH,
        )

    def closing(
        self,
        *,
        printed_by: str,
        printed_at: str,
        signatures: Sequence[tuple[str, str, str]] = (),
        lead: Sequence[Flowable] = (),
    ) -> list:
        """The end of a record: :meth:`signature_block` if anyone signs, then :meth:`printed_line`."""
        story: list = []
        if signatures:
            story += [Spacer(1, 4 * mm), self.signature_block(signatures, lead=lead)]
        return story + [Spacer(1, 6 * mm), self.printed_line(by=printed_by, at=printed_at)]

    # ---- tables ------------------------------------------------------------------------------

    def fields(self, rows: Sequence[tuple[str, str, object]], *, label_ratio: float = _WIDE_LABEL_RATIO) -> PageTable:
        """``(label_zh, label_en, value)`` rows, one label/value pair across the page."""
        table = label_value_table(rows, font_name=self.font_name, width=CONTENT_WIDTH, label_ratio=label_ratio)
        return PageTable(table)

    def field_pairs(self, rows: Sequence[tuple[str, str, object]]) -> PageTable:
        """``(label_zh, label_en, value)`` rows, two label/value pairs side by side."""
        table = label_value_table(
            rows, font_name=self.font_name, width=CONTENT_WIDTH, pairs_per_row=2, label_ratio=_PAIR_LABEL_RATIO
        )
        return PageTable(table)

    def list_table(
        self,
        *,
        headers: Sequence[tuple[str, str]],
        rows: Iterable[Sequence[object]],
        col_widths: Sequence[float],
        on_drawn: Callable[[int], None] | None = None,
    ) -> PageTable:
        """A list (bilingual header row repeated on every page), safe for rows of any length."""
        table = data_table(headers=headers, rows=rows, col_widths=col_widths, font_name=self.font_name)
        return PageTable(table, on_drawn=on_drawn)

    def list_section(
        self,
        title: tuple[str, str],
        *,
        headers: Sequence[tuple[str, str]],
        rows: Sequence[Sequence[object]],
        col_widths: Sequence[float],
        empty: tuple[str, str],
        total: tuple[str, str] | None = None,
        on_drawn: Callable[[int], None] | None = None,
    ) -> list:
        """A heading and its list, or the ``empty`` note when there are no rows.

        ``total``, e.g. ``("共 {n} 件", "{n} archive(s)")``, is a note under the list with
        ``{n}`` the number of rows; ``on_drawn`` as in :meth:`list_table`.
        """
        story = self.heading(*title)
        if not rows:
            return story + [self.note(*empty)]
        story.append(self.list_table(headers=headers, rows=rows, col_widths=col_widths, on_drawn=on_drawn))
        if total is not None:
            zh, en = (text.format(n=len(rows)) for text in total)
            story += [Spacer(1, 1.5 * mm), self.note(zh, en)]
        return story

    def approval_trail(
        self, approvals: Sequence[ApprovalLine], *, empty: tuple[str, str], remark: str = ""
    ) -> list:
        """审批记录: every step (who, role, when, decision, why), then ``remark`` if any.

        With neither steps nor a remark the section says ``empty``.
        """
        story = self.heading("审批记录", "Approval Trail")
        if approvals:
            rows = [(a.seq, a.role_label, a.decided_by, a.decided_at, a.decision_label, a.reason) for a in approvals]
            story.append(self.list_table(headers=_APPROVAL_HEADERS, rows=rows, col_widths=_APPROVAL_WIDTHS))
        if plain_text(remark):
            if approvals:
                story.append(Spacer(1, 1.5 * mm))
            story.append(self.paragraph(remark))
        elif not approvals:
            story.append(self.note(*empty))
        return story

    def signature_block(
        self,
        parties: Sequence[tuple[str, str, str]],
        *,
        title: tuple[str, str] = ("签字", "Signatures"),
        lead: Sequence[Flowable] = (),
    ) -> Flowable:
        """Boxes in which each party signs the printed copy, kept together on one page.

        ``parties`` are ``(role_zh, role_en, name)``: the role heads the box, the name the
        system knows is printed under it ("—" when none), then room to sign and a date line.
        At most three boxes side by side; more continue on further rows. ``lead`` (e.g. a
        closing statement) is kept on the same page, above the heading.
        """
        block: list = [*lead, self.heading_line(*title)]
        for start in range(0, len(parties), _SIGNATURES_PER_ROW):
            block.append(self._signature_row(parties[start : start + _SIGNATURES_PER_ROW]))
        return KeepTogether(block)

    def _signature_row(self, parties: Sequence[tuple[str, str, str]]) -> Table:
        width = CONTENT_WIDTH / max(len(parties), 2)
        inner = width - 8
        label, name = self.st["label"], self.st["value"]
        data = [
            [label_cell(zh, en, label, inner) for zh, en, _ in parties],
            [value_cell(who, name, inner) for _, _, who in parties],
            [label_cell("签字", "Signature", label, inner) for _ in parties],
            [label_cell("日期", "Date", label, inner) for _ in parties],
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


def fitted_width(texts: Iterable[str], font_name: str, *, size: float, minimum: float, maximum: float) -> float:
    """A list column wide enough for the widest of ``texts`` on one line, within bounds."""
    widest = max((stringWidth(plain_text(t), font_name, size) for t in texts), default=0.0)
    return min(maximum, max(minimum, widest + _LIST_CELL_PADDING))


class Printable(Protocol):
    """What every report's view model names alike: the issuing company and the watermark."""

    @property
    def company_name(self) -> str: ...

    @property
    def watermark(self) -> str | None: ...


def render_report(
    *,
    document: Printable,
    title: str,
    subject: str,
    keywords: Iterable[str],
    author: str,
    story: Callable[[Kit], list],
    font_path: str | None = None,
    search_system: bool = True,
) -> bytes:
    """Register the CJK font, lay out ``story(kit)`` in the shared page frame, return the PDF.

    The document info names ``title``, ``subject``, the non-empty ``keywords``, the
    document's company and ``author`` (the company when empty); the document's watermark,
    if any, crosses every page. ``font_path`` is the configured TrueType CJK font;
    ``search_system=False`` forces the CID font when no ``font_path`` is given (see
    :mod:`reports.fonts`).
    """
    font_name = register_cjk_font(font_path=font_path, search_system=search_system)
    info = DocumentInfo(
        title=title,
        subject=subject,
        author=author or document.company_name,
        company=document.company_name,
        keywords=tuple(k for k in keywords if k),
        watermark=document.watermark,
    )
    return build_pdf(info=info, story=story(Kit(font_name)), font_name=font_name)
