"""The one CSV writer every export uses: UTF-8 behind a BOM, the csv module's quoting, and no
cell a spreadsheet would run as a formula (issue 14 deliverable 4 and finding 3; OWASP "CSV
injection").

Excel and LibreOffice evaluate a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and
strip a leading tab or carriage return before looking), so a customer named
``=HYPERLINK("http://x","y")`` or an address ``+cmd|' /C calc'!A0`` becomes a link or a DDE
command on the clerk's machine. Such a cell is written with a single quote in front, which the
spreadsheet shows as text; text that already starts with quotes before such a character gets
one more, so ``restore`` (the importer reading our own export back) always takes off exactly
the one added here.

Which cells: every cell that is not a number. Text cannot say who wrote it, so a ``str`` is
neutralised whether it came from a person or from us, and so is any other object written
through ``str()``. Numbers (``int``, ``float``, ``Decimal``; not ``bool``) are values the export
itself produces and cannot carry a formula, so a negative amount stays a negative number the
spreadsheet can sum: an export writes money as a number (fen, or ``Decimal`` yuan), never as a
string it formatted first. ``None`` is an empty cell.

Encoding: UTF-8 with a BOM, the only one the exports offer, because Excel as installed in China
reads a CSV without a BOM as GBK and garbles every name. The BOM is written here, so the stream
must encode plain UTF-8 (not ``utf-8-sig``, which would add a second) and be opened with
``newline=""`` (the csv module writes its own CRLF line ends).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TextIO

__all__ = ["BOM", "ENCODING", "FORMULA_STARTS", "CsvWriter", "inert", "restore"]

BOM = "\ufeff"
ENCODING = "utf-8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


def inert(value: Any) -> str | int | float | Decimal:
    """One cell as it is written: numbers unchanged, everything else text a spreadsheet won't run."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    # Text already quoted before a formula gets one more, so restore() can always undo exactly one.
    return _QUOTE + text if text.lstrip(_QUOTE).startswith(FORMULA_STARTS) else text


def restore(text: str) -> str:
    """The text ``inert`` was given, for a reader loading our own export back."""
    if text.startswith(_QUOTE) and text.lstrip(_QUOTE).startswith(FORMULA_STARTS):
        return text[1:]
    return text


class CsvWriter:
    """A new CSV file on ``out``: the BOM and the header row at once, then ``writerow`` per row."""

    def __init__(self, out: TextIO, *, header: Sequence[str]) -> None:
        self._writer = csv.writer(out)
        out.write(BOM)
        self.writerow(header)

    def writerow(self, cells: Iterable[Any]) -> None:
        self._writer.writerow([inert(cell) for cell in cells])
