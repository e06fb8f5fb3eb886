"""Wire shapes of the contracts API (msgspec). Tables never leave the service layer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import msgspec


class PriceItemRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: str
    # A JSON number, read exactly (12.5 metres of pipe); stored in thousandths.
    quantity: Decimal


class InstallmentRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    due_date: dt.date | None = None
    amount_fen: int = 0
    step: str | None = None


class PaymentPlan(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: str = "single"  # single | installments
    installments: list[InstallmentRequest] = []


class ContractCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    type: str
    account_no: str
    price_items: list[PriceItemRequest] | None = None
    budget_estimate_ref: str | None = None
    # Optional: when given it must equal the computed fee to the fen (R-CT-06).
    amount_fen: int | None = None
    payment_plan: PaymentPlan | None = None
    construction_period_days: int | None = None
    planning_estimate_ref: str | None = None
    annual_volume_m3: int | None = None
    daily_volume_m3: int | None = None
    property_dispute: bool = False
    market_data_ref: str | None = None
    finance_data_ref: str | None = None
    terms: str | None = None


class ContractRevision(ContractCreate, kw_only=True, forbid_unknown_fields=True):
    # The version read before editing; a newer one on the server means someone else changed it.
    version: int | None = None


class ApprovalStepOut(msgspec.Struct, kw_only=True):
    step: int
    role: str
    role_label: str
    status: str
    reasons: list[str]
    reason_labels: list[str]
    decided_by: str | None = None
    decided_by_name: str | None = None
    decided_at: dt.datetime | None = None
    decision: str | None = None
    decision_reason: str | None = None
    round: int = 0


class FeeLineOut(msgspec.Struct, kw_only=True):
    code: str
    name: str
    unit: str
    unit_price_fen: int
    quantity: str
    amount_fen: int


class InstallmentOut(msgspec.Struct, kw_only=True):
    seq: int
    due_date: dt.date | None
    amount_fen: int
    paid_fen: int
    step: str


class PaymentRecord(msgspec.Struct, kw_only=True):
    amount_fen: int
    paid_on: dt.date
    channel: str
    channel_label: str
    reference: str | None
    recorded_by: str
    recorded_at: dt.datetime


class ContractPreview(msgspec.Struct, kw_only=True):
    """What a draft would be: the computed fee and the chain it will go through."""

    type: str
    family: str
    amount_fen: int | None
    fee_basis: str | None
    fee_lines: list[FeeLineOut]
    installments: list[InstallmentOut]
    approval_chain: list[ApprovalStepOut]
    signer_roles: list[str]


class Contract(msgspec.Struct, kw_only=True):
    contract_no: str
    type: str
    type_label: str
    family: str
    status: str
    status_label: str
    status_reason: str | None
    account_no: str
    customer_name: str
    branch: str
    amount_fen: int | None
    paid_fen: int
    fee_basis: str | None
    price_standard: str | None
    budget_estimate_ref: str | None
    payment_kind: str
    fee_lines: list[FeeLineOut]
    installments: list[InstallmentOut]
    terms: str
    construction_period_days: int | None
    planning_estimate_ref: str | None
    annual_volume_m3: int | None
    daily_volume_m3: int | None
    property_dispute: bool
    market_data_ref: str | None
    finance_data_ref: str | None
    approval_round: int
    approval_chain: list[ApprovalStepOut]
    approval_history: list[ApprovalStepOut]
    drafted_by: str
    drafted_by_name: str
    drafted_at: dt.datetime
    submitted_at: dt.datetime | None
    signed_by: str | None
    signed_by_name: str | None
    signed_at: dt.datetime | None
    payments: list[PaymentRecord]
    version: int
    updated_at: dt.datetime


class ContractSummary(msgspec.Struct, kw_only=True):
    contract_no: str
    type: str
    type_label: str
    status: str
    status_label: str
    account_no: str
    customer_name: str
    branch: str
    amount_fen: int | None
    drafted_by: str
    drafted_at: dt.datetime


class ContractPage(msgspec.Struct, kw_only=True):
    items: list[ContractSummary]
    page: int
    page_size: int
    total: int


class DecisionRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: str
    reason: str | None = None
    # The step the decider was looking at; a different current step means someone else moved first.
    step: int | None = None


class TransitionRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    to: str
    reason: str | None = None


class InboxItem(msgspec.Struct, kw_only=True):
    contract_no: str
    type: str
    type_label: str
    account_no: str
    customer_name: str
    branch: str
    amount_fen: int | None
    step: int
    role: str
    reasons: list[str]
    reason_labels: list[str]
    drafted_by: str
    pending_since: dt.datetime
    overdue: bool
    waiting_days: int
    allowed_days: int  # how long this role's steps may wait (Settings.approval_overdue_days)
    overdue_days: int  # days past allowed_days; 0 while not overdue


class Inbox(msgspec.Struct, kw_only=True):
    items: list[InboxItem]
    total: int
    overdue: int


class PriceItemIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: str
    name: str
    unit: str
    unit_price_fen: int


class PriceStandardCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: str
    name: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    approval_ref: str | None = None
    items: list[PriceItemIn] = []


class PriceStandardOut(msgspec.Struct, kw_only=True):
    code: str
    version: int
    name: str
    approval_ref: str | None
    effective_from: dt.date
    effective_to: dt.date | None
    items: list[PriceItemIn]
    created_by: str
    created_at: dt.datetime


class BudgetEstimateCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    ref: str
    account_no: str
    amount_fen: int
    description: str


class BudgetEstimateOut(msgspec.Struct, kw_only=True):
    ref: str
    account_no: str
    amount_fen: int
    description: str
    recorded_by: str
    recorded_at: dt.datetime


class PaymentCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    amount_fen: int
    paid_on: dt.date | None = None
    channel: str = "counter"
    reference: str | None = None


class PaymentOut(msgspec.Struct, kw_only=True):
    contract_no: str
    amount_fen: int
    paid_on: dt.date
    channel: str
    reference: str | None
    recorded_by: str
    outstanding_fen: int


class ContractBalance(msgspec.Struct, kw_only=True):
    contract_no: str
    amount_fen: int
    paid_fen: int
    outstanding_fen: int
    installments: list[InstallmentOut]


class InstallationBalance(msgspec.Struct, kw_only=True):
    account_no: str
    due_fen: int
    paid_fen: int
    outstanding_fen: int
    unsettled: bool
    contracts: list[ContractBalance]


class ContractTypeOut(msgspec.Struct, kw_only=True):
    code: str
    name_zh: str
    name_en: str
    family: str
    required_fields: list[str]
    active: bool


class ContractTypeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: str
    name_zh: str
    name_en: str
    family: str
    required_fields: list[str] = []
    active: bool = True


class ContractTypeUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name_zh: str | None = None
    name_en: str | None = None
    required_fields: list[str] | None = None
    active: bool | None = None
