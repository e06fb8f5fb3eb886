"""The label tables the contract templates read, shared by the form pages and the contract pages."""

from __future__ import annotations

from typing import Any

from contracts import catalogue, ledger, page_forms
from contracts.approval import REASON_LABELS
from contracts.lifecycle import DECISION_LABELS, STATUS_LABELS, STEP_STATUS_LABELS
from crm.accounts.customer_rules import CATEGORY_LABELS
from crm.context import AppContext
from crm.staff.access import Actor
from crm.staff.roles import ROLE_LABELS

PAYMENT_KIND_LABELS: dict[str, tuple[str, str]] = {
    "single": ("一次付款", "Paid at once"),
    "installments": ("分批付款", "Installments"),
    "none": ("无安装费", "No installation fee"),
}
FEE_BASIS_LABELS: dict[str, tuple[str, str]] = {
    "price_standard": ("物价部门标准", "Price standard"),
    "budget_estimate": ("预算部门测定金额", "Budget estimate"),
}


def labels() -> dict[str, Any]:
    """The label tables every contract template reads."""
    return {
        "statuses": STATUS_LABELS,
        "step_statuses": STEP_STATUS_LABELS,
        "decisions": DECISION_LABELS,
        "roles": ROLE_LABELS,
        "reasons": REASON_LABELS,
        "payment_kinds": PAYMENT_KIND_LABELS,
        "fee_bases": FEE_BASIS_LABELS,
        "categories": CATEGORY_LABELS,
        "channels": ledger.CHANNELS,
        "field_labels": page_forms.FIELD_LABELS,
    }


async def type_labels(ctx: AppContext, actor: Actor) -> dict[str, tuple[str, str]]:
    """Contract type names in both languages (the contract views carry the Chinese one only)."""
    return {t.code: (t.name_zh, t.name_en) for t in await catalogue.list_types(ctx=ctx, actor=actor)}
