"""Safe text for reportlab markup (SPEC §9).

reportlab ``Paragraph`` parses its input as markup and evaluates some attribute values
(CVE-2023-33733: ``<font color="[[...]]">`` ran arbitrary Python before 3.6.13). Every
user-supplied value that reaches a ``Paragraph`` therefore goes through
:func:`escape_markup` (or :func:`display_value`, which also supplies the "—" placeholder).
Only constant, hand-written markup (labels, ``<br/>``, ``<font size>``) is trusted; it can
be wrapped in :class:`Markup` so that escaping leaves it alone (the markupsafe pattern).
"""

from __future__ import annotations

import re

__all__ = ["EMPTY_PLACEHOLDER", "Markup", "display_value", "escape_markup", "plain_text"]

EMPTY_PLACEHOLDER = "—"

_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#x27;",
    }
)

# C0 controls other than tab/newline/carriage return, DEL, and lone surrogates: they are not
# valid in markup, cannot be encoded into the PDF and carry no meaning on a printed record.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# The whitespace a Paragraph collapses (ASCII only: the ideographic space U+3000 is kept).
_ASCII_WHITESPACE = re.compile("[ \t\n\r\f\v]+")


class Markup(str):
    """A string of trusted reportlab markup, written by us (never built from user input)."""

    __slots__ = ()


def escape_markup(value: object) -> str:
    """Return ``value`` as text that reportlab markup shows literally.

    ``None`` becomes ``""``; other objects are converted with ``str``. ``& < > " '`` are
    replaced by entities, unprintable control characters by U+FFFD. A :class:`Markup`
    value is returned unchanged.
    """
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    text = value if isinstance(value, str) else str(value)
    return _UNPRINTABLE.sub("\ufffd", text).translate(_ESCAPES)


def display_value(value: object) -> str:
    """Escape ``value`` for a Paragraph, showing "—" when it is ``None`` or blank."""
    escaped = escape_markup(value)
    return escaped if escaped.strip() else EMPTY_PLACEHOLDER


def plain_text(value: object, *, strip: bool = True) -> str:
    """``value`` as it would read in a Paragraph, for drawing with ``drawString``.

    Not markup and never parsed as such: control characters become U+FFFD, runs of ASCII
    whitespace one space, and leading/trailing whitespace goes (as a Paragraph shows it;
    ``strip=False`` keeps it, for parts of a line). ``None`` becomes ``""``.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _ASCII_WHITESPACE.sub(" ", _UNPRINTABLE.sub("\ufffd", text))
    return text.strip(" ") if strip else text
