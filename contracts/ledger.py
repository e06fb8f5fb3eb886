"""Installation-fee ledger (R-BL-07): what each signed installation contract asks, what was paid.

A contract's fee becomes due when it is signed; payments are recorded against a contract and
fill its installments oldest first. Whatever is still open makes the customer's installation
fees "unsettled", which puts a general manager into any supply contract's chain (R-CT-04).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from contracts import schemas
from contracts.fees import check_payment, outstanding_fen
from contracts.loading import load_for_scope
from contracts.tables import Contract, FeePayment, Installment
from crm import db
from crm.accounts import service as accounts
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput
from crm.staff.access import Actor, require

# Signed contracts owe their fee; a terminated one owes what was due before it ended.
OWING_STATUSES = ("signed", "active", "fulfilled", "terminated", "archived")

CHANNELS: dict[str, tuple[str, str]] = {
    "counter": ("营业厅柜台", "Counter"),
    "bank": ("银行转账", "Bank transfer"),
    "wechat": ("微信支付", "WeChat Pay"),
    "alipay": ("支付宝", "Alipay"),
}


class NotPayable(Conflict):
    code = "ledger.not_payable"


class UnknownChannel(InvalidInput):
    code = "ledger.unknown_channel"


def _owing(customer_id: int):
    """The customer's installation contracts that owe their fee."""
    return (
        (Contract.customer == customer_id) & (Contract.family == "installation")
        & Contract.status.is_in(list(OWING_STATUSES)) & Contract.amount_fen.is_not_null()
    )


async def customer_outstanding_fen(*, customer_id: int) -> int:
    rows = await Contract.select(Contract.amount_fen, Contract.paid_fen).where(_owing(customer_id))
    return sum(outstanding_fen(due_fen=r["amount_fen"], paid_fen=r["paid_fen"]) for r in rows)


def _allocate(installments: list[dict[str, Any]], amount_fen: int) -> list[tuple[int, int]]:
    """(installment id, new paid_fen) filling the oldest open installments first."""
    changes = []
    left = amount_fen
    for item in installments:
        if left == 0:
            break
        room = item["amount_fen"] - item["paid_fen"]
        if room <= 0:
            continue
        take = min(room, left)
        changes.append((item["id"], item["paid_fen"] + take))
        left -= take
    return changes


async def record_payment(
    *, ctx: AppContext, actor: Actor, contract_no: str, amount_fen: int, paid_on: dt.date | None,
    channel: str, reference: str | None, origin: Origin,
) -> schemas.PaymentOut:
    """收取安装费: never more than is outstanding, so the ledger cannot go negative."""
    require(actor, "fee_payment.record")
    if channel not in CHANNELS:
        raise UnknownChannel(f"未知的收款渠道 {channel} / Unknown channel; expected one of {', '.join(CHANNELS)}",
                             field="channel")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await load_for_scope(ctx=ctx, actor=actor, contract_no=contract_no, lock=True)
        if row["family"] != "installation" or row["status"] not in OWING_STATUSES or not row["amount_fen"]:
            raise NotPayable(
                "只能对已签订的安装合同收取安装费 / Installation fees are paid on signed installation contracts only",
                field="contract_no",
            )
        open_fen = outstanding_fen(due_fen=row["amount_fen"], paid_fen=row["paid_fen"])
        check_payment(amount_fen=amount_fen, outstanding_fen=open_fen)
        installments = await Installment.select().where(Installment.contract == row["id"]).order_by(Installment.seq)
        for installment_id, paid in _allocate(installments, amount_fen):
            await Installment.update({Installment.paid_fen: paid}).where(Installment.id == installment_id)
        await Contract.update({Contract.paid_fen: Contract.paid_fen + amount_fen, Contract.updated_at: now}).where(
            Contract.id == row["id"])
        day = paid_on or now.date()
        await FeePayment.insert(FeePayment(
            contract=row["id"], customer=row["customer"], amount_fen=amount_fen, paid_on=day, channel=channel,
            reference=(reference or "").strip() or None, recorded_by=actor.staff_id, recorded_at=now,
        ))
        await audit.append(ctx=ctx, action="fee_payment.record", actor=actor.username, origin=origin,
                           target=row["contract_no"], details={"amount_fen": amount_fen, "channel": channel})
    return schemas.PaymentOut(contract_no=row["contract_no"], amount_fen=amount_fen, paid_on=day, channel=channel,
                              reference=(reference or "").strip() or None, recorded_by=actor.username,
                              outstanding_fen=open_fen - amount_fen)


async def installation_balance(*, ctx: AppContext, actor: Actor, account_no: str) -> schemas.InstallationBalance:
    require(actor, "contract.read")
    async with db.read_only(ctx.engine):
        customer = await accounts.load_for_scope(ctx=ctx, actor=actor, account_no=account_no)
        contracts = await Contract.select(Contract.id, Contract.contract_no, Contract.amount_fen, Contract.paid_fen).where(
            _owing(customer["id"])).order_by(Contract.id)
        installments = await Installment.select().where(
            Installment.contract.is_in([c["id"] for c in contracts] or [0])).order_by(Installment.seq)
    by_contract: dict[int, list[schemas.InstallmentOut]] = {}
    for i in installments:
        by_contract.setdefault(i["contract"], []).append(schemas.InstallmentOut(
            seq=i["seq"], due_date=i["due_date"], amount_fen=i["amount_fen"], paid_fen=i["paid_fen"], step=i["step"]))
    due = sum(c["amount_fen"] for c in contracts)
    paid = sum(c["paid_fen"] for c in contracts)
    return schemas.InstallationBalance(
        account_no=customer["account_no"], due_fen=due, paid_fen=paid, outstanding_fen=due - paid,
        unsettled=due - paid > 0,
        contracts=[schemas.ContractBalance(
            contract_no=c["contract_no"], amount_fen=c["amount_fen"], paid_fen=c["paid_fen"],
            outstanding_fen=c["amount_fen"] - c["paid_fen"], installments=by_contract.get(c["id"], []),
        ) for c in contracts],
    )
