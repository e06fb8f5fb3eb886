"""Contracts, their approval steps, price standards, budget estimates and the installation-fee ledger.

Nothing here is ever deleted (every foreign key restricts): a contract is retired by status,
a price standard by the end of its period, so an old contract can always show what it was
priced and approved on.
"""

from piccolo.columns import (
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from crm.accounts.tables import Customer
from crm.staff.tables import Branch, Staff


class ContractType(Table, tablename="contract_type"):
    """Contract categories are data (可根据业务调整情况增减合同类别); the family decides the approval rules."""

    code = Varchar(length=32, unique=True)
    name_zh = Varchar(length=100)
    name_en = Varchar(length=100)
    family = Varchar(length=16)
    # JSON list of contract fields this type needs beyond the common ones.
    required_fields = Text(default="[]")
    active = Boolean(default=True)
    updated_at = Timestamptz()


class PriceStandard(Table, tablename="price_standard"):
    """One version of a price department's standard (物价部门标准), valid over [effective_from, effective_to)."""

    # "<code>@<version>": a unique key Piccolo can declare, instead of a two-column constraint.
    key = Varchar(length=48, unique=True)
    code = Varchar(length=32, index=True)
    version = Integer()
    name = Varchar(length=100)
    approval_ref = Varchar(length=64, null=True, default=None)
    effective_from = Date()
    effective_to = Date(null=True, default=None)
    created_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    created_at = Timestamptz()


class PriceItem(Table, tablename="price_item"):
    standard = ForeignKey(references=PriceStandard, on_delete=OnDelete.restrict, null=False, index=True)
    code = Varchar(length=32)
    name = Varchar(length=100)
    unit = Varchar(length=16)
    unit_price_fen = BigInt()


class BudgetEstimate(Table, tablename="budget_estimate"):
    """The budget department's amount (预算部门测定金额) for one customer's installation."""

    ref = Varchar(length=64, unique=True)
    customer = ForeignKey(references=Customer, on_delete=OnDelete.restrict, null=False, index=True)
    amount_fen = BigInt()
    description = Text()
    recorded_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    recorded_at = Timestamptz()


class ContractCounter(Table, tablename="contract_counter"):
    """Next contract-number sequence per branch and year; the row lock makes numbers unique."""

    key = Varchar(length=32, unique=True)  # "<branch code>-<year>"
    next_value = BigInt(default=1)


class Contract(Table, tablename="contract"):
    contract_no = Varchar(length=24, unique=True)
    contract_type = ForeignKey(references=ContractType, on_delete=OnDelete.restrict, null=False)
    family = Varchar(length=16)
    customer = ForeignKey(references=Customer, on_delete=OnDelete.restrict, null=False, index=True)
    branch = ForeignKey(references=Branch, on_delete=OnDelete.restrict, null=False, index=True)
    status = Varchar(length=20, index=True)
    status_reason = Text(null=True, default=None)
    amount_fen = BigInt(null=True, default=None)
    paid_fen = BigInt(default=0)
    fee_basis = Varchar(length=16, null=True, default=None)  # price_standard | budget_estimate
    price_standard = ForeignKey(references=PriceStandard, on_delete=OnDelete.restrict, null=True, default=None)
    budget_estimate = ForeignKey(references=BudgetEstimate, on_delete=OnDelete.restrict, null=True, default=None)
    payment_kind = Varchar(length=16)  # single | installments | none
    terms = Text()
    construction_period_days = Integer(null=True, default=None)
    planning_estimate_ref = Varchar(length=64, null=True, default=None)
    annual_volume_m3 = BigInt(null=True, default=None)
    daily_volume_m3 = BigInt(null=True, default=None)
    property_dispute = Boolean(default=False)
    market_data_ref = Varchar(length=64, null=True, default=None)
    finance_data_ref = Varchar(length=64, null=True, default=None)
    # Each submission runs the chain again from its first step; steps carry their round.
    approval_round = Integer(default=0)
    drafted_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    drafted_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)
    signed_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=True, default=None)
    signed_at = Timestamptz(null=True, default=None)
    version = Integer(default=1)
    updated_at = Timestamptz()


class ContractFeeLine(Table, tablename="contract_fee_line"):
    contract = ForeignKey(references=Contract, on_delete=OnDelete.restrict, null=False, index=True)
    seq = Integer()
    code = Varchar(length=32)
    name = Varchar(length=100)
    unit = Varchar(length=16)
    unit_price_fen = BigInt()
    quantity_milli = BigInt()
    amount_fen = BigInt()


class Installment(Table, tablename="installment"):
    """One due amount of a contract's payment schedule (交款期限 and 安装内容步骤)."""

    contract = ForeignKey(references=Contract, on_delete=OnDelete.restrict, null=False, index=True)
    seq = Integer()
    due_date = Date(null=True, default=None)
    amount_fen = BigInt()
    paid_fen = BigInt(default=0)
    step = Text()


class ApprovalStep(Table, tablename="approval_step"):
    contract = ForeignKey(references=Contract, on_delete=OnDelete.restrict, null=False, index=True)
    approval_round = Integer()
    seq = Integer()
    role = Varchar(length=32)
    # waiting | pending | approved | rejected | returned | cancelled
    status = Varchar(length=16)
    reasons = Varchar(length=200)  # the rule keys that put this step in the chain
    # Copied from the contract so the inbox filters without a join: by scope, and leaving out
    # the reader's own drafts (they may not decide them, R-CT-10).
    branch = ForeignKey(references=Branch, on_delete=OnDelete.restrict, null=False)
    drafter = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    pending_since = Timestamptz(null=True, default=None)
    decided_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    decision = Varchar(length=16, null=True, default=None)
    decision_reason = Text(null=True, default=None)


class FeePayment(Table, tablename="fee_payment"):
    """A payment of installation fees (R-BL-07), recorded against one contract."""

    contract = ForeignKey(references=Contract, on_delete=OnDelete.restrict, null=False, index=True)
    customer = ForeignKey(references=Customer, on_delete=OnDelete.restrict, null=False, index=True)
    amount_fen = BigInt()
    paid_on = Date()
    channel = Varchar(length=16)
    reference = Varchar(length=64, null=True, default=None)
    recorded_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    recorded_at = Timestamptz()
