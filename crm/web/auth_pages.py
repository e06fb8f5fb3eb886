"""Login, logout, password change, language switch and the landing redirect."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, get, post
from litestar.response import Redirect, Template

from crm.context import AppContext, Origin
from crm.errors import AccountLocked, AuthenticationFailed, InvalidInput, RateLimited
from crm.http_errors import status_for
from crm.staff import service as staff_service
from crm.staff.access import Actor
from crm.web import i18n
from crm.web.render import field_errors, home_for, render, see_other
from crm.web.session import clear_session_cookie, safe_next, session_token, set_session_cookie

LOGIN_NOTICES = {
    "expired": "login.expired", "invalid": "login.invalid_session", "logged_out": "login.logged_out",
    "activated": "login.activated",
}


@get("/", include_in_schema=False)
async def landing(actor: Actor) -> Redirect:
    return see_other(home_for(actor))


@get("/home", include_in_schema=False)
async def home(request: Request, actor: Actor) -> Template:
    return await render(request, "home.html", actor=actor)


def _lockout(ctx: AppContext) -> dict[str, int]:
    return {
        "failures": ctx.lockout_policy.max_failures,
        "minutes": int(ctx.lockout_policy.lock_for.total_seconds() // 60),
    }


@get("/login", include_in_schema=False)
async def login_form(request: Request, ctx: AppContext) -> Template:
    reason = request.query_params.get("reason")
    return await render(
        request,
        "login.html",
        lockout=_lockout(ctx),
        next=safe_next(request.query_params.get("next"), default=""),
        notice=LOGIN_NOTICES.get(reason or ""),
        username="",
        error=None,
    )


@post("/login", include_in_schema=False)
async def login(request: Request, ctx: AppContext, origin: Origin) -> Template | Redirect:
    form = await request.form()
    username = form.get("username") if isinstance(form.get("username"), str) else ""
    password = form.get("password") if isinstance(form.get("password"), str) else ""
    next_path = safe_next(form.get("next") if isinstance(form.get("next"), str) else None, default="")
    try:
        result = await staff_service.login(ctx=ctx, username=username, password=password, kind="web", origin=origin)
    except (AuthenticationFailed, AccountLocked, RateLimited) as exc:
        return await render(
            request, "login.html", status=status_for(exc), next=next_path, notice=None, username=username,
            error=exc.message, lockout=_lockout(ctx), page_path="/login",
        )
    if result.must_change_password:
        target = "/password" + (f"?next={quote(next_path, safe='')}" if next_path else "")
    else:
        target = next_path or home_for(result.actor)
    response = see_other(target)
    set_session_cookie(response, ctx=ctx, token=result.token)
    return response


@post("/logout", include_in_schema=False)
async def logout(request: Request, ctx: AppContext, origin: Origin) -> Redirect:
    await staff_service.logout(ctx=ctx, token=session_token(request), origin=origin)
    response = see_other("/login?reason=logged_out")
    clear_session_cookie(response, ctx=ctx)
    return response


@get("/password", include_in_schema=False)
async def password_form(request: Request, session: staff_service.Authenticated) -> Template:
    return await render(
        request,
        "password.html",
        actor=session.actor,
        must_change=session.must_change_password,
        next=safe_next(request.query_params.get("next"), default=""),
        errors={},
    )


@post("/password", include_in_schema=False)
async def change_password(
    request: Request, ctx: AppContext, origin: Origin, session: staff_service.Authenticated
) -> Template | Redirect:
    form = await request.form()
    current = form.get("current_password") if isinstance(form.get("current_password"), str) else ""
    new = form.get("new_password") if isinstance(form.get("new_password"), str) else ""
    confirm = form.get("confirm_password") if isinstance(form.get("confirm_password"), str) else ""
    next_path = safe_next(form.get("next") if isinstance(form.get("next"), str) else None, default="")
    if new != confirm:
        # Not a rule of the password policy: just a typing check of the form itself.
        errors = {"confirm_password": i18n.both("password.mismatch")}
        return await render(
            request, "password.html", actor=session.actor, status=422, must_change=session.must_change_password,
            next=next_path, errors=errors, page_path="/password",
        )
    try:
        await staff_service.change_password(
            ctx=ctx, actor=session.actor, current_password=current, new_password=new,
            session_id=session.session_id, origin=origin,
        )
    except InvalidInput as exc:
        return await render(
            request, "password.html", actor=session.actor, status=422, must_change=session.must_change_password,
            next=next_path, errors=field_errors(exc, default_field="new_password"), page_path="/password",
        )
    except AccountLocked as exc:
        # Too many wrong current passwords from here (R-ST-03): said next to that field.
        return await render(
            request, "password.html", actor=session.actor, status=423, must_change=session.must_change_password,
            next=next_path, errors=field_errors(exc, default_field="current_password"), page_path="/password",
        )
    target = next_path or home_for(session.actor)
    return see_other(target + ("&" if "?" in target else "?") + "done=password_changed")


@get("/lang", include_in_schema=False)
async def switch_language(request: Request, ctx: AppContext) -> Redirect:
    lang = i18n.normalise_lang(request.query_params.get("to"))
    response = see_other(safe_next(request.query_params.get("next"), default="/"))
    response.set_cookie(
        key=i18n.LANG_COOKIE,
        value=lang,
        path="/",
        max_age=365 * 24 * 3600,
        httponly=True,
        secure=ctx.settings.secure_cookies,
        samesite="lax",
    )
    return response


ROUTES = [landing, home, login_form, login, logout, password_form, change_password, switch_language]
