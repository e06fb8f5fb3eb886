"""Demo data for contracts: the price standard, a budget estimate, and contracts in every state.

Everything goes through the same use cases as the staff would, so the demo passes every rule
and its audit trail verifies. Some submissions are dated back so the inbox shows overdue items.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from contracts import ledger, pricing, schemas, service
from contracts.tables import Contract, PriceStandard
from crm.accounts import directory as customers
from crm.clock import FixedClock
from crm.context import CLI, AppContext
from crm.staff import directory as staff_directory
from crm.staff.access import Actor


async def demo_actor(username: str) -> Actor:
    from crm.seed import actor_for

    return await actor_for(username=username)


async def demo_customers(category: str, branch: str, count: int) -> list[str]:
    found = await staff_directory.branch_by_code(code=branch)
    if found is None:
        return []
    return await customers.active_account_nos(category=category, branch_id=found["id"], limit=count)


async def has_contracts() -> bool:
    """Whether the contracts demo (or anyone) has made contracts yet: the archive demo builds on them."""
    return await Contract.count() > 0


def installation_draft(account_no: str, items: list[tuple[str, str]], terms: str, **extra: Any) -> schemas.ContractCreate:
    return schemas.ContractCreate(
        type="installation", account_no=account_no, terms=terms,
        price_items=[schemas.PriceItemRequest(code=c, quantity=Decimal(q)) for c, q in items], **extra,
    )


TERMS_INSTALL = (
    "一、供气方负责用户红线内燃气管道及燃气设施的设计、施工与验收。\n"
    "二、用户按本合同约定的金额与期限支付安装费用，安装费用依据物价部门标准核定，不得擅自调整。\n"
    "三、工程验收合格并结清安装费用后，供气方按《天然气用户送气通知单》安排通气。"
)
TERMS_SUPPLY = (
    "一、供气方按国家标准持续、稳定供应天然气，用户按月抄表结算。\n"
    "二、用户不得擅自改装、迁移燃气设施。\n"
    "三、逾期未缴气费的，按供用气合同及价格主管部门规定处理。"
)
TERMS_TAKE_OR_PAY = (
    "一、年合同气量及日最大提取量以附件为准。\n"
    "二、用户未足额提取合同气量的，按照付不议条款支付差额气款。\n"
    "三、价格随上游门站价格及价格主管部门文件联动调整。"
)


async def load_price_standards(*, ctx: AppContext, folder: Path) -> int:
    path = folder / "price_standards.json"
    if not path.exists():
        return 0
    finance = await demo_actor("finance")
    added = 0
    for spec in json.loads(path.read_text(encoding="utf-8")):
        if await PriceStandard.exists().where(PriceStandard.code == spec["code"]):
            continue
        await pricing.create_price_standard(ctx=ctx, actor=finance, origin=CLI, data=schemas.PriceStandardCreate(
            code=spec["code"], name=spec["name"], approval_ref=spec.get("approval_ref"),
            effective_from=dt.date.fromisoformat(spec["effective_from"]),
            items=[schemas.PriceItemIn(**item) for item in spec["items"]],
        ))
        added += 1
    return added


async def load_demo(*, ctx: AppContext, folder: Path) -> dict[str, int]:
    """Idempotent: contracts are only created into a database that has none."""
    standards = await load_price_standards(ctx=ctx, folder=folder)
    if await Contract.count() or standards == 0 and not await PriceStandard.count():
        return {"price standards": standards, "contracts": 0}
    desk, desk2 = await demo_actor("frontdesk"), await demo_actor("frontdesk2")
    market, vp, finance = await demo_actor("market"), await demo_actor("vp"), await demo_actor("finance")
    residential = await demo_customers("residential", "DC", 5)
    commercial = await demo_customers("commercial", "DC", 3)
    collective = await demo_customers("collective", "DC", 1)
    industrial = await demo_customers("industrial", "DC", 1)
    commercial_xc = await demo_customers("commercial", "XC", 1)
    now = ctx.now()

    def at(days_ago: float) -> AppContext:
        return dataclasses.replace(ctx, clock=FixedClock(now - dt.timedelta(days=days_ago)))

    async def draft(actor: Actor, data: schemas.ContractCreate, *, days_ago: float) -> str:
        return (await service.draft_contract(ctx=at(days_ago), actor=actor, data=data, origin=CLI)).contract_no

    async def submit(actor: Actor, no: str, *, days_ago: float) -> None:
        await service.submit(ctx=at(days_ago), actor=actor, contract_no=no, origin=CLI)

    async def approve(actor: Actor, no: str, *, days_ago: float, reason: str | None = None) -> None:
        await service.decide(ctx=at(days_ago), actor=actor, contract_no=no, decision="approve", reason=reason, origin=CLI)

    async def sign(actor: Actor, no: str, *, days_ago: float) -> None:
        await service.sign(ctx=at(days_ago), actor=actor, contract_no=no, origin=CLI)

    async def move(no: str, to: str, reason: str, *, days_ago: float) -> None:
        await service.transition(ctx=at(days_ago), actor=desk, contract_no=no, to=to, reason=reason, origin=CLI)

    made = 0
    # Fulfilled: a household installed, paid and connected.
    no = await draft(desk, installation_draft(residential[0], [("AZ-RES", "1"), ("GD-DN25", "8")], TERMS_INSTALL), days_ago=60)
    await submit(desk, no, days_ago=60)
    await sign(desk, no, days_ago=59)
    await ledger.record_payment(ctx=at(58), actor=desk, contract_no=no, amount_fen=348_400, paid_on=None,
                                channel="counter", reference="SJ-2026-0001", origin=CLI)
    await move(no, "active", "开工安装", days_ago=50)
    await move(no, "fulfilled", "验收合格并通气", days_ago=40)
    made += 1
    # Active, installation fee partly paid: the customer's supply contract needs the general manager.
    unpaid = await draft(desk, installation_draft(residential[1], [("AZ-RES", "1"), ("BB-G25", "1")], TERMS_INSTALL), days_ago=20)
    await submit(desk, unpaid, days_ago=20)
    await sign(desk, unpaid, days_ago=19)
    await ledger.record_payment(ctx=at(18), actor=desk, contract_no=unpaid, amount_fen=100_000, paid_on=None,
                                channel="wechat", reference=None, origin=CLI)
    await move(unpaid, "active", "开工安装", days_ago=15)
    supply = await draft(desk, schemas.ContractCreate(type="residential_supply", account_no=residential[1],
                                                      terms=TERMS_SUPPLY), days_ago=2)
    await submit(desk, supply, days_ago=2)
    made += 2
    # Signed, not yet started.
    no = await draft(desk, installation_draft(residential[2], [("AZ-RES", "1"), ("BJ-01", "1")], TERMS_INSTALL), days_ago=5)
    await submit(desk, no, days_ago=5)
    await sign(desk, no, days_ago=4)
    made += 1
    # Overdue in the market manager's inbox.
    no = await draft(desk, installation_draft(commercial[0], [("AZ-COM", "1"), ("GD-DN50", "24"), ("BB-G16", "1")],
                                         TERMS_INSTALL), days_ago=6)
    await submit(desk, no, days_ago=6)
    made += 1
    # Installments, priced by the budget department: market manager approved, now with the VP.
    estimate = await pricing.record_budget_estimate(ctx=at(12), actor=finance, origin=CLI, data=schemas.BudgetEstimateCreate(
        ref="YS-2026-0001", account_no=collective[0], amount_fen=36_800_000,
        description="小区庭院管网及 120 户户内安装预算测定"))
    first = estimate.amount_fen * 40 // 100
    no = await draft(desk, schemas.ContractCreate(
        type="installation", account_no=collective[0], budget_estimate_ref=estimate.ref, terms=TERMS_INSTALL,
        construction_period_days=90, planning_estimate_ref="GH-2026-017",
        payment_plan=schemas.PaymentPlan(kind="installments", installments=[
            schemas.InstallmentRequest(due_date=now.date() + dt.timedelta(days=10), amount_fen=first, step="庭院管网敷设"),
            schemas.InstallmentRequest(due_date=now.date() + dt.timedelta(days=70), amount_fen=estimate.amount_fen - first,
                                       step="户内安装及通气验收"),
        ])), days_ago=10)
    await submit(desk, no, days_ago=10)
    await approve(market, no, days_ago=8, reason="预算与测定一致")
    made += 1
    # Take-or-pay drafted by the VP, waiting for the general manager.
    no = await draft(vp, schemas.ContractCreate(
        type="take_or_pay", account_no=industrial[0], terms=TERMS_TAKE_OR_PAY, annual_volume_m3=4_200_000,
        daily_volume_m3=14_000, market_data_ref="SC-2026-033", finance_data_ref="CW-2026-021"), days_ago=1)
    await submit(vp, no, days_ago=1)
    made += 1
    # Returned by the market manager: back in draft with the reason.
    no = await draft(desk, installation_draft(commercial[1], [("AZ-COM", "1"), ("GD-DN50", "10")], TERMS_INSTALL), days_ago=9)
    await submit(desk, no, days_ago=9)
    await service.decide(ctx=at(7), actor=market, contract_no=no, decision="return", reason="请补充燃气表型号及管径说明",
                         origin=CLI)
    made += 1
    # A draft not yet submitted.
    await draft(desk, installation_draft(residential[3], [("AZ-RES", "1")], TERMS_INSTALL), days_ago=0.1)
    made += 1
    # Approved (supply needs no approval once fees are settled), waiting to be signed.
    no = await draft(desk, schemas.ContractCreate(type="commercial_supply", account_no=commercial[2], terms=TERMS_SUPPLY),
                     days_ago=3)
    await submit(desk, no, days_ago=3)
    made += 1
    # Terminated after signing.
    no = await draft(desk, installation_draft(residential[4], [("AZ-RES", "1")], TERMS_INSTALL), days_ago=30)
    await submit(desk, no, days_ago=30)
    await sign(desk, no, days_ago=29)
    await move(no, "terminated", "用户搬迁，双方协商解除", days_ago=25)
    made += 1
    # The other branch: a commercial installation in the market manager's inbox.
    no = await draft(desk2, installation_draft(commercial_xc[0], [("AZ-COM", "1"), ("BB-G16", "1")], TERMS_INSTALL), days_ago=1)
    await submit(desk2, no, days_ago=1)
    made += 1
    return {"price standards": standards, "contracts": made}
