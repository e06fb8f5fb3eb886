"""Staff sessions for the pages: an HttpOnly cookie holding a web session token.

The cookie is resolved by the same ``staff_service.authenticate`` as the API's bearer token,
with ``kind="web"`` so a leaked API token cannot be replayed as a cookie and vice versa.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from litestar import Request, Response
from litestar.datastructures import State

from crm.context import AppContext
from crm.http_auth import SESSION_COOKIE
from crm.staff import service as staff_service
from crm.staff.access import Actor

# Pages that must open while the initial password is still unchanged.
PASSWORD_CHANGE_PATHS = frozenset({"/password"})


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


async def page_session(request: Request, state: State) -> staff_service.Authenticated:
    return await staff_service.authenticate(
        ctx=state.ctx,
        token=session_token(request),
        kind="web",
        allow_password_change_pending=request.scope["path"] in PASSWORD_CHANGE_PATHS,
    )


async def page_actor(session: staff_service.Authenticated) -> Actor:
    return session.actor


def safe_next(value: str | None, default: str = "/") -> str:
    """Only local paths: "/customers?page=2" yes; "//evil.example", "https://…", "/\\x" no."""
    if not value or not isinstance(value, str) or len(value) > 2000:
        return default
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def here(request: Request) -> str:
    """The current page as a local path with its query string (for next= and lang switch)."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    return request.scope["path"] + (f"?{query}" if query else "")


def login_url(next_path: str | None = None, reason: str | None = None) -> str:
    params = []
    if reason:
        params.append(f"reason={quote(reason)}")
    if next_path and safe_next(next_path, default="") not in ("", "/"):
        params.append(f"next={quote(next_path, safe='')}")
    return "/login" + (f"?{'&'.join(params)}" if params else "")


def set_session_cookie(response: Response, *, ctx: AppContext, token: str) -> None:
    response.set_cookie(
        key=SESSION_COOKIE,
        value=token,
        path="/",
        # Without Max-Age the cookie ends with the browser (a shared front-desk PC); the server's
        # idle and absolute limits apply either way.
        max_age=int(ctx.session_policy.absolute.total_seconds()) if ctx.settings.persistent_session_cookie else None,
        httponly=True,
        secure=ctx.settings.secure_cookies,
        samesite="lax",
    )


def clear_session_cookie(response: Response, *, ctx: AppContext) -> None:
    response.set_cookie(
        key=SESSION_COOKIE,
        value="",
        path="/",
        max_age=0,
        httponly=True,
        secure=ctx.settings.secure_cookies,
        samesite="lax",
    )
