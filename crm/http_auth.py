"""Resolving the acting staff member from a request: bearer token (API) or cookie (pages)."""

from __future__ import annotations

from litestar import Request
from litestar.connection import ASGIConnection

from crm.context import AppContext, Origin
from crm.staff import service as staff_service
from crm.staff.access import Actor

SESSION_COOKIE = "crm_session"


def origin_of(request: Request) -> Origin:
    client = request.client.host if request.client else None
    return Origin(source_ip=client, user_agent=request.headers.get("user-agent"))


def bearer_token(request: ASGIConnection) -> str | None:
    # Straight from the ASGI scope: building Litestar's Headers costs more than the search.
    for name, value in request.scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


# Both depend on ctx (never siblings of it): Litestar resolves
# sibling dependencies in an anyio task group, which costs more per request than a chain.
# The route guard (crm.route_access) authenticates first; what it found is kept in the
# request's state, so the handler's dependencies do not authenticate a second time.
async def api_session(request: ASGIConnection, ctx: AppContext) -> staff_service.Authenticated:
    state = request.scope.setdefault("state", {})
    found = state.get("session")
    if found is not None:
        return found
    # The password-change endpoint must work before the first change; the others refuse.
    allow = request.scope["path"].endswith(("/auth/password", "/auth/logout", "/auth/me"))
    session = await staff_service.authenticate(
        ctx=ctx, token=bearer_token(request), kind="api", allow_password_change_pending=allow
    )
    state["session"] = session
    # Kept so a refusal further down can be audited with who asked (crm.http_errors.audit_denial);
    # written to the scope directly, as State would.
    state["actor"] = session.actor
    return session


async def api_actor(request: ASGIConnection, ctx: AppContext) -> Actor:
    return (await api_session(request, ctx)).actor


async def request_origin(request: Request) -> Origin:
    return origin_of(request)
