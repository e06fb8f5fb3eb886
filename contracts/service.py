"""Contract use cases: draft, preview, submit, decide, sign, move along the lifecycle, read.

Each public function takes the acting staff member and plain values, checks capability and
branch scope (R-PM-03), runs in one transaction and writes its audit event. The rules
themselves live in the pure modules: approval (who approves), content_rules (R-CT-05/09),
fees (R-CT-06, payment plans) and lifecycle (R-CT-10/11).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from contracts import approval, catalogue, lifecycle, schemas
from contracts.content_rules import ContentFacts, check_content, check_take_or_pay
from contracts.fees import (
    FeeLine,
    PlannedInstallment,
    check_amount,
    check_payment_plan,
    fee_lines,
    fee_total,
)
from contracts.ledger import CHANNELS, customer_outstanding_fen
from contracts.lifecycle import AlreadyDecided, StepMoved
from contracts.loading import CONTRACT_COLUMNS, ContractNotFound, load_for_scope
from contracts.parties import staff_names, with_parties
from contracts.pricing import items_in_force, load_estimate
from contracts.tables import (
    ApprovalStep,
    BudgetEstimate,
    Contract,
    ContractCounter,
    ContractFeeLine,
    ContractType,
    FeePayment,
    Installment,
    PriceStandard,
)
from crm import db
from crm.accounts import directory as customers
from crm.accounts import service as accounts
from crm.common.fields import FieldError, InvalidFields
from crm.common.labels import label
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput
from crm.staff.access import Actor, require
from crm.staff.roles import ROLE_LABELS


class CustomerClosed(InvalidInput):
    code = "contract.customer_closed"


class FeeBasisInvalid(InvalidInput):
    code = "contract.fee_basis"


PAGE_SIZE = 50
# ---------------------------------------------------------------------------------------
# Drafting


@dataclass(frozen=True)
class _Priced:
    """What drafting computed: the fee, where it came from, and the schedule."""

    amount_fen: int | None
    fee_basis: str | None
    price_standard_id: int | None
    price_standard_label: str | None
    budget_estimate_id: int | None
    budget_estimate_ref: str | None
    lines: tuple
    schedule: tuple[PlannedInstallment, ...]
    payment_kind: str


def _quantity_milli(value: Decimal, index: int) -> int:
    try:
        milli = (Decimal(value) * 1000)
        if milli != milli.to_integral_value():
            raise InvalidOperation
        return int(milli)
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidFields([FieldError(
            "contract.invalid_quantity",
            "数量最多三位小数 / A quantity has at most three decimals",
            f"price_items[{index}].quantity",
        )]) from None


def _present_fields(data: schemas.ContractCreate) -> frozenset[str]:
    def given(value: object) -> bool:
        return value is not None and not (isinstance(value, str) and not value.strip())

    return frozenset(name for name in catalogue.OPTIONAL_FIELDS if given(getattr(data, name)))


async def _price(
    ctx: AppContext, *, family: str, customer: dict[str, Any], data: schemas.ContractCreate, revising: int | None = None
) -> _Priced:
    """R-CT-06: an installation fee is computed from the price standard or the budget estimate, never typed in."""
    plan = data.payment_plan or schemas.PaymentPlan(kind="single" if family == "installation" else "none")
    planned = [PlannedInstallment(due_date=i.due_date, amount_fen=i.amount_fen, step=(i.step or "").strip())
               for i in plan.installments]
    if family != "installation":
        if data.price_items or data.budget_estimate_ref or data.amount_fen:
            raise FeeBasisInvalid(
                "只有安装合同按价格标准或预算收取安装费 / Only installation contracts carry an installation fee",
                field="price_items" if data.price_items else ("budget_estimate_ref" if data.budget_estimate_ref else "amount_fen"),
            )
        schedule = check_payment_plan(kind=plan.kind, installments=planned, amount_fen=0)
        return _Priced(None, None, None, None, None, None, (), schedule, plan.kind)
    if bool(data.price_items) == bool(data.budget_estimate_ref):
        raise FeeBasisInvalid(
            "安装费须按物价部门标准(price_items)或预算部门测定金额(budget_estimate_ref)二选一计算 / "
            "An installation fee comes from either the price standard (price_items) or a budget estimate "
            "(budget_estimate_ref), exactly one of them",
            field="price_items",
        )
    if data.price_items:
        requested = [(item.code.strip(), _quantity_milli(item.quantity, i)) for i, item in enumerate(data.price_items)]
        standard, items = await items_in_force(on=ctx.now().date(), codes=[code for code, _ in requested])
        lines = fee_lines(items=items, requested=requested)
        expected = fee_total(lines=lines)
        amount = check_amount(expected_fen=expected, stated_fen=data.amount_fen)
        schedule = check_payment_plan(kind=plan.kind, installments=planned, amount_fen=amount)
        return _Priced(amount, "price_standard", standard["id"], f"{standard['code']} 第{standard['version']}版",
                       None, None, lines, schedule, plan.kind)
    estimate = await load_estimate(ref=data.budget_estimate_ref or "", customer_id=customer["id"], revising=revising)
    amount = check_amount(expected_fen=estimate["amount_fen"], stated_fen=data.amount_fen)
    schedule = check_payment_plan(kind=plan.kind, installments=planned, amount_fen=amount)
    return _Priced(amount, "budget_estimate", None, None, estimate["id"], estimate["ref"], (), schedule, plan.kind)


async def _customer_for_contract(ctx: AppContext, actor: Actor, account_no: str) -> dict[str, Any]:
    customer = await accounts.load_for_scope(ctx=ctx, actor=actor, account_no=account_no)
    if customer["status"] == "closed":
        raise CustomerClosed(
            f"用户 {customer['account_no']} 已注销，不能签订新合同 / Customer {customer['account_no']} is closed",
            field="account_no",
        )
    return customer


def _check_content(*, ctype: dict[str, Any], customer: dict[str, Any], data: schemas.ContractCreate) -> None:
    check_content(facts=ContentFacts(
        family=ctype["family"],
        customer_category=customer["category"],
        contact_name=customer["contact_name"],
        contact_phone_present=bool(customer["contact_phone_masked"]),
        terms=data.terms,
        construction_period_days=data.construction_period_days,
        planning_estimate_ref=data.planning_estimate_ref,
        required_fields=tuple(json.loads(ctype["required_fields"] or "[]")),
        present_fields=_present_fields(data),
    ))
    if ctype["family"] == "take_or_pay":
        check_take_or_pay(
            customer_category=customer["category"],
            annual_volume_m3=data.annual_volume_m3,
            daily_volume_m3=data.daily_volume_m3,
            market_data_ref=data.market_data_ref,
            finance_data_ref=data.finance_data_ref,
        )


async def _chain_facts(*, family: str, customer: dict[str, Any], payment_kind: str, property_dispute: bool) -> approval.ChainFacts:
    unsettled = family == "supply" and await customer_outstanding_fen(customer_id=customer["id"]) > 0
    return approval.ChainFacts(
        family=family,
        customer_category=customer["category"],
        payment_kind=payment_kind,
        installation_fees_unsettled=unsettled,
        property_dispute=property_dispute,
    )


async def _validated(
    ctx: AppContext, actor: Actor, data: schemas.ContractCreate, *, revising: int | None = None
) -> tuple[dict, dict, _Priced]:
    require(actor, "contract.draft")
    ctype = await catalogue.load_type(data.type, active_only=True)
    approval.check_drafter(family=ctype["family"], role=actor.role)
    customer = await _customer_for_contract(ctx, actor, data.account_no)
    _check_content(ctype=ctype, customer=customer, data=data)
    priced = await _price(ctx, family=ctype["family"], customer=customer, data=data, revising=revising)
    return ctype, customer, priced


def _reason_labels(reasons: list[str]) -> list[str]:
    return [label(approval.REASON_LABELS.get(r)) for r in reasons]


def _planned_step(step: approval.ChainStep, seq: int) -> schemas.ApprovalStepOut:
    """A step the chain will have once submitted (the preview)."""
    return schemas.ApprovalStepOut(
        step=seq, role=step.role, role_label=label(ROLE_LABELS.get(step.role)), status="planned",
        reasons=list(step.reasons), reason_labels=_reason_labels(list(step.reasons)),
    )


def _stored_step(row: dict[str, Any], names: dict[int, tuple[str, str]]) -> schemas.ApprovalStepOut:
    reasons = [r for r in (row["reasons"] or "").split(",") if r]
    username, display = names.get(row["decided_by"], (None, None))
    return schemas.ApprovalStepOut(
        step=row["seq"], role=row["role"], role_label=label(ROLE_LABELS.get(row["role"])), status=row["status"],
        reasons=reasons, reason_labels=_reason_labels(reasons), decided_by=username, decided_by_name=display,
        decided_at=row["decided_at"], decision=row["decision"], decision_reason=row["decision_reason"],
        round=row["approval_round"],
    )


def _fee_line_out(line: FeeLine) -> schemas.FeeLineOut:
    milli = line.quantity_milli
    quantity = f"{Decimal(milli) / 1000:f}".rstrip("0").rstrip(".") if milli % 1000 else str(milli // 1000)
    return schemas.FeeLineOut(code=line.code, name=line.name, unit=line.unit, unit_price_fen=line.unit_price_fen,
                              quantity=quantity, amount_fen=line.amount_fen)


async def preview_contract(
    *, ctx: AppContext, actor: Actor, data: schemas.ContractCreate, revising: str | None = None
) -> schemas.ContractPreview:
    """Everything drafting checks and computes, nothing written: the form shows fee and chain before submission.

    ``revising`` names the draft being edited: its own budget estimate is not "already used",
    exactly as revise_draft will see it.
    """
    revising_id = (await _load(ctx, actor, revising))["id"] if revising else None
    ctype, customer, priced = await _validated(ctx, actor, data, revising=revising_id)
    facts = await _chain_facts(family=ctype["family"], customer=customer, payment_kind=priced.payment_kind,
                               property_dispute=data.property_dispute)
    chain = approval.approval_chain(facts=facts)
    return schemas.ContractPreview(
        type=ctype["code"],
        family=ctype["family"],
        amount_fen=priced.amount_fen,
        fee_basis=priced.fee_basis,
        fee_lines=[_fee_line_out(line) for line in priced.lines],
        installments=[schemas.InstallmentOut(seq=i + 1, due_date=p.due_date, amount_fen=p.amount_fen, paid_fen=0, step=p.step)
                      for i, p in enumerate(priced.schedule)],
        approval_chain=[_planned_step(step, i + 1) for i, step in enumerate(chain)],
        signer_roles=sorted(approval.SIGNER_ROLES[ctype["family"]]),
    )


async def _next_contract_no(branch_code: str, year: int) -> str:
    key = f"{branch_code}-{year}"
    row = await ContractCounter.raw(
        "INSERT INTO contract_counter (key, next_value) VALUES ({}, 2) "
        "ON CONFLICT (key) DO UPDATE SET next_value = contract_counter.next_value + 1 "
        "RETURNING next_value",
        key,
    )
    return f"HT-{branch_code}-{year}-{row[0]['next_value'] - 1:05d}"


async def draft_contract(*, ctx: AppContext, actor: Actor, data: schemas.ContractCreate, origin: Origin) -> schemas.Contract:
    """起草: checked (R-CT-05/06/09), priced, numbered and saved as a draft."""
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        ctype, customer, priced = await _validated(ctx, actor, data)
        contract_no = await _next_contract_no(customer["branch.code"], now.year)
        inserted = await Contract.insert(Contract(
            contract_no=contract_no,
            contract_type=ctype["id"],
            family=ctype["family"],
            customer=customer["id"],
            branch=customer["branch"],
            status="draft",
            paid_fen=0,
            approval_round=0,
            drafted_by=actor.staff_id,
            drafted_at=now,
            version=1,
            updated_at=now,
            **{column._meta.name: value for column, value in _drafted_values(data, priced).items()},
        )).returning(Contract.id)
        await _write_lines(inserted[0]["id"], priced)
        await audit.append(
            ctx=ctx, action="contract.draft", actor=actor.username, origin=origin, target=contract_no,
            details={"type": ctype["code"], "account_no": customer["account_no"], "amount_fen": priced.amount_fen,
                     "fee_basis": priced.fee_basis, "payment_kind": priced.payment_kind},
        )
    return await get_contract(ctx=ctx, actor=actor, contract_no=contract_no)


def _drafted_values(data: schemas.ContractCreate, priced: _Priced) -> dict[Any, Any]:
    """The columns drafting (and revising a draft) sets from the form and the computed fee."""
    return {
        Contract.amount_fen: priced.amount_fen,
        Contract.fee_basis: priced.fee_basis,
        Contract.price_standard: priced.price_standard_id,
        Contract.budget_estimate: priced.budget_estimate_id,
        Contract.payment_kind: priced.payment_kind,
        Contract.terms: (data.terms or "").strip(),
        Contract.construction_period_days: data.construction_period_days,
        Contract.planning_estimate_ref: (data.planning_estimate_ref or "").strip() or None,
        Contract.annual_volume_m3: data.annual_volume_m3,
        Contract.daily_volume_m3: data.daily_volume_m3,
        Contract.property_dispute: data.property_dispute,
        Contract.market_data_ref: (data.market_data_ref or "").strip() or None,
        Contract.finance_data_ref: (data.finance_data_ref or "").strip() or None,
    }


async def _write_lines(contract_id: int, priced: _Priced) -> None:
    if priced.lines:
        await ContractFeeLine.insert(*(
            ContractFeeLine(contract=contract_id, seq=i + 1, code=line.code, name=line.name, unit=line.unit,
                            unit_price_fen=line.unit_price_fen, quantity_milli=line.quantity_milli,
                            amount_fen=line.amount_fen)
            for i, line in enumerate(priced.lines)
        ))
    if priced.schedule:
        await Installment.insert(*(
            Installment(contract=contract_id, seq=i + 1, due_date=p.due_date, amount_fen=p.amount_fen, paid_fen=0,
                        step=p.step)
            for i, p in enumerate(priced.schedule)
        ))


class StaleContract(Conflict):
    code = "contract.stale"


class FixedParty(InvalidInput):
    code = "contract.fixed_field"


async def revise_draft(
    *, ctx: AppContext, actor: Actor, contract_no: str, data: schemas.ContractCreate, expected_version: int | None,
    origin: Origin,
) -> schemas.Contract:
    """修改草稿: a draft, or one returned or rejected for revision, checked and priced again in full."""
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await _load(ctx, actor, contract_no, lock=True)
        lifecycle.check_revisable(status=row["status"])
        if expected_version is not None and expected_version != row["version"]:
            raise StaleContract("合同已被他人修改，请刷新后重试 / Someone else changed this contract; reload and retry",
                                field="version")
        for field, current in (("type", row["contract_type.code"]), ("account_no", row["customer.account_no"])):
            if (getattr(data, field) or "").strip() != current:
                raise FixedParty(
                    "合同类别和用户不能修改；请另起草新合同 / The type and the customer cannot change; draft a new contract",
                    field=field,
                )
        _, _, priced = await _validated(ctx, actor, data, revising=row["id"])
        await ContractFeeLine.delete().where(ContractFeeLine.contract == row["id"])
        await Installment.delete().where(Installment.contract == row["id"])
        await _write_lines(row["id"], priced)
        await Contract.update({
            **_drafted_values(data, priced), Contract.version: Contract.version + 1, Contract.updated_at: now,
        }).where(Contract.id == row["id"])
        await audit.append(
            ctx=ctx, action="contract.revise", actor=actor.username, origin=origin, target=row["contract_no"],
            details={"amount_fen": priced.amount_fen, "fee_basis": priced.fee_basis,
                     "payment_kind": priced.payment_kind, "version": row["version"] + 1},
        )
    return await get_contract(ctx=ctx, actor=actor, contract_no=row["contract_no"])


# ---------------------------------------------------------------------------------------
# Loading


async def _load(ctx: AppContext, actor: Actor, contract_no: str, *, lock: bool = False) -> dict[str, Any]:
    return await load_for_scope(ctx=ctx, actor=actor, contract_no=contract_no, lock=lock)


async def _steps(contract_id: int, *, round_: int | None = None) -> list[dict[str, Any]]:
    query = ApprovalStep.select().where(ApprovalStep.contract == contract_id)
    if round_ is not None:
        query = query.where(ApprovalStep.approval_round == round_)
    return await query.order_by(ApprovalStep.approval_round).order_by(ApprovalStep.seq)


async def _to_schema(row: dict[str, Any], *, ctx: AppContext) -> schemas.Contract:
    """The contract as answered; ``row`` as load_for_scope returns it (customer and branch included)."""
    steps = await _steps(row["id"])
    # Exactly the fields of fees.FeeLine, so stored and freshly priced lines share one shape.
    lines = await ContractFeeLine.select(*(getattr(ContractFeeLine, f.name) for f in fields(FeeLine))).where(
        ContractFeeLine.contract == row["id"]).order_by(ContractFeeLine.seq)
    installments = await Installment.select().where(Installment.contract == row["id"]).order_by(Installment.seq)
    payments = await FeePayment.select().where(FeePayment.contract == row["id"]).order_by(FeePayment.id)
    # Everyone the contract names (drafter, signer, deciders, who recorded payments), in one call.
    names = await staff_names(ctx=ctx, staff_ids=[row["drafted_by"], row["signed_by"], *(s["decided_by"] for s in steps),
                                                 *(p["recorded_by"] for p in payments)])
    standard = None
    if row["price_standard"]:
        ps = await PriceStandard.select(PriceStandard.code, PriceStandard.version).where(
            PriceStandard.id == row["price_standard"]).first()
        standard = f"{ps['code']}@{ps['version']}" if ps else None
    estimate_ref = None
    if row["budget_estimate"]:
        be = await BudgetEstimate.select(BudgetEstimate.ref).where(BudgetEstimate.id == row["budget_estimate"]).first()
        estimate_ref = be["ref"] if be else None
    current = [s for s in steps if s["approval_round"] == row["approval_round"]]
    return schemas.Contract(
        contract_no=row["contract_no"],
        type=row["contract_type.code"],
        type_label=row["contract_type.name_zh"],
        family=row["family"],
        status=row["status"],
        status_label=label(lifecycle.STATUS_LABELS.get(row["status"])),
        status_reason=row["status_reason"],
        account_no=row["customer.account_no"],
        customer_name=row["customer.name"],
        branch=row["branch.code"],
        amount_fen=row["amount_fen"],
        paid_fen=row["paid_fen"],
        fee_basis=row["fee_basis"],
        price_standard=standard,
        budget_estimate_ref=estimate_ref,
        payment_kind=row["payment_kind"],
        fee_lines=[_fee_line_out(FeeLine(**line)) for line in lines],
        installments=[schemas.InstallmentOut(seq=i["seq"], due_date=i["due_date"], amount_fen=i["amount_fen"],
                                             paid_fen=i["paid_fen"], step=i["step"]) for i in installments],
        terms=row["terms"],
        construction_period_days=row["construction_period_days"],
        planning_estimate_ref=row["planning_estimate_ref"],
        annual_volume_m3=row["annual_volume_m3"],
        daily_volume_m3=row["daily_volume_m3"],
        property_dispute=row["property_dispute"],
        market_data_ref=row["market_data_ref"],
        finance_data_ref=row["finance_data_ref"],
        approval_round=row["approval_round"],
        approval_chain=[_stored_step(s, names) for s in current],
        approval_history=[_stored_step(s, names) for s in steps if s["decided_by"]],
        drafted_by=names.get(row["drafted_by"], ("", ""))[0],
        drafted_by_name=names.get(row["drafted_by"], ("", ""))[1],
        drafted_at=row["drafted_at"],
        submitted_at=row["submitted_at"],
        signed_by=names[row["signed_by"]][0] if row["signed_by"] in names else None,
        signed_by_name=names[row["signed_by"]][1] if row["signed_by"] in names else None,
        signed_at=row["signed_at"],
        payments=[schemas.PaymentRecord(
            amount_fen=p["amount_fen"], paid_on=p["paid_on"], channel=p["channel"],
            channel_label=label(CHANNELS.get(p["channel"])), reference=p["reference"],
            recorded_by=names.get(p["recorded_by"], (None, None))[0], recorded_at=p["recorded_at"],
        ) for p in payments],
        version=row["version"],
        updated_at=row["updated_at"],
    )


async def contract_view(*, ctx: AppContext, contract_id: int) -> schemas.Contract:
    """For the archives, which have already checked the reader's right to the archived record."""
    row = await Contract.select(*CONTRACT_COLUMNS).where(Contract.id == contract_id).first()
    return await _to_schema((await with_parties(ctx=ctx, rows=[row]))[0], ctx=ctx)


async def get_contract(*, ctx: AppContext, actor: Actor, contract_no: str) -> schemas.Contract:
    require(actor, "contract.read")
    async with db.read_only(ctx.engine):
        return await _to_schema(await _load(ctx, actor, contract_no), ctx=ctx)


async def list_contracts(
    *, ctx: AppContext, actor: Actor, status: str | None = None, account_no: str | None = None,
    query: str | None = None, page: int = 1,
) -> schemas.ContractPage:
    require(actor, "contract.read")
    where = []
    if not actor.all_branches:
        where.append(Contract.branch == actor.branch_id)
    if status:
        if status not in lifecycle.STATUSES:
            raise InvalidInput(f"未知的合同状态 {status} / Unknown status {status}", field="status",
                               code="contract.unknown_status")
        where.append(Contract.status == status)
    async with db.read_only(ctx.engine):
        # Customers are resolved to their ids first: contract.customer is indexed, and the
        # customer rows are crm.accounts' to read.
        if account_no:
            holder = await customers.customer_id_by_account_no(account_no=account_no.strip())
            where.append(Contract.customer.is_in([holder] if holder is not None else [0]))
        if query and query.strip():
            text = query.strip()
            holders = customers.account_prefix_ids(prefix=text)
            by_number = Contract.contract_no.like(f"{text}%")
            where.append(by_number | Contract.customer.is_in(holders) if holders is not None else by_number)
        select = Contract.select(
            Contract.contract_no, Contract.contract_type.code, Contract.contract_type.name_zh, Contract.status,
            Contract.customer, Contract.branch, Contract.amount_fen, Contract.drafted_by, Contract.drafted_at,
        )
        count = Contract.count()
        for condition in where:
            select = select.where(condition)
            count = count.where(condition)
        total = await count
        rows = await select.order_by(Contract.id, ascending=False).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        people = await customers.customers_by_id(customer_ids=[r["customer"] for r in rows])
        drafters = await ctx.staff_names.usernames(r["drafted_by"] for r in rows)
    codes = await ctx.branches.codes(r["branch"] for r in rows)
    return schemas.ContractPage(
        items=[schemas.ContractSummary(
            contract_no=r["contract_no"], type=r["contract_type.code"], type_label=r["contract_type.name_zh"],
            status=r["status"], status_label=label(lifecycle.STATUS_LABELS.get(r["status"])),
            account_no=people.get(r["customer"], {}).get("account_no"),
            customer_name=people.get(r["customer"], {}).get("name"), branch=codes.get(r["branch"]),
            amount_fen=r["amount_fen"], drafted_by=drafters.get(r["drafted_by"]), drafted_at=r["drafted_at"],
        ) for r in rows],
        page=page, page_size=PAGE_SIZE, total=total,
    )


# ---------------------------------------------------------------------------------------
# Submission and decisions


def _state(row: dict[str, Any], steps: list[dict[str, Any]]) -> lifecycle.ChainState:
    return lifecycle.ChainState(
        status=row["status"],
        drafter_id=row["drafted_by"],
        steps=tuple(lifecycle.StepState(seq=s["seq"], role=s["role"], status=s["status"], decided_by=s["decided_by"])
                    for s in steps),
    )


async def submit(*, ctx: AppContext, actor: Actor, contract_no: str, origin: Origin) -> schemas.Contract:
    """提交审批: the chain is computed now, from the contract and the customer as they are (R-CT-04)."""
    require(actor, "contract.draft")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await _load(ctx, actor, contract_no, lock=True)
        approval.check_drafter(family=row["family"], role=actor.role)
        ctype = await ContractType.select().where(ContractType.id == row["contract_type"]).first()
        customer = await _customer_for_contract(ctx, actor, row["customer.account_no"])
        # The customer may have changed since drafting (a collective contact removed): check again.
        _check_content(ctype=ctype, customer=customer, data=_as_create(row))
        facts = await _chain_facts(family=row["family"], customer=customer, payment_kind=row["payment_kind"],
                                   property_dispute=row["property_dispute"])
        chain = approval.approval_chain(facts=facts)
        state = lifecycle.submit(state=_state(row, []), chain=chain)
        round_ = row["approval_round"] + 1
        if state.steps:
            await ApprovalStep.insert(*(
                ApprovalStep(
                    contract=row["id"], approval_round=round_, seq=step.seq, role=step.role, status=step.status,
                    reasons=",".join(chain[step.seq - 1].reasons), branch=row["branch"], drafter=row["drafted_by"],
                    pending_since=now if step.status == "pending" else None,
                )
                for step in state.steps
            ))
        await Contract.update({
            Contract.status: state.status, Contract.approval_round: round_, Contract.submitted_at: now,
            Contract.status_reason: None, Contract.version: Contract.version + 1, Contract.updated_at: now,
        }).where(Contract.id == row["id"])
        await audit.append(
            ctx=ctx, action="contract.submit", actor=actor.username, origin=origin, target=row["contract_no"],
            details={"round": round_, "chain": [s.role for s in chain], "status": state.status},
        )
    return await get_contract(ctx=ctx, actor=actor, contract_no=row["contract_no"])


def _as_create(row: dict[str, Any]) -> schemas.ContractCreate:
    """The stored contract in the drafting shape, for re-checking its content at submission."""
    return schemas.ContractCreate(
        type=row["contract_type.code"], account_no=row["customer.account_no"], terms=row["terms"],
        construction_period_days=row["construction_period_days"], planning_estimate_ref=row["planning_estimate_ref"],
        annual_volume_m3=row["annual_volume_m3"], daily_volume_m3=row["daily_volume_m3"],
        property_dispute=row["property_dispute"], market_data_ref=row["market_data_ref"],
        finance_data_ref=row["finance_data_ref"],
    )


async def decide(
    *, ctx: AppContext, actor: Actor, contract_no: str, decision: str, reason: str | None,
    step: int | None = None, origin: Origin,
) -> schemas.Contract:
    """审批: approve, reject or return the current step (R-CT-10). Exactly one of two simultaneous deciders wins."""
    require(actor, "contract.decide")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        # The row lock (PostgreSQL) or the IMMEDIATE transaction (SQLite) queues a second
        # decider behind the first, who then sees the step already decided.
        row = await _load(ctx, actor, contract_no, lock=True)
        steps = await _steps(row["id"], round_=row["approval_round"])
        outcome = lifecycle.decide(state=_state(row, steps), expected_step=step, actor_id=actor.staff_id,
                                   actor_role=actor.role, decision=decision, reason=reason)
        state, decided = outcome.state, outcome.step
        by_seq = {s["seq"]: s for s in steps}
        for new in state.steps:
            old = by_seq[new.seq]
            if new.status == old["status"]:
                continue
            changes: dict[Any, Any] = {ApprovalStep.status: new.status}
            if new.seq == decided.seq:
                changes.update({ApprovalStep.decided_by: actor.staff_id, ApprovalStep.decided_at: now,
                                ApprovalStep.decision: decision, ApprovalStep.decision_reason: outcome.reason})
            if new.status == "pending":
                changes[ApprovalStep.pending_since] = now
            updated = await ApprovalStep.update(changes).where(
                (ApprovalStep.id == old["id"]) & (ApprovalStep.status == old["status"])
            ).returning(ApprovalStep.id)
            if not updated:
                raise AlreadyDecided("该步骤已由他人审批 / This step has already been decided", field="decision")
        await Contract.update({
            Contract.status: state.status,
            Contract.status_reason: outcome.reason if state.status == "draft" else None,
            Contract.version: Contract.version + 1, Contract.updated_at: now,
        }).where(Contract.id == row["id"])
        await audit.append(
            ctx=ctx, action="contract.decision", actor=actor.username, origin=origin, target=row["contract_no"],
            details={"decision": decision, "step": decided.seq, "role": decided.role, "round": row["approval_round"],
                     "reason": outcome.reason, "status": state.status},
        )
    return await get_contract(ctx=ctx, actor=actor, contract_no=row["contract_no"])


async def sign(*, ctx: AppContext, actor: Actor, contract_no: str, origin: Origin) -> schemas.Contract:
    """签订: an approved contract (or one that needed no approval) signed by its signer role."""
    require(actor, "contract.sign")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await _load(ctx, actor, contract_no, lock=True)
        approval.check_signer(family=row["family"], role=actor.role)
        lifecycle.check_sign(status=row["status"])
        await Contract.update({
            Contract.status: "signed", Contract.signed_by: actor.staff_id, Contract.signed_at: now,
            Contract.version: Contract.version + 1, Contract.updated_at: now,
        }).where((Contract.id == row["id"]) & (Contract.status == "approved"))
        await audit.append(ctx=ctx, action="contract.sign", actor=actor.username, origin=origin,
                           target=row["contract_no"], details={"amount_fen": row["amount_fen"]})
    return await get_contract(ctx=ctx, actor=actor, contract_no=row["contract_no"])


async def transition(
    *, ctx: AppContext, actor: Actor, contract_no: str, to: str, reason: str | None, origin: Origin
) -> schemas.Contract:
    """履行 / 履行完毕 / 终止 (R-CT-11), each with a stated reason."""
    require(actor, "contract.transition")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await _load(ctx, actor, contract_no, lock=True)
        cleaned = lifecycle.check_transition(current=row["status"], to=to, reason=reason)
        await Contract.update({
            Contract.status: to, Contract.status_reason: cleaned,
            Contract.version: Contract.version + 1, Contract.updated_at: now,
        }).where(Contract.id == row["id"])
        await audit.append(ctx=ctx, action="contract.transition", actor=actor.username, origin=origin,
                           target=row["contract_no"], details={"from": row["status"], "to": to, "reason": cleaned})
    return await get_contract(ctx=ctx, actor=actor, contract_no=row["contract_no"])


__all__ = [
    "AlreadyDecided",
    "ContractNotFound",
    "CustomerClosed",
    "FeeBasisInvalid",
    "StepMoved",
    "decide",
    "draft_contract",
    "get_contract",
    "list_contracts",
    "preview_contract",
    "revise_draft",
    "sign",
    "submit",
    "transition",
]

