"""Contract pages (SPEC §3): the list, the contract page and its actions, the inbox.

Each handler makes the same service call as its API twin (contracts/api.py). A refused form
is shown again with the service's own messages next to the fields; permissions, branch scope
(another branch's contract is the 404 page, R-PM-03) and every rule (R-CT-04..11) are decided
in the services. The draft form (new and edit) is in draft_pages. crm/app.py wires ROUTES into
the pages router and NAV into the navigation, so crm never imports this module.
"""

from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from contracts import document, draft_pages, inbox, ledger, page_forms, schemas, service
from contracts.approval import DRAFTER_ROLES, SIGNER_ROLES
from contracts.lifecycle import STATUS_LABELS, allowed_targets
from contracts.page_labels import labels, type_labels
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput
from crm.http_errors import status_for
from crm.staff import grants
from crm.staff.access import Actor, can
from crm.web import i18n
from crm.web.downloads import file_response
from crm.web.render import NavEntry, field_errors, form_values, page_number, render, request_lang, see_other

# The app state key under which crm/app.py registers sections other packages add to the contract
# page (the archives' materials): async callables (request=, ctx=, actor=, contract=) returning a
# dict with the "template" to include and its data, read in the template as ``section``.
CONTRACT_SECTIONS_STATE = "contract_sections"

NAV = (
    NavEntry(key="nav.contracts", href="/contracts", capability="contract.read"),
    # The badge query runs only for roles that decide (the entry's capability).
    NavEntry(key="nav.approvals", href="/approvals", capability="contract.decide", badge=inbox.waiting_count_query),
)

# The wording of the manual moves on the contract page (the statuses they lead to are in STATUS_LABELS).
TRANSITION_LABELS: dict[str, tuple[str, str]] = {
    "active": ("开始履行", "Start performance"),
    "fulfilled": ("履行完毕", "Mark fulfilled"),
    "terminated": ("终止", "Terminate"),
}


# ---- the list ------------------------------------------------------------------------------

LIST_TEMPLATE = "contracts/list.html"


@get("/contracts", include_in_schema=False)
async def contract_list(request: Request, ctx: AppContext, actor: Actor) -> Template:
    status = (request.query_params.get("status") or "")[:20]
    text = (request.query_params.get("q") or "")[:40]
    account_no = (request.query_params.get("account_no") or "")[:16]
    page = page_number(request.query_params.get("page"))
    context: dict[str, Any] = dict(status_filter=status, q=text, account_no=account_no, result=None, errors={})
    http_status = 200
    try:
        context["result"] = await service.list_contracts(
            ctx=ctx, actor=actor, status=status or None, account_no=account_no or None, query=text or None, page=page
        )
    except InvalidInput as exc:
        context["errors"], http_status = field_errors(exc), status_for(exc)
    return await render(
        request, LIST_TEMPLATE, actor=actor, status=http_status,
        types=await type_labels(ctx, actor), can_draft="contract.draft" in actor.capabilities,
        **labels(), **context,
    )


# ---- the contract page -----------------------------------------------------------------------

DETAIL_TEMPLATE = "contracts/detail.html"


def _previous_rounds(contract: schemas.Contract) -> list[schemas.ApprovalStepOut]:
    """Decisions of earlier submissions (a rejection or return, then a new chain)."""
    return [s for s in contract.approval_history if s.round < contract.approval_round]


def _sent_back(contract: schemas.Contract) -> schemas.ApprovalStepOut | None:
    """The rejection or return that put this draft back for revision, to say who and how.

    None for a draft never submitted; the reason itself is the contract's status_reason.
    """
    if contract.status != "draft":
        return None
    return next((s for s in reversed(contract.approval_history)
                 if s.round == contract.approval_round and s.decision in ("reject", "return")), None)


def _pending_step(contract: schemas.Contract) -> schemas.ApprovalStepOut | None:
    if contract.status != "pending_approval":
        return None
    return next((s for s in contract.approval_chain if s.status == "pending"), None)


def _actions(contract: schemas.Contract, actor: Actor) -> dict[str, Any]:
    """What the page offers. Only what the buttons show; every action is checked again by its service."""
    caps = actor.capabilities
    pending = _pending_step(contract)
    outstanding = (contract.amount_fen or 0) - contract.paid_fen
    may_draft = "contract.draft" in caps and actor.role in DRAFTER_ROLES.get(contract.family, ())
    return {
        # Editing and submitting a draft belong to the same roles (revise_draft and submit check it).
        "can_submit": contract.status == "draft" and may_draft,
        "can_edit": contract.status == "draft" and may_draft,
        "can_decide": pending is not None and "contract.decide" in caps and pending.role == actor.role
        and contract.drafted_by != actor.username,
        "can_sign": contract.status == "approved" and "contract.sign" in caps
        and actor.role in SIGNER_ROLES.get(contract.family, ()),
        "targets": allowed_targets(contract.status) if "contract.transition" in caps else (),
        "can_pay": "fee_payment.record" in caps and contract.family == "installation"
        and contract.status in ledger.OWING_STATUSES and outstanding > 0,
        "pending": pending,
        "outstanding_fen": outstanding,
    }


async def _contract_page(
    request: Request,
    ctx: AppContext,
    actor: Actor,
    contract_no: str,
    *,
    status: int = 200,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
) -> Template:
    contract = await service.get_contract(ctx=ctx, actor=actor, contract_no=contract_no)
    lang = request_lang(request)
    actions = _actions(contract, actor)
    branch = await ctx.branches.by_code(contract.branch)
    sections = [
        await section(request=request, ctx=ctx, actor=actor, contract=contract)
        for section in request.app.state.get(CONTRACT_SECTIONS_STATE, ())
    ]
    return await render(
        request,
        DETAIL_TEMPLATE,
        actor=actor,
        status=status,
        page_path=f"/contracts/{quote(contract.contract_no)}",
        c=contract,
        company_name=ctx.settings.company_name,
        branch_name=branch.name if branch else contract.branch,
        types=await type_labels(ctx, actor),
        previous_rounds=_previous_rounds(contract),
        sent_back=_sent_back(contract),
        errors=errors or {},
        values=values or {},
        extra_sections=sections,
        target_options=[(to, i18n.label(lang, TRANSITION_LABELS.get(to, STATUS_LABELS[to]))) for to in actions["targets"]],
        channel_options=[(key, i18n.label(lang, pair)) for key, pair in ledger.CHANNELS.items()],
        **actions,
        **labels(),
    )


async def _refused(
    request: Request, ctx: AppContext, actor: Actor, contract_no: str, form: str, exc: Exception,
    values: dict[str, str], renamed: Mapping[str, str] | None = None,
) -> Template:
    errors = field_errors(exc)
    for service_name, form_name in (renamed or {}).items():
        if service_name in errors:
            errors.setdefault(form_name, errors.pop(service_name))
    return await _contract_page(
        request, ctx, actor, contract_no, status=status_for(exc), errors={form: errors}, values={form: values}
    )


# Other packages' forms on the contract page (the materials upload) show their refusals through it.
contract_page = _contract_page


@get("/contracts/{contract_no:str}", include_in_schema=False)
async def contract_detail(request: Request, ctx: AppContext, actor: Actor, contract_no: str) -> Template:
    return await _contract_page(request, ctx, actor, contract_no)


@post("/contracts/{contract_no:str}/submit", include_in_schema=False)
async def submit(request: Request, ctx: AppContext, actor: Actor, origin: Origin, contract_no: str) -> Template | Redirect:
    """提交审批: the chain is computed by the service; a contract that needs none is approved at once."""
    try:
        contract = await service.submit(ctx=ctx, actor=actor, contract_no=contract_no, origin=origin)
    except (InvalidInput, Conflict) as exc:
        return await _refused(request, ctx, actor, contract_no, "submit", exc, {})
    done = "contract_submitted" if contract.status == "pending_approval" else "contract_approved_directly"
    return see_other(f"/contracts/{quote(contract.contract_no)}?done={done}")


@post("/contracts/{contract_no:str}/decision", include_in_schema=False)
async def decide(request: Request, ctx: AppContext, actor: Actor, origin: Origin, contract_no: str) -> Template | Redirect:
    """审批: 同意 / 驳回 / 退回修改 with a reason; the decider goes back to their inbox."""
    values = form_values(await request.form(), ("decision", "reason", "step"))
    try:
        await service.decide(
            ctx=ctx, actor=actor, contract_no=contract_no, decision=values["decision"], reason=values["reason"],
            step=page_forms.step_number(values["step"]), origin=origin,
        )
    except (InvalidInput, Conflict) as exc:
        return await _refused(request, ctx, actor, contract_no, "decision", exc, values, {"step": "decision"})
    return see_other("/approvals?done=contract_decided")


@post("/contracts/{contract_no:str}/sign", include_in_schema=False)
async def sign(request: Request, ctx: AppContext, actor: Actor, origin: Origin, contract_no: str) -> Template | Redirect:
    try:
        contract = await service.sign(ctx=ctx, actor=actor, contract_no=contract_no, origin=origin)
    except (InvalidInput, Conflict) as exc:
        return await _refused(request, ctx, actor, contract_no, "sign", exc, {})
    return see_other(f"/contracts/{quote(contract.contract_no)}?done=contract_signed")


@post("/contracts/{contract_no:str}/status", include_in_schema=False)
async def change_status(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, contract_no: str
) -> Template | Redirect:
    """履行 / 履行完毕 / 终止, each with a reason (R-CT-11)."""
    values = form_values(await request.form(), ("to", "reason"))
    try:
        contract = await service.transition(
            ctx=ctx, actor=actor, contract_no=contract_no, to=values["to"], reason=values["reason"], origin=origin
        )
    except (InvalidInput, Conflict) as exc:
        return await _refused(request, ctx, actor, contract_no, "status", exc, values)
    return see_other(f"/contracts/{quote(contract.contract_no)}?done=contract_status_changed")


@post("/contracts/{contract_no:str}/payments", include_in_schema=False)
async def record_payment(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, contract_no: str
) -> Template | Redirect:
    """收取安装费 (R-BL-07): allocated to the oldest open installment by the ledger."""
    values = page_forms.payment_values(await request.form())
    payment, unreadable = page_forms.read_payment(values)
    if payment is None:
        return await _contract_page(
            request, ctx, actor, contract_no, status=422, errors={"payment": unreadable}, values={"payment": values}
        )
    amount_fen, paid_on = payment
    try:
        await ledger.record_payment(
            ctx=ctx, actor=actor, contract_no=contract_no, amount_fen=amount_fen, paid_on=paid_on,
            channel=values["channel"], reference=values["reference"], origin=origin,
        )
    except (InvalidInput, Conflict) as exc:
        return await _refused(request, ctx, actor, contract_no, "payment", exc, values, {"amount_fen": "amount"})
    return see_other(f"/contracts/{quote(contract_no)}?done=payment_recorded#payments")


@get("/contracts/{contract_no:str}/document.pdf", include_in_schema=False)
async def contract_pdf(ctx: AppContext, actor: Actor, origin: Origin, contract_no: str) -> Response[bytes]:
    """下载合同 PDF with its approval trail, through the page session."""
    number, pdf = await document.contract_pdf(ctx=ctx, actor=actor, contract_no=contract_no, origin=origin)
    return file_response(content=pdf, filename=f"contract-{number}.pdf")


# ---- the approval inbox ----------------------------------------------------------------------


@get("/approvals", include_in_schema=False)
async def approval_inbox(request: Request, ctx: AppContext, actor: Actor) -> Template:
    """审批待办: what waits for my role, oldest first; roles that decide nothing see it empty."""
    page = page_number(request.query_params.get("page"))
    result = await inbox.inbox(ctx=ctx, actor=actor, page=page)
    # Grants of authority wait here too, beside the contracts (R-ST-06).
    approver = can(actor, grants.APPROVE)
    waiting_grants = await grants.list_grants(ctx=ctx, actor=actor) if approver else []
    unactivated = await grants.awaiting_activation(ctx=ctx, actor=actor) if approver else []
    return await render(
        request, "contracts/inbox.html", actor=actor, result=result, page=page, grants=waiting_grants,
        unactivated=unactivated,
        page_size=inbox.PAGE_SIZE, types=await type_labels(ctx, actor), **labels(),
    )


ROUTES = [
    contract_list,
    *draft_pages.ROUTES,
    contract_detail,
    submit,
    decide,
    sign,
    change_status,
    record_payment,
    contract_pdf,
    approval_inbox,
]
