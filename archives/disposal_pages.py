"""Disposal and fixity pages (SPEC §5, R-AR-05, R-AR-04): 销毁鉴定 / 销毁审批 and 完整性检查.

Each handler makes the same service call as its API twin (/api/v1/disposals, /api/v1/archives/
fixity-check, /api/v1/archives/fixity-checks); permissions and every rule (due records only,
the general manager's approval, two witnesses who are active staff and not the executor) are
the services'. A refused form is shown again with the service's own message next to its field.

- 销毁鉴定 (/disposals): the archivist's due-for-disposal list with the proposal form, the
  batches waiting for the reader and every batch; the general manager sees it as 销毁审批.
- A batch page (/disposals/{id}): its records, the approval form for the general manager, the
  witnesses the archivist names and each one's own confirmation (监销确认, the witness's button),
  the execution once all have confirmed, the destruction register (销毁清册) after. A witness
  without the archive room's capabilities sees only the batches naming them.
- 完整性检查 (/fixity): run a check and read its report; the history of past runs comes from
  the audit trail, where every run is recorded.

The routes are wired by crm/app.py next to archives.pages.ROUTES: this module builds on that
one's helpers, so that one cannot import this one back.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from archives import disposal, documents, fixity, schemas
from archives.disposal_rules import DISPOSAL_STATUS_LABELS, MIN_WITNESSES
from archives.pages import id_in_range, page_labels
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput
from crm.http_errors import status_for
from crm.http_params import RecordId
from crm.staff.access import Actor
from crm.web.downloads import file_response
from crm.web.render import NavEntry, field_errors, form_list, form_values, render, see_other

# One input more than the minimum: everyone who watched signs the register.
_WITNESS_INPUTS = MIN_WITNESSES + 1


NAV = (
    # One link per address (crm.web.render.navigation): the approver's name where both could apply.
    NavEntry(key="nav.disposals_approve", href="/disposals", capability="archive.dispose.approve",
             badge=disposal.waiting_count_query),
    NavEntry(key="nav.disposals", href="/disposals", capability="archive.dispose",
             badge=disposal.waiting_count_query),
    # Anyone else who may be named a witness reads the batches waiting for their confirmation there,
    # through a link shown only while one waits.
    *(NavEntry(key="nav.disposal_witness", href="/disposals", capability=capability,
               badge=disposal.witness_count_query, only_when_waiting=True)
      for capability in ("archive.request", "audit.read")),
    NavEntry(key="nav.fixity", href="/fixity", capability="archive.fixity"),
)


def _page_labels() -> dict[str, Any]:
    return {**page_labels(), "disposal_statuses": DISPOSAL_STATUS_LABELS, "min_witnesses": MIN_WITNESSES}


def disposal_href(batch_id: int) -> str:
    return f"/disposals/{batch_id}"


# ---- 销毁鉴定: the due list, the proposal, the batches -------------------------------------------


async def _disposals_page(
    request: Request, ctx: AppContext, actor: Actor, *, status: int = 200, errors: dict[str, str] | None = None,
    chosen: list[str] | None = None, reason: str = "",
) -> Template:
    overview = await disposal.disposal_overview(ctx=ctx, actor=actor)
    return await render(
        request, "archives/disposals.html", actor=actor, status=status, page_path="/disposals",
        can_propose="archive.dispose" in actor.capabilities, due=overview.due,
        waiting=overview.waiting, batches=overview.batches, to_witness=overview.to_witness,
        errors=errors or {}, chosen=set(chosen or ()), reason=reason, disposal_href=disposal_href,
        **_page_labels(),
    )


@get("/disposals", include_in_schema=False)
async def disposals_page(request: Request, ctx: AppContext, actor: Actor) -> Template:
    return await _disposals_page(request, ctx, actor)


@post("/disposals", include_in_schema=False)
async def propose_disposal(request: Request, ctx: AppContext, actor: Actor, origin: Origin) -> Template | Redirect:
    """鉴定销毁: the ticked due records in one batch, with the appraisal; nothing is saved if refused."""
    form = await request.form()
    chosen = form_list(form, "archive_nos")
    reason = form_values(form, ("reason",))["reason"]
    try:
        batch = await disposal.propose(ctx=ctx, actor=actor, archive_nos=chosen, reason=reason, origin=origin)
    except (InvalidInput, Conflict) as exc:
        return await _disposals_page(request, ctx, actor, status=status_for(exc),
                                     errors=field_errors(exc, default_field="archive_nos"), chosen=chosen,
                                     reason=reason)
    return see_other(f"{disposal_href(batch.id)}?done=disposal_proposed")


# ---- a batch: approval, execution, the register ----------------------------------------------------


def _disposal_id(raw: int) -> int:
    return id_in_range(raw, not_found=disposal.DisposalNotFound(
        f"销毁批次 {raw} 不存在 / Disposal batch {raw} not found", field="id"))


async def _batch_page(
    request: Request, ctx: AppContext, actor: Actor, batch_id: int, *, status: int = 200,
    errors: dict[str, str] | None = None, values: dict[str, Any] | None = None, execute_error: Any = None,
) -> Template:
    batch = await disposal.get_disposal(ctx=ctx, actor=actor, batch_id=_disposal_id(batch_id))
    values = values or {}
    witnesses = list(values.get("witnesses", [w.username for w in batch.witness_confirmations]))
    mine = next((w for w in batch.witness_confirmations if w.username == actor.username), None)
    return await render(
        request, "archives/disposal.html", actor=actor, status=status, page_path=disposal_href(batch.id),
        batch=batch, errors=errors or {}, values=values, execute_error=execute_error,
        can_decide=batch.status == "proposed" and "archive.dispose.approve" in actor.capabilities,
        can_execute=batch.status == "approved" and "archive.dispose" in actor.capabilities,
        can_confirm=batch.status == "approved" and mine is not None and mine.confirmed_at is None,
        witness_values=(witnesses + [""] * _WITNESS_INPUTS)[:max(_WITNESS_INPUTS, len(witnesses))],
        **_page_labels(),
    )


@get("/disposals/{batch_id:int}", include_in_schema=False)
async def disposal_page(request: Request, ctx: AppContext, actor: Actor, batch_id: RecordId) -> Template:
    return await _batch_page(request, ctx, actor, batch_id)


@post("/disposals/{batch_id:int}/decision", include_in_schema=False)
async def decide_disposal(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, batch_id: RecordId
) -> Template | Redirect:
    """销毁审批: approve, or reject with the reason the archivist reads on the batch page."""
    values = form_values(await request.form(), ("decision", "reason"))
    try:
        batch = await disposal.decide(ctx=ctx, actor=actor, batch_id=_disposal_id(batch_id),
                                      decision=values["decision"], reason=values["reason"], origin=origin)
    except (InvalidInput, Conflict) as exc:
        return await _batch_page(request, ctx, actor, batch_id, status=status_for(exc),
                                 errors=field_errors(exc), values=values)
    return see_other(f"{disposal_href(batch.id)}?done=disposal_{batch.status}")


@post("/disposals/{batch_id:int}/witnesses", include_in_schema=False)
async def name_witnesses(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, batch_id: RecordId
) -> Template | Redirect:
    """指定监销人: the names typed here are asked to confirm; none of them has witnessed anything yet."""
    witnesses = form_list(await request.form(), "witnesses")
    try:
        batch = await disposal.name_witnesses(ctx=ctx, actor=actor, batch_id=_disposal_id(batch_id),
                                              witnesses=witnesses, origin=origin)
    except (InvalidInput, Conflict) as exc:
        return await _batch_page(request, ctx, actor, batch_id, status=status_for(exc),
                                 errors=field_errors(exc), values={"witnesses": witnesses})
    return see_other(f"{disposal_href(batch.id)}?done=disposal_witnesses_named")


@post("/disposals/{batch_id:int}/witness", include_in_schema=False)
async def confirm_witness(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, batch_id: RecordId
) -> Template | Redirect:
    """监销确认: the named witness confirms with their own login."""
    try:
        batch = await disposal.confirm_witness(ctx=ctx, actor=actor, batch_id=_disposal_id(batch_id), origin=origin)
    except Conflict as exc:
        return await _batch_page(request, ctx, actor, batch_id, status=status_for(exc), errors=field_errors(exc))
    return see_other(f"{disposal_href(batch.id)}?done=disposal_witnessed")


@post("/disposals/{batch_id:int}/execute", include_in_schema=False)
async def execute_disposal(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, batch_id: RecordId
) -> Template | Redirect:
    """监销: destroy the batch's files once every named witness has confirmed; irreversible."""
    try:
        batch = await disposal.execute(ctx=ctx, actor=actor, batch_id=_disposal_id(batch_id), origin=origin)
    except (InvalidInput, Conflict) as exc:
        return await _batch_page(request, ctx, actor, batch_id, status=status_for(exc), execute_error=exc.message)
    return see_other(f"{disposal_href(batch.id)}?done=disposal_executed")


@get("/disposals/{batch_id:int}/register.pdf", include_in_schema=False)
async def destruction_register_pdf(ctx: AppContext, actor: Actor, batch_id: RecordId) -> Response[bytes]:
    number, pdf = await documents.destruction_register_pdf(ctx=ctx, actor=actor, batch_id=_disposal_id(batch_id))
    return file_response(content=pdf, filename=f"destruction-{number}.pdf")


# ---- 完整性检查 ------------------------------------------------------------------------------------


async def _fixity_page(
    request: Request, ctx: AppContext, actor: Actor, *, report: schemas.FixityReport | None = None
) -> Template:
    history = await fixity.fixity_history(ctx=ctx, actor=actor)
    return await render(request, "archives/fixity.html", actor=actor, page_path="/fixity", report=report,
                        history=history, **page_labels())


@get("/fixity", include_in_schema=False)
async def fixity_page(request: Request, ctx: AppContext, actor: Actor) -> Template:
    return await _fixity_page(request, ctx, actor)


@post("/fixity", include_in_schema=False)
async def run_fixity_check(request: Request, ctx: AppContext, actor: Actor, origin: Origin) -> Template:
    """The report is shown, not stored: the audit trail keeps the run and its findings."""
    report = await fixity.run_fixity_check(ctx=ctx, actor=actor, origin=origin)
    return await _fixity_page(request, ctx, actor, report=report)


ROUTES = [
    disposals_page,
    propose_disposal,
    disposal_page,
    decide_disposal,
    name_witnesses,
    confirm_witness,
    execute_disposal,
    destruction_register_pdf,
    fixity_page,
    run_fixity_check,
]
