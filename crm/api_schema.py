"""The OpenAPI schema: for logged-in staff only, as JSON only (issue 14 finding 8).

The schema maps every route and field of the staff API, so it is read like the API itself:
with a bearer token, or from the pages with a web session cookie; anyone else gets 401. The
interactive viewers (Swagger, ReDoc, Elements, …) are not served: they load their scripts and
styles from a CDN, which the one content security policy of crm.http_headers refuses, and
loosening the policy for them would loosen it for a page that shows the whole API. A developer
opens ``/schema/openapi.json`` in a local viewer instead.
"""

from __future__ import annotations

from litestar import Router
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from crm.http_auth import SESSION_COOKIE, api_session, bearer_token
from crm.staff import service as staff_service

__all__ = ["SCHEMA_PATH", "openapi_config", "staff_only"]

SCHEMA_PATH = "/schema"


async def staff_only(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Let in a valid API token or page session, whichever the caller holds."""
    ctx = connection.app.state.ctx
    if bearer_token(connection) is not None:
        await api_session(connection, ctx)
        return
    await staff_service.authenticate(ctx=ctx, token=connection.cookies.get(SESSION_COOKIE), kind="web")


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Utility CRM & Archives API",
        version="1.0.0",
        render_plugins=[JsonRenderPlugin()],
        openapi_router=Router(path=SCHEMA_PATH, route_handlers=[], guards=[staff_only]),
        components=Components(security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}),
        security=[{"BearerToken": []}],
    )
