"""CJK font registration for every PDF (SPEC §9).

Order of preference:

1. an explicitly configured TrueType file (``.ttf``, or ``.ttc`` with TrueType outlines),
   embedded as a subset; a configured file that cannot be used raises
   :class:`FontConfigurationError` (a typo in the settings must not go unnoticed);
2. the first usable file of :data:`SYSTEM_FONT_CANDIDATES` (well-known TrueType CJK fonts);
   Noto/Source Han CJK are deliberately absent: they have CFF (PostScript) outlines, which
   reportlab cannot embed;
3. reportlab's CID font ``STSong-Light`` (not embedded; the viewer supplies the glyphs).
   Text is written as UTF-16BE with the predefined CMap ``UniGB-UTF16-H`` (PDF 1.5+)
   instead of reportlab's default ``UniGB-UCS2-H``: the codes are Unicode either way, so
   pypdf extracts both, but UCS2-H maps fewer code points to glyphs. Measured with poppler:
   under UCS2-H the middle dot "·" (minority names such as "阿卜杜·热合曼", watermarks such
   as "机密 · 张三") renders as a missing glyph and is dropped by pdftotext, and characters
   outside the BMP are split into surrogate halves; under UTF16-H "·" renders and extracts.
   Characters outside Adobe-GB1 (e.g. "³") have no glyph in any CID encoding: constant text
   avoids them (``m<super>3</super>``); user text needs an embedded TrueType font for them.

Registration happens once per process and configuration: the TrueType file is parsed once
and the reportlab font object is reused by every document (reportlab keeps per-document
subset state in a ``WeakKeyDictionary``, so documents do not leak into each other).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import zlib
from dataclasses import dataclass
from typing import Literal

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

__all__ = [
    "CID_FONT_NAME",
    "SYSTEM_FONT_CANDIDATES",
    "CJKFont",
    "FontCandidate",
    "FontConfigurationError",
    "bold_font_name",
    "has_glyph",
    "register_cjk_font",
    "resolve_cjk_font",
]

logger = logging.getLogger(__name__)

CID_FONT_NAME = "STSong-Light"

# A few characters every Chinese record uses: a font without them is not a CJK font.
_PROBE_CHARACTERS = "用户信息表第页共"


class FontConfigurationError(Exception):
    """The configured font file is missing, unreadable, CFF-based or has no Chinese glyphs."""


@dataclass(frozen=True)
class FontCandidate:
    """A well-known location of a TrueType CJK font (and optionally its bold face)."""

    path: str
    subfont_index: int = 0
    bold_path: str | None = None
    bold_subfont_index: int = 0


SYSTEM_FONT_CANDIDATES: tuple[FontCandidate, ...] = (
    # Debian/Ubuntu: fonts-wqy-microhei, fonts-wqy-zenhei, fonts-arphic-*, fonts-droid-fallback
    FontCandidate("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    FontCandidate("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    FontCandidate("/usr/share/fonts/truetype/arphic/uming.ttc"),
    FontCandidate("/usr/share/fonts/truetype/arphic/ukai.ttc"),
    FontCandidate("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    # Fedora/RHEL/Alpine layouts of the same packages
    FontCandidate("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
    FontCandidate("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
    FontCandidate("/usr/share/fonts/google-droid/DroidSansFallback.ttf"),
    # Windows (Microsoft YaHei has TrueType outlines and a bold face)
    FontCandidate(
        "C:/Windows/Fonts/msyh.ttc", bold_path="C:/Windows/Fonts/msyhbd.ttc"
    ),
    FontCandidate("C:/Windows/Fonts/simhei.ttf"),
    FontCandidate("C:/Windows/Fonts/simsun.ttc"),
    # macOS
    FontCandidate("/System/Library/Fonts/Supplemental/Arial Unicode.ttf"),
    FontCandidate("/Library/Fonts/Arial Unicode.ttf"),
)


@dataclass(frozen=True)
class CJKFont:
    """A registered CJK font: reportlab names of the regular and bold faces."""

    regular: str
    bold: str
    source: Literal["configured", "system", "cid"]
    path: str | None = None

    @property
    def embedded(self) -> bool:
        return self.source != "cid"


_lock = threading.Lock()
_resolved: dict[tuple[str | None, int, bool], CJKFont] = {}
_by_regular_name: dict[str, CJKFont] = {}


def register_cjk_font(
    *, font_path: str | None = None, subfont_index: int = 0, search_system: bool = True
) -> str:
    """Register a CJK font (once per process) and return its reportlab font name.

    ``search_system=False`` skips the system font search, so without ``font_path`` the CID
    font ``STSong-Light`` is used (what a machine without TrueType CJK fonts gets).
    """
    return resolve_cjk_font(
        font_path=font_path, subfont_index=subfont_index, search_system=search_system
    ).regular


def resolve_cjk_font(
    *, font_path: str | None = None, subfont_index: int = 0, search_system: bool = True
) -> CJKFont:
    """Like :func:`register_cjk_font` but returns both faces and where they came from."""
    key = (os.path.abspath(font_path) if font_path else None, subfont_index, search_system)
    cached = _resolved.get(key)
    if cached is not None:
        return cached
    with _lock:
        cached = _resolved.get(key)
        if cached is None:
            cached = _resolve(font_path=key[0], subfont_index=subfont_index, search_system=search_system)
            _resolved[key] = cached
            _by_regular_name[cached.regular] = cached
        return cached


def bold_font_name(font_name: str) -> str:
    """The bold face registered with ``font_name``, or ``font_name`` itself."""
    font = _by_regular_name.get(font_name)
    return font.bold if font is not None else font_name


# Characters outside the Adobe-GB1 collection that CJK records commonly contain.
_NOT_IN_ADOBE_GB1 = frozenset("¹²³")


@functools.lru_cache(maxsize=4096)
def has_glyph(font_name: str, char: str) -> bool:
    """Whether the registered font ``font_name`` can draw ``char``.

    Exact for TrueType fonts (their cmap); for the CID font, a best effort that knows the
    few characters records use which Adobe-GB1 lacks (superscript digits).
    """
    font = pdfmetrics.getFont(font_name)
    char_to_glyph = getattr(getattr(font, "face", None), "charToGlyph", None)
    if isinstance(char_to_glyph, dict):
        return ord(char) in char_to_glyph
    return char not in _NOT_IN_ADOBE_GB1


def _resolve(*, font_path: str | None, subfont_index: int, search_system: bool) -> CJKFont:
    if font_path is not None:
        try:
            regular = _register_truetype(font_path, subfont_index)
        except (OSError, TTFError, ValueError) as exc:
            raise FontConfigurationError(
                f"configured PDF font {font_path!r} (subfont {subfont_index}) cannot be used: {exc}"
            ) from exc
        return _with_family(CJKFont(regular=regular, bold=regular, source="configured", path=font_path))

    if search_system:
        for candidate in SYSTEM_FONT_CANDIDATES:
            if not os.path.isfile(candidate.path):
                continue
            try:
                regular = _register_truetype(candidate.path, candidate.subfont_index)
            except (OSError, TTFError, ValueError) as exc:
                logger.debug("skipping CJK font candidate %s: %s", candidate.path, exc)
                continue
            bold = regular
            if candidate.bold_path and os.path.isfile(candidate.bold_path):
                try:
                    bold = _register_truetype(candidate.bold_path, candidate.bold_subfont_index)
                except (OSError, TTFError, ValueError) as exc:
                    logger.debug("no bold face from %s: %s", candidate.bold_path, exc)
            return _with_family(CJKFont(regular=regular, bold=bold, source="system", path=candidate.path))

    # Registered under the plain face name (replacing reportlab's UCS2-H default if some
    # other code registered it): the encoding only widens glyph coverage.
    pdfmetrics.registerFont(_UnicodeGBFont())
    return _with_family(CJKFont(regular=CID_FONT_NAME, bold=CID_FONT_NAME, source="cid"))


class _UnicodeGBFont(UnicodeCIDFont):
    """``STSong-Light`` addressed through ``UniGB-UTF16-H`` (see the module docstring).

    reportlab's ``UnicodeCIDFont`` already encodes text as UTF-16BE (surrogate pairs
    included) and measures widths per Unicode character; only the CMap name written into the
    font dictionary changes. reportlab's list of allowed encodings predates UTF16-H, hence
    the override after construction.
    """

    CMAP = "UniGB-UTF16-H"

    def __init__(self) -> None:
        super().__init__(CID_FONT_NAME)
        self.encodingName = self.CMAP


def _register_truetype(path: str, subfont_index: int) -> str:
    """Parse a TrueType file once, check it covers Chinese, register it; return its name."""
    stem = os.path.splitext(os.path.basename(path))[0]
    # Distinct files with the same base name must not share a reportlab name.
    name = f"CJK-{stem}-{subfont_index}-{zlib.crc32(os.path.abspath(path).encode()):08x}"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    font = TTFont(name, path, subfontIndex=subfont_index)
    missing = [ch for ch in _PROBE_CHARACTERS if ord(ch) not in font.face.charToGlyph]
    if missing:
        raise ValueError(f"font has no glyphs for {''.join(missing)!r}: not a CJK font")
    pdfmetrics.registerFont(font)
    return name


def _with_family(font: CJKFont) -> CJKFont:
    """Map <b>/<i> in Paragraph markup onto the faces we have (no synthetic italics)."""
    addMapping(font.regular, 0, 0, font.regular)
    addMapping(font.regular, 1, 0, font.bold)
    addMapping(font.regular, 0, 1, font.regular)
    addMapping(font.regular, 1, 1, font.bold)
    return font
