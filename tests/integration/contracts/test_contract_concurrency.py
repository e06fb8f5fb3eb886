"""Two managers deciding the same step at the same moment, on both engines (R-CT-10)."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

from contracts import pricing, schemas, service
from contracts.tables import ApprovalStep
from crm.accounts import service as accounts
from crm.accounts.customer_rules import CustomerInput
from crm.audit.tables import AuditEvent
from crm.context import Origin
from crm.errors import Conflict
from crm.seed import actor_for
from crm.staff.tables import Branch, Staff
from tests.integration.contracts.conftest import PRICE_ITEMS, customer_body, installments

ORIGIN = Origin(source_ip="127.0.0.1")


async def _second_market_manager() -> None:
    head_office = await Branch.select(Branch.id).where(Branch.code == "HQ").first()
    await Staff.insert(Staff(username="market2", display_name="周敏", role="market_manager", branch=head_office["id"],
                             all_branches=True, password_hash="unused", must_change_password=False))


async def _pending_contracts(ctx, count: int) -> list[str]:
    finance, desk = await actor_for(username="finance"), await actor_for(username="frontdesk")
    await pricing.create_price_standard(ctx=ctx, actor=finance, origin=ORIGIN, data=schemas.PriceStandardCreate(
        code="JZ-2026", name="安装收费标准", effective_from=dt.date(2026, 1, 1),
        items=[schemas.PriceItemIn(**item) for item in PRICE_ITEMS]))
    numbers = []
    for _ in range(count):
        body = customer_body("commercial")
        address = body.pop("address")
        customer = await accounts.open_account(ctx=ctx, actor=desk, origin=ORIGIN, data=CustomerInput(**body, **address))
        plan = installments()
        drafted = await service.draft_contract(ctx=ctx, actor=desk, origin=ORIGIN, data=schemas.ContractCreate(
            type="installation", account_no=customer.account_no, terms="安装条款。",
            price_items=[schemas.PriceItemRequest(code="AZ-RES", quantity=Decimal(1)),
                         schemas.PriceItemRequest(code="GD-DN25", quantity=Decimal("12.5"))],
            payment_plan=schemas.PaymentPlan(kind="installments", installments=[
                schemas.InstallmentRequest(due_date=dt.date.fromisoformat(i["due_date"]), amount_fen=i["amount_fen"],
                                           step=i["step"]) for i in plan["installments"]])))
        await service.submit(ctx=ctx, actor=desk, contract_no=drafted.contract_no, origin=ORIGIN)
        numbers.append(drafted.contract_no)
    return numbers


class TestSimultaneousDecisions:
    async def test_exactly_one_of_two_simultaneous_decisions_wins(self, ctx):
        """R-CT-10: the loser gets a conflict (409), and the step is decided once."""
        await _second_market_manager()
        market, market2 = await actor_for(username="market"), await actor_for(username="market2")
        numbers = await _pending_contracts(ctx, 4)

        for no in numbers:
            results = await asyncio.gather(
                service.decide(ctx=ctx, actor=market, contract_no=no, decision="approve", reason="同意", origin=ORIGIN),
                service.decide(ctx=ctx, actor=market2, contract_no=no, decision="reject", reason="资料不全",
                               origin=ORIGIN),
                return_exceptions=True,
            )

            won = [r for r in results if isinstance(r, schemas.Contract)]
            lost = [r for r in results if isinstance(r, Exception)]
            assert len(won) == 1 and len(lost) == 1, results
            assert isinstance(lost[0], Conflict), lost[0]
            assert lost[0].code in {"approval.already_decided", "contract.not_pending"}
            decided = await ApprovalStep.select(ApprovalStep.decided_by).where(
                (ApprovalStep.contract.contract_no == no) & ApprovalStep.decided_by.is_not_null())
            assert len(decided) == 1
            assert await AuditEvent.count().where(
                (AuditEvent.action == "contract.decision") & (AuditEvent.target == no)) == 1
