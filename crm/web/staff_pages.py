"""Staff grants as pages (R-ST-06): the sysadmin files, the general manager decides, the new person activates.

A minimal set on the grants use case (crm.staff.grants); the full staff administration pages
come with the administration issue. The general manager decides from the approval inbox
(contracts' page shows the grants beside the contracts); the activation code of a new account
is shown once, on the page the approval answers with, never in a URL.
"""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from crm.context import AppContext, Origin
from crm.errors import DomainError
from crm.http_errors import status_for
from crm.http_params import RecordId
from crm.staff import activation, admin, grants
from crm.staff.access import Actor
from crm.staff.roles import ROLE_LABELS, ROLES
from crm.web import i18n
from crm.web.render import field_errors, form_values, render, request_lang, see_other

_NEW_FIELDS = ("username", "display_name", "role", "branch", "all_branches")


async def _staff_page(
    request: Request, ctx: AppContext, actor: Actor, *, status: int = 200, values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Template:
    people = await admin.list_staff(ctx=ctx, actor=actor)
    requests = await grants.list_grants(ctx=ctx, actor=actor, status=None)
    branches = await ctx.branches.all()
    return await render(
        request, "staff/list.html", actor=actor, status=status, page_path="/staff", people=people, requests=requests,
        roles=[(role, i18n.label(request_lang(request), ROLE_LABELS[role])) for role in ROLES],
        role_labels=ROLE_LABELS, branches=[(b.code, b.name) for b in branches], values=values or {}, errors=errors or {},
    )


@get("/staff", include_in_schema=False)
async def staff_list(request: Request, ctx: AppContext, actor: Actor) -> Template:
    return await _staff_page(request, ctx, actor)


@post("/staff", include_in_schema=False)
async def request_new_staff(request: Request, ctx: AppContext, actor: Actor, origin: Origin) -> Template | Redirect:
    values = form_values(await request.form(), _NEW_FIELDS)
    try:
        await admin.request_new_staff(
            ctx=ctx, actor=actor, username=values["username"], display_name=values["display_name"],
            role=values["role"], branch=values["branch"], all_branches=values["all_branches"] == "on", origin=origin,
        )
    except DomainError as exc:
        return await _staff_page(request, ctx, actor, status=status_for(exc), values=values, errors=field_errors(exc))
    return see_other("/staff?done=grant_requested")


@post("/staff-grants/{grant_id:int}/approve", include_in_schema=False)
async def approve_grant(request: Request, ctx: AppContext, actor: Actor, origin: Origin, grant_id: RecordId) -> Template | Redirect:
    values = form_values(await request.form(), ("note",))
    try:
        decided = await grants.approve(ctx=ctx, actor=actor, grant_id=grant_id, note=values["note"], origin=origin)
    except DomainError as exc:
        return await render(request, "staff/grant_error.html", actor=actor, status=status_for(exc),
                            message=exc.message, page_path="/approvals")
    if decided["activation_code"] is None:
        return see_other("/approvals?done=grant_approved")
    # Shown once: the approver hands it over; only its hash is kept.
    return await render(request, "staff/activation_code.html", actor=actor, grant=decided, page_path="/approvals")


@post("/staff-grants/{grant_id:int}/activation-code", include_in_schema=False)
async def reissue_code(request: Request, ctx: AppContext, actor: Actor, origin: Origin, grant_id: RecordId) -> Template:
    try:
        decided = await grants.reissue_activation(ctx=ctx, actor=actor, grant_id=grant_id, origin=origin)
    except DomainError as exc:
        return await render(request, "staff/grant_error.html", actor=actor, status=status_for(exc),
                            message=exc.message, page_path="/approvals")
    return await render(request, "staff/activation_code.html", actor=actor, grant=decided, page_path="/approvals")


@post("/staff-grants/{grant_id:int}/reject", include_in_schema=False)
async def reject_grant(request: Request, ctx: AppContext, actor: Actor, origin: Origin, grant_id: RecordId) -> Template | Redirect:
    values = form_values(await request.form(), ("reason",))
    try:
        await grants.reject(ctx=ctx, actor=actor, grant_id=grant_id, reason=values["reason"], origin=origin)
    except DomainError as exc:
        return await render(request, "staff/grant_error.html", actor=actor, status=status_for(exc),
                            message=exc.message, page_path="/approvals")
    return see_other("/approvals?done=grant_rejected")


@get("/activate", include_in_schema=False)
async def activation_form(request: Request) -> Template:
    return await render(request, "staff/activate.html", values={}, errors={})


@post("/activate", include_in_schema=False)
async def activate(request: Request, ctx: AppContext, origin: Origin) -> Template | Redirect:
    form = await request.form()
    values = form_values(form, ("username", "code", "new_password", "confirm_password"))
    kept = {"username": values["username"]}
    if values["new_password"] != values["confirm_password"]:
        errors = {"confirm_password": i18n.both("password.mismatch")}
        return await render(request, "staff/activate.html", status=422, values=kept, errors=errors, page_path="/activate")
    try:
        await activation.activate(ctx=ctx, username=values["username"], code=values["code"],
                                  new_password=values["new_password"], origin=origin)
    except DomainError as exc:
        return await render(request, "staff/activate.html", status=status_for(exc), values=kept,
                            errors=field_errors(exc, default_field="code"), page_path="/activate")
    return see_other("/login?reason=activated")


ROUTES = [staff_list, request_new_staff, approve_grant, reissue_code, reject_grant, activation_form, activate]
