"""HTML pages over the same services as the API: wiring for crm/app.py.

- routes(csrf, extra_handlers=...): one Router for the pages (cookie session, CSRF check, HTML
  error pages, security headers) and the static files. Other packages' pages (contracts)
  arrive as ``extra_handlers`` from crm/app.py, so crm never imports them.
- template_config(): Jinja2 with the i18n helpers ``t``, ``|pick``, ``|lbl``.
- csrf_config(): the settings of the CSRF check of every unsafe page request, a token bound to
  the session (crm/web/csrf.py); the API is outside it because it authenticates with bearer
  tokens only, never cookies.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Sequence

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from crm.security.keyring import Keyring
from crm.settings import Settings
from crm.web import auth_pages, customer_pages, review_pages, staff_pages
from crm.web.csrf import SessionBoundCSRFMiddleware
from crm.web.errors import PAGE_EXCEPTION_HANDLERS
from crm.web.render import configure_environment
from crm.web.session import page_actor, page_session

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
CSRF_COOKIE = "crm_csrf"

_PAGE_HANDLERS = [*auth_pages.ROUTES, *customer_pages.ROUTES, *review_pages.ROUTES, *staff_pages.ROUTES]


def routes(csrf: CSRFConfig, *, extra_handlers: Sequence = ()) -> list:
    """The pages (crm's and ``extra_handlers``), behind the CSRF check, and the static files.

    The check sits on the pages' router rather than the app: the API authenticates with
    bearer tokens only, so its requests have no cookie to forge and skip the middleware.
    """
    pages_router = Router(
        path="/",
        route_handlers=[*_PAGE_HANDLERS, *extra_handlers],
        # The API resolves "session" and "actor" from a bearer token; the pages from the cookie.
        dependencies={
            "session": Provide(page_session),
            "actor": Provide(page_actor),
        },
        middleware=[DefineMiddleware(SessionBoundCSRFMiddleware, config=csrf)],
        exception_handlers=PAGE_EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
    static_router = create_static_files_router(
        path="/static",
        directories=[STATIC],
        include_in_schema=False,
        cache_control=None,
    )
    return [pages_router, static_router]


def template_config() -> TemplateConfig:
    return TemplateConfig(
        directory=TEMPLATES,
        engine=JinjaTemplateEngine,
        engine_callback=lambda engine: configure_environment(engine.engine),
    )


def csrf_secret(keyring: Keyring) -> str:
    """The same secret in every worker process, without another key to manage."""
    return hmac.new(keyring.index_key, b"csrf-secret", hashlib.sha256).hexdigest()


def csrf_config(settings: Settings, keyring: Keyring) -> CSRFConfig:
    return CSRFConfig(
        secret=csrf_secret(keyring),
        cookie_name=CSRF_COOKIE,
        cookie_secure=settings.secure_cookies,
        # The token reaches forms through the server-rendered hidden field, so scripts never need it.
        cookie_httponly=True,
        cookie_samesite="lax",
    )
