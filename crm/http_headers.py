"""The security headers of every answer, set in one place (SPEC §6 R-PM-04, §9; issue 14 finding 8).

Pages, PDFs and stored files, JSON answers, the OpenAPI schema and every error — including
those Litestar answers before any route is found (404, 405) — leave through the app's
``before_send`` hook, :func:`add_security_headers`. Setting the headers there, rather than on
each response, is what makes them impossible to forget on a new route and impossible to send
twice: whatever a handler, a controller's ``cache_control`` or an error handler already set
under these names is replaced by the one value below.

Everything the application answers may hold personal data and is ``no-store``, except the
static assets (no data, the same for everyone), which keep whatever caching the static router
gives them.
"""

from __future__ import annotations

from typing import Iterable

from litestar.types import Message, Scope

__all__ = ["CACHEABLE_PREFIX", "NO_STORE", "SECURITY_HEADERS", "add_security_headers", "with_security_headers"]

# Pages load only their own script and style (no inline code, no CDN); nothing may frame them
# (clickjacking on the approval buttons), forms post back only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    # frame-ancestors for current browsers, X-Frame-Options for the older ones.
    "x-frame-options": "DENY",
    # An uploaded file is served as its stored type, never sniffed into HTML a browser would run.
    "x-content-type-options": "nosniff",
    # Account and archive numbers are in the URLs: they must not travel to another site.
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
}

NO_STORE = "no-store"

# Where crm.web.pages mounts the static files: the only answers a cache may keep.
CACHEABLE_PREFIX = "/static/"

_SET = {name.encode(): value.encode() for name, value in SECURITY_HEADERS.items()}
_CACHE_CONTROL = b"cache-control"


def with_security_headers(headers: Iterable[tuple[bytes, bytes]], *, cacheable: bool) -> list[tuple[bytes, bytes]]:
    """``headers`` (raw ASGI pairs) with each security header exactly once.

    Unless ``cacheable``, ``Cache-Control`` is exactly ``no-store``; a cacheable answer keeps
    its own ``Cache-Control`` values, without repeats.
    """
    kept: list[tuple[bytes, bytes]] = []
    cache_values: list[bytes] = []
    for name, value in headers:
        lower = bytes(name).lower()
        if lower in _SET:
            continue
        if lower == _CACHE_CONTROL:
            if value not in cache_values:
                cache_values.append(bytes(value))
            continue
        kept.append((bytes(name), bytes(value)))
    kept.extend(_SET.items())
    if not cacheable:
        kept.append((_CACHE_CONTROL, NO_STORE.encode()))
    elif cache_values:
        kept.append((_CACHE_CONTROL, b", ".join(cache_values)))
    return kept


async def add_security_headers(message: Message, scope: Scope) -> None:
    """The app's ``before_send`` hook: the headers of every HTTP answer, on its way out."""
    if message["type"] != "http.response.start":
        return
    path = scope.get("path", "")
    message["headers"] = with_security_headers(
        message.get("headers") or (), cacheable=path.startswith(CACHEABLE_PREFIX)
    )
