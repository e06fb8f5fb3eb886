"""A table flowable that long records can rely on (SPEC §9: lists of any length).

See :class:`PageTable`; :mod:`reports.kit` wraps every list and label table in it.
"""

from __future__ import annotations

from collections.abc import Callable

from reportlab.platypus import Flowable, PageBreak, Table, TableStyle

__all__ = ["PageTable"]

# A row taller than a page breaks inside itself; each part holds at least this much of it
# (two lines of a list cell with their padding).
_MIN_ROW_PART = 28


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
