"""The one way a file leaves the application: PDFs and stored materials (SPEC §9, R-AR-06).

Every download — the customer sheet, the contract, the archive records and registers, an
uploaded material — is answered by :func:`file_response`, used by the API and the pages alike:

* ``Content-Disposition: attachment`` with the file name twice (RFC 6266): an ASCII
  ``filename="…"`` for old clients, and ``filename*=UTF-8''…`` (RFC 5987) carrying the real
  name — archive numbers contain "·", materials have Chinese names;
* ``Cache-Control: no-store`` (the files hold personal data) and ``X-Content-Type-Options:
  nosniff`` (an uploaded file is served as its stored type, never sniffed into HTML a browser
  would run) — set once, with the other security headers, by crm.http_headers for every answer.
"""

from __future__ import annotations

from urllib.parse import quote

from litestar import Response
from litestar.status_codes import HTTP_200_OK

__all__ = ["PDF", "ascii_filename", "content_disposition", "file_response"]

PDF = "application/pdf"

_FALLBACK_NAME = "download"


def ascii_filename(filename: str) -> str:
    """``filename`` with every character a quoted-string cannot carry safely replaced by "_".

    Kept: printable ASCII except ``"`` and ``\\`` (which would end or escape the quoted
    string); replaced: everything else, including controls (no header injection) and
    path separators.
    """
    safe = "".join(ch if " " <= ch <= "~" and ch not in '"\\/' else "_" for ch in filename).strip()
    return safe or _FALLBACK_NAME


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the UTF-8 name (RFC 6266, RFC 5987)."""
    name = filename.strip() or _FALLBACK_NAME
    # quote(safe="") leaves only ALPHA / DIGIT / "-" / "." / "_" / "~": all RFC 5987 attr-chars.
    return f"attachment; filename=\"{ascii_filename(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(*, content: bytes, filename: str, media_type: str = PDF) -> Response[bytes]:
    """An HTTP 200 answer that downloads ``content`` as ``filename``.

    200 even for a POST (the full customer sheet is asked for with a form): nothing is
    created, whatever Litestar's default for POST (201) would say.
    """
    return Response(
        content=content,
        media_type=media_type,
        status_code=HTTP_200_OK,
        headers={"content-disposition": content_disposition(filename)},
    )
