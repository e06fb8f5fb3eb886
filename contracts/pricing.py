"""Price standards (物价部门标准, kept by finance) and budget-department estimates (R-CT-06).

A new version of a standard takes over from the day it comes into force: the open-ended
version before it is closed on that day, so exactly one version prices any given date and an
old contract still names the version it was priced on.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from contracts import schemas
from contracts.fees import (
    PriceItem,
    StandardPeriod,
    check_new_period,
    check_price_items,
)
from contracts.tables import BudgetEstimate, Contract, PriceItem as PriceItemRow, PriceStandard
from crm import db
from crm.accounts import service as accounts
from crm.common.fields import FieldError, InvalidFields
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput
from crm.staff.access import Actor, require, require_any


class NoPriceStandard(InvalidInput):
    code = "contract.no_price_standard"


class UnknownBudgetEstimate(InvalidInput):
    code = "contract.unknown_budget_estimate"


class BudgetEstimateInUse(Conflict):
    code = "contract.budget_estimate_in_use"


class BudgetEstimateExists(Conflict):
    code = "budget_estimate.exists"


class PriceStandardInvalid(InvalidFields):
    pass


_STANDARD_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-/.]{0,63}$")

# Contracts in these states no longer hold on to the estimate they were priced with.
_RELEASED = ("terminated",)


def _in_force(on: dt.date):
    return (PriceStandard.effective_from <= on) & (
        PriceStandard.effective_to.is_null() | (PriceStandard.effective_to > on)
    )


async def items_in_force(*, on: dt.date, codes: list[str]) -> tuple[dict[str, Any], dict[str, PriceItem]]:
    """The standard in force on ``on`` that prices the first requested item, with all its items.

    One contract is priced from one standard; an item only another standard has is then
    reported as unknown by fees.fee_lines.
    """
    standards = await PriceStandard.select().where(_in_force(on)).order_by(PriceStandard.effective_from, ascending=False)
    if not standards:
        raise NoPriceStandard(
            f"{on.isoformat()} 没有生效的价格标准，请财务部先录入 / No price standard is in force on {on.isoformat()}; "
            "finance must record one first",
            field="price_items",
        )
    items = await PriceItemRow.select().where(PriceItemRow.standard.is_in([s["id"] for s in standards]))
    by_standard: dict[int, dict[str, PriceItem]] = {}
    for item in items:
        by_standard.setdefault(item["standard"], {})[item["code"]] = PriceItem(
            code=item["code"], name=item["name"], unit=item["unit"], unit_price_fen=item["unit_price_fen"]
        )
    first = codes[0] if codes else None
    for standard in standards:
        if first in by_standard.get(standard["id"], {}):
            return standard, by_standard[standard["id"]]
    return standards[0], by_standard.get(standards[0]["id"], {})


async def load_estimate(*, ref: str, customer_id: int, revising: int | None = None) -> dict[str, Any]:
    """The customer's estimate, unless another live contract already uses it (``revising``: the draft being edited)."""
    estimate = await BudgetEstimate.select().where(BudgetEstimate.ref == ref.strip()).first()
    # Another customer's estimate is reported like a missing one: it must not price this contract.
    if estimate is None or estimate["customer"] != customer_id:
        raise UnknownBudgetEstimate(
            f"该用户没有编号为 {ref} 的预算测定 / No budget estimate {ref} for this customer",
            field="budget_estimate_ref",
        )
    holders = Contract.select(Contract.contract_no).where(
        (Contract.budget_estimate == estimate["id"]) & Contract.status.not_in(list(_RELEASED))
    )
    if revising is not None:
        holders = holders.where(Contract.id != revising)
    holder = await holders.first()
    if holder is not None:
        raise BudgetEstimateInUse(
            f"预算测定 {ref} 已用于合同 {holder['contract_no']} / Budget estimate {ref} is already used by "
            f"contract {holder['contract_no']}",
            field="budget_estimate_ref",
        )
    return estimate


def _standard_out(row: dict[str, Any], items: list[dict[str, Any]], *, created_by: str | None) -> schemas.PriceStandardOut:
    return schemas.PriceStandardOut(
        code=row["code"], version=row["version"], name=row["name"], approval_ref=row["approval_ref"],
        effective_from=row["effective_from"], effective_to=row["effective_to"],
        items=[schemas.PriceItemIn(code=i["code"], name=i["name"], unit=i["unit"], unit_price_fen=i["unit_price_fen"])
               for i in items],
        created_by=created_by, created_at=row["created_at"],
    )


async def list_price_standards(*, ctx: AppContext, actor: Actor, on: dt.date | None = None) -> list[schemas.PriceStandardOut]:
    require_any(actor, ("contract.read", "price_standard.write"))
    query = PriceStandard.select(*PriceStandard.all_columns())
    if on is not None:
        query = query.where(_in_force(on))
    async with db.read_only(ctx.engine):
        rows = await query.order_by(PriceStandard.code).order_by(PriceStandard.version)
        items = await PriceItemRow.select().where(PriceItemRow.standard.is_in([r["id"] for r in rows] or [0])).order_by(PriceItemRow.id)
        authors = await ctx.staff_names.usernames(r["created_by"] for r in rows)
    by_standard: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        by_standard.setdefault(item["standard"], []).append(item)
    return [_standard_out(row, by_standard.get(row["id"], []), created_by=authors.get(row["created_by"])) for row in rows]


def _check_standard(data: schemas.PriceStandardCreate) -> list[PriceItem]:
    errors = []
    if not _STANDARD_CODE.match(data.code or ""):
        errors.append(FieldError("price_standard.invalid_code",
                                 "标准编号只能用大写字母、数字、- 和 _ / Code: capitals, digits, - and _", "code"))
    if not (1 <= len((data.name or "").strip()) <= 100):
        errors.append(FieldError("price_standard.invalid_name", "名称须为 1–100 个字符 / Name: 1–100 characters", "name"))
    if data.approval_ref is not None and len(data.approval_ref) > 64:
        errors.append(FieldError("price_standard.invalid_ref", "文号最多 64 个字符 / Reference: at most 64 characters",
                                 "approval_ref"))
    if errors:
        raise PriceStandardInvalid(errors)
    items = [PriceItem(code=(i.code or "").strip(), name=(i.name or "").strip(), unit=(i.unit or "").strip(),
                       unit_price_fen=i.unit_price_fen) for i in data.items]
    check_price_items(items=items)
    return items


async def create_price_standard(
    *, ctx: AppContext, actor: Actor, data: schemas.PriceStandardCreate, origin: Origin
) -> schemas.PriceStandardOut:
    """A new version of a standard, in force from ``effective_from`` (maintained by finance)."""
    require(actor, "price_standard.write")
    items = _check_standard(data)
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        existing = await db.locking(PriceStandard.select().where(PriceStandard.code == data.code), ctx.engine)
        version = max((r["version"] for r in existing), default=0) + 1
        # The open-ended version still in force hands over on the new version's first day.
        superseded = [r for r in existing if r["effective_to"] is None and r["effective_from"] < data.effective_from]
        for row in superseded:
            row["effective_to"] = data.effective_from
        check_new_period(
            existing=[StandardPeriod(code=r["code"], version=r["version"], effective_from=r["effective_from"],
                                     effective_to=r["effective_to"]) for r in existing],
            new=StandardPeriod(code=data.code, version=version, effective_from=data.effective_from,
                               effective_to=data.effective_to),
        )
        for row in superseded:
            await PriceStandard.update({PriceStandard.effective_to: data.effective_from}).where(PriceStandard.id == row["id"])
        inserted = await PriceStandard.insert(PriceStandard(
            key=f"{data.code}@{version}", code=data.code, version=version, name=data.name.strip(),
            approval_ref=(data.approval_ref or "").strip() or None, effective_from=data.effective_from,
            effective_to=data.effective_to, created_by=actor.staff_id, created_at=now,
        )).returning(PriceStandard.id)
        await PriceItemRow.insert(*(
            PriceItemRow(standard=inserted[0]["id"], code=i.code, name=i.name, unit=i.unit, unit_price_fen=i.unit_price_fen)
            for i in items
        ))
        await audit.append(
            ctx=ctx, action="price_standard.create", actor=actor.username, origin=origin, target=f"{data.code}@{version}",
            details={"effective_from": data.effective_from.isoformat(),
                     "effective_to": data.effective_to.isoformat() if data.effective_to else None,
                     "items": len(items), "superseded": [r["version"] for r in superseded]},
        )
        row = await PriceStandard.select(*PriceStandard.all_columns()).where(PriceStandard.id == inserted[0]["id"]).first()
        item_rows = await PriceItemRow.select().where(PriceItemRow.standard == inserted[0]["id"]).order_by(PriceItemRow.id)
    # The actor wrote created_by just now, so their own username names it.
    return _standard_out(row, item_rows, created_by=actor.username)


async def record_budget_estimate(
    *, ctx: AppContext, actor: Actor, data: schemas.BudgetEstimateCreate, origin: Origin
) -> schemas.BudgetEstimateOut:
    """预算部门测定金额 for one customer's installation; a contract priced on it must match it to the fen."""
    require(actor, "budget_estimate.write")
    errors = []
    if not _REF.match(data.ref or ""):
        errors.append(FieldError("budget_estimate.invalid_ref",
                                 "编号须为 1–64 个字母、数字或 -_/. / Reference: 1–64 letters, digits or -_/.", "ref"))
    if not (0 < data.amount_fen <= 10**12):
        errors.append(FieldError("budget_estimate.invalid_amount", "金额须大于零 / The amount must be positive",
                                 "amount_fen"))
    if not (1 <= len((data.description or "").strip()) <= 2000):
        errors.append(FieldError("budget_estimate.invalid_description",
                                 "请说明测定内容(最多 2000 字) / Describe the estimate (up to 2,000 characters)",
                                 "description"))
    if errors:
        raise InvalidFields(errors)
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        customer = await accounts.load_for_scope(ctx=ctx, actor=actor, account_no=data.account_no)
        if await BudgetEstimate.exists().where(BudgetEstimate.ref == data.ref):
            raise BudgetEstimateExists(f"预算测定 {data.ref} 已存在 / Budget estimate {data.ref} exists", field="ref")
        await BudgetEstimate.insert(BudgetEstimate(
            ref=data.ref, customer=customer["id"], amount_fen=data.amount_fen, description=data.description.strip(),
            recorded_by=actor.staff_id, recorded_at=now,
        ))
        await audit.append(ctx=ctx, action="budget_estimate.create", actor=actor.username, origin=origin,
                           target=data.ref, details={"account_no": customer["account_no"], "amount_fen": data.amount_fen})
    return schemas.BudgetEstimateOut(ref=data.ref, account_no=customer["account_no"], amount_fen=data.amount_fen,
                                     description=data.description.strip(), recorded_by=actor.username, recorded_at=now)
