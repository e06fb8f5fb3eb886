"""create_app(settings) -> Litestar: wires every package's controllers and pages."""

from __future__ import annotations

import contextlib
from typing import AsyncIterator

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.di import Provide

from crm import api_schema, db
from crm.accounts.api import CorrectionController, CustomerController
from crm.audit.api import AuditController
from crm.billing.api import CONTROLLERS as BILLING_CONTROLLERS
from crm.context import AppContext, build_context
from crm.http_auth import api_actor, api_session, request_origin
from crm.http_errors import EXCEPTION_HANDLERS, audit_denial
from crm.http_headers import add_security_headers
from crm.route_access import capability_guard
from crm.settings import Settings
from crm.staff.api import AuthController, GrantController, StaffController


@get("/health", tags=["system"])
async def health(ctx: AppContext) -> dict[str, str]:
    from crm.staff import directory as staff_directory

    await staff_directory.branch_count()
    return {"status": "ok", "database": ctx.engine.engine_type}


def create_app(settings: Settings | None = None, *, ctx: AppContext | None = None) -> Litestar:
    settings = settings or (ctx.settings if ctx else Settings.from_env())
    context = ctx or build_context(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        db.bind_tables(context.engine)
        await db.start(context.engine, pool_size=context.settings.db_pool_size)
        try:
            yield
        finally:
            await db.stop(context.engine)

    from archives import departure_pages, disposal_pages
    from archives import pages as archive_pages
    from archives.api import CONTROLLERS as ARCHIVE_CONTROLLERS
    from contracts import pages as contract_pages
    from contracts.api import CONTROLLERS as CONTRACT_CONTROLLERS
    from crm.web import pages
    from crm.web.render import EXTRA_NAV_STATE

    csrf = pages.csrf_config(context.settings, context.keyring)
    return Litestar(
        route_handlers=[
            health,
            AuthController,
            StaffController,
            GrantController,
            CustomerController,
            CorrectionController,
            AuditController,
            *BILLING_CONTROLLERS,
            *CONTRACT_CONTROLLERS,
            *ARCHIVE_CONTROLLERS,
            *pages.routes(csrf, extra_handlers=[
                *contract_pages.ROUTES, *archive_pages.ROUTES, *departure_pages.ROUTES,
                *disposal_pages.ROUTES]),
        ],
        dependencies={
            # One context for the app's life: cached, it costs no per-request resolution.
            "ctx": Provide(lambda: context, use_cache=True, sync_to_thread=False),
            "session": Provide(api_session),
            "actor": Provide(api_actor),
            "origin": Provide(request_origin),
        },
        # Every API route's declared permission, checked before its body is read.
        guards=[capability_guard],
        exception_handlers=EXCEPTION_HANDLERS,
        after_exception=[audit_denial],
        # The security headers of every answer, errors and unknown routes included (crm.http_headers).
        before_send=[add_security_headers],
        lifespan=[lifespan],
        # The CSRF settings are read back by the page error handlers (a stale cookie is reset).
        # The navigation of the contract and archive pages joins crm's (crm never imports them),
        # and the archives add their materials section to the contract page.
        state=State({
            "ctx": context, "csrf": csrf, EXTRA_NAV_STATE: (*contract_pages.NAV, *archive_pages.NAV, *departure_pages.NAV,
                                                *disposal_pages.NAV),
            contract_pages.CONTRACT_SECTIONS_STATE: archive_pages.CONTRACT_SECTIONS,
        }),
        openapi_config=api_schema.openapi_config(),
        template_config=pages.template_config(),
        debug=False,
    )
