"""Who may call an API route: declared on the route, enforced before the request body is read.

Every API handler carries ``opt={"capability": …}``: a capability name from
``crm.staff.roles``, a tuple of them (any one suffices), ``AUTHENTICATED`` (any logged-in
person) or ``PUBLIC`` (no login). ``capability_guard`` refuses the others with the same 403 the
service layer would give, before msgspec reads the body, so an unauthorised caller learns
nothing from validation errors. The services keep their own checks: the declaration is the
outer wall (and what ``tests/integration/test_authorization_matrix.py`` holds every route
against), object rules such as branch scope stay inside.

A route under ``/api/`` without a declaration is refused for everyone: a forgotten
declaration fails closed, and the matrix test names it.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from crm.errors import PermissionDenied
from crm.http_auth import api_actor
from crm.staff.access import require_any
from crm.staff.roles import CAPABILITIES, ROLES

__all__ = [
    "AUTHENTICATED",
    "OPT_KEY",
    "PUBLIC",
    "UndeclaredRoute",
    "allowed_roles",
    "capability_guard",
    "declaration_of",
    "requires",
]

OPT_KEY = "capability"
PUBLIC = "public"
AUTHENTICATED = "authenticated"

Declaration = str | tuple[str, ...]


class UndeclaredRoute(PermissionDenied):
    code = "permission.undeclared_route"


def requires(*capabilities: str) -> dict[str, Any]:
    """The ``opt`` of a route: ``@post("/", opt=requires("customer.create"))``."""
    if not capabilities:
        raise ValueError("requires() needs at least one capability, PUBLIC or AUTHENTICATED")
    for name in capabilities:
        if name not in (PUBLIC, AUTHENTICATED) and not any(name in caps for caps in CAPABILITIES.values()):
            # A typo would otherwise lock everyone out of the route, silently.
            raise ValueError(f"unknown capability {name!r}")
    return {OPT_KEY: capabilities[0] if len(capabilities) == 1 else tuple(capabilities)}


def declaration_of(handler: BaseRouteHandler) -> Declaration | None:
    return handler.opt.get(OPT_KEY)


def _names(declaration: Declaration) -> tuple[str, ...]:
    return (declaration,) if isinstance(declaration, str) else declaration


def allowed_roles(declaration: Declaration) -> frozenset[str]:
    """The roles a declaration lets through (for PUBLIC and AUTHENTICATED: every role)."""
    names = _names(declaration)
    if PUBLIC in names or AUTHENTICATED in names:
        return frozenset(ROLES)
    return frozenset(role for role in ROLES if CAPABILITIES[role] & set(names))


async def capability_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if not connection.scope["path"].startswith("/api/"):
        return  # the pages authenticate by cookie on their own router
    declaration = declaration_of(handler)
    if declaration is None:
        raise UndeclaredRoute("该接口未声明访问权限 / This route declares no permission")
    if declaration == PUBLIC:
        return
    actor = await api_actor(connection, connection.app.state.ctx)
    if declaration != AUTHENTICATED:
        require_any(actor, _names(declaration))
