"""The draft form pages (SPEC §3): 起草合同 and 修改草稿, one form with its fee and approval preview.

Drafting calls draft_contract, editing calls revise_draft; both preview with preview_contract,
so the clerk sees the fee and the chain before saving. A refused form is shown again with the
service's own messages next to the fields. Editing keeps type and customer fixed and carries
the version it was filled from, so a submission or another clerk's edit in the meantime is
refused (409) instead of silently overwritten; every check is the service's.
"""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, get, post
from litestar.response import Redirect, Template

from contracts import approval, catalogue, lifecycle, page_forms, pricing, schemas, service
from contracts.page_labels import labels
from crm.accounts import service as accounts
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput, NotFound
from crm.http_errors import status_for
from crm.staff.access import Actor, require
from crm.web import i18n
from crm.web.render import render, see_other

DRAFT_TEMPLATE = "contracts/new.html"


async def _form_page(
    request: Request,
    ctx: AppContext,
    actor: Actor,
    *,
    draft: page_forms.DraftForm,
    contract: schemas.Contract | None = None,
    errors: dict[str, str] | None = None,
    preview: schemas.ContractPreview | None = None,
    status: int = 200,
    strict_customer: bool = False,
) -> Template:
    """The form with the types this role may draft and the price standard in force today.

    With ``contract`` it is the edit form of that draft: type and customer are shown, not
    chosen, and come from the contract rather than from what the browser sent back.
    On the way in (``strict_customer``) another branch's customer is the 404 page; a number
    typed into the new form is checked by the service and refused next to the field instead.
    """
    customer = None
    account_no = draft.values["account_no"].strip()
    if contract is None and account_no:
        try:
            customer = await accounts.get_customer(ctx=ctx, actor=actor, account_no=account_no)
        except NotFound:
            if strict_customer:
                raise
    all_types = await catalogue.list_types(ctx=ctx, actor=actor)
    types = [t for t in all_types if t.active and actor.role in approval.DRAFTER_ROLES.get(t.family, ())]
    if contract is None and not draft.values["type"] and types:
        draft.values["type"] = types[0].code
    standards = await pricing.list_price_standards(ctx=ctx, actor=actor, on=ctx.now().date())
    errors = errors or {}
    if contract is not None:
        page_path = f"/contracts/{quote(contract.contract_no)}/edit"
    else:
        page_path = "/contracts/new" + (f"?account_no={quote(account_no)}" if account_no else "")
    return await render(
        request,
        DRAFT_TEMPLATE,
        actor=actor,
        status=status,
        page_path=page_path,
        contract=contract,
        customer=customer,
        types=types,
        type_names={t.code: (t.name_zh, t.name_en) for t in all_types},
        standards=standards,
        draft=draft,
        installment_rows=range(len(draft.installments)),
        errors=errors,
        error_labels={key: page_forms.error_label(key) for key in errors},
        preview=preview,
        **labels(),
    )


# ---- a new draft -----------------------------------------------------------------------------


@get("/contracts/new", include_in_schema=False)
async def draft_form(request: Request, ctx: AppContext, actor: Actor) -> Template:
    # Show the refusal before the clerk fills a whole form; draft_contract checks again.
    require(actor, "contract.draft")
    account_no = (request.query_params.get("account_no") or "").strip()[:16]
    return await _form_page(
        request, ctx, actor, draft=page_forms.blank_form(account_no=account_no), strict_customer=bool(account_no)
    )


@post("/contracts/new", include_in_schema=False)
async def draft_or_preview(request: Request, ctx: AppContext, actor: Actor, origin: Origin) -> Template | Redirect:
    """计算费用与审批流程 (preview_contract, nothing saved) or 保存草稿 (draft_contract)."""
    form = await request.form()
    draft = page_forms.read_form(form)
    submitted, unreadable = page_forms.to_create(draft)
    if submitted is None:
        return await _form_page(request, ctx, actor, draft=draft, errors=unreadable, status=422)
    try:
        if form.get("action") == "save":
            contract = await service.draft_contract(ctx=ctx, actor=actor, data=submitted.data, origin=origin)
            return see_other(f"/contracts/{quote(contract.contract_no)}?done=contract_drafted")
        preview = await service.preview_contract(ctx=ctx, actor=actor, data=submitted.data)
    except (InvalidInput, Conflict, NotFound) as exc:
        # NotFound here is an unknown type or customer typed into the form, not a page to hide.
        return await _form_page(
            request, ctx, actor, draft=draft, errors=page_forms.form_errors(exc, submitted), status=status_for(exc)
        )
    return await _form_page(request, ctx, actor, draft=draft, preview=preview)


# ---- editing a draft -------------------------------------------------------------------------


async def _edit_page(
    request: Request, ctx: AppContext, actor: Actor, contract_no: str, *, draft: page_forms.DraftForm,
    errors: dict[str, str] | None = None, preview: schemas.ContractPreview | None = None, status: int = 200,
) -> Template:
    """The edit form again after a preview or a refusal, as typed, the version included: a
    stale form stays stale until reloaded, so nobody saves over a change they have not seen."""
    contract = await service.get_contract(ctx=ctx, actor=actor, contract_no=contract_no)
    return await _form_page(request, ctx, actor, draft=draft, contract=contract, errors=errors, preview=preview,
                            status=status)


@get("/contracts/{contract_no:str}/edit", include_in_schema=False)
async def edit_form(request: Request, ctx: AppContext, actor: Actor, contract_no: str) -> Template:
    """修改草稿, filled from the contract as saved (another branch's contract is the 404 page)."""
    require(actor, "contract.draft")
    contract = await service.get_contract(ctx=ctx, actor=actor, contract_no=contract_no)
    # Refuse before the clerk edits a whole form (a contract under approval, a role that may not
    # draft this family); revise_draft checks both again when the form is saved.
    lifecycle.check_revisable(status=contract.status)
    approval.check_drafter(family=contract.family, role=actor.role)
    return await _form_page(request, ctx, actor, draft=page_forms.from_contract(contract), contract=contract)


@post("/contracts/{contract_no:str}/edit", include_in_schema=False)
async def revise_or_preview(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, contract_no: str
) -> Template | Redirect:
    """计算费用与审批流程 (preview_contract for this draft) or 保存修改 (revise_draft)."""
    form = await request.form()
    draft = page_forms.read_form(form)
    submitted, unreadable = page_forms.to_create(draft)
    version = page_forms.expected_version(draft)
    if version is None:
        # Without the version the form was not loaded from the edit page: saving it could undo
        # a change made since (as the customer edit page refuses it).
        unreadable["version"] = i18n.both("edit.no_version")
    if submitted is None or version is None:
        return await _edit_page(request, ctx, actor, contract_no, draft=draft, errors=unreadable, status=422)
    try:
        if form.get("action") == "save":
            contract = await service.revise_draft(
                ctx=ctx, actor=actor, contract_no=contract_no, data=submitted.data, expected_version=version,
                origin=origin,
            )
            return see_other(f"/contracts/{quote(contract.contract_no)}?done=contract_revised")
        preview = await service.preview_contract(ctx=ctx, actor=actor, data=submitted.data, revising=contract_no)
    except (InvalidInput, Conflict) as exc:
        # Not NotFound: type and customer are fixed, so that can only be the contract itself (404 page).
        return await _edit_page(request, ctx, actor, contract_no, draft=draft,
                                errors=page_forms.form_errors(exc, submitted), status=status_for(exc))
    return await _edit_page(request, ctx, actor, contract_no, draft=draft, preview=preview)


ROUTES = [draft_form, draft_or_preview, edit_form, revise_or_preview]
