"""Resolving the acting staff member from a request: bearer token (API) or cookie (pages)."""

from __future__ import annotations

from litestar import Request

from crm.context import AppContext, Origin
from crm.staff import service as staff_service
from crm.staff.access import Actor

SESSION_COOKIE = "crm_session"


def origin_of(request: Request) -> Origin:
    client = request.client.host if request.client else None
    return Origin(source_ip=client, user_agent=request.headers.get("user-agent"))


def bearer_token(request: Request) -> str | None:
    # Straight from the ASGI scope: building Litestar's Headers costs more than the search.
    for name, value in request.scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


# Both depend on ctx (never siblings of it): Litestar resolves
# sibling dependencies in an anyio task group, which costs more per request than a chain.
async def api_session(request: Request, ctx: AppContext) -> staff_service.Authenticated:
    # The password-change endpoint must work before the first change; the others refuse.
    allow = request.scope["path"].endswith(("/auth/password", "/auth/logout", "/auth/me"))
    return await staff_service.authenticate(
        ctx=ctx, token=bearer_token(request), kind="api", allow_password_change_pending=allow
    )


async def api_actor(request: Request, ctx: AppContext) -> Actor:
    """Authenticates itself rather than through `session`: one dependency level less per request."""
    actor = (await api_session(request, ctx)).actor
    # Kept in the request's state so a refusal further down can be audited with who asked
    # (crm.http_errors.audit_denial); written to the scope directly, as State would.
    request.scope.setdefault("state", {})["actor"] = actor
    return actor


async def request_origin(request: Request) -> Origin:
    return origin_of(request)
