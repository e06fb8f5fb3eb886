"""The contract forms of the pages: what a browser sends, as the values the services take.

Reading browser text (yuan with at most two decimals, yyyy-mm-dd dates, whole numbers) is the
form's job, as the customer pages read their dates; every rule about contracts stays in the
services. Their error fields name positions in the request ("price_items[1].quantity",
"payment_plan.installments[0].due_date"); this module maps them back to the form's rows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from contracts import schemas
from crm.common.money import format_plain, parse_yuan
from crm.errors import DomainError
from crm.web import i18n

# Server-rendered rows: enough for the usual two or three installments, no script needed.
INSTALLMENT_ROWS = 4
# A contract drafted through the API may have more installments than the blank form's rows;
# its edit form grows to hold them all. More rows than this was not a form of ours.
MAX_INSTALLMENT_ROWS = 60
INSTALLMENT_FIELDS = ("due_date", "amount", "step")
QUANTITY_PREFIX = "qty-"
# A price standard has a few dozen items; a form with more rows than this was not ours.
MAX_PRICE_ROWS = 200

TEXT_FIELDS = (
    "type",
    "account_no",
    "budget_estimate_ref",
    "amount",
    "payment_kind",
    "construction_period_days",
    "planning_estimate_ref",
    "annual_volume_m3",
    "daily_volume_m3",
    "market_data_ref",
    "finance_data_ref",
    "terms",
)
INTEGER_FIELDS = ("construction_period_days", "annual_volume_m3", "daily_volume_m3")
OPTIONAL_TEXT_FIELDS = ("budget_estimate_ref", "planning_estimate_ref", "market_data_ref", "finance_data_ref")

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "type": ("合同类别", "Contract type"),
    "account_no": ("用户", "Customer"),
    "price_items": ("收费项目（价格标准）", "Price items (price standard)"),
    "budget_estimate_ref": ("预算测定编号", "Budget estimate no."),
    "amount": ("合同金额（元）", "Contract amount (CNY)"),
    "payment_kind": ("付款方式", "Payment"),
    "installments": ("分批付款计划", "Installment plan"),
    "construction_period_days": ("工期（天）", "Construction period (days)"),
    "planning_estimate_ref": ("规划建设部测算编号", "Planning estimate no."),
    "annual_volume_m3": ("年用气量（m³）", "Annual volume (m³)"),
    "daily_volume_m3": ("日用气量（m³）", "Daily volume (m³)"),
    "market_data_ref": ("市场部数据编号", "Market figures ref."),
    "finance_data_ref": ("财务部数据编号", "Finance figures ref."),
    "property_dispute": ("产权归属争议", "Property-ownership dispute"),
    "terms": ("合同主要条款", "Main terms"),
}
INSTALLMENT_LABELS: dict[str, tuple[str, str]] = {
    "due_date": ("交款期限", "due date"),
    "amount": ("金额", "amount"),
    "step": ("工程安装内容步骤", "installation step"),
}

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
_QUANTITY = re.compile(r"^\d{1,10}(\.\d{1,6})?$")
_INTEGER = re.compile(r"^\d{1,12}$")
_ITEM_FIELD = re.compile(r"^price_items\[(\d+)\]")
_INSTALLMENT_FIELD = re.compile(r"^payment_plan\.installments\[(\d+)\](?:\.(\w+))?$")
_INSTALLMENT_INPUT = re.compile(r"^inst-(\d{1,3})-(?:due_date|amount|step)$")
_RENAMED = {
    "amount_fen": "amount",
    "payment_plan": "installments",
    "payment_plan.kind": "payment_kind",
    "payment_plan.installments": "installments",
}
_INSTALLMENT_RENAMED = {"amount_fen": "amount", "due_date": "due_date", "step": "step"}


def quantity_field(code: str) -> str:
    return f"{QUANTITY_PREFIX}{code}"


def installment_field(row: int, name: str) -> str:
    return f"inst-{row}-{name}"


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


# ---- the draft form ------------------------------------------------------------------------


@dataclass
class DraftForm:
    """The draft form as typed, to show again after a preview or a refusal."""

    values: dict[str, str]
    property_dispute: bool
    quantities: dict[str, str]  # price item code -> quantity as typed, in the form's order
    installments: list[dict[str, str]]
    # The edit form's hidden copy of the contract version it was filled from (R-CT-10's
    # "nobody edits around a decision": a newer version on the server refuses the save).
    version: str = ""


@dataclass(frozen=True)
class Submitted:
    """The request for the services, and where each of its list entries came from."""

    data: schemas.ContractCreate
    item_codes: tuple[str, ...]  # price_items[i] -> price item code
    installment_rows: tuple[int, ...]  # payment_plan.installments[i] -> form row


def blank_form(*, account_no: str = "", type_code: str = "") -> DraftForm:
    values = {name: "" for name in TEXT_FIELDS}
    values.update(account_no=account_no, type=type_code, payment_kind="single")
    rows = [{name: "" for name in INSTALLMENT_FIELDS} for _ in range(INSTALLMENT_ROWS)]
    return DraftForm(values=values, property_dispute=False, quantities={}, installments=rows)


def _installment_row_count(form: Any) -> int:
    """The blank form's rows, or as many as the posted form had (an edit form may have more)."""
    highest = -1
    for key in form.keys():
        match = _INSTALLMENT_INPUT.match(key) if isinstance(key, str) else None
        if match and int(match.group(1)) < MAX_INSTALLMENT_ROWS:
            highest = max(highest, int(match.group(1)))
    return max(INSTALLMENT_ROWS, highest + 1)


def read_form(form: Any) -> DraftForm:
    values = {name: _text(form, name) for name in TEXT_FIELDS}
    quantities: dict[str, str] = {}
    # Document order, so price_items[0] is the first row the clerk filled in.
    for key in form.keys():
        if len(quantities) >= MAX_PRICE_ROWS:
            break
        if isinstance(key, str) and key.startswith(QUANTITY_PREFIX):
            code = key[len(QUANTITY_PREFIX):]
            if _CODE.match(code):
                quantities.setdefault(code, _text(form, key))
    rows = [
        {name: _text(form, installment_field(row, name)) for name in INSTALLMENT_FIELDS}
        for row in range(_installment_row_count(form))
    ]
    return DraftForm(values=values, property_dispute=_text(form, "property_dispute") == "1", quantities=quantities,
                     installments=rows, version=_text(form, "version").strip()[:12])


def _optional(value: int | str | None) -> str:
    return "" if value is None else str(value)


def from_contract(contract: schemas.Contract) -> DraftForm:
    """The draft form filled from a saved draft, for editing it.

    The amount stays blank: it is only a cross-check of the computed fee, and a stale copy
    would refuse the very quantities the clerk came to change. The form offers no "none"
    payment kind: "single" sends no plan and the service applies the family's own.
    """
    values = {name: "" for name in TEXT_FIELDS}
    values.update(
        type=contract.type,
        account_no=contract.account_no,
        payment_kind="installments" if contract.payment_kind == "installments" else "single",
        terms=contract.terms,
        **{name: _optional(getattr(contract, name)) for name in (*INTEGER_FIELDS, *OPTIONAL_TEXT_FIELDS)},
    )
    planned = contract.installments if contract.payment_kind == "installments" else []
    rows = [
        {"due_date": i.due_date.isoformat() if i.due_date else "", "amount": format_plain(i.amount_fen), "step": i.step}
        for i in planned
    ]
    # One spare row beyond a full plan, so an installment can be added without a script.
    spare = max(INSTALLMENT_ROWS, min(len(rows) + 1, MAX_INSTALLMENT_ROWS)) - len(rows)
    rows += [{name: "" for name in INSTALLMENT_FIELDS} for _ in range(spare)]
    return DraftForm(
        values=values,
        property_dispute=contract.property_dispute,
        quantities={line.code: line.quantity for line in contract.fee_lines},
        installments=rows,
        version=str(contract.version),
    )


def expected_version(draft: DraftForm) -> int | None:
    """The version the edit form was filled from; None when it carried no readable one."""
    return _whole_number(draft.version, digits=12)


def parse_date(text: str) -> dt.date | None:
    cleaned = text.strip()
    return dt.date.fromisoformat(cleaned) if cleaned else None


def _integer(text: str) -> int | None:
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        return None
    if not _INTEGER.match(cleaned):
        raise ValueError(cleaned)
    return int(cleaned)


def _price_items(draft: DraftForm, errors: dict[str, str]) -> tuple[list[schemas.PriceItemRequest], list[str]]:
    items, codes = [], []
    for code, typed in draft.quantities.items():
        cleaned = typed.strip()
        if not cleaned:
            continue
        if not _QUANTITY.match(cleaned):
            errors[quantity_field(code)] = i18n.both("draft.invalid_quantity")
            continue
        items.append(schemas.PriceItemRequest(code=code, quantity=Decimal(cleaned)))
        codes.append(code)
    return items, codes


def _installments(draft: DraftForm, errors: dict[str, str]) -> tuple[list[schemas.InstallmentRequest], list[int]]:
    requested, rows = [], []
    for row, typed in enumerate(draft.installments):
        if not any(value.strip() for value in typed.values()):
            continue
        due_date = amount_fen = None
        try:
            due_date = parse_date(typed["due_date"])
        except ValueError:
            errors[installment_field(row, "due_date")] = i18n.both("form.invalid_date")
        try:
            amount_fen = parse_yuan(typed["amount"])
        except ValueError:
            errors[installment_field(row, "amount")] = i18n.both("draft.invalid_amount")
        # A blank amount goes on as zero, which the plan check reports next to the row.
        requested.append(schemas.InstallmentRequest(due_date=due_date, amount_fen=amount_fen or 0,
                                                    step=typed["step"].strip() or None))
        rows.append(row)
    return requested, rows


def _payment_plan(draft: DraftForm, errors: dict[str, str]) -> tuple[schemas.PaymentPlan | None, list[int]]:
    kind = draft.values["payment_kind"]
    if kind in ("", "single"):
        # No plan: the service applies the contract family's own (one payment, or none at all).
        return None, []
    if kind != "installments":
        return schemas.PaymentPlan(kind=kind), []
    installments, rows = _installments(draft, errors)
    return schemas.PaymentPlan(kind="installments", installments=installments), rows


def to_create(draft: DraftForm) -> tuple[Submitted | None, dict[str, str]]:
    """The request for preview_contract / draft_contract, or the fields the browser sent unreadable."""
    values = draft.values
    errors: dict[str, str] = {}
    items, codes = _price_items(draft, errors)
    amount_fen = None
    try:
        amount_fen = parse_yuan(values["amount"])
    except ValueError:
        errors["amount"] = i18n.both("draft.invalid_amount")
    numbers: dict[str, int | None] = {}
    for name in INTEGER_FIELDS:
        try:
            numbers[name] = _integer(values[name])
        except ValueError:
            errors[name] = i18n.both("draft.invalid_integer")
    plan, rows = _payment_plan(draft, errors)
    if errors:
        return None, errors
    data = schemas.ContractCreate(
        type=values["type"].strip(),
        account_no=values["account_no"].strip(),
        price_items=items or None,
        amount_fen=amount_fen,
        payment_plan=plan,
        property_dispute=draft.property_dispute,
        terms=values["terms"],
        **{name: values[name].strip() or None for name in OPTIONAL_TEXT_FIELDS},
        **numbers,
    )
    return Submitted(data=data, item_codes=tuple(codes), installment_rows=tuple(rows)), {}


def _form_field(field: str | None, submitted: Submitted, known: frozenset[str]) -> str:
    if not field:
        return "_form"
    match = _ITEM_FIELD.match(field)
    if match:
        index = int(match.group(1))
        return quantity_field(submitted.item_codes[index]) if index < len(submitted.item_codes) else "price_items"
    match = _INSTALLMENT_FIELD.match(field)
    if match:
        index = int(match.group(1))
        if index >= len(submitted.installment_rows):
            return "installments"
        name = _INSTALLMENT_RENAMED.get(match.group(2) or "", "due_date")
        return installment_field(submitted.installment_rows[index], name)
    field = _RENAMED.get(field, field)
    return field if field in known else "_form"


def form_errors(exc: DomainError, submitted: Submitted) -> dict[str, str]:
    """Form field -> bilingual message, the first per field; unknown fields go to the form."""
    # "version" is the edit form's: a stale one (contract.stale) is shown with a reload link.
    known = frozenset((*TEXT_FIELDS, *FIELD_LABELS, "version"))
    errors: dict[str, str] = {}
    for error in getattr(exc, "errors", None) or [exc]:
        errors.setdefault(_form_field(error.field, submitted, known), error.message)
    return errors


def error_label(key: str) -> tuple[str, str] | None:
    """The label a summary shows for an error key, e.g. "第 2 期交款期限" for inst-1-due_date."""
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    if key.startswith(QUANTITY_PREFIX):
        code = key[len(QUANTITY_PREFIX):]
        return (f"收费项目 {code} 的数量", f"Quantity of {code}")
    match = re.match(r"^inst-(\d+)-(\w+)$", key)
    if match and match.group(2) in INSTALLMENT_LABELS:
        number = int(match.group(1)) + 1
        zh, en = INSTALLMENT_LABELS[match.group(2)]
        return (f"第 {number} 期{zh}", f"Installment {number} {en}")
    return None


# ---- the smaller forms of the contract page ------------------------------------------------


def payment_values(form: Mapping[str, Any]) -> dict[str, str]:
    return {name: _text(form, name) for name in ("amount", "paid_on", "channel", "reference")}


def read_payment(values: dict[str, str]) -> tuple[tuple[int, dt.date | None] | None, dict[str, str]]:
    """(amount in fen, paid-on date) from the payment form, or the fields that are unreadable."""
    errors: dict[str, str] = {}
    amount = paid_on = None
    try:
        amount = parse_yuan(values["amount"])
    except ValueError:
        errors["amount"] = i18n.both("draft.invalid_amount")
    try:
        paid_on = parse_date(values["paid_on"])
    except ValueError:
        errors["paid_on"] = i18n.both("form.invalid_date")
    if errors:
        return None, errors
    # A blank amount goes on as zero, which the ledger refuses with its own message.
    return (amount or 0, paid_on), {}


def _whole_number(text: str, *, digits: int) -> int | None:
    cleaned = text.strip()
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= digits else None


def step_number(text: str) -> int | None:
    return _whole_number(text, digits=4)
