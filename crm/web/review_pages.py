"""Manager and auditor pages: correction approvals (R-AC-08) and the audit trail (R-PM-05)."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from crm.accounts import corrections
from crm.accounts import service as accounts_service
from crm.accounts.corrections import OwnCorrection
from crm.accounts.customer_rules import FIELD_LABELS
from crm.accounts.reveal_rules import REVEAL_ACTIONS, RevealRateExceeded
from crm.audit import service as audit_service
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput
from crm.http_errors import status_for
from crm.http_params import INT64_MAX, RecordId, bounded
from crm.staff.access import Actor
from crm.web.render import field_errors, form_values, render, see_other

CORRECTION_STATUSES = {
    "pending": ("待审批", "Pending"),
    "approved": ("已批准", "Approved"),
    "rejected": ("已驳回", "Rejected"),
}

# ---- corrections ---------------------------------------------------------------------------


async def _corrections_page(
    request: Request, ctx: AppContext, actor: Actor, *, status: str = "pending", http_status: int = 200,
    errors: dict[int, dict[str, str]] | None = None, values: dict[int, dict[str, str]] | None = None,
) -> Template:
    items = await corrections.list_corrections(ctx=ctx, actor=actor, status=status)
    return await render(
        request,
        "corrections.html",
        actor=actor,
        status=http_status,
        page_path=f"/corrections?status={status}",
        items=items,
        current=status,
        statuses=CORRECTION_STATUSES,
        labels=FIELD_LABELS,
        errors=errors or {},
        values=values or {},
        can_decide="customer.correct.approve" in actor.capabilities,
    )


@get("/corrections", include_in_schema=False)
async def correction_list(request: Request, ctx: AppContext, actor: Actor) -> Template:
    status = request.query_params.get("status") or "pending"
    if status not in CORRECTION_STATUSES:
        status = "pending"
    return await _corrections_page(request, ctx, actor, status=status)


@post("/corrections/{correction_id:int}/decision", include_in_schema=False)
async def decide(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, correction_id: RecordId
) -> Template | Redirect:
    values = form_values(await request.form(), ("decision", "reason"))
    approve = values["decision"] == "approve"
    try:
        await corrections.decide_correction(
            ctx=ctx, actor=actor, correction_id=correction_id, approve=approve, reason=values["reason"], origin=origin
        )
    except (InvalidInput, Conflict, OwnCorrection) as exc:
        return await _corrections_page(
            request, ctx, actor, http_status=status_for(exc),
            errors={correction_id: field_errors(exc)}, values={correction_id: values},
        )
    return see_other("/corrections?done=" + ("correction_approved" if approve else "correction_rejected"))


# ---- audit trail ---------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50


def _details(text: str | None) -> str:
    if not text:
        return ""
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if isinstance(data, dict):
        return ", ".join(
            f"{key}={value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}" for key, value in data.items()
        )
    return str(data)


def _refused_for_rate(text: str | None) -> bool:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("code") == RevealRateExceeded.code


async def _audit_page(request: Request, ctx: AppContext, actor: Actor, *, report: Any = None) -> Template:
    action = (request.query_params.get("action") or "").strip()[:64] or None
    username = (request.query_params.get("username") or "").strip()[:64] or None
    before = bounded(request.query_params.get("before"), low=0, high=INT64_MAX)
    # Issue 14 finding 4: reveals refused past the rate limit can be listed on their own.
    reveal_rate = request.query_params.get("flag") == "reveal_rate"
    page = await audit_service.list_events(
        ctx=ctx, actor=actor, action=action, username=username, before_seq=before, newest_first=True,
        limit=AUDIT_PAGE_SIZE,
        **({"actions": REVEAL_ACTIONS, "outcome": "failure"} if reveal_rate else {}),
    )
    events = [
        dict(event, details_text=_details(event["details"]), reveal_rate=_refused_for_rate(event["details"]))
        for event in page.events
    ]
    return await render(
        request,
        "audit.html",
        actor=actor,
        page_path="/audit",
        events=events,
        action=action or "",
        username=username or "",
        reveal_rate=reveal_rate,
        refused_reveals=await accounts_service.refused_reveals(ctx=ctx, actor=actor),
        before=before,
        older=page.next_before_seq,
        report=report,
    )


@get("/audit", include_in_schema=False)
async def audit_events(request: Request, ctx: AppContext, actor: Actor) -> Template:
    return await _audit_page(request, ctx, actor)


@post("/audit/verify", include_in_schema=False)
async def audit_verify(request: Request, ctx: AppContext, actor: Actor, origin: Origin) -> Template:
    report = await audit_service.verify(ctx=ctx, actor=actor, origin=origin)
    return await _audit_page(request, ctx, actor, report=report)


ROUTES = [correction_list, decide, audit_events, audit_verify]
