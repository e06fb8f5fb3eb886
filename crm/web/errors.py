"""How refusals look in the pages: login redirects, and friendly error pages with the right status."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template

from crm.errors import AuthenticationFailed, DomainError
from crm.http_errors import status_for
from crm.security.sealing import SealBroken
from crm.staff.service import PasswordChangeRequired, SessionExpired
from crm.web import i18n
from crm.web.csrf import CSRF_FAILURE, login_cookie_is_ours
from crm.web.render import request_lang
from crm.web.session import clear_session_cookie, here, login_url, session_token

log = logging.getLogger("crm.web")


def error_page(request: Request, *, status: int, message: str, title_key: str | None = None) -> Template:
    lang = request_lang(request)
    return Template(
        template_name="error.html",
        context={
            "lang": lang,
            "html_lang": i18n.html_lang(lang),
            "actor": None,
            "nav": [],
            "here": request.scope["path"] if request.method == "GET" else "/",
            "flash": None,
            "status": status,
            "title_key": title_key or f"error.title.{status if status in (400, 403, 404, 409, 423) else 'other'}",
            "message": message,
        },
        status_code=status,
    )


def domain_error_page(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, PasswordChangeRequired):
        return Redirect(path="/password", status_code=303)
    if isinstance(exc, AuthenticationFailed):
        had_cookie = session_token(request) is not None
        reason = "expired" if isinstance(exc, SessionExpired) else ("invalid" if had_cookie else None)
        target = here(request) if request.method == "GET" else None
        response = Redirect(path=login_url(target, reason), status_code=303)
        if had_cookie:
            clear_session_cookie(response, ctx=request.app.state.ctx)
        return response
    return error_page(request, status=status_for(exc), message=exc.message)


def _stale_csrf_cookie(request: Request) -> bool:
    """A login CSRF cookie signed with another secret (e.g. before a keyring was replaced).

    The middleware keeps reusing an existing cookie, so such a cookie would fail every login
    form for good; dropping it lets the next page view issue a fresh one.
    """
    config = request.app.state.csrf
    cookie = request.cookies.get(config.cookie_name) if config else None
    return bool(cookie) and not login_cookie_is_ours(secret=config.secret, login_cookie=cookie)


def http_error_page(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if status == 403 and exc.detail == CSRF_FAILURE:
        response = error_page(request, status=403, message=i18n.both("error.csrf"), title_key="error.title.csrf")
        if _stale_csrf_cookie(request):
            config = request.app.state.csrf
            response.set_cookie(
                key=config.cookie_name, value="", path=config.cookie_path, max_age=0,
                secure=config.cookie_secure, httponly=config.cookie_httponly, samesite=config.cookie_samesite,
            )
        return response
    key = {404: "error.not_found", 405: "error.method", 403: "error.forbidden"}.get(status, "error.bad_request")
    return error_page(request, status=status, message=i18n.both(key))


def validation_error_page(request: Request, exc: ValidationException) -> Response:
    extra = exc.extra if isinstance(exc.extra, list) else []
    if any(isinstance(e, dict) and e.get("source") == "path" for e in extra):
        # An id no row can have (crm.http_params), like any other missing object.
        return error_page(request, status=404, message=i18n.both("error.not_found"))
    return error_page(request, status=400, message=i18n.both("error.bad_request"))


def internal_error_page(request: Request, exc: Exception) -> Response:
    if isinstance(exc, SealBroken):
        log.error("sealed value failed authentication on %s", request.url.path)
    else:
        log.exception("unhandled error on page %s", request.url.path, exc_info=exc)
    return error_page(request, status=500, message=i18n.both("error.internal"))


PAGE_EXCEPTION_HANDLERS = {
    DomainError: domain_error_page,
    ValidationException: validation_error_page,
    HTTPException: http_error_page,
    Exception: internal_error_page,
}
