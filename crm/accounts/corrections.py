"""客户信息错误更正: name or ID-number corrections approved by a manager (R-AC-08)."""

from __future__ import annotations

from typing import Any

from crm import db
from crm.accounts import schemas
from crm.accounts.customer_rules import CORRECTION_FIELDS, CustomerInput, validate_correction
from crm.common.masking import mask_value
from crm.accounts.sealed_fields import sealed_values
from crm.accounts.service import (
    DuplicateIdNumber,
    audit_duplicate,
    current_values,
    duplicate_id,
    find_by_id_number,
    load_for_scope,
    record_history,
)
from crm.accounts.tables import CorrectionRequest, Customer
from crm.audit import service as audit
from crm.common.reasons import clean_reason
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crm.common.sensitive import SealedTable
from crm.staff.access import Actor, in_scope, require

# The requested new value waits sealed, bound to its request table, until a second person decides.
_REQUESTS = SealedTable(table="correction_request")


class CorrectionNotFound(NotFound):
    code = "correction.not_found"


class CorrectionAlreadyDecided(Conflict):
    code = "correction.already_decided"


class OwnCorrection(PermissionDenied):
    code = "correction.own_request"


def _masked(field: str, value: str) -> str:
    return mask_value(kind="id_number", value=value) if field == "id_number" else value


async def request_correction(
    *, ctx: AppContext, actor: Actor, account_no: str, field: str, new_value: str, reason: str, origin: Origin
) -> schemas.Correction:
    require(actor, "customer.correct.request")
    if field not in CORRECTION_FIELDS:
        raise InvalidInput(f"字段 {field} 不需更正流程 / {field} is not a correction field", field="field", code="correction.unknown_field")
    reason = clean_reason(value=reason, purpose="correction")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        customer = await load_for_scope(ctx=ctx, actor=actor, account_no=account_no)
        value = validate_correction(current=current_values(customer, ctx), field=field, new_value=new_value)
        if await CorrectionRequest.exists().where(
            (CorrectionRequest.customer == customer["id"]) & (CorrectionRequest.status == "pending")
        ):
            raise Conflict("该用户已有待审批的更正申请 / A correction is already waiting for approval", code="correction.pending_exists")
        row = CorrectionRequest(
            customer=customer["id"],
            field=field,
            new_value_sealed=_REQUESTS.seal(ctx.keyring, column=field, record=customer["account_no"], value=value),
            new_value_masked=_masked(field, value),
            reason=reason,
            status="pending",
            requested_by=actor.staff_id,
            requested_at=now,
        )
        await row.save()
        await audit.append(
            ctx=ctx, action="customer.correction_request", actor=actor.username, origin=origin,
            target=customer["account_no"], details={"field": field, "reason": reason},
        )
    return await _one(row.id, ctx=ctx)


async def _one(correction_id: int, *, ctx: AppContext) -> schemas.Correction:
    row = await CorrectionRequest.select(
        CorrectionRequest.all_columns(),
        CorrectionRequest.customer.account_no,
        CorrectionRequest.customer.branch,
    ).where(CorrectionRequest.id == correction_id).first()
    return (await _schemas([row], ctx=ctx))[0]


async def _schemas(rows: list[dict[str, Any]], *, ctx: AppContext) -> list[schemas.Correction]:
    # Requester and decider are staff ids; all the rows' people are named in one call.
    names = await ctx.staff_names.usernames(r[c] for r in rows for c in ("requested_by", "decided_by"))
    return [_schema(r, usernames=names) for r in rows]


def _schema(row: dict[str, Any], *, usernames: dict[int, str]) -> schemas.Correction:
    return schemas.Correction(
        id=row["id"],
        account_no=row["customer.account_no"],
        field=row["field"],
        new_value=row["new_value_masked"],
        reason=row["reason"],
        status=row["status"],
        requested_by=usernames.get(row["requested_by"]),
        requested_at=row["requested_at"],
        decided_by=usernames.get(row["decided_by"]),
        decided_at=row["decided_at"],
        decision_reason=row["decision_reason"],
    )


async def list_corrections(*, ctx: AppContext, actor: Actor, status: str = "pending") -> list[schemas.Correction]:
    if not any(cap in actor.capabilities for cap in ("customer.correct.approve", "customer.correct.request")):
        require(actor, "customer.correct.approve")
    query = CorrectionRequest.select(
        CorrectionRequest.all_columns(),
        CorrectionRequest.customer.account_no,
        CorrectionRequest.customer.branch,
    ).where(CorrectionRequest.status == status).order_by(CorrectionRequest.requested_at)
    if not actor.all_branches:
        query = query.where(CorrectionRequest.customer.branch == actor.branch_id)
    return await _schemas(await query.limit(200), ctx=ctx)


async def decide_correction(
    *, ctx: AppContext, actor: Actor, correction_id: int, approve: bool, reason: str | None, origin: Origin
) -> schemas.Correction:
    require(actor, "customer.correct.approve")
    try:
        await _decide(ctx=ctx, actor=actor, correction_id=correction_id, approve=approve, reason=reason, origin=origin)
    except DuplicateIdNumber as hit:
        # The decision rolled back and the request stays pending; the hit is recorded on its own.
        await audit_duplicate(ctx=ctx, actor=actor, origin=origin, hit=hit, via="correction", correction=correction_id)
        raise
    return await _one(correction_id, ctx=ctx)


async def _decide(
    *, ctx: AppContext, actor: Actor, correction_id: int, approve: bool, reason: str | None, origin: Origin
) -> None:
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await CorrectionRequest.select(
            CorrectionRequest.all_columns(), CorrectionRequest.customer.account_no, CorrectionRequest.customer.branch
        ).where(CorrectionRequest.id == correction_id).first()
        if row is None or not in_scope(actor, row["customer.branch"]):
            raise CorrectionNotFound("更正申请不存在 / Correction request not found")
        if row["status"] != "pending":
            raise CorrectionAlreadyDecided("该申请已处理 / This request was already decided")
        if row["requested_by"] == actor.staff_id:
            raise OwnCorrection("不能审批本人提交的更正 / You cannot approve your own correction request")
        # Approving may carry a remark; rejecting must tell the requester why.
        decision_reason = clean_reason(value=reason, purpose="correction_rejection", required=not approve)
        updated = await CorrectionRequest.update(
            {
                CorrectionRequest.status: "approved" if approve else "rejected",
                CorrectionRequest.decided_by: actor.staff_id,
                CorrectionRequest.decided_at: now,
                CorrectionRequest.decision_reason: decision_reason,
            }
        ).where((CorrectionRequest.id == correction_id) & (CorrectionRequest.status == "pending")).returning(CorrectionRequest.id)
        if not updated:
            raise CorrectionAlreadyDecided("该申请已处理 / This request was already decided")
        if approve:
            await _apply(ctx, actor=actor, row=row, now=now)
        await audit.append(
            ctx=ctx, action="customer.correction_decision", actor=actor.username, origin=origin,
            target=row["customer.account_no"], details={"id": correction_id, "approve": approve, "field": row["field"]},
        )


async def _apply(ctx: AppContext, *, actor: Actor, row: dict[str, Any], now) -> None:
    account_no = row["customer.account_no"]
    field = row["field"]
    value = _REQUESTS.open(ctx.keyring, column=field, record=account_no, token=row["new_value_sealed"])
    customer = await load_for_scope(ctx=ctx, actor=actor, account_no=account_no)
    values: dict[Any, Any] = {}
    if field == "id_number":
        existing = await find_by_id_number(ctx, value)
        if existing is not None and existing["id"] != customer["id"]:
            raise await duplicate_id(ctx=ctx, actor=actor, existing=existing)
        values.update(sealed_values(ctx, data=CustomerInput(id_number=value), account_no=account_no))
        old, new = customer["id_number_masked"], mask_value(kind="id_number", value=value)
    else:
        values[getattr(Customer, field)] = value
        old, new = customer[field], value
    values[Customer.version] = customer["version"] + 1
    values[Customer.updated_at] = now
    await Customer.update(values).where(Customer.id == customer["id"])
    await record_history(customer_id=customer["id"], actor=actor, now=now, action="corrected", changes=[(field, old, new)], reason=row["reason"])


