"""The contract PDF (合同文本) with its full approval trail (R-CT-11, SPEC §9).

Built from the same contract view the API returns, so the PDF and the screen never disagree;
the customer's contact phone and address detail print masked (R-PM-02).
"""

from __future__ import annotations


from contracts import schemas, service
from crm.common.money import format_yuan
from contracts.lifecycle import DECISION_LABELS
from crm import db
from crm.accounts import service as accounts
from crm.accounts.customer_rules import CATEGORY_LABELS
from crm.common.labels import label
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.staff.access import Actor, require
from crm.common.local_time import local_text as _local
from reports.contract_document import (
    ApprovalLine,
    ContractDocument,
    FeeLine,
    InstallmentLine,
    render_contract_document,
)


PAYMENT_KIND_LABELS = {
    "single": "一次付款 Paid at once",
    "installments": "分批付款 Installments",
    "none": "无安装费 No installation fee",
}



def _extra_terms(c: schemas.Contract) -> tuple[tuple[str, str, str], ...]:
    rows = (
        ("工期(天)", "Construction period (days)", c.construction_period_days),
        ("规划建设部测算", "Planning estimate", c.planning_estimate_ref),
        ("年用气量(m³)", "Annual volume (m³)", f"{c.annual_volume_m3:,}" if c.annual_volume_m3 is not None else None),
        ("日用气量(m³)", "Daily volume (m³)", f"{c.daily_volume_m3:,}" if c.daily_volume_m3 is not None else None),
        ("市场部数据", "Market figures", c.market_data_ref),
        ("财务部数据", "Finance figures", c.finance_data_ref),
        ("产权归属争议", "Property-ownership dispute", "有 Yes" if c.property_dispute else None),
    )
    return tuple((zh, en, str(value)) for zh, en, value in rows if value not in (None, ""))


def _fee_basis(c: schemas.Contract) -> str:
    if c.fee_basis == "price_standard":
        return f"物价部门标准 {c.price_standard} / Price standard {c.price_standard}"
    if c.fee_basis == "budget_estimate":
        return f"预算部门测定 {c.budget_estimate_ref} / Budget estimate {c.budget_estimate_ref}"
    return ""


async def contract_pdf(*, ctx: AppContext, actor: Actor, contract_no: str, origin: Origin) -> tuple[str, bytes]:
    require(actor, "contract.read")
    contract = await service.get_contract(ctx=ctx, actor=actor, contract_no=contract_no)
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        customer = await accounts.load_for_scope(ctx=ctx, actor=actor, account_no=contract.account_no)
        await audit.append(ctx=ctx, action="contract.document", actor=actor.username, origin=origin,
                           target=contract.contract_no, details={"status": contract.status})

    def who(username: str | None, name: str | None) -> str:
        return f"{name or ''}（{username}）" if username else ""

    contact = " ".join(p for p in (customer["contact_name"], customer["contact_phone_masked"]) if p)
    document = ContractDocument(
        company_name=ctx.settings.company_name,
        branch_name=customer["branch.name"],
        contract_no=contract.contract_no,
        type_label=contract.type_label,
        status_label=contract.status_label,
        customer_name=contract.customer_name,
        account_no=contract.account_no,
        customer_category_label=label(CATEGORY_LABELS.get(customer["category"])),
        customer_address="".join(p for p in (customer["province"], customer["city"], customer["district"],
                                             customer["street"], customer["detail_masked"]) if p),
        customer_contact=contact,
        amount=format_yuan(contract.amount_fen) if contract.amount_fen is not None else "",
        fee_basis=_fee_basis(contract),
        payment_kind_label=PAYMENT_KIND_LABELS.get(contract.payment_kind, contract.payment_kind),
        terms=contract.terms,
        drafted_by=who(contract.drafted_by, contract.drafted_by_name),
        drafted_at=_local(contract.drafted_at),
        signed_by=who(contract.signed_by, contract.signed_by_name),
        signed_at=_local(contract.signed_at),
        printed_by=f"{actor.display_name}（{actor.username}）",
        printed_at=_local(now),
        extra_terms=_extra_terms(contract),
        fee_lines=tuple(FeeLine(code=f.code, name=f.name, unit=f.unit, unit_price=format_yuan(f.unit_price_fen),
                                quantity=f.quantity, amount=format_yuan(f.amount_fen)) for f in contract.fee_lines),
        installments=tuple(InstallmentLine(seq=str(i.seq), due_date=i.due_date.isoformat() if i.due_date else "",
                                           amount=format_yuan(i.amount_fen), step=i.step) for i in contract.installments),
        approvals=tuple(
            ApprovalLine(
                seq=f"{s.round}-{s.step}" if s.round > 1 else str(s.step),
                role_label=s.role_label,
                decided_by=who(s.decided_by, s.decided_by_name),
                decided_at=_local(s.decided_at),
                decision_label=label(DECISION_LABELS.get(s.decision or "")),
                reason=s.decision_reason or "",
            )
            for s in contract.approval_history
        ),
        approval_note=("" if contract.approval_history else
                       "本合同无需审批，由业务人员直接签订 / No approval required: signed directly by the front desk"
                       if contract.submitted_at and not contract.approval_chain else ""),
    )
    pdf = render_contract_document(document=document, font_path=ctx.settings.cjk_font_path)
    return contract.contract_no, pdf
