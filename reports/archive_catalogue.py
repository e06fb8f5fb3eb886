"""Archive catalogue for one year — 案卷目录 (SPEC R-AR-03, §9 "batch generation shows progress").

One row per archive of a fonds and year, in archive-number order as the service supplies
them: archive number, title, retention, department, accepted date, file count and status
(在库 In store / 已销毁 Destroyed). A year can hold thousands of archives: the rows form one
list table whose header repeats on every page, and ``progress(done, total)`` is called as the
rows are laid out, page by page (where the time goes), so a CLI can show a progress bar. It
is called with ``(0, total)`` before any work starts and ends with ``(total, total)``.

The view model holds display strings only (see :mod:`reports.archive_documents`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from reports.archive_documents import (
    ARCHIVE_NO_WIDTH,
    CONTENT_WIDTH,
    fields_table,
    heading,
    list_table,
    note,
    title_block,
)
from reports.fonts import register_cjk_font
from reports.frame import DocumentInfo, build_pdf, styles

__all__ = [
    "ArchiveCatalogue",
    "CatalogueLine",
    "Progress",
    "TITLE",
    "render_archive_catalogue",
    "render_catalogue",
]

TITLE = "案卷目录 Archive Catalogue"

Progress = Callable[[int, int], None]

_HEADERS = (
    ("档号", "Archive No."),
    ("题名", "Title"),
    ("保管期限", "Retention"),
    ("机构", "Department"),
    ("接收日期", "Accepted"),
    ("文件数", "Files"),
    ("状态", "Status"),
)
_FIXED = (ARCHIVE_NO_WIDTH, None, 16 * mm, 18 * mm, 20 * mm, 12 * mm, 15 * mm)
_WIDTHS = tuple(w if w is not None else CONTENT_WIDTH - sum(x for x in _FIXED if x) for w in _FIXED)


@dataclass(frozen=True)
class CatalogueLine:
    archive_no: str
    title: str
    retention_label: str
    department_label: str
    accepted_date: str
    file_count: str
    status_label: str  # 在库 In store / 已销毁 Destroyed


@dataclass(frozen=True)
class ArchiveCatalogue:
    company_name: str
    fonds: str
    year: str
    generated_by: str
    generated_at: str
    lines: tuple[CatalogueLine, ...] = ()
    category_label: str = ""
    watermark: str | None = None


def render_archive_catalogue(
    *,
    catalogue: ArchiveCatalogue,
    font_path: str | None = None,
    search_system: bool = True,
    progress: Progress | None = None,
) -> bytes:
    """Render the catalogue as PDF bytes (fonts as in :func:`render_customer_sheet`).

    ``progress(done_rows, total_rows)``, if given, is called with ``(0, total)`` first, then
    each time a page's rows have been laid out, last with ``(total, total)``.
    """
    font_name = register_cjk_font(font_path=font_path, search_system=search_system)
    info = DocumentInfo(
        title=TITLE,
        subject=f"全宗 Fonds {catalogue.fonds} 年度 Year {catalogue.year}",
        author=catalogue.generated_by or catalogue.company_name,
        company=catalogue.company_name,
        keywords=tuple(
            k for k in ("案卷目录", "archive catalogue", "R-AR-03", catalogue.fonds, catalogue.year) if k
        ),
        watermark=catalogue.watermark,
    )
    counter = _RowCounter(len(catalogue.lines), progress)
    counter.start()
    story = _story(catalogue, font_name, counter)
    pdf = build_pdf(info=info, story=story, font_name=font_name)
    counter.finish()
    return pdf


# Shorter alias of the same function.
render_catalogue = render_archive_catalogue


class _RowCounter:
    """Adds up the rows drawn and passes the running total to ``progress``."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total = total
        self.done = 0
        self._progress = progress

    def start(self) -> None:
        if self._progress is not None:
            self._progress(0, self.total)

    def drawn(self, rows: int) -> None:
        self.done = min(self.total, self.done + rows)
        if self._progress is not None and rows:
            self._progress(self.done, self.total)

    def finish(self) -> None:
        # Every row has been drawn by now (reports.archive_documents.PageTable counts each
        # row once, where it ends); this only guards the promise of a final (total, total).
        if self.done != self.total:
            self.done = self.total
            if self._progress is not None:
                self._progress(self.total, self.total)


def _story(cat: ArchiveCatalogue, font_name: str, counter: _RowCounter) -> list:
    st = styles(font_name)
    story = title_block(
        "案卷目录",
        "Archive Catalogue",
        company=cat.company_name,
        fields=(("全宗", "Fonds", cat.fonds), ("年度", "Year", cat.year)),
        st=st,
    )
    story.append(
        fields_table(
            [
                ("全宗", "Fonds", cat.fonds),
                ("年度", "Year", cat.year),
                ("门类", "Category", cat.category_label),
                ("案卷数", "Archives", str(len(cat.lines))),
                ("生成人", "Generated by", cat.generated_by),
                ("生成时间", "Generated at", cat.generated_at),
            ],
            font_name=font_name,
            pairs_per_row=2,
            label_ratio=0.42,
        )
    )
    story += heading("目录", "Catalogue", st)
    if not cat.lines:
        story.append(note("本年度无档案", "No archives for this year", st))
        return story
    story.append(
        list_table(
            headers=_HEADERS,
            rows=(
                (
                    a.archive_no,
                    a.title,
                    a.retention_label,
                    a.department_label,
                    a.accepted_date,
                    a.file_count,
                    a.status_label,
                )
                for a in cat.lines
            ),
            col_widths=_WIDTHS,
            font_name=font_name,
            on_drawn=counter.drawn,
        )
    )
    story.append(Spacer(1, 3 * mm))
    story.append(note(f"共 {len(cat.lines)} 件", f"{len(cat.lines)} archive(s)", st))
    return story
