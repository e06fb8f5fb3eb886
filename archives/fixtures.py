"""Demo data for the archive room: filed records, a batch waiting to be received, lookups and a record due.

Runs after contracts.fixtures (crm.seed.DEMO_LOADERS order) and goes through the same use
cases as the staff would: materials are uploaded (real PDFs, encrypted in the blob store),
batches handed over and accepted, lookups requested and decided. What the archivist finds:
- two records filed ten days ago, one of them lent to the front desk under a live grant;
- one batch waiting in 待接收移交;
- a lookup request from finance waiting in 查阅审批;
- one gas-alarm installation filed in 2015 (10-year retention), due for appraisal in 销毁鉴定.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from archives import attachments, handover, lookups
from archives.materials import REQUIRED_MATERIALS
from archives.tables import HandoverBatch
from contracts import document, ledger, pricing, service
from contracts import schemas as contract_schemas
from contracts import archiving as contract_archiving
from contracts.fixtures import TERMS_INSTALL, demo_actor, demo_customers, has_contracts, installation_draft
from crm.clock import FixedClock
from crm.context import CLI, AppContext
from crm.staff.access import Actor
from reports.kit import render_report

# What each kind of material says, in the words of the department that issues it.
_MATERIAL_TEXT = {
    "drawing": ("竣工图", "户内燃气管道及燃气设施竣工图（示意）。管径、走向、阀门及表位以现场验收为准。"),
    "budget": ("工程预算书", "预算部门依据物价部门核定的收费标准测定的安装工程预算。"),
    "notice": ("天然气用户送气通知单", "工程验收合格，安装费用已结清，准予通气。"),
}


@dataclasses.dataclass(frozen=True)
class _Material:
    company_name: str
    watermark: str | None = None


def _material_pdf(*, title: str, contract_no: str, text: str, company: str) -> bytes:
    """One page standing in for a department's document; the kit's blocks draw every string as plain text."""
    return render_report(
        document=_Material(company_name=company), title=title, subject=contract_no, keywords=(), author=company,
        story=lambda kit: [*kit.title_block(title, company=company, fields=(("合同编号", "Contract No.", contract_no),)),
                           kit.paragraph(text)],
        # The CID font: no font file needed, and a demo should not spend seconds embedding one.
        search_system=False,
    )


async def _upload_materials(ctx: AppContext, desk: Actor, contract_no: str, contract_type: str) -> None:
    """The contract's own PDF as its text, and a generated document for every other required kind."""
    for kind in REQUIRED_MATERIALS.get(contract_type, ("contract",)):
        if kind == "contract":
            _, data = await document.contract_pdf(ctx=ctx, actor=desk, contract_no=contract_no, origin=CLI)
            filename = f"{contract_no} 合同文本.pdf"
        else:
            title, text = _MATERIAL_TEXT[kind]
            data = _material_pdf(title=title, contract_no=contract_no, text=text, company=ctx.settings.company_name)
            filename = f"{contract_no} {title}.pdf"
        await attachments.attach_file(ctx=ctx, actor=desk, contract_no=contract_no, kind=kind, filename=filename,
                                      data=data, origin=CLI)


async def load_demo(*, ctx: AppContext, folder: Path) -> dict[str, int]:
    """Idempotent: only into a database with contracts and no handover yet."""
    if await HandoverBatch.count() or not await has_contracts():
        return {"archive records": 0, "handover batches": 0}
    desk, archivist, finance = await demo_actor("frontdesk"), await demo_actor("archivist"), await demo_actor("finance")
    now = ctx.now()

    def at(when: dt.datetime) -> AppContext:
        return dataclasses.replace(ctx, clock=FixedClock(when))

    def days_ago(days: float) -> AppContext:
        return at(now - dt.timedelta(days=days))

    async def fulfil(data: contract_schemas.ContractCreate, *, start: dt.datetime) -> str:
        """Drafted, signed, paid in full, installed and accepted: a contract ready for the archive."""
        step = lambda days: at(start + dt.timedelta(days=days))  # noqa: E731
        drafted = await service.draft_contract(ctx=step(0), actor=desk, data=data, origin=CLI)
        no = drafted.contract_no
        await service.submit(ctx=step(0), actor=desk, contract_no=no, origin=CLI)
        await service.sign(ctx=step(1), actor=desk, contract_no=no, origin=CLI)
        await ledger.record_payment(ctx=step(2), actor=desk, contract_no=no, amount_fen=drafted.amount_fen or 0,
                                    paid_on=None, channel="counter", reference=None, origin=CLI)
        await service.transition(ctx=step(3), actor=desk, contract_no=no, to="active", reason="开工安装", origin=CLI)
        await service.transition(ctx=step(10), actor=desk, contract_no=no, to="fulfilled", reason="验收合格",
                                 origin=CLI)
        await _upload_materials(step(11), desk, no, data.type)
        return no

    async def file(contract_nos: list[str], *, handed: AppContext, accepted: AppContext) -> list[str]:
        batch = await handover.create_handover(ctx=handed, actor=desk, contract_nos=contract_nos,
                                               note="履行完毕合同移交归档", origin=CLI)
        done = await handover.accept_handover(ctx=accepted, actor=archivist, batch_id=batch.id, origin=CLI)
        return [c.archive_no for c in done.contracts]

    residential = await demo_customers("residential", "DC", 8)
    filed = 0

    # 2015: a gas-alarm installation, kept 10 years — due for appraisal since 1 January 2026.
    old = dt.datetime(2015, 3, 2, 2, 0, tzinfo=dt.timezone.utc)
    estimate = await pricing.record_budget_estimate(
        ctx=at(old), actor=finance, origin=CLI, data=contract_schemas.BudgetEstimateCreate(
            ref="YS-2015-0003", account_no=residential[6], amount_fen=48_000, description="家用燃气报警器及切断阀安装"))
    alarm = await fulfil(contract_schemas.ContractCreate(
        type="alarm_installation", account_no=residential[6], budget_estimate_ref=estimate.ref,
        terms="一、供气方为用户安装家用燃气泄漏报警器及紧急切断阀。二、用户按预算支付费用。"), start=old)
    filed += len(await file([alarm], handed=at(old + dt.timedelta(days=20)), accepted=at(old + dt.timedelta(days=21))))

    # Ten days ago: the contracts demo's fulfilled and terminated installations, filed together.
    finished = await contract_archiving.finished_contracts(branch_id=desk.branch_id)
    for row in finished:
        await _upload_materials(days_ago(12), desk, row["contract_no"], row["type"])
    numbers = await file([r["contract_no"] for r in finished], handed=days_ago(10), accepted=days_ago(9))
    filed += len(numbers)
    if numbers:
        asked = await lookups.request_lookup(ctx=days_ago(5), actor=desk, archive_no=numbers[0],
                                             purpose="用户申请补打安装合同，核对合同条款", days=30, origin=CLI)
        await lookups.decide_request(ctx=days_ago(5), actor=archivist, request_id=asked.id, decision="approve",
                                     reason=None, origin=CLI)
        await lookups.request_lookup(ctx=days_ago(0.5), actor=finance, archive_no=numbers[-1],
                                     purpose="核对已终止合同的安装费退费依据", days=7, origin=CLI)

    # Yesterday: one more fulfilled installation handed over, waiting for the archivist.
    waiting = await fulfil(installation_draft(residential[7], [("AZ-RES", "1"), ("GD-DN25", "6")], TERMS_INSTALL),
                           start=now - dt.timedelta(days=16))
    await handover.create_handover(ctx=days_ago(1), actor=desk, contract_nos=[waiting], note="本周履行完毕合同",
                                   origin=CLI)
    return {"archive records": filed, "handover batches": 3}
